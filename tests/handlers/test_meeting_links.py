"""A meeting link for every session: the mentor's own when they set one,
otherwise a room made from the operator's template with the session's
unguessable token. It shows in the acceptance DM, the reminders, the App Home
and the calendar file. (Without either: tests/handlers/test_no_meeting_link.py.)"""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import Engine

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
