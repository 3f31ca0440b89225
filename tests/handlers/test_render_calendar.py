"""The calendar feed's renderers: the feed's bytes (each event's lines made once
and kept) are exactly what `calendar_file` writes, and the `/mentor calendar`
message shows a new link once and only then."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from icalendar import Calendar

from domain.calendar import EventStatus
from domain.calendar_feed import FeedAccess
from handlers.ids import Action
from handlers.render.calendar import calendar_message, calendar_unavailable
from handlers.render.ics import CalendarEvent, calendar_file, published_calendar
from tests.dates import MONDAY

START = MONDAY + timedelta(days=1, hours=9)
TOKEN = "Q" * 43


def _event(session_id: int, **changes: object) -> CalendarEvent:
    event = CalendarEvent(
        workspace_id="T1",
        session_id=session_id,
        starts_at=START + timedelta(days=session_id),
        ends_at=START + timedelta(days=session_id, minutes=45),
        sequence=0,
        status=EventStatus.CONFIRMED,
        mentor="Maya Patel",
        mentee="Ben Okafor",
        topic="A topic long enough that its line in the description must be folded " * 2,
        link=f"https://meet.example.com/mentoring-{session_id:032d}",
        stamp=START - timedelta(days=3),
    )
    return replace(event, **changes)  # type: ignore[arg-type]  # CalendarEvent's own fields


def test_a_published_calendar_is_byte_for_byte_what_calendar_file_writes() -> None:
    events = [_event(n) for n in range(1, 6)]
    for shown in ([], events[:1], events):
        assert published_calendar(shown, name="Mentoring") == calendar_file(shown, name="Mentoring")


def test_a_changed_event_is_written_anew_not_taken_from_what_was_kept() -> None:
    first = published_calendar([_event(1)], name="Mentoring")
    cancelled = _event(1, status=EventStatus.CANCELLED, sequence=1)
    second = published_calendar([cancelled], name="Mentoring")

    (event,) = Calendar.from_ical(second).walk("VEVENT")
    assert first != second
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
    assert b"\r\n " in second  # long lines folded, CRLF line endings


def test_a_new_feed_shows_its_link_how_to_subscribe_and_a_reset_button_with_a_warning() -> None:
    text, blocks = calendar_message(
        FeedAccess(START, TOKEN), "https://mentoring.example.com", "Europe/London"
    )
    shown = str([block.to_dict() for block in blocks])

    assert f"https://mentoring.example.com/calendar/{TOKEN}.ics" in text
    assert f"https://mentoring.example.com/calendar/{TOKEN}.ics" in shown
    assert "Other calendars" in shown
    assert "Subscribe from web" in shown
    assert "New Calendar Subscription" in shown
    actions = blocks[-1].to_dict()
    (reset,) = actions["elements"]
    assert reset["action_id"] == Action.RESET_CALENDAR
    assert "stops working at once" in reset["confirm"]["text"]["text"]


def test_a_feed_made_earlier_shows_since_when_and_never_a_link() -> None:
    text, blocks = calendar_message(
        FeedAccess(START), "https://mentoring.example.com", "Europe/London"
    )
    shown = str([block.to_dict() for block in blocks])

    assert "/calendar/" not in text + shown
    assert f"<!date^{int(START.timestamp())}^" in shown
    assert "Reset link" in shown


def test_without_a_public_url_the_message_says_what_to_configure() -> None:
    text, blocks = calendar_unavailable()
    assert "MENTORSHIP_PUBLIC_URL" in text
    assert [block.to_dict()["type"] for block in blocks] == ["section"]
