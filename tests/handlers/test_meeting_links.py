"""A meeting link for every session: the mentor's own when they set one,
otherwise a room made from the operator's template with the session's
unguessable token. It shows in the acceptance DM, the reminders, the App Home
and the calendar file. (Without either: tests/handlers/test_no_meeting_link.py.)"""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, text

from bot.standin.payloads import text_input
from handlers.ids import Action, Field, Modal
from tests.handlers.booked import Shown, accepted_and_reminded, join_urls
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee

TEMPLATE = "https://meet.example.com/mentoring-{session_token}"
BOT_SETTINGS = {"mentorship_meeting_url_template": TEMPLATE}
OWN = "https://zoom.example.com/j/maya"


def _everywhere(shown: Shown) -> list[list[str]]:
    return [join_urls(shown.accepted), join_urls(shown.reminder), join_urls(shown.home)]


def _location(shown: Shown) -> str:
    (event,) = Calendar.from_ical(shown.file.content).walk("VEVENT")
    return str(event["LOCATION"])


def test_a_mentor_without_a_link_gets_a_room_made_for_the_session(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    shown = accepted_and_reminded(h, owner_engine)
    token = shown.session.meeting_token
    room = TEMPLATE.replace("{session_token}", token)
    assert _everywhere(shown) == [[room], [room], [room]]
    assert _location(shown) == room
    # The room's name is the session's random token, never its sequential id.
    assert len(token) == 32
    assert token != str(shown.session.id)
    for place in (shown.accepted, shown.reminder, shown.home):
        assert "No meeting link" not in place.text()


def test_the_mentors_own_link_wins_over_the_template(h: Harness, owner_engine: Engine) -> None:
    mentor_and_mentee(h, meeting_link=OWN)
    shown = accepted_and_reminded(h, owner_engine)
    assert _everywhere(shown) == [[OWN], [OWN], [OWN]]
    assert _location(shown) == OWN


def _edit_profile(h: Harness, link: str) -> dict[str, object]:
    h.click("UMAYA", Action.EDIT_PROFILE, "")
    view = h.opened_view()
    assert view["callback_id"] == Modal.EDIT_PROFILE
    # Slack's url input checks what is typed in its own client; a forged
    # submission does not pass through it, so the bot checks again.
    reply = h.submit(
        "UMAYA",
        view,
        {
            Field.DISPLAY_NAME: text_input("Maya Patel"),
            Field.MEETING_LINK: {"type": "url_text_input", "value": link},
        },
    )
    assert reply.status == 200
    body: dict[str, object] = reply.json() if reply.body else {}
    return body


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https://zoom.example.com/j/1 2",
        "https://zoom.example.com/j/<b>",
        "https://zoom.example.com|Join",
        "https://zoom.example.com/{room}",
        "https://zoom.example.com/" + "j" * 500,
    ],
)
def test_the_profile_modal_refuses_a_meeting_link_that_is_no_web_address_beside_the_field(
    h: Harness, owner_engine: Engine, link: str
) -> None:
    mentor_and_mentee(h, meeting_link=OWN)
    body = _edit_profile(h, link)
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert isinstance(errors, dict)
    assert list(errors) == [Field.MEETING_LINK]
    assert "web address" in errors[Field.MEETING_LINK] or "at most" in errors[Field.MEETING_LINK]
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT meeting_link FROM users WHERE slack_user_id = 'UMAYA'")
        ).scalar_one()
    assert stored == OWN


@pytest.mark.parametrize(
    "link", ["https://zoom.example.com/j/123?pwd=Ab_c-d", "https://meet.example.com/räume/maya"]
)
def test_the_profile_modal_keeps_a_web_address_as_the_meeting_link(
    h: Harness, owner_engine: Engine, link: str
) -> None:
    mentor_and_mentee(h)
    assert "errors" not in _edit_profile(h, link)
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT meeting_link FROM users WHERE slack_user_id = 'UMAYA'")
        ).scalar_one()
    assert stored == link
