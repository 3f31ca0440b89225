"""Book again, through signed requests: Ben's DM asking for feedback on his
completed session with Maya offers the same time 1, 2 or 4 weeks on; each
opens the booking modal at that time, or at the nearest free one with the
reason; a forged choice is refused; submitting books it.

Every time is built from the harness's clock: Ben books Maya (London,
weekdays 09:00-12:00) on the next Tuesday at 10:00 London time."""

from __future__ import annotations

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
