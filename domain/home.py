"""Everything a person's App Home shows, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.model import (
    ACTIVE_STATUSES,
    Feedback,
    MentorRating,
    Notification,
    Page,
    Profile,
    Role,
    Session,
    SessionStatus,
)
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile, seen_profile

FINISHED = frozenset(SessionStatus) - ACTIVE_STATUSES
SHOWN = 50


@dataclass(frozen=True)
class Overview:
    """A person's sessions with everything needed to show them."""

    upcoming: list[Session] = field(default_factory=list)
    pending: list[Session] = field(default_factory=list)  # requests waiting for me as mentor
    past: list[Session] = field(default_factory=list)
    people: dict[int, Profile] = field(default_factory=dict)
    feedback: dict[int, list[Feedback]] = field(default_factory=dict)
    meeting_links: dict[int, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeSnapshot:
    profile: Profile | None  # None: never signed up, or left
    has_left: bool = False  # left the programme (or Slack deactivated them)
    rating: MentorRating | None = None
    overview: Overview = field(default_factory=Overview)
    notifications: Page[Notification] = field(default_factory=lambda: Page((), 1, False))
    unread: int = 0
    undelivered: int = 0  # admins: the workspace's notices given up on (dead letters)


def my_sessions(uow: UnitOfWork, clock: Clock) -> tuple[Profile, Overview]:
    with uow:
        me = current_profile(uow)
        return me, _overview(uow, clock, me)


def my_home(
    uow: UnitOfWork, clock: Clock, *, notifications: int = 5, page: int = 1
) -> HomeSnapshot:
    """The home of the acting person (notices `page` of `notifications` each); an
    empty one for someone not seen yet, and one that only says so for someone
    who left."""
    page = max(page, 1)
    with uow:
        found = seen_profile(uow)
        if found is None or not found.is_active:
            return HomeSnapshot(profile=None, has_left=found is not None)
        me = found
        rows = uow.notifications.list_for(
            me.id, limit=notifications + 1, offset=(page - 1) * notifications
        )
        return HomeSnapshot(
            profile=me,
            rating=uow.feedback.rating(me.id) if me.is_mentor else None,
            overview=_overview(uow, clock, me),
            notifications=Page(tuple(rows[:notifications]), page, len(rows) > notifications),
            unread=uow.notifications.unread_count(me.id),
            undelivered=(
                uow.workspaces.undelivered(me.workspace_id) if uow.actor.role is Role.ADMIN else 0
            ),
        )


def _overview(uow: UnitOfWork, clock: Clock, me: Profile) -> Overview:
    now = clock.now()
    # Ongoing sessions started a little while ago and still count as upcoming.
    active = uow.sessions.for_user(
        me.id, statuses=ACTIVE_STATUSES, starts_after=now - timedelta(days=1), limit=SHOWN * 2
    )
    pending = [s for s in active if s.status is SessionStatus.REQUESTED and s.mentor_id == me.id]
    upcoming = [s for s in active if s not in pending]
    past = uow.sessions.for_user(me.id, statuses=FINISHED, newest_first=True, limit=SHOWN)
    sessions = [*pending, *upcoming, *past]
    people = uow.users.get_many(
        {s.mentor_id for s in sessions} | {s.mentee_id for s in sessions} | {me.id}
    )
    return Overview(
        upcoming=upcoming[:SHOWN],
        pending=pending[:SHOWN],
        past=past,
        people=people,
        feedback=uow.feedback.for_sessions(
            [s.id for s in past if s.status is SessionStatus.COMPLETED]
        ),
        meeting_links={
            s.id: people[s.mentor_id].meeting_link if s.mentor_id in people else None
            for s in sessions
        },
    )
