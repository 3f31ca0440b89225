"""Book again, through signed requests: Ben's DM asking for feedback on his
completed session with Maya offers the same time 1, 2 or 4 weeks on; each
opens the booking modal at that time, or at the nearest free one with the
reason; a forged choice is refused; submitting books it.

Every time is built from the harness's clock: Ben books Maya (London,
weekdays 09:00-12:00) on the next Tuesday at 10:00 London time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from bot.standin.seen import Kind, Sight
from handlers.ids import Action, Field, Modal
from handlers.metadata import FollowUpRef, SessionRef, decode
from tests.dates import weekday_after
from tests.handlers.booked import SessionRow, accept, book, last_session, user_id
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import mentor_and_mentee

LONDON = ZoneInfo("Europe/London")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _weeks_on(session: SessionRow, weeks: int) -> datetime:
    """The same weekday and time on Maya's (London) wall clock."""
    return (session.starts_at.astimezone(LONDON) + timedelta(weeks=weeks)).astimezone(UTC)


def _modal(h: Harness, mark: int) -> dict[str, Any]:
    """The modal opened since `mark`, once built (it opens as "Loading…")."""
    built = wait_for(lambda: [c for c in h.since(mark) if c.method == "views.update"])
    return built[-1].view()


def _elements(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    return [e for b in blocks for e in b.get("elements", []) if e.get("action_id") == action_id]


def _completed(h: Harness, engine: Engine) -> tuple[SessionRow, Sight]:
    """Ben's session with Maya, booked, accepted, held and completed by Maya;
    and the DM that then asks Ben how it went."""
    mentor_and_mentee(h)
    tuesday = weekday_after(h.clock.now(), 1)
    ten = datetime.combine(tuesday, time(10), tzinfo=LONDON).astimezone(UTC)
    book(h, "UBEN", user_id(engine, "UMAYA"), slot=_epoch(ten))
    accept(h, "UMAYA")
    session = last_session(engine)
    h.clock.set(session.starts_at + timedelta(minutes=35))
    mark = h.mark()
    h.click("UMAYA", Action.COMPLETE, SessionRef(session_id=session.id).encode())
    h.submit(
        "UMAYA",
        _modal(h, mark),
        {
            Field.NOTES: text_input("Next: the design review"),
            Field.ACTUAL_MINUTES: {"type": "number_input", "value": "30"},
        },
    )

    def asked() -> list[Sight]:
        return [
            s
            for s in h.sights(mark)
            if s.audience == "UBEN"
            and s.kind is Kind.DM
            and "how did it go?" in str(s.params.get("text"))
        ]

    [dm] = wait_for(asked, what="Ben's feedback DM")
    h.settle()
    return session, dm


def _choose(h: Harness, who: str, dm: Sight, value: str) -> dict[str, Any]:
    """`who` picks `value` in the Book again menu of `dm`; the modal it opens."""
    mark = h.mark()
    h.click(who, Action.BOOK_AGAIN, value, on=dm, selected=True)
    return _modal(h, mark)


def _option(dm: Sight, weeks: int) -> str:
    [menu] = _elements(dm.message()["blocks"], Action.BOOK_AGAIN)
    [value] = [
        o["value"] for o in menu["options"] if decode(FollowUpRef, o["value"]).weeks == weeks
    ]
    return str(value)


def _picked(view: dict[str, Any]) -> int:
    [picker] = [b for b in view["blocks"] if b.get("block_id") == Field.SLOT]
    return int(picker["element"]["initial_option"]["value"])


def test_the_feedback_dm_offers_book_again_at_the_same_time_1_2_or_4_weeks_on(
    h: Harness, owner_engine: Engine
) -> None:
    session, dm = _completed(h, owner_engine)
    assert _elements(dm.message()["blocks"], Action.LEAVE_FEEDBACK)
    [menu] = _elements(dm.message()["blocks"], Action.BOOK_AGAIN)
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Same time in 1 week",
        "Same time in 2 weeks",
        "Same time in 4 weeks",
    ]

    for weeks in (1, 2, 4):
        view = _choose(h, "UBEN", dm, _option(dm, weeks))
        assert view["callback_id"] == Modal.BOOK
        assert _picked(view) == _epoch(_weeks_on(session, weeks))
        plural = "week" if weeks == 1 else "weeks"
        assert f"The same time in {weeks} {plural}:" in str(view)
        assert "is not free" not in str(view)


