"""An old Accept button cannot accept a time the mentor never saw: the button
carries the time its message showed, and a request moved since is refused with
where it went; the newest message (or the Home tab) accepts it.

Through the bot over HTTP, clicking the buttons of the DMs the stand-in Slack
recorded, as Maya would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from bot.standin.payloads import select
from bot.standin.seen import Kind, Sight
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef, SessionRef
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import mentor_and_mentee


def _mentor_and_mentee(h: Harness, engine: Engine) -> int:
    """Maya mentors (London, 30-minute sessions, weekday mornings); Ben is a
    mentee. Maya's user id."""
    mentor_and_mentee(h)
    h.settle()
    h.slack.clear()
    return _count(engine, "SELECT id FROM users WHERE slack_user_id = 'UMAYA'")


def _slot_values(view: dict[str, Any]) -> list[str]:
    element = next(b for b in view["blocks"] if b.get("block_id") == Field.SLOT)["element"]
    groups = element.get("option_groups") or [{"options": element.get("options", [])}]
    return [option["value"] for group in groups for option in group["options"]]


def _dm_with_accept(h: Harness, mark: int) -> Sight:
    """The DM to Maya since `mark` that has an Accept button."""

    def found() -> list[Sight]:
        return [
            s
            for s in h.sights(mark)
            if s.audience == "UMAYA" and s.kind is Kind.DM and _accept_value(s)
        ]

    return wait_for(found, what="a DM to Maya with an Accept button")[0]


def _accept_value(dm: Sight) -> str | None:
    for block in dm.message().get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == Action.ACCEPT:
                return str(element["value"])
    return None


def _session(engine: Engine) -> tuple[int, str, datetime]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, status, starts_at FROM sessions ORDER BY id DESC LIMIT 1")
        ).one()
    return int(row.id), str(row.status), row.starts_at


def test_accept_on_the_request_dm_after_the_mentee_moved_it_is_refused_with_the_new_time(
    h: Harness, owner_engine: Engine
) -> None:
    maya_id = _mentor_and_mentee(h, owner_engine)

    # Ben books Maya's first free slot; Maya gets the request with Accept.
    mark = h.mark()
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=maya_id).encode())
    booking = h.last_view_opened()
    first, later = _slot_values(booking)[:2]
    assert "errors" not in h.submit("UBEN", booking, {Field.SLOT: select(first)}).body
    request_dm = _dm_with_accept(h, mark)
    session_id, _, booked_at = _session(owner_engine)
    assert int(booked_at.timestamp()) == int(first)
    h.settle()

    # Ben moves it to a later slot; Maya gets a second DM asking her to confirm.
    h.slack.clear()  # so that the modal opened next is the move's, not the booking's
    mark = h.mark()
    h.click("UBEN", Action.RESCHEDULE, SessionRef(session_id=session_id).encode())
    moving = h.last_view_opened()
    assert moving["callback_id"] == Modal.RESCHEDULE
    assert "errors" not in h.submit("UBEN", moving, {Field.SLOT: select(later)}).body
    moved_dm = _dm_with_accept(h, mark)
    assert _session(owner_engine) == (session_id, "requested", _at(later))
    h.settle()

    # Maya clicks Accept on the first DM: refused, and told where the request went.
    mark = h.mark()
    h.click("UMAYA", Action.ACCEPT, _accept_value(request_dm) or "", on=request_dm)
    answer = wait_for(
        lambda: [s for s in h.sights(mark) if s.audience == "UMAYA" and s.kind is Kind.REPLACED],
        what="the first DM replaced",
    )[0]
    said = str(answer.params.get("text"))
    assert "moved to" in said
    assert f"<!date^{later}^" in said
    assert "newest message" in said
    assert "Home tab" in said
    assert not any(b.get("type") == "actions" for b in answer.message().get("blocks") or [])
    h.settle()
    assert _session(owner_engine) == (session_id, "requested", _at(later))
    assert (
        _count(owner_engine, "SELECT count(*) FROM notifications WHERE kind = 'request_accepted'")
        == 0
    )

    # Accept on the newest DM works: the session is scheduled at the new time.
    h.click("UMAYA", Action.ACCEPT, _accept_value(moved_dm) or "", on=moved_dm)
    wait_for(lambda: _session(owner_engine)[1] == "scheduled", what="the session accepted")
    assert _session(owner_engine) == (session_id, "scheduled", _at(later))


def test_an_accept_from_before_buttons_carried_the_time_works_only_if_never_moved(
    h: Harness, owner_engine: Engine
) -> None:
    """Messages sent before this change carry only the session id: which time
    they showed cannot be told once the request has moved, so they are refused
    then; a request never moved is accepted from them as before."""
    maya_id = _mentor_and_mentee(h, owner_engine)
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=maya_id).encode())
    booking = h.last_view_opened()
    first, later = _slot_values(booking)[:2]
    h.submit("UBEN", booking, {Field.SLOT: select(first)})
    session_id = _session(owner_engine)[0]
    h.settle()
    h.slack.clear()
    h.click("UBEN", Action.RESCHEDULE, SessionRef(session_id=session_id).encode())
    moving = h.last_view_opened()
    assert moving["callback_id"] == Modal.RESCHEDULE
    h.submit("UBEN", moving, {Field.SLOT: select(later)})
    h.settle()
    assert _session(owner_engine) == (session_id, "requested", _at(later))

    mark = h.mark()
    h.click("UMAYA", Action.ACCEPT, SessionRef(session_id=session_id).encode())
    h.settle()
    said = " ".join(str(s.params.get("text")) for s in h.sights(mark) if s.audience == "UMAYA")
    assert "moved to" in said
    assert _session(owner_engine)[1] == "requested"


def _at(epoch: str) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def _count(engine: Engine, sql: str) -> int:
    """The one number `sql` selects."""
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())
