"""Recurring sessions through the bot over signed HTTP: Ben books Maya every
week or two from the booking modal, Maya answers the whole series with one
click from her one DM, Ben hears the outcome once (and each of them gets one
calendar file for the series), and a session of it is cancelled on its own.
A series with a session that is not free is refused in the modal, which says
which session and the nearest free time.

Times come from the harness's clock and Maya's offered slots; a series keeps
Maya's wall-clock time in London (`domain.recurrence`), so the expected times
are worked out the same way whatever the date."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, text

from bot import jobs
from bot.standin.payloads import block_action, checkboxes, select, text_input
from bot.standin.seen import Kind, Sight
from domain.model import Repeat
from domain.recurrence import MOVES_DO_NOT_FIT, occurrence_starts
from handlers.ids import Action, Field
from handlers.metadata import MentorRef
from handlers.render.common import plain_time
from tests.handlers.booked import at, book, cancel, files_to, slot_values, user_id
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import mentor_and_mentee

LONDON = "Europe/London"
BOTH = ["UBEN", "UMAYA"]


def _booking_form(h: Harness, mentor_id: int) -> dict[str, Any]:
    mark = h.mark()
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=mentor_id).encode())
    built = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "views.update"], what="the booking modal"
    )
    return built[-1].view()


def _submit_series(
    h: Harness, mentor_id: int, *, every: int, times: int, slot: int = 0
) -> tuple[dict[str, Any], str]:
    """Ben picks Maya's `slot`th free time, repeating; the ack's body and the slot."""
    form = _booking_form(h, mentor_id)
    chosen = slot_values(form)[slot]
    values = {
        Field.SLOT: select(chosen),
        Field.TOPIC: text_input("Weekly pairing"),
        Field.REPEAT: select(str(every)),
        Field.REPEAT_TIMES: select(str(times)),
    }
    reply = h.submit("UBEN", form, values)
    h.settle()
    assert reply.status == 200
    return reply.json() or {}, chosen


def _sessions(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT id, status, starts_at, series_id FROM sessions ORDER BY starts_at")
            )
        )


def _dms(h: Harness, mark: int, person: str) -> list[Sight]:
    return [s for s in h.sights(mark) if s.audience == person and s.kind is Kind.DM]


def _button(dm: Sight, action_id: str) -> str:
    return next(
        str(e["value"])
        for b in dm.message().get("blocks") or []
        for e in b.get("elements", [])
        if e.get("action_id") == action_id
    )


def _text(sight: Sight) -> str:
    return str(sight.message().get("text") or "")


def _series_request(h: Harness, engine: Engine, *, times: int = 3) -> tuple[list[Any], Sight]:
    """Ben books a series of `times`, every week; its sessions and Maya's DM."""
    mentor_and_mentee(h)
    mark = h.mark()
    body, _ = _submit_series(h, user_id(engine, "UMAYA"), every=1, times=times)
    assert "errors" not in body, body
    (request,) = _dms(h, mark, "UMAYA")
    return _sessions(engine), request


