"""The whole story through the bot over HTTP, as Slack would send it, asserting
what each person sees and what lands in the database.

Maya mentors (London); Ben and Cara are mentees; Olga is a programme manager.
The clock starts at 08:00 UTC on a Monday a week or two from today
(`tests.dates.MONDAY`)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef, SessionRef
from tests.handlers.conftest import Harness, wait_for


def _option_values(view: dict[str, Any]) -> list[str]:
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("block_id") == Field.SLOT:
            groups = element.get("option_groups") or [{"options": element.get("options", [])}]
            return [option["value"] for group in groups for option in group["options"]]
    return []


def _signup(h: Harness, user: str, kind: str, values: dict[str, Any]) -> None:
    opened = len(h.slack.calls_to("views.open"))
    assert h.command(user, f"signup {kind}").status == 200
    view = h.opened_view(after=opened)
    reply = h.submit(user, view, values)
    assert reply.status == 200
    assert reply.body in ("", "{}") or "errors" not in reply.body, reply.body


def _dm_to(h: Harness, user: str, after: int = 0) -> Any:
    return h.next_call("chat.postMessage", after=after, channel=user)


def _session_id(engine: Engine, mentee: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.id FROM sessions s JOIN users u ON u.id = s.mentee_id"
                " WHERE u.slack_user_id = :m ORDER BY s.id DESC LIMIT 1"
            ),
            {"m": mentee},
        ).scalar_one()


def test_the_whole_mentorship_story(h: Harness, owner_engine: Engine) -> None:
    # --- sign-ups -------------------------------------------------------------
    _signup(
        h,
        "UMAYA",
        "mentor",
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.EXPERTISE: text_input("Python, Leadership"),
            Field.TIME_ZONE: select("Europe/London"),
            Field.SESSION_MINUTES: select("30"),
            Field.MEETING_LINK: {
                "type": "url_text_input",
                "value": "https://meet.example.com/maya",
            },
        },
    )
    assert h.calls("users.info", user="UMAYA"), "first sight reads the Slack profile"
    for mentee, goal in (("UBEN", "python"), ("UCARA", "leadership")):
        _signup(
            h,
            mentee,
            "mentee",
            {
                Field.DEPARTMENT: text_input("Sales"),
                Field.LEARNING_GOALS: text_input(goal),
            },
        )
    with owner_engine.connect() as conn:
        roles = dict(
            conn.execute(
                text("SELECT slack_user_id, is_mentor::text || is_mentee::text FROM users")
            ).all()
        )
    assert roles == {"UMAYA": "truefalse", "UBEN": "falsetrue", "UCARA": "falsetrue"}

    # --- availability -----------------------------------------------------------
    h.command("UMAYA", "availability add mon-fri 09:00-12:00")
    assert "Added" in h.next_call("response_url").text()

    # --- search and book --------------------------------------------------------
    h.slack.clear()
    h.command("UBEN", "find pyth")
    found = h.next_call("response_url")
    assert "Maya Patel" in found.text()
    book_values = [
        e["value"]
        for b in found.blocks()
        for e in b.get("elements", [])
        if e.get("action_id") == Action.BOOK
    ]
    assert book_values, "a Book button on Maya's card"
    h.click("UBEN", Action.BOOK, book_values[0])
    booking = h.last_view_opened()
    assert booking["callback_id"] == Modal.BOOK
    slots = _option_values(booking)
    first_slot = slots[0]
    assert int(first_slot) == int(h.clock.now().timestamp()) + 2 * 3600  # Monday 10:00 UTC
    reply = h.submit(
        "UBEN",
        booking,
        {
            Field.SLOT: select(first_slot),
            Field.TOPIC: text_input("Growing as an engineer"),
        },
    )
    assert reply.status == 200
    assert "errors" not in reply.body, reply.body
    request_dm = _dm_to(h, "UMAYA")
    assert "Ben Okafor" in request_dm.text()
    accept_buttons = [
        e
        for b in request_dm.blocks()
        for e in b.get("elements", [])
        if e.get("action_id") == Action.ACCEPT
    ]
    assert accept_buttons
    assert any(
        e.get("action_id") == Action.DECLINE
        for b in request_dm.blocks()
        for e in b.get("elements", [])
    )
    session_id = _session_id(owner_engine, "UBEN")

    # --- the mentor accepts from the DM; the message changes in place ----------
    h.slack.clear()
    h.click("UMAYA", Action.ACCEPT, accept_buttons[0]["value"])
    replaced = h.next_call("response_url")
    assert replaced.params.get("replace_original") is True
    assert "accept" in replaced.text().lower()
    assert not any(b.get("type") == "actions" for b in replaced.blocks())
    assert "accept" in _dm_to(h, "UBEN").text().lower()
    # Both get the session as a calendar invite, shared into their DMs.
    for person in ("UMAYA", "UBEN"):
        invite = h.next_call("files.completeUploadExternal", channel_id=f"D{person}")
        assert "add it to your calendar" in invite.text()
    # A second click on the old button says it was already done and changes nothing.
    h.slack.clear()
    h.click("UMAYA", Action.ACCEPT, accept_buttons[0]["value"])
    assert "already" in h.next_call("response_url").text().lower()

    # --- the other mentee cannot take the same slot ----------------------------
    h.slack.clear()
    h.click("UCARA", Action.BOOK, MentorRef(mentor_id=_maya_id(owner_engine)).encode())
    cara_booking = h.last_view_opened()
    assert first_slot not in _option_values(cara_booking)
    taken = h.submit("UCARA", cara_booking, {Field.SLOT: select(first_slot)})
    errors = json.loads(taken.body)
    assert errors["response_action"] == "errors"
    assert Field.SLOT in errors["errors"]

    # --- Ben moves the session; Maya is told and must confirm --------------------
    h.slack.clear()
    h.click("UBEN", Action.RESCHEDULE, SessionRef(session_id=session_id).encode())
    moving = h.last_view_opened()
    assert moving["callback_id"] == Modal.RESCHEDULE
    new_slot = _option_values(moving)[0]
    assert h.submit("UBEN", moving, {Field.SLOT: select(new_slot)}).status == 200
    moved_dm = _dm_to(h, "UMAYA")
    assert "moved" in moved_dm.text().lower()
    # Maya confirms from the move's DM: its Accept carries the new time (an
    # Accept that does not, like the first DM's, is refused once it has moved).
    confirm = [
        e
        for b in moved_dm.blocks()
        for e in b.get("elements", [])
        if e.get("action_id") == Action.ACCEPT
    ]
    assert confirm
    h.click("UMAYA", Action.ACCEPT, confirm[0]["value"])
    wait_for(lambda: _status(owner_engine, session_id) == "scheduled")

    # --- Cara books another time, then cancels; Maya is told --------------------
    h.slack.clear()
    h.click("UCARA", Action.BOOK, MentorRef(mentor_id=_maya_id(owner_engine)).encode())
    cara_slot = _option_values(h.last_view_opened())[-1]
    h.submit("UCARA", h.last_view_opened(), {Field.SLOT: select(cara_slot)})
    cara_session = _session_id(owner_engine, "UCARA")
    h.slack.clear()
    h.click("UCARA", Action.CANCEL, SessionRef(session_id=cara_session).encode())
    cancelling = h.last_view_opened()
    assert cancelling["callback_id"] == Modal.CANCEL
    h.slack.clear()
    h.submit("UCARA", cancelling, {Field.REASON: text_input("Conflicting meeting")})
    assert "cancel" in _dm_to(h, "UMAYA").text().lower()
    assert _status(owner_engine, cara_session) == "cancelled"

    # --- the session takes place and is completed with notes --------------------
    h.clock.set(_starts_at(owner_engine, session_id) + timedelta(minutes=35))
    h.slack.clear()
    h.click("UMAYA", Action.COMPLETE, SessionRef(session_id=session_id).encode())
    completing = h.last_view_opened()
    h.submit(
        "UMAYA",
        completing,
        {
            Field.NOTES: text_input("Set goals for Q1"),
            Field.ACTUAL_MINUTES: {"type": "number_input", "value": "35"},
        },
    )
    wait_for(lambda: _status(owner_engine, session_id) == "completed")
    for person in ("UBEN", "UMAYA"):
        dm = _dm_to(h, person)
        assert any(
            e.get("action_id") == Action.LEAVE_FEEDBACK
            for b in dm.blocks()
            for e in b.get("elements", [])
        )

    # --- both leave feedback, and both see it -----------------------------------
    for person, stars, words in (("UBEN", "5", "Very helpful"), ("UMAYA", "4", "Well prepared")):
        h.slack.clear()
        h.click(person, Action.LEAVE_FEEDBACK, SessionRef(session_id=session_id).encode())
        form = h.last_view_opened()
        reply = h.submit(
            person, form, {Field.RATING: select(stars), Field.COMMENT: text_input(words)}
        )
        assert "errors" not in reply.body, reply.body
    for person in ("UBEN", "UMAYA"):
        h.slack.clear()
        h.command(person, "sessions")
        seen = h.next_call("response_url").text()
        assert "Very helpful" in seen
        assert "Well prepared" in seen

    # --- unread counters move and reset ----------------------------------------
    h.slack.clear()
    h.command("UMAYA", "notifications")
    unread_before = _unread(owner_engine, "UMAYA")
    assert unread_before > 0
    assert str(unread_before) in h.next_call("response_url").text()
    h.slack.clear()
    h.click("UMAYA", Action.MARK_ALL_READ, "{}")
    wait_for(lambda: _unread(owner_engine, "UMAYA") == 0)
    home = h.next_call("views.publish", user_id="UMAYA").view()
    assert home["type"] == "home"
    # The click's answer (the list, now read) may come after the Home tab: let
    # it arrive before the record is cleared, or it is taken for the next one.
    h.settle()

    # --- the manager sees the dashboard; nobody else does ------------------------
    h.slack.clear()
    h.command("UOLGA", "stats")
    assert "dashboard" in h.next_call("response_url").text().lower()
    h.slack.clear()
    h.command("UBEN", "stats")
    assert "only programme managers" in h.next_call("response_url").text().lower()


def _maya_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE slack_user_id = 'UMAYA'")).scalar_one()


def _status(engine: Engine, session_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status FROM sessions WHERE id = :i"), {"i": session_id}
        ).scalar_one()


def _starts_at(engine: Engine, session_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT starts_at FROM sessions WHERE id = :i"), {"i": session_id}
        ).scalar_one()


def _unread(engine: Engine, slack_id: str) -> int:
    """The unread notices the person counts: a calendar file's notice is not
    among their notifications (it only carries the file to their DM)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id"
                " WHERE u.slack_user_id = :s AND n.read_at IS NULL"
                " AND n.kind <> 'calendar_update'"
            ),
            {"s": slack_id},
        ).scalar_one()
