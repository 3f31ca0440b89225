"""Buttons and forms beyond the main story: what each person then sees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef, NotificationRef, PeriodRef, SlotRef
from tests.handlers.conftest import Harness, wait_for

MENTOR_FORM = {
    Field.DEPARTMENT: text_input("Engineering"),
    Field.EXPERTISE: text_input("python"),
    Field.TIME_ZONE: select("Europe/London"),
    Field.SESSION_MINUTES: select("30"),
}


def _scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def _buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        elements = list(block.get("elements", []))
        if block.get("accessory"):
            elements.append(block["accessory"])
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


def test_signup_both_shows_the_mentee_form_after_the_mentor_form(
    h: Harness, owner_engine: Engine
) -> None:
    h.command("UCARA", "signup both")
    reply = h.submit("UCARA", h.opened_view(), MENTOR_FORM)
    body = reply.json()
    assert body["response_action"] == "update"
    assert body["view"]["callback_id"] == Modal.SIGNUP_MENTEE
    h.submit(
        "UCARA",
        body["view"],
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.LEARNING_GOALS: text_input("go"),
        },
    )
    both = _scalar(owner_engine, "SELECT is_mentor AND is_mentee FROM users")
    assert both is True


def test_view_profile_shows_the_mentor_with_a_book_button(h: Harness, owner_engine: Engine) -> None:
    h.command("UMAYA", "signup mentor")
    h.submit("UMAYA", h.opened_view(), MENTOR_FORM)
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(after=1),
        {
            Field.DEPARTMENT: text_input("Sales"),
            Field.LEARNING_GOALS: text_input("python"),
        },
    )
    maya = _scalar(owner_engine, "SELECT id FROM users WHERE slack_user_id = 'UMAYA'")
    h.slack.clear()
    h.click("UBEN", Action.VIEW_PROFILE, MentorRef(mentor_id=maya).encode())
    card = h.opened_view()
    assert card["callback_id"] == Modal.PROFILE
    assert "Maya Patel" in h.slack.calls_to("views.update")[0].text()
    assert _buttons(card["blocks"], Action.BOOK)


def test_the_availability_editor_removes_a_slot_in_place(h: Harness, owner_engine: Engine) -> None:
    h.command("UMAYA", "signup mentor")
    h.submit("UMAYA", h.opened_view(), MENTOR_FORM)
    h.command("UMAYA", "availability add mon,tue 09:00-10:00")
    h.next_call("response_url")
    h.slack.clear()
    h.command("UMAYA", "availability")
    editor = h.opened_view()
    [first, *_] = _buttons(editor["blocks"], Action.REMOVE_WEEKLY)
    h.click("UMAYA", Action.REMOVE_WEEKLY, first["value"], view={**editor, "id": "V-editor"})
    updated = h.next_call("views.update", view_id="V-editor").view()
    assert len(_buttons(updated["blocks"], Action.REMOVE_WEEKLY)) == 1
    assert _scalar(owner_engine, "SELECT count(*) FROM availability") == 1
    # A forged id removes nothing of anyone's.
    h.click("UMAYA", Action.REMOVE_WEEKLY, SlotRef(row_id=999999).encode(), view=editor)
    assert "already removed" in h.next_call("chat.postMessage", channel="UMAYA").text()


def test_marking_one_notification_read_moves_the_counter(h: Harness, owner_engine: Engine) -> None:
    h.command("UMAYA", "signup mentor")
    h.submit("UMAYA", h.opened_view(), MENTOR_FORM)
    h.command("UMAYA", "availability add mon-fri 09:00-12:00")
    h.next_call("response_url")
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(after=1),
        {
            Field.DEPARTMENT: text_input("Sales"),
            Field.LEARNING_GOALS: text_input("python"),
        },
    )
    maya = _scalar(owner_engine, "SELECT id FROM users WHERE slack_user_id = 'UMAYA'")
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=maya).encode())
    booking = h.opened_view(after=2)
    slot = booking["blocks"][1]["element"]["option_groups"][0]["options"][0]["value"]
    h.submit("UBEN", booking, {Field.SLOT: select(slot)})
    notice = wait_for(
        lambda: _scalar(
            owner_engine,
            "SELECT max(n.id::text) FROM notifications n JOIN users u ON u.id = n.recipient_id"
            " WHERE u.slack_user_id = 'UMAYA'",
        )
    )
    h.slack.clear()
    h.command("UMAYA", "notifications")
    assert "1 unread" in h.next_call("response_url").text()
    h.click("UMAYA", Action.MARK_READ, NotificationRef(notification_id=notice).encode())
    assert "0 unread" in h.next_call("response_url", after=1).text()


def test_the_dashboard_period_select_redraws_the_figures(h: Harness) -> None:
    h.command("UOLGA", "stats")
    h.next_call("response_url")
    h.click("UOLGA", Action.STATS_PERIOD, PeriodRef(days=7).encode(), selected=True)
    redrawn = h.next_call("response_url", after=1)
    assert redrawn.params.get("replace_original") is True
    assert "7 days" in redrawn.text()


def test_stepping_down_is_confirmed_and_the_home_tab_follows(
    h: Harness, owner_engine: Engine
) -> None:
    h.command("UMAYA", "signup mentor")
    h.submit("UMAYA", h.opened_view(), MENTOR_FORM)
    h.slack.clear()
    h.click("UMAYA", Action.STEP_DOWN, "")
    assert "no longer a mentor" in h.next_call("response_url").text()
    h.next_call("views.publish", user_id="UMAYA")
    assert _scalar(owner_engine, "SELECT is_mentor FROM users") is False


def test_leaving_the_programme_from_the_home_tab_deactivates_the_profile(
    h: Harness, owner_engine: Engine
) -> None:
    h.command("UMAYA", "signup mentor")
    h.submit("UMAYA", h.opened_view(), MENTOR_FORM)
    home = h.next_call("views.publish", user_id="UMAYA").view()
    assert _buttons(home["blocks"], Action.LEAVE_PROGRAMME)
    h.slack.clear()
    h.click("UMAYA", Action.LEAVE_PROGRAMME, "")
    assert "left the mentorship programme" in h.next_call("response_url").text()
    assert _scalar(owner_engine, "SELECT is_active FROM users") is False
    # Asked again, the bot says how to come back.
    h.command("UMAYA", "sessions")
    assert "/mentor signup" in h.next_call("response_url", after=1).text()
