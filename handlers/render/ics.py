"""Sessions as iCalendar (RFC 5545), written by the `icalendar` library: the
`.ics` file sent to both people's DMs with each change (an invite or update,
`METHOD:REQUEST`; a cancellation, `METHOD:CANCEL`) and each person's private
feed (no METHOD: a published calendar). Every event of a session has the same
UID, so a calendar updates the event it has instead of adding another; its
SEQUENCE is the session's `calendar_sequence` (domain.calendar). Times are UTC
instants; DTSTAMP is when the session last changed, so the same state gives the
same bytes (the feed's ETag rests on that). Also the public "create event"
links of Google Calendar and Outlook, for the DM's buttons."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from icalendar import Calendar, Event

from domain.calendar import EventStatus, Method
from domain.model import Session
from handlers.render.common import place

PRODUCT = "-//Mentorship bot//mentorbot//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class CalendarEvent:
    """One session as a calendar shows it."""

    workspace_id: str
    session_id: int
    starts_at: datetime
    ends_at: datetime
    sequence: int
    status: EventStatus
    mentor: str
    mentee: str
    topic: str
    link: str | None
    stamp: datetime
    # Its place in its series ("2 of 6"); empty for a single session.
    place: str = ""

    @classmethod
    def of(
        cls,
        session: Session,
        *,
        status: EventStatus,
        names: tuple[str, str],
        link: str | None,
        noticed_at: datetime,
    ) -> CalendarEvent:
        """The session as stored; stamped with its last change, else when the
        notice about it was made. `names`: mentor's, mentee's."""
        assert session.calendar_sequence is not None
        return cls(
            workspace_id=session.workspace_id,
            session_id=session.id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            sequence=session.calendar_sequence,
            status=status,
            mentor=names[0],
            mentee=names[1],
            topic=session.topic,
            link=link,
            stamp=session.updated_at or noticed_at,
            place=place(session.series_place, session.series_times),
        )

    @property
    def uid(self) -> str:
        return f"session-{self.session_id}.{self.workspace_id.lower()}@mentorbot"

    @property
    def summary(self) -> str:
        of_series = f" ({self.place})" if self.place else ""
        return f"Mentoring: {self.mentee} ↔ {self.mentor}{of_series}"

    @property
    def description(self) -> str:
        lines = [f"Topic: {self.topic}" if self.topic else "Mentoring session"]
        if self.link:
            lines.append(f"Join: {self.link}")
        else:
            lines.append("No meeting link yet: agree on a place in Slack.")
        return "\n".join(lines)


def calendar_file(
    events: Iterable[CalendarEvent], *, method: Method | None = None, name: str | None = None
) -> bytes:
    """The events as one iCalendar object: CRLF line endings, long lines folded."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method.value)
    if name is not None:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_event(event))
    written: bytes = calendar.to_ical()
    return written


# Events whose lines the feeds keep made (see `published_calendar`): ten
# people's fullest feeds, or a thousand people's twenty sessions each. About
# 1.2 KB each (measured with tracemalloc): some 25 MB per worker when full.
EVENTS_KEPT = 20_000


def published_calendar(events: Iterable[CalendarEvent], *, name: str) -> bytes:
    """What `calendar_file(events, name=name)` writes, byte for byte, with each
    event's lines made once and kept: icalendar takes about 0.3 ms an event
    (it folds lines a character at a time), so a feed of 1,000 sessions would
    cost 300 ms each time a calendar app asks, and apps ask again and again
    for events that have mostly not changed. An event's lines depend on
    nothing but the event, so a changed one is simply another entry."""
    empty = calendar_file((), name=name)
    end = empty.rindex(b"END:VCALENDAR")
    return empty[:end] + b"".join(_event_lines(event) for event in events) + empty[end:]


@functools.lru_cache(maxsize=EVENTS_KEPT)
def _event_lines(event: CalendarEvent) -> bytes:
    lines: bytes = _event(event).to_ical()
    return lines


def file_name(event: CalendarEvent, method: Method) -> str:
    what = "cancelled" if method is Method.CANCEL else "invite"
    return f"mentoring-{event.starts_at.astimezone(UTC):%Y-%m-%d}-{what}.ics"


def _event(event: CalendarEvent) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("status", event.status.value)
    vevent.add("dtstamp", event.stamp.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.summary)
    vevent.add("description", event.description)
    vevent.add("transp", "TRANSPARENT" if event.status is EventStatus.CANCELLED else "OPAQUE")
    if event.link:
        vevent.add("location", event.link)
        vevent.add("url", event.link)
    return vevent


def google_calendar_link(event: CalendarEvent) -> str:
    """Google Calendar's public "create event" page, filled in."""
    dates = f"{_basic(event.starts_at)}/{_basic(event.ends_at)}"
    query = {"action": "TEMPLATE", "text": event.summary, "dates": dates}
    query["details"] = event.description
    if event.link:
        query["location"] = event.link
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def outlook_link(event: CalendarEvent) -> str:
    """Outlook on the web's public "compose event" deep link, filled in."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": _iso(event.starts_at),
        "enddt": _iso(event.ends_at),
        "body": event.description,
    }
    if event.link:
        query["location"] = event.link
    return f"https://outlook.office.com/calendar/0/deeplink/compose?{urlencode(query)}"


def _basic(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _iso(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
