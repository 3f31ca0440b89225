"""No meeting URL template and no link of the mentor's own: wherever a Join
button would be, people are told to agree on a place (the default bot has no
template; with one: tests/handlers/test_meeting_links.py)."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import Engine

from tests.handlers.booked import accepted_and_reminded, join_urls
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee

AGREE = "No meeting link yet: agree on a place with"


def test_without_a_link_or_a_template_people_are_told_to_agree_on_a_place(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    shown = accepted_and_reminded(h, owner_engine)
    for place in (shown.accepted, shown.reminder, shown.home):
        assert join_urls(place) == []
        assert f"{AGREE} Maya Patel in a DM." in place.text()
    (event,) = Calendar.from_ical(shown.file.content).walk("VEVENT")
    assert "LOCATION" not in event
    assert "agree on a place" in str(event["DESCRIPTION"])
