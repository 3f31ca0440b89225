"""Opening the App Home at first sight: `open_home` refuses someone never seen
(`Unknown`) before it records the event, and the adapter (`Acting.known`)
makes them known from `users.info` and asks again. Races between deliveries,
a person who left, a Slack that cannot say who someone is, and odd payloads."""

from __future__ import annotations

import functools
import logging

import pytest
from sqlalchemy import Engine, text

from bot.standin import payloads
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import mentor_and_mentee
from tests.threads import at_once


def _count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def _users(engine: Engine, slack_user_id: str) -> int:
    return _count(engine, "SELECT count(*) FROM users WHERE slack_user_id = :u", u=slack_user_id)


def _events(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT workspace_id, event_id FROM processed_events"
                " ORDER BY workspace_id, event_id"
            )
        )
        return [(row[0], row[1]) for row in rows]


def _home_event(h: Harness, user_id: str, event_id: str, *, retry: bool = False) -> object:
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    reply = h.sender.event(
        payloads.event_callback(payloads.home_opened(user_id), event_id=event_id),
        extra_headers=headers,
    )
    assert reply.status == 200
    return reply


def _no_error(h: Harness, caplog: pytest.LogCaptureFixture, user_id: str) -> None:
    h.settle()
    # slack_sdk logs each request it could not send itself: the bot's own errors.
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and not r.name.startswith("slack_")
    ]
    assert not errors, [r.getMessage() for r in errors]
    # An unhandled error also apologises to the person in a DM.
    assert not h.calls("chat.postMessage", channel=user_id)


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def test_two_first_visits_at_once_make_one_person_and_publish_two_homes(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    h.slack.add_user("URACE", "Rae Race", tz="Europe/Paris")
    # Slack answers slowly: both deliveries are making Rae known at the same time.
    h.slack.fail("users.info", times=2, delay_s=0.3, match={"user": "URACE"})
    at_once(
        lambda: _home_event(h, "URACE", "EvRace1"),
        lambda: _home_event(h, "URACE", "EvRace2"),
    )
    wait_for(lambda: len(h.calls("views.publish", user_id="URACE")) >= 2)
    _no_error(h, errors_logged, "URACE")
    assert _users(owner_engine, "URACE") == 1
    assert _events(owner_engine) == [("T1", "EvRace1"), ("T1", "EvRace2")]
    homes = h.calls("views.publish", user_id="URACE")
    assert len(homes) == 2
    assert all("Rae Race" in str(call.params["view"]) for call in homes)


def test_an_event_delivered_twice_at_once_at_first_sight_acts_once(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    h.slack.add_user("URETRY", "Rhys Retry")
    h.slack.fail("users.info", times=2, delay_s=0.3, match={"user": "URETRY"})
    at_once(
        lambda: _home_event(h, "URETRY", "EvTwice"),
        lambda: _home_event(h, "URETRY", "EvTwice", retry=True),
    )
    h.next_call("views.publish", user_id="URETRY")
    _no_error(h, errors_logged, "URETRY")
    assert len(h.calls("views.publish", user_id="URETRY")) == 1
    assert _users(owner_engine, "URETRY") == 1
    assert _events(owner_engine) == [("T1", "EvTwice")]
    # And later the retry comes again, once Rhys is known: nothing more.
    _home_event(h, "URETRY", "EvTwice", retry=True)
    h.settle()
    assert len(h.calls("views.publish", user_id="URETRY")) == 1


def test_an_event_delivered_twice_at_once_to_a_known_person_acts_once(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    mentor_and_mentee(h)
    h.settle()
    h.slack.clear()
    for round_ in range(5):
        delivery = functools.partial(_home_event, h, "UBEN", f"EvKnown{round_}")
        at_once(*(delivery for _ in range(4)))  # four deliveries of one event at once
    h.settle()
    _no_error(h, errors_logged, "UBEN")
    assert len(h.calls("views.publish", user_id="UBEN")) == 5
    assert [event for _, event in _events(owner_engine)] == [f"EvKnown{n}" for n in range(5)]
    assert not h.calls("users.info", user="UBEN")


def test_a_person_who_left_gets_the_left_home_and_is_not_made_known_again(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    mentor_and_mentee(h)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE slack_user_id = 'UBEN'"))
    h.settle()
    h.slack.clear()
    _home_event(h, "UBEN", "EvLeft")
    home = str(h.next_call("views.publish", user_id="UBEN").params["view"])
    _no_error(h, errors_logged, "UBEN")
    assert "left the mentorship programme" in home
    assert not h.calls("users.info", user="UBEN")
    assert _users(owner_engine, "UBEN") == 1
    assert _count(owner_engine, "SELECT count(*) FROM users WHERE is_active = false") == 1
    assert _events(owner_engine) == [("T1", "EvLeft")]


@pytest.mark.parametrize(
    "fault",
    [
        {"error": "user_not_found"},
        {"status": 500},
        {"status": 429, "retry_after": 1},
        {"answer": {"ok": True}},  # no `user` in the answer
        {"close_connection": True, "times": 5},  # past the client's one retry
    ],
    ids=["refused", "server-error", "rate-limited", "no-user", "connection-lost"],
)
def test_a_first_visit_when_slack_cannot_say_who_it_is_still_publishes_once(
    h: Harness,
    owner_engine: Engine,
    errors_logged: pytest.LogCaptureFixture,
    fault: dict[str, object],
) -> None:
    h.slack.fail("users.info", match={"user": "UGHOST"}, **fault)
    _home_event(h, "UGHOST", "EvGhost")
    h.next_call("views.publish", user_id="UGHOST")
    asked = len(h.calls("users.info", user="UGHOST"))  # 2 when the client retried once
    _home_event(h, "UGHOST", "EvGhost", retry=True)
    _no_error(h, errors_logged, "UGHOST")
    assert len(h.calls("users.info", user="UGHOST")) == asked
    assert len(h.calls("views.publish", user_id="UGHOST")) == 1
    with owner_engine.connect() as conn:
        names = conn.execute(
            text("SELECT display_name FROM users WHERE slack_user_id = 'UGHOST'")
        ).scalars()
        assert names.all() == ["UGHOST"]
    assert _events(owner_engine) == [("T1", "EvGhost")]


def test_the_messages_tab_and_an_event_without_a_user_do_nothing(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    h.slack.add_user("UNEW", "Nia New")
    messages = {**payloads.home_opened("UNEW"), "tab": "messages"}
    assert h.event(messages, event_id="EvMessages").status == 200
    nobody = {k: v for k, v in payloads.home_opened("UNEW").items() if k != "user"}
    assert h.event(nobody, event_id="EvNobody").status == 200
    empty = {**payloads.home_opened("UNEW"), "user": ""}
    assert h.event(empty, event_id="EvEmpty").status == 200
    not_a_string = {**payloads.home_opened("UNEW"), "user": {"id": "UNEW"}}
    assert h.event(not_a_string, event_id="EvDict").status == 200
    _no_error(h, errors_logged, "UNEW")
    assert not h.calls("views.publish")
    assert not h.calls("users.info")
    assert _count(owner_engine, "SELECT count(*) FROM users") == 0
    assert _events(owner_engine) == []


def test_a_visit_from_another_workspace_is_kept_to_that_workspace(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    mentor_and_mentee(h)  # Maya and Ben in T1
    h.settle()
    h.slack.clear()
    other = payloads.event_callback(payloads.home_opened("UBEN"), event_id="EvOther")
    other["team_id"] = "T2"
    assert h.sender.event(other).status == 200
    home = str(h.next_call("views.publish", user_id="UBEN").params["view"])
    # Ben in T2 is someone else: made known there, and T1's Ben is untouched.
    _no_error(h, errors_logged, "UBEN")
    assert h.calls("users.info", user="UBEN")
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT workspace_id, is_mentee FROM users WHERE slack_user_id = 'UBEN'"
                " ORDER BY workspace_id"
            )
        ).all()
    assert [(row[0], row[1]) for row in rows] == [("T1", True), ("T2", False)]
    assert _events(owner_engine) == [("T2", "EvOther")]
    # The same event id in T1 is another event: it publishes T1's Ben's Home.
    assert (
        h.sender.event(
            payloads.event_callback(payloads.home_opened("UBEN"), event_id="EvOther")
        ).status
        == 200
    )
    h.next_call("views.publish", after=1, user_id="UBEN")
    assert _events(owner_engine) == [("T1", "EvOther"), ("T2", "EvOther")]
    assert "Maya" not in home  # T2's Home does not suggest T1's mentors


def test_a_first_command_when_slack_cannot_be_reached_still_answers(
    h: Harness, owner_engine: Engine, errors_logged: pytest.LogCaptureFixture
) -> None:
    # The same first sight (Acting._first_sight) serves commands: a lost
    # connection to users.info used to be an unhandled error and an apology.
    mentor_and_mentee(h)
    h.slack.fail("users.info", close_connection=True, times=5, match={"user": "UGHOST"})
    h.command("UGHOST", "find python")
    assert "Maya" in h.next_call("response_url").text()
    _no_error(h, errors_logged, "UGHOST")
    assert _users(owner_engine, "UGHOST") == 1