def test_a_taken_time_moves_to_the_nearest_free_one_and_the_modal_says_why(
    h: Harness, owner_engine: Engine
) -> None:
    session, dm = _completed(h, owner_engine)
    mark = h.mark()
    h.command("UCARA", "signup mentee")
    h.submit(
        "UCARA",
        _modal(h, mark),
        {Field.DEPARTMENT: text_input("Design"), Field.LEARNING_GOALS: text_input("python")},
    )
    h.settle()
    a_week_on = _weeks_on(session, 1)
    book(h, "UCARA", user_id(owner_engine, "UMAYA"), slot=_epoch(a_week_on))

    view = _choose(h, "UBEN", dm, _option(dm, 1))

    # 09:30 and 10:30 are as near; the earlier is picked.
    assert _picked(view) == _epoch(a_week_on - timedelta(minutes=30))
    assert "is not free: Maya Patel or you already have a session then" in str(view)
    assert f"<!date^{_epoch(a_week_on - timedelta(minutes=30))}^" in str(view)


def test_book_again_for_someone_elses_session_is_refused(h: Harness, owner_engine: Engine) -> None:
    session, dm = _completed(h, owner_engine)
    forged = FollowUpRef(session_id=session.id, weeks=1).encode()

    # Cara cannot even see it; Maya, its mentor, is not its mentee.
    assert "I can't find that session" in str(_choose(h, "UCARA", dm, forged))
    refused = _choose(h, "UMAYA", dm, forged)
    assert "Only the mentee of a session can book it again." in str(refused)
    assert refused.get("callback_id") != Modal.BOOK
    h.settle()
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1


def test_submitting_book_again_books_the_session_four_weeks_on(
    h: Harness, owner_engine: Engine
) -> None:
    session, dm = _completed(h, owner_engine)
    four_weeks_on = _weeks_on(session, 4)
    # Beyond the 14 days ahead a booking may otherwise reach.
    assert four_weeks_on - h.clock.now() > timedelta(days=14)
    view = _choose(h, "UBEN", dm, _option(dm, 4))

    reply = h.submit("UBEN", view, {Field.SLOT: select(str(_picked(view)))})

    assert "errors" not in reply.body, reply.body
    h.settle()
    booked = last_session(owner_engine)
    assert booked.id != session.id
    assert (booked.status, booked.starts_at) == ("requested", four_weeks_on)
    assert wait_for(lambda: h.calls("chat.postMessage", channel="UMAYA"))


def test_book_again_with_a_mentor_who_stepped_down_says_so(
    h: Harness, owner_engine: Engine
) -> None:
    _session, dm = _completed(h, owner_engine)
    h.click("UMAYA", Action.STEP_DOWN, "")
    h.settle()

    refused = _choose(h, "UBEN", dm, _option(dm, 2))

    assert "Maya Patel is not taking mentees at the moment." in str(refused)
    assert refused.get("callback_id") != Modal.BOOK


def test_leaving_feedback_from_the_dm_keeps_book_again_on_it(
    h: Harness, owner_engine: Engine
) -> None:
    session, dm = _completed(h, owner_engine)
    mark = h.mark()
    h.click("UBEN", Action.LEAVE_FEEDBACK, SessionRef(session_id=session.id).encode(), on=dm)
    h.submit("UBEN", _modal(h, mark), {Field.RATING: select("5")})

    [update] = wait_for(lambda: h.calls("chat.update", ts=dm.where.ts if dm.where else None))
    blocks = update.blocks()
    assert "Feedback sent by Ben Okafor" in str(blocks)
    assert _elements(blocks, Action.BOOK_AGAIN)
    assert not _elements(blocks, Action.LEAVE_FEEDBACK)


