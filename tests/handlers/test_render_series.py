"""A recurring series' notices, DMs and calendar file, read through `to_dict()`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from icalendar import Calendar

from domain.model import NotificationKind, SessionStatus
from handlers.ids import Action
from handlers.metadata import SeriesRef, decode
from handlers.render.notifications import dm_message, notification_text
from handlers.render.series_calendar import series_calendar_dm
from tests.handlers.samples import BEN, MAYA
from tests.handlers.test_render_notifications import (
    STARTS,
    a_notice,
    a_session,
    action_blocks,
    as_json,
    date_token,
)

K = NotificationKind
S = SessionStatus
WEEKS = [STARTS + n * timedelta(weeks=2) for n in range(3)]
SERIES = {
    "series_id": 9,
    "every_weeks": 2,
    "starts": " ".join(moment.isoformat() for moment in WEEKS),
}


def test_the_mentor_reads_one_request_for_the_series_with_every_time_and_two_buttons() -> None:
    notice = a_notice(K.REQUEST_RECEIVED, **SERIES)
    _, blocks = dm_message(
        notice, recipient=MAYA, session=a_session(S.REQUESTED), meeting_link=None, zone="UTC"
    )

    said = as_json(blocks)
    assert "Ben Okafor asked for 3 sessions, every 2 weeks from " + date_token(STARTS) in said
    assert all(date_token(moment) in said for moment in WEEKS)
    (row,) = action_blocks(blocks)
    assert [e["action_id"] for e in row] == [Action.ACCEPT_SERIES, Action.DECLINE_SERIES]
    accept = decode(SeriesRef, row[0]["value"])
    assert accept is not None
    assert (accept.series_id, accept.seen()) == (9, WEEKS)


def test_nobody_but_the_mentor_of_a_waiting_series_gets_its_buttons() -> None:
    notice = a_notice(K.REQUEST_RECEIVED, **SERIES)
    answered = (S.SCHEDULED, S.DECLINED, S.EXPIRED)
    for recipient, status in ((BEN, S.REQUESTED), *((MAYA, status) for status in answered)):
        _, blocks = dm_message(
            notice, recipient=recipient, session=a_session(status), meeting_link=None, zone="UTC"
        )
        assert action_blocks(blocks) == [], (recipient.display_name, status)


def test_the_mentor_keeps_the_buttons_when_the_mentee_cancelled_the_first_session() -> None:
    """The request is keyed by the series' first session; the others still
    wait when the mentee cancelled that one."""
    notice = a_notice(K.REQUEST_RECEIVED, **SERIES)
    _, blocks = dm_message(
        notice, recipient=MAYA, session=a_session(S.CANCELLED), meeting_link=None, zone="UTC"
    )
    (row,) = action_blocks(blocks)
    assert [e["action_id"] for e in row] == [Action.ACCEPT_SERIES, Action.DECLINE_SERIES]


def test_the_mentee_reads_the_answer_for_the_series_once() -> None:
    accepted = a_notice(K.REQUEST_ACCEPTED, recipient=BEN, other_name="Maya Patel", **SERIES)
    declined = a_notice(K.REQUEST_DECLINED, recipient=BEN, other_name="Maya Patel", **SERIES)

    assert notification_text(accepted, "UTC").startswith(
        "Maya Patel accepted 3 of your sessions, every 2 weeks from "
    )
    assert notification_text(declined, "UTC").startswith(
        "Maya Patel declined your 3 session requests, every 2 weeks from "
    )


def test_the_series_calendar_file_lists_the_sessions_calendars_show_as_their_own_events() -> None:
    sessions = [
        replace(
            a_session(S.SCHEDULED),
            id=7 + n,
            starts_at=moment,
            ends_at=moment + timedelta(minutes=30),
            calendar_sequence=0,
        )
        for n, moment in enumerate(WEEKS)
    ]
    # Declined before it was ever scheduled: in no calendar, so not in the file.
    sessions[2] = replace(sessions[2], status=S.DECLINED, calendar_sequence=None)
    notice = a_notice(K.CALENDAR_UPDATE, mentor="Maya Patel", mentee="Ben Okafor", **SERIES)

    sent = series_calendar_dm(notice, sessions, link=lambda s: None, zone="UTC")

    assert sent is not None
    calendar = Calendar.from_ical(sent.content)
    assert "METHOD" not in calendar, "an iTIP method is about one UID"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["session-7.t1@mentorbot", "session-8.t1@mentorbot"]
    assert "Your 2 mentoring sessions with Ben Okafor" in as_json(sent.blocks)
    gone = [replace(s, calendar_sequence=None, status=S.DECLINED) for s in sessions]
    assert series_calendar_dm(notice, gone, link=lambda s: None, zone="UTC") is None