def test_a_series_booked_from_the_modal_holds_every_session_and_the_mentor_gets_one_dm(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    maya = user_id(owner_engine, "UMAYA")
    mark = h.mark()

    body, chosen = _submit_series(h, maya, every=2, times=3)

    assert "errors" not in body, body
    sessions = _sessions(owner_engine)
    expected = occurrence_starts(at(chosen), LONDON, Repeat(every_weeks=2, times=3))
    assert [s.starts_at for s in sessions] == expected
    assert {s.status for s in sessions} == {"requested"}
    assert len({s.series_id for s in sessions}) == 1
    assert sessions[0].series_id is not None
    # Maya hears once, with every time listed and the two buttons.
    (request,) = _dms(h, mark, "UMAYA")
    assert "asked for 3 sessions, every 2 weeks" in _text(request)
    listed = str(request.message()["blocks"])
    assert all(f"<!date^{int(start.timestamp())}^" in listed for start in expected)
    assert _button(request, Action.ACCEPT_SERIES)
    assert _button(request, Action.DECLINE_SERIES)
    assert not any(_button_ids(request) & {Action.ACCEPT, Action.DECLINE})
    # Ben's confirmation lists the series too.
    (confirmation,) = _dms(h, mark, "UBEN")
    assert "Request sent for 3 sessions, every 2 weeks" in _text(confirmation)


def _button_ids(dm: Sight) -> set[str]:
    return {
        str(e.get("action_id"))
        for b in dm.message().get("blocks") or []
        for e in b.get("elements", [])
    }


def test_the_mentor_accepts_the_whole_series_with_one_click(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    mark = h.mark()

    h.click("UMAYA", Action.ACCEPT_SERIES, _button(request, Action.ACCEPT_SERIES), on=request)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["scheduled"] * 3
    (replaced,) = [s for s in h.sights(mark) if s.kind is Kind.REPLACED]
    assert "Accepted by Maya" in _text(replaced)
    assert not _button_ids(replaced) & {Action.ACCEPT_SERIES, Action.DECLINE_SERIES}
    (told,) = _dms(h, mark, "UBEN")
    assert "accepted 3 of your sessions" in _text(told)
    # One calendar file each, listing the three sessions as their own events.
    files = files_to(h, mark, BOTH)
    h.settle()
    assert len(files) == 2
    for file in files:
        events = Calendar.from_ical(file.content).walk("VEVENT")
        assert sorted(e.decoded("DTSTART") for e in events) == [s.starts_at for s in sessions]
        assert {str(e["UID"]) for e in events} == {f"session-{s.id}.t1@mentorbot" for s in sessions}
        assert {int(e["SEQUENCE"]) for e in events} == {0}


def test_the_mentor_declines_the_whole_series_with_one_click(
    h: Harness, owner_engine: Engine
) -> None:
    _, request = _series_request(h, owner_engine)
    mark = h.mark()

    h.click("UMAYA", Action.DECLINE_SERIES, _button(request, Action.DECLINE_SERIES), on=request)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["declined"] * 3
    (replaced,) = [s for s in h.sights(mark) if s.kind is Kind.REPLACED]
    assert "Declined by Maya" in _text(replaced)
    (told,) = _dms(h, mark, "UBEN")
    assert "declined your 3 session requests" in _text(told)
    assert not [s for s in h.sights(mark) if s.kind is Kind.FILE], "never in a calendar"


def test_cancelling_one_session_of_an_accepted_series_leaves_the_others(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    h.click("UMAYA", Action.ACCEPT_SERIES, _button(request, Action.ACCEPT_SERIES), on=request)
    h.settle()

    cancel(h, "UBEN", sessions[1].id, "Travelling that week")

    assert [s.status for s in _sessions(owner_engine)] == ["scheduled", "cancelled", "scheduled"]


def _not_free_second(h: Harness, engine: Engine) -> tuple[int, datetime]:
    """Ben already holds the time a weekly series from Maya's first free time
    would take for its second session; Maya's id and that time."""
    mentor_and_mentee(h)
    maya = user_id(engine, "UMAYA")
    first = at(slot_values(_booking_form(h, maya))[0])
    taken = occurrence_starts(first, LONDON, Repeat(every_weeks=1, times=2))[1]
    book(h, "UBEN", maya, slot=int(taken.timestamp()))
    return maya, taken


def _ben_zone(engine: Engine) -> str:
    with engine.connect() as conn:
        zone = conn.execute(text("SELECT time_zone FROM users WHERE slack_user_id = 'UBEN'"))
        return str(zone.scalar_one())


def _offer(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The modal the refused series updated to, and its offer to tick."""
    assert body.get("response_action") == "update", body
    view = body["view"]
    (block,) = [b for b in view["blocks"] if b.get("block_id") == Field.REPEAT_MOVES]
    (option,) = block["element"]["options"]
    return view, option


def test_a_series_with_a_session_that_is_not_free_names_it_and_offers_the_nearest_free_time(
    h: Harness, owner_engine: Engine
) -> None:
    maya, taken = _not_free_second(h, owner_engine)
    before = _sessions(owner_engine)

    body, _ = _submit_series(h, maya, every=1, times=4)

    view, option = _offer(body)
    ben_zone = _ben_zone(owner_engine)
    said = str(view["blocks"])
    assert f"Session 2 of 4, {plain_time(taken, ben_zone)}, is not free." in said
    # The clock is 08:00 UTC with two hours' notice: the first free time is at
    # 10:00 London or later, so the half hour before the taken one is free,
    # and of the two as near, the earlier is offered, ticked already.
    assert taken.astimezone(ZoneInfo(LONDON)).hour >= 10
    nearest = taken - timedelta(minutes=30)
    assert f"The nearest free time is {plain_time(nearest, ben_zone)}" in said
    assert option["text"]["text"] == f"Move session 2 of 4 to {plain_time(nearest, ben_zone)}"
    (ticked,) = next(b for b in view["blocks"] if b.get("block_id") == Field.REPEAT_MOVES)[
        "element"
    ]["initial_options"]
    assert ticked == option
    assert _sessions(owner_engine) == before, "nothing was written"


def test_ticking_the_nearest_free_time_books_the_series_with_that_session_moved(
    h: Harness, owner_engine: Engine
) -> None:
    maya, taken = _not_free_second(h, owner_engine)
    body, chosen = _submit_series(h, maya, every=1, times=4)
    view, option = _offer(body)
    mark = h.mark()

    reply = h.submit(
        "UBEN",
        view,
        {
            Field.SLOT: select(chosen),
            Field.TOPIC: text_input("Weekly pairing"),
            Field.REPEAT: select("1"),
            Field.REPEAT_TIMES: select("4"),
            Field.REPEAT_MOVES: checkboxes(option["value"]),
        },
    )
    h.settle()

    assert "errors" not in (reply.json() or {}), reply.body
    expected = occurrence_starts(at(chosen), LONDON, Repeat(every_weeks=1, times=4))
    expected[1] = taken - timedelta(minutes=30)
    series = [s for s in _sessions(owner_engine) if s.series_id is not None]
    assert [s.starts_at for s in series] == expected
    assert {s.status for s in series} == {"requested"}
    (request,) = _dms(h, mark, "UMAYA")
    assert f"<!date^{int(expected[1].timestamp())}^" in str(request.message()["blocks"])


@pytest.mark.parametrize(
    ("moves", "why"),
    [
        ("5:-30", "a session the series does not have"),
        ("2:20160", "two weeks away"),
        ("2:-30 2:30", "twice"),
        ("2:x", "not a number"),
    ],
)
def test_a_forged_move_is_refused_beside_its_field_and_writes_nothing(
    h: Harness, owner_engine: Engine, moves: str, why: str
) -> None:
    maya, _ = _not_free_second(h, owner_engine)
    form = _booking_form(h, maya)
    before = _sessions(owner_engine)

    reply = h.submit(
        "UBEN",
        form,
        {
            Field.SLOT: select(slot_values(form)[0]),
            Field.REPEAT: select("1"),
            Field.REPEAT_TIMES: select("4"),
            Field.REPEAT_MOVES: checkboxes(moves),
        },
    )

    assert (reply.json() or {}).get("errors") == {Field.REPEAT_MOVES: MOVES_DO_NOT_FIT}, why
    assert _sessions(owner_engine) == before


def test_a_move_onto_a_held_time_is_refused_and_writes_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    """Moving the third session onto the second's time is refused beside the
    field (the database's overlap rule would refuse the second write too:
    tests/storage/test_series_storage.py)."""
    mentor_and_mentee(h)
    maya = user_id(owner_engine, "UMAYA")
    form = _booking_form(h, maya)

    reply = h.submit(
        "UBEN",
        form,
        {
            Field.SLOT: select(slot_values(form)[0]),
            Field.REPEAT: select("1"),
            Field.REPEAT_TIMES: select("3"),
            Field.REPEAT_MOVES: checkboxes(f"3:{-7 * 24 * 60}"),
        },
    )

    assert (reply.json() or {}).get("errors") == {Field.REPEAT_MOVES: MOVES_DO_NOT_FIT}
    assert _sessions(owner_engine) == []


def test_each_session_of_a_series_is_labelled_with_its_place_wherever_it_is_shown(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    (confirmation,) = [d for d in _dms(h, 0, "UBEN") if "Request sent" in _text(d)]
    for dm in (request, confirmation):
        listed = _text(dm) + str(dm.message().get("blocks"))
        assert all(f"{n} of 3 · <!date^" in listed for n in (1, 2, 3)), listed
    mark = h.mark()
    h.click("UMAYA", Action.ACCEPT_SERIES, _button(request, Action.ACCEPT_SERIES), on=request)
    files = files_to(h, mark, BOTH)
    for file in files:
        summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(file.content).walk("VEVENT")]
        assert sorted(s[-8:] for s in summaries) == ["(1 of 3)", "(2 of 3)", "(3 of 3)"]
    # Ben's list of sessions and his App Home name each session's place.
    mark = h.mark()
    h.command("UBEN", "sessions")
    (answer,) = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "response_url"], what="his sessions"
    )
    listed = str(answer.blocks())
    assert all(f"session {n} of 3 of a series" in listed for n in (1, 2, 3)), listed
    mark = h.mark()
    h.open_home("UBEN")
    h.settle()
    home = [str(c.view()) for c in h.since(mark) if c.method == "views.publish"][-1]
    assert "session 1 of 3 of a series" in home
    # A notice about one session of it says which one.
    mark = h.mark()
    cancel(h, "UBEN", sessions[1].id, "Travelling that week")
    (told,) = _dms(h, mark, "UMAYA")
    assert "Session 2 of 3 of a recurring series" in str(told.message()["blocks"])


def test_an_unanswered_series_expires_as_one_with_one_notice_to_each_person(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, _ = _series_request(h, owner_engine)
    h.clock.set(sessions[0].starts_at + timedelta(minutes=1))
    mark = h.mark()

    jobs.lifecycle(h.bot)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["expired"] * 3
    (to_ben,) = _dms(h, mark, "UBEN")
    assert "Your weekly series of 3 sessions with Maya" in _text(to_ben)
    assert "expired unanswered" in _text(to_ben)
    (to_maya,) = _dms(h, mark, "UMAYA")
    assert "Your weekly series of 3 sessions with Ben" in _text(to_maya)
    # A second run finds nothing to expire and tells nobody again.
    mark = h.mark()
    jobs.lifecycle(h.bot)
    h.settle()
    assert not _dms(h, mark, "UBEN") + _dms(h, mark, "UMAYA")


def test_accept_all_works_when_the_mentee_cancelled_the_first_session_and_says_so(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    cancel(h, "UBEN", sessions[0].id, "Busy that day")
    mark = h.mark()

    h.click("UMAYA", Action.ACCEPT_SERIES, _button(request, Action.ACCEPT_SERIES), on=request)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["cancelled", "scheduled", "scheduled"]
    (replaced,) = [s for s in h.sights(mark) if s.kind is Kind.REPLACED]
    said = str(replaced.message()["blocks"])
    assert "Not accepted:" in said
    assert "session 1 of 3 · " in said
    assert "it was cancelled" in said
    (told,) = _dms(h, mark, "UBEN")
    assert "accepted 2 of your sessions" in _text(told)


def test_accept_all_after_the_first_sessions_time_skips_it_and_says_so(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    # Before the lifecycle job has run: the first session still waits.
    h.clock.set(sessions[0].starts_at + timedelta(minutes=1))
    mark = h.mark()

    h.click("UMAYA", Action.ACCEPT_SERIES, _button(request, Action.ACCEPT_SERIES), on=request)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["requested", "scheduled", "scheduled"]
    (replaced,) = [s for s in h.sights(mark) if s.kind is Kind.REPLACED]
    assert "session 1 of 3 · " in str(replaced.message()["blocks"])
    assert "its time had come" in str(replaced.message()["blocks"])
    # The series was answered: its passed session expires on its own.
    jobs.lifecycle(h.bot)
    assert [s.status for s in _sessions(owner_engine)] == ["expired", "scheduled", "scheduled"]


def test_decline_all_works_when_the_mentee_cancelled_the_first_session(
    h: Harness, owner_engine: Engine
) -> None:
    sessions, request = _series_request(h, owner_engine)
    cancel(h, "UBEN", sessions[0].id, "Busy that day")

    h.click("UMAYA", Action.DECLINE_SERIES, _button(request, Action.DECLINE_SERIES), on=request)
    h.settle()

    assert [s.status for s in _sessions(owner_engine)] == ["cancelled", "declined", "declined"]


def test_nobody_but_the_mentor_answers_a_series_with_a_forged_button(
    h: Harness, owner_engine: Engine
) -> None:
    _, request = _series_request(h, owner_engine)
    h.command("UZED", "signup mentee")
    h.submit("UZED", h.opened_view(), {Field.DEPARTMENT: text_input("Ops")})
    mark = h.mark()

    for who in ("UBEN", "UZED"):
        for action in (Action.ACCEPT_SERIES, Action.DECLINE_SERIES):
            h.click(who, action, _button(request, action))
    h.settle()

    assert {s.status for s in _sessions(owner_engine)} == {"requested"}
    said = " ".join(c.text() for c in h.since(mark) if c.method in ("chat.postMessage",))
    said += " ".join(c.text() for c in h.since(mark) if c.method == "response_url")
    assert said.count("Only the mentor can") == 2
    assert said.count("I can't find that session") == 2


def test_the_mentor_clicking_from_another_workspace_finds_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    _, request = _series_request(h, owner_engine)
    mark = h.mark()

    for action in (Action.ACCEPT_SERIES, Action.DECLINE_SERIES):
        payload = block_action("UMAYA", action, _button(request, action))
        payload["team"] = {"id": "T2", "domain": "other"}
        payload["user"]["team_id"] = "T2"
        assert h.sender.interaction(payload).status == 200
    h.settle()

    assert {s.status for s in _sessions(owner_engine)} == {"requested"}
    said = [c.text() for c in h.since(mark) if c.method in ("chat.postMessage", "response_url")]
    assert sum("I can't find that session" in t for t in said) == 2


@pytest.mark.parametrize(
    ("every", "times", "field", "message"),
    [
        (1, 13, Field.REPEAT_TIMES, "A series has from 2 to 12 sessions."),
        (1, 0, Field.REPEAT_TIMES, "A series has from 2 to 12 sessions."),
        (3, 4, Field.REPEAT, "A series repeats every 1, 2 or 4 weeks."),
    ],
)
def test_a_forged_count_or_interval_is_refused_beside_its_field_and_writes_nothing(
    h: Harness, owner_engine: Engine, every: int, times: int, field: Field, message: str
) -> None:
    mentor_and_mentee(h)
    body, _ = _submit_series(h, user_id(owner_engine, "UMAYA"), every=every, times=times)
    assert body == {"response_action": "errors", "errors": {field: message}}
    assert _sessions(owner_engine) == []


def _next_clock_change(after: datetime, zone: str) -> datetime:
    """The first midnight (UTC) after `after` on which `zone`'s offset differs
    from the day before's."""
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    while (day + timedelta(days=1)).astimezone(ZoneInfo(zone)).utcoffset() == day.astimezone(
        ZoneInfo(zone)
    ).utcoffset():
        day += timedelta(days=1)
    return day + timedelta(days=1)


def test_a_series_across_the_mentees_clock_change_keeps_the_mentors_time_in_bens_own_time(
    h: Harness, owner_engine: Engine
) -> None:
    """Ben in New York books Maya (London) weekly over New York's clock change:
    the series keeps Maya's wall-clock time, Ben reads each session in his
    own time (an hour apart across the change), and a session after the
    change that is not free is offered its nearest free time in his time."""
    new_york = "America/New_York"
    mentor_and_mentee(h)
    maya = user_id(owner_engine, "UMAYA")
    with owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET time_zone = :z WHERE slack_user_id = 'UBEN'"), {"z": new_york}
        )
    change = _next_clock_change(h.clock.now(), new_york)
    monday = (change - timedelta(days=10)).replace(hour=8)
    h.clock.set(monday - timedelta(days=monday.weekday()))
    first = at(slot_values(_booking_form(h, maya))[0])
    starts = occurrence_starts(first, LONDON, Repeat(every_weeks=1, times=4))
    assert starts[0] < change < starts[-1], "the series crosses the change"
    # Maya is away the day of the last session.
    away = starts[-1].astimezone(ZoneInfo(LONDON)).date()
    h.command("UMAYA", f"availability off {away.isoformat()} {away.isoformat()}")
    h.settle()

    body, chosen = _submit_series(h, maya, every=1, times=4)

    assert at(chosen) == first
    view, option = _offer(body)
    nearest = datetime.combine(away + timedelta(days=1), time(9), ZoneInfo(LONDON))
    said = str(view["blocks"])
    assert f"Session 4 of 4, {plain_time(starts[-1], new_york)}, is not free." in said
    assert option["text"]["text"] == f"Move session 4 of 4 to {plain_time(nearest, new_york)}"
    mark = h.mark()
    h.submit(
        "UBEN",
        view,
        {
            Field.SLOT: select(chosen),
            Field.REPEAT: select("1"),
            Field.REPEAT_TIMES: select("4"),
            Field.REPEAT_MOVES: checkboxes(option["value"]),
        },
    )
    h.settle()
    booked = [s.starts_at for s in _sessions(owner_engine)]
    assert booked == [*starts[:3], nearest.astimezone(UTC)]
    walls = {s.astimezone(ZoneInfo(LONDON)).time() for s in booked[:3]}
    assert len(walls) == 1, "Maya's wall-clock time is kept"
    assert len({s.astimezone(ZoneInfo(new_york)).utcoffset() for s in booked}) == 2
    (confirmation,) = [d for d in _dms(h, mark, "UBEN") if "Request sent" in _text(d)]
    assert all(f"|{plain_time(s, new_york)} ({new_york})>" in _text(confirmation) for s in booked)