def _sessions(engine: Engine) -> list[tuple[str, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, starts_at FROM sessions ORDER BY id")).all()
    return [(status, starts_at) for status, starts_at in rows]


def test_a_forged_time_outside_book_agains_window_gets_no_reach_beyond_14_days(
    h: Harness, owner_engine: Engine
) -> None:
    """The 4-week modal offers times a week either side of the same time; a
    submission forged to the day before that window (20 days ahead, a time
    Maya offers) is refused as any time beyond 14 days is."""
    session, dm = _completed(h, owner_engine)
    view = _choose(h, "UBEN", dm, _option(dm, 4))
    forged = _weeks_on(session, 3) - timedelta(days=1)
    assert forged - h.clock.now() > timedelta(days=14)

    reply = h.submit("UBEN", view, {Field.SLOT: select(str(_epoch(forged)))})

    assert reply.json() == {
        "response_action": "errors",
        "errors": {Field.SLOT: "Sessions can be booked up to 14 days ahead."},
    }
    h.settle()
    assert _sessions(owner_engine) == [("completed", session.starts_at)]


def test_a_forged_book_again_of_a_session_not_completed_or_for_3_weeks_is_refused(
    h: Harness, owner_engine: Engine
) -> None:
    _session, dm = _completed(h, owner_engine)
    book(h, "UBEN", user_id(owner_engine, "UMAYA"), slot=0)
    scheduled = last_session(owner_engine)

    refused = _choose(h, "UBEN", dm, FollowUpRef(session_id=scheduled.id, weeks=1).encode())
    assert "Only a completed session can be booked again." in str(refused)
    assert refused.get("callback_id") != Modal.BOOK

    three_weeks = _option(dm, 1).replace('"weeks":1', '"weeks":3')
    mark = h.mark()
    h.click("UBEN", Action.BOOK_AGAIN, three_weeks, on=dm, selected=True)
    h.settle()
    assert "That button no longer works" in "\n".join(c.text() for c in h.since(mark))
    assert not [c for c in h.since(mark) if c.view().get("callback_id") == Modal.BOOK]
    assert len(_sessions(owner_engine)) == 2


def test_book_again_submitted_twice_at_once_books_once(h: Harness, owner_engine: Engine) -> None:
    session, dm = _completed(h, owner_engine)
    view = _choose(h, "UBEN", dm, _option(dm, 2))
    values = {Field.SLOT: select(str(_picked(view)))}

    barrier = threading.Barrier(2)
    replies: list[Any] = []

    def submit() -> None:
        barrier.wait()
        replies.append(h.submit("UBEN", view, values))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    mark = h.mark()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    h.settle()

    assert [r.status for r in replies] == [200, 200]
    assert _sessions(owner_engine) == [
        ("completed", session.starts_at),
        ("requested", _weeks_on(session, 2)),
    ]
    told = [c for c in h.since(mark) if c.params.get("channel") == "UMAYA"]
    assert len(told) == 1


def test_book_again_submitted_after_the_mentor_left_or_the_time_was_taken_is_refused(
    h: Harness, owner_engine: Engine
) -> None:
    session, dm = _completed(h, owner_engine)
    view = _choose(h, "UBEN", dm, _option(dm, 1))
    values = {Field.SLOT: select(str(_picked(view)))}
    with owner_engine.begin() as conn:  # Maya meanwhile holds that time with someone
        conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name, is_mentee,"
                " department, learning_goals)"
                " VALUES ('T1', 'UDAN', 'Dan Ruiz', true, 'Sales', '{python}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status, created_at) SELECT 'T1', r.id, e.id, :s, :s + interval '30 minutes',"
                " 'scheduled', :now FROM users r, users e"
                " WHERE r.slack_user_id = 'UMAYA' AND e.slack_user_id = 'UDAN'"
            ),
            {"s": _weeks_on(session, 1), "now": h.clock.now()},
        )
    taken = h.submit("UBEN", view, values).json()
    assert taken["response_action"] == "errors"
    assert taken["errors"] == {Field.SLOT: "That time is no longer free. Please pick another slot."}

    view = _choose(h, "UBEN", dm, _option(dm, 2))
    with owner_engine.begin() as conn:  # Maya left the company meanwhile
        conn.execute(text("UPDATE users SET is_active = false WHERE slack_user_id = 'UMAYA'"))
    mark = h.mark()
    left = h.submit("UBEN", view, {Field.SLOT: select(str(_picked(view)))})
    h.settle()
    said = str(left.body) + "\n".join(c.text() for c in h.since(mark))
    assert "Maya Patel is not taking mentees at the moment." in said
    assert [status for status, _ in _sessions(owner_engine)] == ["completed", "scheduled"]
