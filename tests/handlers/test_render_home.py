"""The App Home tab for a newcomer, a mentee, a mentor and an admin; always within
Slack's 100 blocks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.home import PAST_LISTED
from domain.model import (
    Feedback,
    MentorRating,
    Notification,
    NotificationKind,
    Page,
    Profile,
    Session,
    SessionStatus,
    SubjectRole,
)
from handlers.ids import Action
from handlers.render.common import context, header, section
from handlers.render.home import HomeData, home_view
from tests.handlers.samples import BEN, MAYA, NOW, OLGA

S = SessionStatus
PEOPLE = {person.id: person for person in (MAYA, BEN, OLGA)}
NO_NOTICES: Page[Notification] = Page(items=(), number=1, has_more=False)


def a_session(
    status: SessionStatus,
    *,
    session_id: int,
    starts_in: timedelta,
    mentee: Profile = BEN,
    topic: str = "Career growth",
) -> Session:
    starts = NOW + starts_in
    return Session(
        id=session_id,
        workspace_id="T1",
        mentor_id=MAYA.id,
        mentee_id=mentee.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=status,
        topic=topic,
    )


def a_notice(number: int, *, read: bool = False) -> Notification:
    return Notification(
        id=UUID(int=number),
        workspace_id="T1",
        recipient_id=MAYA.id,
        kind=NotificationKind.REQUEST_RECEIVED,
        session_id=number,
        payload={"other_name": "Ben Okafor", "starts_at": NOW.isoformat(), "topic": "Help"},
        created_at=NOW - timedelta(hours=number),
        read_at=NOW if read else None,
    )


def home(profile: Profile | None, **fields: Any) -> HomeData:
    base: dict[str, Any] = {
        "profile": profile,
        "rating": None,
        "upcoming": [],
        "pending": [],
        "past": [],
        "earlier": False,
        "later": False,
        "people": PEOPLE,
        "feedback": {},
        "meeting_links": {},
        "notifications": NO_NOTICES,
        "unread": 0,
        "now": NOW,
        "dashboard": None,
        "profile_blocks": [],
    }
    base.update(fields)
    return HomeData(**base)


def rendered(data: HomeData) -> tuple[list[dict[str, Any]], str]:
    view = home_view(data)
    assert isinstance(view, View)
    as_dict = view.to_dict()  # raises if Slack's limits are broken
    assert as_dict["type"] == "home"
    return as_dict["blocks"], json.dumps(as_dict, ensure_ascii=False)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    ids = [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    ids += [block["accessory"]["action_id"] for block in blocks if "accessory" in block]
    return ids


def headers(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "header"]


def test_a_newcomer_learns_what_the_programme_is_and_can_join_either_way() -> None:
    blocks, dumped = rendered(home(None))
    assert headers(blocks) == ["Welcome to the mentorship programme 👋"]
    assert "mentees book short one-to-one sessions" in dumped
    assert action_ids(blocks) == [Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE]
    assert "Become a mentor" in dumped
    assert "Find a mentor (sign up as mentee)" in dumped
    assert "Notifications" not in dumped


def test_someone_who_left_is_told_so_and_how_to_join_again() -> None:
    blocks, dumped = rendered(home(None, has_left=True))
    assert headers(blocks) == ["You have left the mentorship programme"]
    assert "Nobody can book you" in dumped
    assert "`/mentor signup`" in dumped
    assert action_ids(blocks) == [Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE]


def test_an_admin_finds_the_programme_settings_by_the_dashboard_and_nobody_else_does() -> None:
    dashboard: list[Block] = [header("Programme"), section("*12* sessions this week")]
    blocks, _ = rendered(home(OLGA, dashboard=dashboard))
    assert blocks[-3]["type"] == "actions"
    assert [element["action_id"] for element in blocks[-3]["elements"]] == [
        Action.OPEN_SETTINGS,
        Action.OPEN_GROUP_MATCH,
    ]
    member, _ = rendered(home(OLGA))
    assert Action.OPEN_SETTINGS not in action_ids(member)
    assert Action.OPEN_GROUP_MATCH not in action_ids(member)


def test_a_mentee_sees_their_sessions_notifications_and_a_way_to_become_a_mentor() -> None:
    upcoming = [a_session(S.SCHEDULED, session_id=1, starts_in=timedelta(days=1))]
    past = [a_session(S.COMPLETED, session_id=2, starts_in=-timedelta(days=3))]
    feedback = {
        2: [
            Feedback(
                session_id=2,
                workspace_id="T1",
                author_id=MAYA.id,
                subject_id=BEN.id,
                subject_role=SubjectRole.MENTEE,
                rating=5,
                comment="Great questions",
            )
        ]
    }
    profile_blocks: list[Block] = [section("*Ben Okafor* · Engineering")]
    blocks, dumped = rendered(
        home(
            BEN,
            upcoming=upcoming,
            past=past,
            feedback=feedback,
            meeting_links={1: "https://meet.example.com/maya"},
            notifications=Page(items=(a_notice(1),), number=1, has_more=False),
            unread=1,
            profile_blocks=profile_blocks,
        )
    )
    assert headers(blocks) == [
        "Welcome back, Ben Okafor",
        "Your goals",
        "Upcoming sessions",
        "Past sessions",
        "Notifications (1 unread)",
    ]
    assert blocks[3] == profile_blocks[0].to_dict()  # after the greeting, as given
    assert "Requests waiting for you" not in dumped
    assert "Your rating as a mentor" not in dumped
    assert "*with Maya Chen* (mentor)" in dumped
    assert "Feedback from Maya Chen: ★★★★★ — “Great questions”" in dumped
    assert action_ids(blocks) == [
        Action.SIGNUP_MENTOR,
        Action.ADD_GOAL,
        Action.JOIN,
        Action.RESCHEDULE,
        Action.CANCEL,
        Action.LEAVE_FEEDBACK,
        Action.MARK_ALL_READ,
        Action.MARK_READ,
    ]


def test_a_mentor_answers_requests_from_home_and_sees_their_rating() -> None:
    request = a_session(S.REQUESTED, session_id=5, starts_in=timedelta(days=2))
    scheduled = a_session(S.SCHEDULED, session_id=6, starts_in=timedelta(days=3))
    blocks, dumped = rendered(
        home(
            MAYA,
            rating=MentorRating(mentor_id=MAYA.id, count=4, average=4.5),
            pending=[request],
            upcoming=[request, scheduled],
        )
    )
    assert headers(blocks) == [
        "Welcome back, Maya Chen",
        "Requests waiting for you",
        "Upcoming sessions",
        "Past sessions",
        "Notifications (0 unread)",
    ]
    assert "*Your rating as a mentor:* ★★★★☆ 4.5 (4)" in dumped
    # The request shows once, under requests, not again under upcoming.
    assert dumped.count("Waiting for your answer") == 1
    ids = action_ids(blocks)
    assert ids[:3] == [Action.SIGNUP_MENTEE, Action.ACCEPT, Action.DECLINE]
    assert ids.count(Action.CANCEL) == 2
    assert "No past sessions yet." in dumped
    assert "You have no notifications yet" in dumped


def test_a_new_mentor_without_ratings_is_told_so() -> None:
    _, dumped = rendered(home(MAYA))
    assert "*Your rating as a mentor:* No ratings yet" in dumped
    assert "`/mentor availability`" in dumped


def test_an_admin_sees_the_dashboard_last_exactly_as_given() -> None:
    dashboard: list[Block] = [header("Programme"), section("*12* sessions this week")]
    admin = replace(OLGA, is_mentee=True)
    blocks, _ = rendered(home(admin, dashboard=dashboard))
    assert blocks[-2:] == [block.to_dict() for block in dashboard]


def test_an_admin_sees_how_many_dms_were_given_up_on_above_the_dashboard() -> None:
    dashboard: list[Block] = [section("*12* sessions this week")]
    blocks, _ = rendered(home(OLGA, dashboard=dashboard, undelivered=3))
    assert blocks[-1] == dashboard[0].to_dict()
    assert "3 DMs could not be delivered" in blocks[-3]["elements"][0]["text"]
    _, quiet = rendered(home(OLGA, dashboard=dashboard))
    assert "could not be delivered" not in quiet


def test_an_admin_who_never_signed_up_gets_the_welcome_and_the_dashboard() -> None:
    dashboard: list[Block] = [section("*12* sessions this week")]
    blocks, _ = rendered(home(None, dashboard=dashboard))
    assert blocks[-1] == dashboard[0].to_dict()
    assert action_ids(blocks) == [
        Action.SIGNUP_MENTOR,
        Action.SIGNUP_MENTEE,
        Action.OPEN_SETTINGS,
        Action.OPEN_GROUP_MATCH,
    ]


def busiest_mentor(dashboard_blocks: int = 30) -> HomeData:
    def many(status: SessionStatus, first_id: int, step: timedelta) -> list[Session]:
        return [
            a_session(status, session_id=first_id + n, starts_in=step * (n + 1), topic="<!here>")
            for n in range(50)
        ]

    return home(
        MAYA,
        rating=MentorRating(mentor_id=MAYA.id, count=120, average=4.8),
        pending=many(S.REQUESTED, 1000, timedelta(hours=5)),
        upcoming=many(S.SCHEDULED, 2000, timedelta(hours=7)),
        past=many(S.COMPLETED, 3000, -timedelta(hours=7))[:PAST_LISTED],
        earlier=True,
        notifications=Page(
            items=tuple(a_notice(n + 1, read=n % 2 == 0) for n in range(10)),
            number=2,
            has_more=True,
        ),
        unread=30,
        profile_blocks=[section("*Maya Chen* · Staff Engineer"), context("Python · Careers")],
        dashboard=[section(f"Metric {n}") for n in range(dashboard_blocks)],
    )


@pytest.mark.parametrize(
    ("past", "earlier", "note"),
    [
        (2, False, None),
        (3, False, None),
        (4, False, "…and 1 earlier session — `/mentor sessions` shows the most recent ones"),
        (PAST_LISTED, True, "…and 2 or more earlier sessions — `/mentor sessions`"),
    ],
)
def test_the_home_says_how_many_past_sessions_it_leaves_out_only_as_far_as_it_knows(
    past: int, earlier: bool, note: str | None
) -> None:
    sessions = [
        a_session(S.COMPLETED, session_id=n + 1, starts_in=-timedelta(days=n + 1))
        for n in range(past)
    ]
    _, dumped = rendered(home(MAYA, past=sessions, earlier=earlier))
    if note is None:
        assert "earlier session" not in dumped
    else:
        assert note in dumped


def test_a_home_with_sessions_to_come_beyond_those_read_never_says_there_are_none() -> None:
    """Every session read a request to answer, and more to come after them."""
    requests = [
        a_session(S.REQUESTED, session_id=n + 1, starts_in=timedelta(hours=n + 2)) for n in range(3)
    ]
    _, dumped = rendered(home(MAYA, pending=requests, upcoming=requests, later=True))
    assert "No upcoming sessions" not in dumped
    assert "…and more to come" in dumped


def test_the_busiest_mentor_home_stays_within_a_hundred_blocks_with_notes() -> None:
    blocks, dumped = rendered(busiest_mentor())
    assert len(blocks) <= 100
    assert headers(blocks)[1:4] == [
        "Requests waiting for you",
        "Upcoming sessions",
        "Past sessions",
    ]
    assert "more — `/mentor sessions`" in dumped
    assert "…and 2 or more earlier sessions — `/mentor sessions`" in dumped
    assert action_ids(blocks).count(Action.ACCEPT) >= 3
    assert action_ids(blocks).count(Action.MARK_READ) == 5
    assert Action.MARK_ALL_READ in action_ids(blocks)
    assert Action.NOTIFICATIONS_PAGE in action_ids(blocks)
    assert blocks[-1]["text"]["text"] == "Metric 29"  # the whole dashboard
    assert "&lt;!here&gt;" in dumped
    assert "<!here>" not in dumped


def test_the_notes_count_what_was_left_out() -> None:
    blocks, _ = rendered(busiest_mentor())
    shown = action_ids(blocks).count(Action.ACCEPT)
    notes = [
        block["elements"][0]["text"]
        for block in blocks
        if block["type"] == "context" and block["elements"][0]["text"].startswith("…and")
    ]
    assert notes[0] == f"…and {50 - shown} more — `/mentor sessions`"


def test_an_oversized_dashboard_is_cut_with_a_note_rather_than_refused() -> None:
    blocks, dumped = rendered(busiest_mentor(dashboard_blocks=120))
    assert len(blocks) == 100
    assert "There is more than fits here" in dumped


@pytest.mark.parametrize("dashboard_blocks", [0, 30, 45, 50, 55, 60, 70])
def test_a_squeezed_home_says_all_it_left_out_of_the_past(dashboard_blocks: int) -> None:
    blocks, dumped = rendered(busiest_mentor(dashboard_blocks))
    assert len(blocks) <= 100
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    if "Past sessions" not in headers:
        return  # squeezed out whole: nothing claimed
    start = next(
        i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == "Past sessions"
    )
    shown = 0
    for block in blocks[start + 1 :]:
        if block["type"] in ("divider", "header"):
            break
        if block["type"] == "section":
            shown += 1
    left_out = PAST_LISTED - shown
    said = f"{left_out} or more earlier sessions" if left_out else "earlier sessions"
    assert re.findall(r"…and ([^—]*?) —", dumped)[-1] == said, shown
