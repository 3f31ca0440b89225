"""Sessions reach people's calendars: with each change a calendar shows, both
people get an `.ics` file in their DM, read back here with `icalendar` as a
calendar would read it, with link buttons to Google Calendar and Outlook.

Through the bot over HTTP; the files are the bytes the stand-in Slack was sent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from bot.standin.seen import Kind
from bot.standin.slack_api import UPLOAD
from handlers.ids import Action, Field
from tests.dates import dst_changes
from tests.handlers.booked import (
    SHARE,
    SharedFile,
    accept,
    at,
    book,
    cancel,
    files_to,
    last_session,
    move,
    shared_files,
    user_id,
)
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee

TEMPLATE = "https://meet.example.com/mentoring-{session_token}"
BOT_SETTINGS = {"mentorship_meeting_url_template": TEMPLATE}
# Long enough that its line in the file is folded (RFC 5545: 75 octets a line).
TOPIC = "Growing from senior to staff engineer: scope, influence, and design documents people read"
BOTH = ["UBEN", "UMAYA"]
NEW_YORK = ZoneInfo("America/New_York")


def _event(file: SharedFile) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(file.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _basic(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_accept_move_and_cancel_send_both_people_the_same_event_one_sequence_up(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    maya = user_id(owner_engine, "UMAYA")
    book(h, "UBEN", maya, topic=TOPIC)
    steps: list[tuple[list[SharedFile], datetime, datetime]] = []

    mark = h.mark()
    accept(h, "UMAYA")
    accepted = last_session(owner_engine)
    steps.append((files_to(h, mark, BOTH), accepted.starts_at, accepted.ends_at))

    mark = h.mark()
    move(h, "UMAYA", accepted.id, slot=1)  # a mentor's move stands: no confirmation
    moved = last_session(owner_engine)
    assert (moved.status, moved.starts_at != accepted.starts_at) == ("scheduled", True)
    steps.append((files_to(h, mark, BOTH), moved.starts_at, moved.ends_at))

    mark = h.mark()
    cancel(h, "UBEN", accepted.id, "Off sick")
    steps.append((files_to(h, mark, BOTH), moved.starts_at, moved.ends_at))
    h.settle()

    room = TEMPLATE.replace("{session_token}", accepted.meeting_token)
    seen = []
    for files, starts, ends in steps:
        maya_file, ben_file = sorted(files, key=lambda f: f.person != "UMAYA")
        assert maya_file.content == ben_file.content, "both get the same event"
        calendar, event = _event(maya_file)
        seen.append(
            (
                str(event["UID"]),
                int(event["SEQUENCE"]),
                str(calendar["METHOD"]),
                str(event["STATUS"]),
            )
        )
        # Times as UTC instants: the session's own.
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (starts, ends)
        # Written as UTC ("Z"), no zone for a calendar to look up.
        assert f"\r\nDTSTART:{_basic(starts)}\r\n" in maya_file.content
        assert f"\r\nDTEND:{_basic(ends)}\r\n" in maya_file.content
        assert str(event["SUMMARY"]) == "Mentoring: Ben Okafor ↔ Maya Patel"
        assert TOPIC in str(event["DESCRIPTION"])
        assert (str(event["LOCATION"]), str(event["URL"])) == (room, room)
        # As a calendar reads the bytes: CRLF line endings, long lines folded.
        raw = maya_file.content.encode()
        assert raw.endswith(b"\r\n")
        assert b"\n" not in raw.replace(b"\r\n", b"")
        assert b"\r\n " in raw, "the long topic's line is folded"
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        for file in files:
            assert file.name.endswith(".ics")
            assert file.mimetype.startswith("text/calendar")
    uid = f"session-{accepted.id}.t1@mentorbot"
    assert seen == [
        (uid, 0, "REQUEST", "CONFIRMED"),
        (uid, 1, "REQUEST", "CONFIRMED"),
        (uid, 2, "CANCEL", "CANCELLED"),
    ]

    # The invites offer to add the event to Google Calendar or Outlook, at its
    # UTC times; the cancellation says to remove it, and offers no such button.
    for files, starts, ends in steps[:2]:
        for file in files:
            buttons = file.buttons()
            google = _query(buttons[Action.ADD_TO_GOOGLE_CALENDAR])
            outlook = _query(buttons[Action.ADD_TO_OUTLOOK])
            assert google["dates"] == [f"{_basic(starts)}/{_basic(ends)}"]
            assert google["location"] == [room]
            assert outlook["startdt"] == [f"{starts:%Y-%m-%dT%H:%M:%SZ}"]
            assert outlook["enddt"] == [f"{ends:%Y-%m-%dT%H:%M:%SZ}"]
    cancelled = steps[2][0]
    assert all(f.buttons() == {} for f in cancelled)
    assert all("remove it from your calendar" in str(f.blocks) for f in cancelled)
    assert "add it to your calendar" in str(steps[0][0][0].blocks)


def test_the_calendar_buttons_clicks_are_acknowledged_and_do_nothing_else(
    h: Harness, owner_engine: Engine
) -> None:
    """Slack opens a link button's URL and still sends the click: it must be acked,
    or the person sees an error mark beside the button."""
    mentor_and_mentee(h)
    book(h, "UBEN", user_id(owner_engine, "UMAYA"))
    mark = h.mark()
    accept(h, "UMAYA")
    files_to(h, mark, BOTH)
    (sight,) = [s for s in h.sights(mark) if s.kind is Kind.FILE and s.audience == "UBEN"]
    mark = h.mark()
    for action in (Action.ADD_TO_GOOGLE_CALENDAR, Action.ADD_TO_OUTLOOK):
        reply = h.click("UBEN", action, "", on=sight)
        assert (reply.status, reply.body) == (200, "")
    h.settle()
    assert [c.method for c in h.since(mark) if c.method != "views.publish"] == []


def test_weekly_sessions_across_the_new_york_dst_change_keep_10_00_new_york_time(
    h: Harness, owner_engine: Engine
) -> None:
    """A mentor in New York offers Mondays 10:00; Ben books four Mondays in a
    row around the spring change: each file's DTSTART is 10:00 in New York,
    15:00Z while it is standard time and 14:00Z once it is daylight time."""
    change = dst_changes("America/New_York")[0]  # the spring one: clocks go forward
    mondays = [change.date() + timedelta(days=d) for d in (-13, -6, 1, 8)]
    assert all(day.weekday() == 0 for day in mondays)
    h.command("UMAYA", "signup mentor")
    h.submit(
        "UMAYA",
        h.opened_view(),
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.EXPERTISE: text_input("python"),
            Field.TIME_ZONE: select("America/New_York"),
            Field.SESSION_MINUTES: select("30"),
        },
    )
    h.command("UMAYA", "availability add mon 10:00-10:30")
    h.next_call("response_url")
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(after=1),
        {Field.DEPARTMENT: text_input("Sales"), Field.LEARNING_GOALS: text_input("python")},
    )
    h.settle()
    maya = user_id(owner_engine, "UMAYA")

    starts = []
    for monday in mondays:
        # The Friday before: within booking reach, and after the week before's session.
        h.clock.set(datetime.combine(monday - timedelta(days=3), time(12), tzinfo=UTC))
        ten = datetime.combine(monday, time(10), tzinfo=NEW_YORK)
        booked = book(h, "UBEN", maya, slot=int(ten.timestamp()))
        assert at(booked) == ten
        mark = h.mark()
        accept(h, "UMAYA")
        for file in files_to(h, mark, BOTH):
            _, event = _event(file)
            starts.append(event.decoded("DTSTART"))
            assert event.decoded("DTSTART").astimezone(NEW_YORK).time() == time(10)
    assert [moment.hour for moment in starts] == [15, 15, 15, 15, 14, 14, 14, 14]
    assert all(moment.utcoffset() == timedelta(0) for moment in starts)


@pytest.mark.parametrize(
    ("method", "fault", "error", "refused"),
    [
        (
            SHARE,
            {"error": "internal_error", "match": {"channel_id": "DUBEN"}},
            "internal_error",
            "UBEN",
        ),
        # The upload URL taking the bytes with a status other than 200 (the
        # first upload of the round: Maya's).
        (UPLOAD, {"status": 201}, "upload_refused", "UMAYA"),
    ],
    ids=["share refused", "bytes refused"],
)
def test_a_refused_upload_is_retried_by_the_outbox_and_arrives_once(
    h: Harness,
    owner_engine: Engine,
    method: str,
    fault: dict[str, Any],
    error: str,
    refused: str,
) -> None:
    mentor_and_mentee(h)
    book(h, "UBEN", user_id(owner_engine, "UMAYA"))
    h.slack.fail(method, **fault)
    mark = h.mark()
    accept(h, "UMAYA")
    (other,) = [person for person in BOTH if person != refused]
    (took,) = files_to(h, mark, [other])
    with owner_engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT n.last_error, n.delivered_at IS NULL, n.gave_up_at IS NULL"
                " FROM notifications n JOIN users u ON u.id = n.recipient_id"
                " WHERE n.kind = 'calendar_update' AND u.slack_user_id = :refused"
            ),
            {"refused": refused},
        ).one()
    assert tuple(waiting) == (error, True, True)

    # Slack takes it on the outbox's next try: the file arrives once, the same
    # bytes the other person got (its DTSTAMP is when the change was made).
    h.clock.advance(minutes=5)
    assert h.bot.deps.notifier.deliver(None) == 1
    assert h.bot.deps.notifier.deliver(None) == 0
    files = shared_files(h, mark)
    assert sorted(f.person for f in files) == BOTH
    (retried,) = [f for f in files if f.person == refused]
    assert retried.content == took.content


def test_a_calendar_file_retried_after_later_changes_sends_the_session_as_it_stands_now(
    h: Harness, owner_engine: Engine
) -> None:
    """Both invites are refused; Maya moves the session, and Ben's name
    changes, before the outbox tries them again: each retried file is the
    session as stored then (its new time, SEQUENCE 1) and names both people
    as their profiles say then, mentee first, for the mentor and the mentee."""
    mentor_and_mentee(h)
    book(h, "UBEN", user_id(owner_engine, "UMAYA"))
    h.slack.fail(SHARE, times=2, error="internal_error")
    mark = h.mark()
    accept(h, "UMAYA")
    h.settle()
    assert shared_files(h, mark) == []
    accepted = last_session(owner_engine)

    mark = h.mark()
    move(h, "UMAYA", accepted.id, slot=1)
    moved = last_session(owner_engine)
    assert moved.starts_at != accepted.starts_at
    files_to(h, mark, BOTH)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET display_name = 'Ben O.' WHERE slack_user_id = 'UBEN'"))

    mark = h.mark()
    h.clock.advance(minutes=5)
    assert h.bot.deps.notifier.deliver(None) == 2
    retried = files_to(h, mark, BOTH)
    for file in retried:
        calendar, event = _event(file)
        assert (str(calendar["METHOD"]), int(event["SEQUENCE"])) == ("REQUEST", 1)
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
            moved.starts_at,
            moved.ends_at,
        )
        assert str(event["SUMMARY"]) == "Mentoring: Ben O. ↔ Maya Patel"
        assert "is now on" in str(file.blocks)
