"""Notification lines, the notifications list, DMs and what a DM becomes after a
click, read through `to_dict()`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from icalendar import Calendar
from slack_sdk.models.blocks import Block

from domain.model import (
    Notification,
    NotificationKind,
    Page,
    Profile,
    Session,
    SessionStatus,
    Slot,
)
from handlers.ids import Action
from handlers.metadata import FollowUpRef, NotificationRef, PageRef, SessionRef, decode
from handlers.render.notifications import (
    DmOutcome,
    calendar_dm,
    dm_message,
    dm_outcome,
    notification_text,
    notifications_blocks,
)
from tests.handlers.samples import BEN, MAYA, NOW

K = NotificationKind
S = SessionStatus
STARTS = NOW + timedelta(days=1)
BEFORE = NOW + timedelta(days=2)
LINK = "https://meet.example.com/maya"


def a_notice(
    kind: NotificationKind,
    *,
    number: int = 1,
    read: bool = False,
    recipient: Profile = MAYA,
    **payload: str | int | None,
) -> Notification:
    details: dict[str, str | int | None] = {
        "other_name": "Ben Okafor",
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(minutes=30)).isoformat(),
        "topic": "Career growth",
    }
    details.update(payload)
    return Notification(
        id=UUID(int=number),
        workspace_id="T1",
        recipient_id=recipient.id,
        kind=kind,
        session_id=7,
        payload=details,
        created_at=NOW - timedelta(minutes=number),
        read_at=NOW if read else None,
    )


def a_session(status: SessionStatus, *, topic: str = "Career growth") -> Session:
    return Session(
        id=7,
        workspace_id="T1",
        mentor_id=MAYA.id,
        mentee_id=BEN.id,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=30),
        status=status,
        topic=topic,
    )


def date_token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def as_json(blocks: list[Block]) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def action_blocks(blocks: list[Block]) -> list[list[dict[str, Any]]]:
    return [block.to_dict()["elements"] for block in blocks if block.type == "actions"]


def action_ids(blocks: list[Block]) -> list[str]:
    return [element["action_id"] for row in action_blocks(blocks) for element in row]


# --- one line per kind --------------------------------------------------------------

WHEN = date_token(STARTS)
LINES: list[tuple[NotificationKind, dict[str, str | int | None], list[str]]] = [
    (K.REQUEST_RECEIVED, {}, ["Ben Okafor asked for a session on " + WHEN, "“Career growth”"]),
    (K.REQUEST_ACCEPTED, {}, ["Ben Okafor accepted your session on " + WHEN]),
    (
        K.REQUEST_DECLINED,
        {"reason": "Fully booked"},
        ["Ben Okafor declined your session request for " + WHEN, "“Fully booked”"],
    ),
    (
        K.SESSION_CANCELLED,
        {"reason": "Off sick"},
        ["Ben Okafor cancelled your session on " + WHEN, "“Off sick”"],
    ),
    (
        K.SESSION_RESCHEDULED,
        {"previous_starts_at": BEFORE.isoformat(), "needs_confirmation": 0},
        [f"Ben Okafor moved your session from {date_token(BEFORE)}", f"to {WHEN}"],
    ),
    (
        K.REQUEST_EXPIRED,
        {},
        [f"Your session request to Ben Okafor for {WHEN}", "expired before it was accepted"],
    ),
    (K.REMINDER, {"lead_minutes": 15}, ["Reminder: your session with Ben Okafor starts in 15"]),
    (K.SESSION_STARTED, {}, ["Your session with Ben Okafor on " + WHEN, "has started"]),
    (K.COMPLETE_PROMPT, {}, ["Your session with Ben Okafor on " + WHEN, "mark it complete"]),
    (K.SESSION_COMPLETED, {}, ["Your session with Ben Okafor on " + WHEN, "how did it go?"]),
    (K.FEEDBACK_RECEIVED, {"rating": 4}, ["Ben Okafor rated your session ★★★★☆"]),
    (
        K.CALENDAR_UPDATE,
        {"method": "REQUEST", "status": "CONFIRMED", "sequence": 0},
        ["Your mentoring session with Ben Okafor on " + WHEN, "add it to your calendar"],
    ),
    (K.NUDGE, {}, ["A gentle nudge", "your next session with Ben Okafor", "/mentor find"]),
]


def test_every_kind_of_notice_has_a_line() -> None:
    assert {kind for kind, _, _ in LINES} == set(NotificationKind)


@pytest.mark.parametrize(
    ("kind", "payload", "parts"), LINES, ids=[kind.value for kind, *_ in LINES]
)
def test_a_notice_reads_as_one_human_line(
    kind: NotificationKind, payload: dict[str, str | int | None], parts: list[str]
) -> None:
    line = notification_text(a_notice(kind, **payload), "Europe/London")
    assert "\n" not in line
    for part in parts:
        assert part in line


@pytest.mark.parametrize(
    ("lead_minutes", "words"),
    [
        (15, "starts in 15 minutes — "),
        (1440, "starts tomorrow — "),
        (1439, "starts tomorrow — "),  # sent in the minute after the 24-hour mark
        (120, "starts in 2 hours — "),
        (13 * 60 + 1, "starts in about 13 hours — "),  # a late 24-hour reminder
        (60, "starts in 1 hour — "),
        (75, "starts in about an hour — "),
        (1, "starts in 1 minute — "),
    ],
)
def test_a_reminder_says_how_soon_by_its_lead_time(lead_minutes: int, words: str) -> None:
    line = notification_text(a_notice(K.REMINDER, lead_minutes=lead_minutes), "UTC")
    assert words in line


def test_a_move_by_a_mentee_asks_the_mentor_to_confirm() -> None:
    moved = {"previous_starts_at": BEFORE.isoformat()}
    asks = notification_text(a_notice(K.SESSION_RESCHEDULED, needs_confirmation=1, **moved), "UTC")
    stands = notification_text(
        a_notice(K.SESSION_RESCHEDULED, needs_confirmation=0, **moved), "UTC"
    )
    assert asks.endswith(" — please confirm")
    assert "please confirm" not in stands


def test_a_line_escapes_names_topics_and_reasons() -> None:
    shady = a_notice(K.REQUEST_DECLINED, other_name="<!channel>", reason="<@U1> says no")
    line = notification_text(shady, "UTC")
    assert line.startswith("&lt;!channel&gt; declined")
    assert "&lt;@U1&gt; says no" in line
    topic = notification_text(a_notice(K.REQUEST_RECEIVED, topic="<!here>"), "UTC")
    assert "&lt;!here&gt;" in topic
    assert "<!here>" not in topic


def test_a_line_without_a_name_or_time_still_reads_well() -> None:
    line = notification_text(a_notice(K.REQUEST_ACCEPTED, other_name=None, starts_at=None), "UTC")
    assert line == "Someone accepted your session on the planned time"


# --- the notifications list -----------------------------------------------------------


def a_page(
    count: int, *, unread: int, number: int = 1, has_more: bool = False
) -> Page[Notification]:
    items = tuple(
        a_notice(K.REQUEST_ACCEPTED, number=n + 1, read=n >= unread) for n in range(count)
    )
    return Page(items=items, number=number, has_more=has_more)


def test_the_list_counts_unread_and_offers_mark_read_only_on_unread_notices() -> None:
    blocks = notifications_blocks(a_page(3, unread=2), 2, "Europe/London")
    data = [block.to_dict() for block in blocks]
    assert data[0]["text"]["text"] == "Notifications (2 unread)"
    notices = [block for block in data if block["type"] == "section"]
    assert len(notices) == 3
    marks = [block["accessory"] for block in notices if "accessory" in block]
    assert [mark["action_id"] for mark in marks] == [Action.MARK_READ, Action.MARK_READ]
    assert decode(NotificationRef, marks[0]["value"]) == NotificationRef(
        notification_id=UUID(int=1)
    )
    assert notices[0]["text"]["text"].startswith("🔵 Ben Okafor accepted")
    assert not notices[2]["text"]["text"].startswith("🔵")
    assert date_token(NOW - timedelta(minutes=1)) in notices[0]["text"]["text"]
    assert action_ids(blocks) == [Action.MARK_ALL_READ]


def test_with_nothing_unread_there_is_no_mark_all_read() -> None:
    blocks = notifications_blocks(a_page(2, unread=0), 0, "UTC")
    assert "Notifications (0 unread)" in as_json(blocks)
    assert action_ids(blocks) == []
    assert "accessory" not in as_json(blocks)


def test_the_first_page_links_to_older_notices() -> None:
    blocks = notifications_blocks(a_page(10, unread=0, has_more=True), 0, "UTC")
    [row] = action_blocks(blocks)
    assert [element["action_id"] for element in row] == [Action.NOTIFICATIONS_PAGE]
    assert decode(PageRef, row[0]["value"]) == PageRef(page=2)


def test_a_middle_page_links_both_ways_with_each_action_id_once_per_block() -> None:
    blocks = notifications_blocks(a_page(10, unread=1, number=2, has_more=True), 4, "UTC")
    rows = action_blocks(blocks)
    for row in rows:
        ids = [element["action_id"] for element in row]
        assert len(ids) == len(set(ids))
    pages = [
        decode(PageRef, element["value"])
        for row in rows
        for element in row
        if element["action_id"] == Action.NOTIFICATIONS_PAGE
    ]
    assert pages == [PageRef(page=1), PageRef(page=3)]
    assert Action.MARK_ALL_READ in action_ids(blocks)


def test_ten_notices_fit_in_a_message() -> None:
    blocks = notifications_blocks(a_page(10, unread=10, number=2, has_more=True), 25, "UTC")
    assert len(blocks) <= 50
    as_json(blocks)  # Slack's limits hold


def test_an_oversized_page_is_cut_to_fifty_blocks_with_a_note() -> None:
    blocks = notifications_blocks(a_page(60, unread=60, has_more=True), 60, "UTC")
    assert len(blocks) <= 50
    assert "more on this page" in as_json(blocks)


def test_no_notices_explains_when_they_appear() -> None:
    blocks = notifications_blocks(Page(items=(), number=1, has_more=False), 0, "UTC")
    assert "You have no notifications yet" in as_json(blocks)


# --- direct messages --------------------------------------------------------------------


def dm(
    notice: Notification,
    session: Session | None,
    *,
    recipient: Profile = MAYA,
    meeting_link: str | None = None,
) -> tuple[str, list[Block]]:
    return dm_message(
        notice, recipient=recipient, session=session, meeting_link=meeting_link, zone="UTC"
    )


def test_a_request_dm_lets_the_mentor_accept_or_decline_while_it_is_requested() -> None:
    text, blocks = dm(a_notice(K.REQUEST_RECEIVED), a_session(S.REQUESTED))
    assert action_ids(blocks) == [Action.ACCEPT, Action.DECLINE]
    accept, decline = action_blocks(blocks)[0]
    # Accept carries the time the DM shows; Decline commits to no time.
    shown = Slot(STARTS, STARTS + timedelta(minutes=30))
    assert decode(SessionRef, accept["value"]) == SessionRef.shown(7, shown)
    assert decode(SessionRef, decline["value"]) == SessionRef(session_id=7)
    assert text.startswith("Ben Okafor asked for a session on ")
    assert "<!date" not in text
    assert "(UTC)" in text


@pytest.mark.parametrize("status", [S.SCHEDULED, S.DECLINED, S.EXPIRED, S.CANCELLED])
def test_a_request_dm_has_no_buttons_once_the_request_moved_on(status: SessionStatus) -> None:
    _, blocks = dm(a_notice(K.REQUEST_RECEIVED), a_session(status))
    assert action_ids(blocks) == []


def test_a_request_dm_sent_after_the_request_moved_offers_no_accept() -> None:
    """A notice delivered late (after a retry) shows the time it was written
    with; its Accept would agree to a time it does not show, so it has none."""
    moved = replace(a_session(S.REQUESTED), starts_at=BEFORE, ends_at=BEFORE + timedelta(hours=1))
    assert action_ids(dm(a_notice(K.REQUEST_RECEIVED), moved)[1]) == []
    longer = replace(a_session(S.REQUESTED), ends_at=STARTS + timedelta(hours=1))
    assert action_ids(dm(a_notice(K.REQUEST_RECEIVED), longer)[1]) == []
    timeless = a_notice(K.REQUEST_RECEIVED, starts_at=None, ends_at=None)
    assert action_ids(dm(timeless, a_session(S.REQUESTED))[1]) == []


def test_a_dm_without_its_session_has_no_buttons() -> None:
    _, blocks = dm(a_notice(K.REQUEST_RECEIVED), None)
    assert [block.type for block in blocks] == ["section"]


def test_a_move_that_needs_confirmation_asks_the_mentor_to_accept_again() -> None:
    moved = {"previous_starts_at": BEFORE.isoformat()}
    asks = a_notice(K.SESSION_RESCHEDULED, needs_confirmation=1, **moved)
    stands = a_notice(K.SESSION_RESCHEDULED, needs_confirmation=0, **moved)
    assert action_ids(dm(asks, a_session(S.REQUESTED))[1]) == [Action.ACCEPT, Action.DECLINE]
    assert action_ids(dm(stands, a_session(S.SCHEDULED), recipient=BEN)[1]) == []


def test_the_mentee_never_gets_accept_buttons() -> None:
    notice = a_notice(K.REQUEST_RECEIVED, recipient=BEN)
    assert action_ids(dm(notice, a_session(S.REQUESTED), recipient=BEN)[1]) == []


def test_a_completed_session_dm_asks_for_feedback_and_offers_the_mentee_book_again() -> None:
    done = a_session(S.COMPLETED)
    for_ben = dm(a_notice(K.SESSION_COMPLETED, recipient=BEN), done, recipient=BEN)[1]
    for_maya = dm(a_notice(K.SESSION_COMPLETED), done)[1]
    assert action_ids(for_ben) == [Action.LEAVE_FEEDBACK, Action.BOOK_AGAIN]
    assert action_ids(for_maya) == [Action.LEAVE_FEEDBACK]
    [[_, menu]] = action_blocks(for_ben)
    assert menu["placeholder"]["text"] == "Book again…"
    offered = [
        (option["text"]["text"], decode(FollowUpRef, option["value"])) for option in menu["options"]
    ]
    assert offered == [
        (f"Same time in {label}", FollowUpRef(session_id=done.id, weeks=weeks))
        for label, weeks in (("1 week", 1), ("2 weeks", 2), ("4 weeks", 4))
    ]


def test_the_mentees_feedback_leaves_book_again_on_the_dm() -> None:
    def after_feedback(mentee: bool, status: SessionStatus = S.COMPLETED) -> list[str]:
        _, blocks = dm_outcome(
            a_session(status), actor_name="Ben", outcome="feedback sent", zone="UTC", mentee=mentee
        )
        return action_ids(blocks)

    assert after_feedback(True) == [Action.BOOK_AGAIN]
    assert after_feedback(False) == []
    assert after_feedback(True, S.CANCELLED) == []


@pytest.mark.parametrize("kind", [K.REQUEST_ACCEPTED, K.REMINDER])
def test_accepted_and_reminder_dms_offer_join_only_with_a_meeting_link(
    kind: NotificationKind,
) -> None:
    notice = a_notice(kind, recipient=BEN, lead_minutes=15)
    _, with_link = dm(notice, a_session(S.SCHEDULED), recipient=BEN, meeting_link=LINK)
    [[join]] = action_blocks(with_link)
    assert (join["action_id"], join["url"]) == (Action.JOIN, LINK)
    assert action_ids(dm(notice, a_session(S.SCHEDULED), recipient=BEN)[1]) == []
    cancelled = a_session(S.CANCELLED)
    assert action_ids(dm(notice, cancelled, recipient=BEN, meeting_link=LINK)[1]) == []


@pytest.mark.parametrize("kind", [K.REQUEST_ACCEPTED, K.REMINDER])
def test_accepted_and_reminder_dms_without_a_link_say_to_agree_on_a_place(
    kind: NotificationKind,
) -> None:
    notice = a_notice(kind, recipient=BEN, lead_minutes=15)
    _, blocks = dm(notice, a_session(S.SCHEDULED), recipient=BEN)
    assert "No meeting link yet: agree on a place with Ben Okafor in a DM." in as_json(blocks)
    _, linked = dm(notice, a_session(S.SCHEDULED), recipient=BEN, meeting_link=LINK)
    assert "No meeting link" not in as_json(linked)
    # Once the session is off, there is nothing to agree on.
    _, cancelled = dm(notice, a_session(S.CANCELLED), recipient=BEN)
    assert "No meeting link" not in as_json(cancelled)


def test_the_complete_prompt_offers_complete_and_no_show_to_the_mentor_while_on() -> None:
    notice = a_notice(K.COMPLETE_PROMPT)
    assert action_ids(dm(notice, a_session(S.ONGOING))[1]) == [Action.COMPLETE, Action.NO_SHOW]
    assert action_ids(dm(notice, a_session(S.SCHEDULED))[1]) == [Action.COMPLETE, Action.NO_SHOW]
    assert action_ids(dm(notice, a_session(S.COMPLETED))[1]) == []


@pytest.mark.parametrize(
    "kind",
    [
        K.REQUEST_DECLINED,
        K.SESSION_CANCELLED,
        K.REQUEST_EXPIRED,
        K.SESSION_STARTED,
        K.FEEDBACK_RECEIVED,
    ],
)
def test_notices_that_only_inform_have_no_buttons(kind: NotificationKind) -> None:
    _, blocks = dm(a_notice(kind, rating=5), a_session(S.SCHEDULED), meeting_link=LINK)
    assert action_ids(blocks) == []
    as_json(blocks)


# --- calendar files ---------------------------------------------------------------------


# How a session stands once a calendar update of each status was written.
SENT_AS = {"CONFIRMED": S.SCHEDULED, "TENTATIVE": S.REQUESTED, "CANCELLED": S.CANCELLED}


def a_sent_session(status: str, sequence: int) -> Session:
    """The session as stored after the change a calendar notice announces."""
    return replace(
        a_session(SENT_AS[status]), calendar_sequence=sequence, updated_at=NOW - timedelta(hours=1)
    )


def a_calendar_notice(method: str, status: str, sequence: int) -> Notification:
    return a_notice(
        K.CALENDAR_UPDATE,
        method=method,
        status=status,
        sequence=sequence,
        mentor="Maya Patel",
        mentee="Ben Okafor",
    )


@pytest.mark.parametrize(
    ("method", "status", "sequence", "words"),
    [
        ("REQUEST", "CONFIRMED", 0, f"with Ben Okafor on {WHEN}"),
        ("REQUEST", "CONFIRMED", 0, "— add it to your calendar"),
        ("REQUEST", "CONFIRMED", 2, f"with Ben Okafor is now on {WHEN}"),
        ("REQUEST", "TENTATIVE", 1, f"with Ben Okafor moved to {WHEN}"),
        ("REQUEST", "TENTATIVE", 1, ", to be confirmed — update your calendar"),
        ("CANCEL", "CANCELLED", 3, "is cancelled — remove it from your calendar"),
    ],
)
def test_a_calendar_file_says_what_it_changes_in_the_calendar(
    method: str, status: str, sequence: int, words: str
) -> None:
    notice = a_calendar_notice(method, status, sequence)
    session = a_sent_session(status, sequence)
    shared = calendar_dm(notice, session=session, meeting_link=LINK, zone="UTC")
    assert shared is not None
    line = shared.blocks[0].to_dict()["text"]["text"]
    assert line.startswith("📅 Your mentoring session")
    assert words in line


def test_an_invite_comes_with_the_event_file_and_buttons_to_add_it_to_a_calendar() -> None:
    notice = a_calendar_notice("REQUEST", "CONFIRMED", 1)
    session = a_sent_session("CONFIRMED", 1)
    shared = calendar_dm(notice, session=session, meeting_link=LINK, zone="UTC")
    assert shared is not None
    assert shared.filename == f"mentoring-{STARTS:%Y-%m-%d}-invite.ics"
    assert shared.title == "Mentoring: Ben Okafor ↔ Maya Patel"
    calendar = Calendar.from_ical(shared.content)
    [event] = calendar.walk("VEVENT")
    assert (str(calendar["METHOD"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
        "REQUEST",
        1,
        "CONFIRMED",
    )
    assert event.decoded("DTSTART") == STARTS
    # When the session last changed: a retry sends the same bytes.
    assert event.decoded("DTSTAMP") == session.updated_at
    assert str(event["LOCATION"]) == LINK
    [[google, outlook]] = action_blocks(shared.blocks)
    assert (google["action_id"], outlook["action_id"]) == (
        Action.ADD_TO_GOOGLE_CALENDAR,
        Action.ADD_TO_OUTLOOK,
    )
    assert google["url"].startswith("https://calendar.google.com/calendar/render?")
    assert outlook["url"].startswith("https://outlook.office.com/calendar/")


def test_a_cancellation_file_has_no_buttons_to_add_it() -> None:
    notice = a_calendar_notice("CANCEL", "CANCELLED", 2)
    shared = calendar_dm(
        notice, session=a_sent_session("CANCELLED", 2), meeting_link=None, zone="UTC"
    )
    assert shared is not None
    assert shared.filename.endswith("-cancelled.ics")
    assert action_ids(shared.blocks) == []
    assert str(Calendar.from_ical(shared.content)["METHOD"]) == "CANCEL"


def test_a_calendar_notice_that_describes_no_event_sends_no_file() -> None:
    good = a_calendar_notice("REQUEST", "CONFIRMED", 0)
    sent = a_sent_session("CONFIRMED", 0)
    unusable = [
        (good, None),
        (good, replace(sent, id=8)),
        # Never sent to a calendar: nothing to update there.
        (good, a_session(S.REQUESTED)),
    ]
    for notice, session in unusable:
        assert calendar_dm(notice, session=session, meeting_link=LINK, zone="UTC") is None


def test_a_calendar_file_sends_the_session_as_stored_when_delivered_not_as_noticed() -> None:
    """An invite retried after the session moved and was cancelled: the file
    (and its line) say what the calendar must show now, at the new time, and
    name the people as their profiles say now, mentee first, whoever reads it."""
    invite = a_calendar_notice("REQUEST", "CONFIRMED", 0)
    moved_at = STARTS + timedelta(days=2)
    now = replace(
        a_sent_session("CANCELLED", 2), starts_at=moved_at, ends_at=moved_at + timedelta(hours=1)
    )
    for reader in (MAYA, BEN):
        notice = replace(invite, recipient_id=reader.id)
        shared = calendar_dm(
            notice,
            session=now,
            meeting_link=LINK,
            zone="UTC",
            names=("Maya Patel-Chen", "Ben O."),
        )
        assert shared is not None
        calendar = Calendar.from_ical(shared.content)
        [event] = calendar.walk("VEVENT")
        assert (str(calendar["METHOD"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
            "CANCEL",
            2,
            "CANCELLED",
        )
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (now.starts_at, now.ends_at)
        assert str(event["SUMMARY"]) == "Mentoring: Ben O. ↔ Maya Patel-Chen"
        assert shared.title == "Mentoring: Ben O. ↔ Maya Patel-Chen"
        line = shared.blocks[0].to_dict()["text"]["text"]
        assert "cancelled — remove it from your calendar" in line
        assert date_token(moved_at) in line
        assert action_ids(shared.blocks) == []


# --- after a click ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (DmOutcome.ACCEPTED, "✅ Accepted by Maya Chen"),
        (DmOutcome.DECLINED, "❌ Declined by Maya Chen"),
        ("completed", "✅ Marked complete by Maya Chen"),
        ("marked as a no-show", "Recorded as a no-show by Maya Chen"),
        ("moved", "🗓️ Moved by Maya Chen"),
    ],
)
def test_a_handled_dm_says_who_did_what_and_has_no_buttons(outcome: str, words: str) -> None:
    text, blocks = dm_outcome(
        a_session(S.SCHEDULED), actor_name="Maya Chen", outcome=outcome, zone="UTC"
    )
    dumped = as_json(blocks)
    assert words in dumped
    assert date_token(STARTS) in dumped
    assert "“Career growth”" in dumped
    assert action_ids(blocks) == []
    assert "accessory" not in dumped
    assert text.startswith(words)


@pytest.mark.parametrize("outcome", [DmOutcome.ALREADY_HANDLED, "already declined"])
def test_an_already_handled_dm_says_so_neutrally(outcome: str) -> None:
    text, blocks = dm_outcome(
        a_session(S.DECLINED), actor_name="Maya Chen", outcome=outcome, zone="UTC"
    )
    assert "This was already handled; the session is now declined." in as_json(blocks)
    assert "Maya Chen" not in text
    assert action_ids(blocks) == []


def test_a_handled_dm_escapes_the_topic_and_the_name() -> None:
    _, blocks = dm_outcome(
        a_session(S.SCHEDULED, topic="<!here>"),
        actor_name="<!channel>",
        outcome=DmOutcome.ACCEPTED,
        zone="UTC",
    )
    dumped = as_json(blocks)
    assert "&lt;!here&gt;" in dumped
    assert "&lt;!channel&gt;" in dumped
    assert "<!here>" not in dumped
