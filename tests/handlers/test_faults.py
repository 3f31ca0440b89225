"""Bad input, tampering, clicks by the wrong person, retries and Slack failures:
a polite answer, nothing half-written, nothing lost, nothing done twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, text

from bot.standin import payloads
from bot.standin.payloads import select
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef, SessionRef
from tests.handlers.conftest import NOW, Harness, wait_for
from tests.handlers.people import mentor_and_mentee


def _maya_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE slack_user_id = 'UMAYA'")).scalar_one()


def _request(h: Harness, engine: Engine) -> int:
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya_id(engine)).encode())
    view = h.last_view_opened()
    slot = view["blocks"][1]["element"]["option_groups"][0]["options"][0]["value"]
    reply = h.submit("UBEN", view, {Field.SLOT: select(slot)})
    assert "errors" not in reply.body, reply.body
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM sessions")).scalar_one()


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_a_tampered_button_value_gets_a_polite_answer_and_changes_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    session_id = _request(h, owner_engine)
    h.slack.clear()
    tampered = (
        '{"session_id": "1; DROP TABLE sessions"}',
        "garbage",
        '{"session_id": -4}',
        '{"session_id": 99999999999999999999}',  # past bigint: once the generic apology
    )
    for value in tampered:
        assert h.click("UMAYA", Action.ACCEPT, value).status == 200
    answers = wait_for(lambda: h.slack.calls_to("response_url")[3:])
    assert all("no longer works" in call.text() for call in h.slack.calls_to("response_url"))
    assert answers
    status = _count(
        owner_engine,
        f"SELECT count(*) FROM sessions WHERE id = {session_id} AND status = 'requested'",
    )
    assert status == 1


def test_a_click_by_someone_who_is_not_allowed_is_refused_politely(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    session_id = _request(h, owner_engine)
    h.slack.clear()
    # Ben is the mentee: only Maya may accept. Cara is not in the session at all.
    h.click("UBEN", Action.ACCEPT, SessionRef(session_id=session_id).encode())
    assert "Only the mentor" in h.next_call("response_url").text()
    h.click("UCARA", Action.ACCEPT, SessionRef(session_id=session_id).encode())
    assert "isn't one of yours" in h.next_call("response_url", after=1).text()
    assert _count(owner_engine, "SELECT count(*) FROM sessions WHERE status = 'requested'") == 1


def test_tampered_private_metadata_keeps_the_modal_open_with_a_message(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    forged = {"callback_id": Modal.BOOK, "private_metadata": '{"mentor_id": "x"}'}
    slot = str(int((NOW + timedelta(hours=2)).timestamp()))
    reply = h.submit("UBEN", forged, {Field.SLOT: select(slot)})
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "out of date" in body["errors"][Field.SLOT]
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 0


def test_a_replayed_accept_does_not_act_twice(h: Harness, owner_engine: Engine) -> None:
    mentor_and_mentee(h)
    session_id = _request(h, owner_engine)
    h.slack.clear()
    click = payloads.block_action(
        "UMAYA",
        Action.ACCEPT,
        SessionRef(session_id=session_id).encode(),
        response_url=h.server.response_url("replay"),
    )
    assert h.sender.interaction(click).status == 200
    assert h.sender.interaction(click).status == 200  # the same signed request again
    wait_for(lambda: len(h.slack.calls_to("response_url")) >= 2)
    history = _count(
        owner_engine,
        f"SELECT count(*) FROM session_history WHERE session_id = {session_id}"
        " AND to_status = 'scheduled'",
    )
    accepted_notices = _count(
        owner_engine, "SELECT count(*) FROM notifications WHERE kind = 'request_accepted'"
    )
    assert (history, accepted_notices) == (1, 1)


def test_a_retried_event_acts_once(h: Harness) -> None:
    h.event(payloads.home_opened("UBEN"), event_id="Ev0001")
    h.next_call("views.publish", user_id="UBEN")
    retry = h.sender.event(
        payloads.event_callback(payloads.home_opened("UBEN"), event_id="Ev0001"),
        extra_headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status == 200
    h.event(payloads.home_opened("UBEN"), event_id="Ev0002")
    h.next_call("views.publish", after=1, user_id="UBEN")
    assert len(h.calls("views.publish", user_id="UBEN")) == 2  # Ev0001 once, Ev0002 once


def test_a_dm_that_slack_fails_to_take_stays_in_the_outbox(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.slack.fail("chat.postMessage", status=500, times=10, match={"channel": "UMAYA"})
    _request(h, owner_engine)
    wait_for(
        lambda: _count(
            owner_engine, "SELECT count(*) FROM notifications WHERE last_error IS NOT NULL"
        )
    )
    undelivered = _count(
        owner_engine,
        "SELECT count(*) FROM notifications WHERE kind = 'request_received'"
        " AND delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at > created_at",
    )
    assert undelivered == 1
    # Slack is back: the next delivery run sends it, exactly once.
    h.slack.faults.clear()
    h.clock.advance(minutes=5)
    assert h.bot.deps.notifier.deliver(None) == 1
    assert h.bot.deps.notifier.deliver(None) == 0
    assert len(h.calls("chat.postMessage", channel="UMAYA")) == 1


def test_a_permanent_slack_refusal_is_recorded_and_not_retried(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.slack.fail("chat.postMessage", error="user_not_found", match={"channel": "UMAYA"})
    _request(h, owner_engine)
    wait_for(
        lambda: _count(
            owner_engine, "SELECT count(*) FROM notifications WHERE gave_up_at IS NOT NULL"
        )
    )
    h.clock.advance(hours=2)
    assert h.bot.deps.notifier.deliver(None) == 0
    with owner_engine.connect() as conn:
        error = conn.execute(text("SELECT last_error FROM notifications")).scalar_one()
    assert error == "user_not_found"


def test_a_modal_submission_that_fails_writes_nothing(h: Harness, owner_engine: Engine) -> None:
    mentor_and_mentee(h)
    h.command("UMAYA", "availability")
    editor = h.opened_view()
    assert editor["callback_id"] == Modal.AVAILABILITY
    first, last = NOW.date() + timedelta(days=10), NOW.date() + timedelta(days=1)  # last < first
    reply = h.submit(
        "UMAYA",
        editor,
        {
            Field.WEEKDAYS: {"type": "checkboxes", "selected_options": [{"value": "5"}]},
            Field.START: {"type": "timepicker", "selected_time": "10:00"},
            Field.END: {"type": "timepicker", "selected_time": "11:00"},
            Field.FIRST_DAY: {"type": "datepicker", "selected_date": f"{first:%Y-%m-%d}"},
            Field.LAST_DAY: {"type": "datepicker", "selected_date": f"{last:%Y-%m-%d}"},
        },
    )
    assert Field.LAST_DAY in json.loads(reply.body)["errors"]
    assert _count(owner_engine, "SELECT count(*) FROM availability WHERE weekday = 5") == 0


def test_an_oversized_slack_profile_does_not_lock_the_person_out(h: Harness) -> None:
    h.slack.add_user("ULONG", "N" * 200, "Europe/Paris", title="T" * 164)
    h.command("ULONG", "find")
    answer = h.next_call("response_url").text()
    assert "at most" not in answer
    assert "mentors" in answer.lower()


def test_two_first_requests_at_once_both_succeed(h: Harness, owner_engine: Engine) -> None:
    import threading

    h.slack.add_user("UTWICE", "Twice", "UTC")
    threads = [threading.Thread(target=h.command, args=("UTWICE", "find")) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = wait_for(lambda: h.slack.calls_to("response_url")[1:])
    texts = [call.text() for call in h.slack.calls_to("response_url")]
    assert len(answers) == 1
    assert not any("already" in text for text in texts)
    assert _count(owner_engine, "SELECT count(*) FROM users WHERE slack_user_id = 'UTWICE'") == 1


def test_a_tampered_slot_value_is_refused_as_no_longer_valid_and_books_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya_id(owner_engine)).encode())
    view = h.last_view_opened()
    listed = view["blocks"][1]["element"]["option_groups"][0]["options"][0]["value"]
    with_offset = (
        datetime.fromtimestamp(int(listed), UTC)
        .astimezone(timezone(timedelta(hours=2)))
        .isoformat()
    )
    for value in ("9" * 20, "²", with_offset):
        reply = h.submit("UBEN", view, {Field.SLOT: select(value)})
        assert reply.status == 200
        body = json.loads(reply.body)
        assert body["response_action"] == "errors", value
        assert "no longer valid" in body["errors"][Field.SLOT], value
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 0


def test_a_third_open_request_with_one_mentor_is_refused_in_the_form_saying_what_to_do(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya_id(owner_engine)).encode())
    view = h.last_view_opened()
    # Three slots, from one day or more (how many a day has depends on the date).
    groups = view["blocks"][1]["element"]["option_groups"]
    options = [option for group in groups for option in group["options"]]
    replies = [
        json.loads(h.submit("UBEN", view, {Field.SLOT: select(option["value"])}).body or "{}")
        for option in options[:3]
    ]
    assert [reply.get("response_action") for reply in replies] == [None, None, "errors"]
    refusal = replies[2]["errors"][Field.SLOT]
    assert "2 sessions requested or coming up with Maya" in refusal
    assert "cancel one in `/mentor sessions`" in refusal
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 2


def test_a_first_match_and_find_when_slack_cannot_say_who_it_is_still_answer_once(
    h: Harness, owner_engine: Engine
) -> None:
    # Acting.known: the use case refuses someone never seen (Unknown), they are
    # made known (users.info failing: their Slack id as name), it runs again.
    mentor_and_mentee(h)
    h.slack.fail("users.info", error="user_not_found", match={"user": "UGHOST"})
    h.command("UGHOST", "match")
    answer = h.next_call("response_url").text()
    assert "don't know you" not in answer
    assert "no longer exists" not in answer.lower()
    h.command("UGHOST", "find python")
    assert "Maya" in h.next_call("response_url", after=1).text()
    with owner_engine.connect() as conn:
        names = conn.execute(
            text("SELECT display_name FROM users WHERE slack_user_id = 'UGHOST'")
        ).scalars()
        assert names.all() == ["UGHOST"]


def test_a_deactivated_person_is_told_so_and_not_made_known_again(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE slack_user_id = 'UBEN'"))
    h.slack.clear()
    for index, command in enumerate(("find python", "match")):
        h.command("UBEN", command)
        assert "deactivated" in h.next_call("response_url", after=index).text()
    assert not h.calls("users.info", user="UBEN")
    assert _count(owner_engine, "SELECT count(*) FROM users WHERE slack_user_id = 'UBEN'") == 1
