"""Everything a person's App Home shows, read in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from domain.analytics import charted_within
from domain.chart_ports import ChartFile
from domain.errors import NotAllowed, Unknown
from domain.goals import in_order
from domain.matching import (
    DEFAULT_MATCHING,
    HOME_SHOWN,
    Matches,
    MatchPolicy,
    SuggestionMemo,
    suggestions_within,
)
from domain.meeting import meeting_link
from domain.metrics import Dashboard
from domain.model import (
    ACTIVE_STATUSES,
    Feedback,
    Goal,
    MentorRating,
    Notification,
    Page,
    Profile,
    Role,
    Session,
    SessionStatus,
)
from domain.ports import Clock, UnitOfWork
from domain.profiles import MAX_WEEKLY_CAP, current_profile, seen_profile

FINISHED = frozenset(SessionStatus) - ACTIVE_STATUSES
# The most recent finished sessions read (the Home lists three, `/mentor
# sessions` five), and one more to tell whether there are earlier ones. Fifty
# were read to count the rest, and a mentor with 1,581 read "…and 47 earlier";
# counting them all costs a busy mentor's Home 3 ms at 1M sessions.
PAST_LISTED = 5
# Sessions still to come read (two weeks of bookings at the highest weekly cap),
# and one more to tell whether there are others after them. They were cut to
# fifty of each kind, so 60 booked read "50 upcoming sessions".
ACTIVE_READ = 2 * MAX_WEEKLY_CAP


@dataclass(frozen=True)
class Overview:
    """A person's sessions with everything needed to show them."""

    upcoming: list[Session] = field(default_factory=list)
    pending: list[Session] = field(default_factory=list)  # requests waiting for me as mentor
    past: list[Session] = field(default_factory=list)  # the most recent, newest first
    earlier: bool = False  # there are finished sessions before those in `past`
    later: bool = False  # there are sessions to come after those in `pending` and `upcoming`
    people: dict[int, Profile] = field(default_factory=dict)
    feedback: dict[int, list[Feedback]] = field(default_factory=dict)
    mentor_links: dict[int, str | None] = field(default_factory=dict)  # each mentor's own

    def meeting_links(self, template: str | None) -> dict[int, str | None]:
        """Where each session happens (`domain.meeting`): its mentor's own link,
        or a room made from the operator's `template`, or nowhere yet."""
        return {
            session.id: meeting_link(session, self.mentor_links.get(session.id), template)
            for session in (*self.pending, *self.upcoming, *self.past)
        }


@dataclass(frozen=True)
class HomeSnapshot:
    profile: Profile | None  # None: never signed up, or left
    has_left: bool = False  # left the programme (or Slack deactivated them)
    rating: MentorRating | None = None
    overview: Overview = field(default_factory=Overview)
    notifications: Page[Notification] = field(default_factory=lambda: Page((), 1, False))
    unread: int = 0
    undelivered: int = 0  # admins: the workspace's notices given up on (dead letters)
    goals: tuple[Goal, ...] = ()  # a mentee's, in order
    suggestions: Matches | None = None  # mentees: mentors suggested for them


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
    with uow:
        return _snapshot(
            uow, clock, seen_profile(uow), admin=uow.actor.role is Role.ADMIN, page=page
        )


@dataclass(frozen=True)
class Viewer:
    """Whose App Home to show, and which of its pages."""

    workspace_id: str
    slack_user_id: str
    admin: bool = False
    notifications_page: int = 1
    period_days: int | None = 30  # the admins' dashboard

    @property
    def key(self) -> tuple[str, str]:
        return self.workspace_id, self.slack_user_id


@dataclass(frozen=True)
class Home:
    snapshot: HomeSnapshot
    dashboard: Dashboard | None = None  # admins who are in the programme
    # The dashboard's charts as uploaded by the `analytics` job (none yet: none).
    charts: tuple[ChartFile, ...] = ()


def read_homes(
    uow: UnitOfWork,
    clock: Clock,
    viewers: Sequence[Viewer],
    *,
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> dict[Viewer, Home]:
    """System: several people's App Homes, read in one transaction."""
    with uow:
        return homes_within(uow, clock, viewers, matching=matching, memo=memo)


def homes_within(
    uow: UnitOfWork,
    clock: Clock,
    viewers: Sequence[Viewer],
    *,
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> dict[Viewer, Home]:
    """`read_homes` inside a system unit of work the caller opened."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the system reads other people's homes.")
    return {
        viewer: _home(
            uow,
            clock,
            viewer,
            uow.users.by_slack_id(viewer.workspace_id, viewer.slack_user_id),
            matching=matching,
            memo=memo,
        )
        for viewer in viewers
    }


def _home(
    uow: UnitOfWork,
    clock: Clock,
    viewer: Viewer,
    found: Profile | None,
    *,
    matching: MatchPolicy,
    memo: SuggestionMemo | None,
) -> Home:
    snapshot = _snapshot(
        uow,
        clock,
        found,
        admin=viewer.admin,
        page=viewer.notifications_page,
        matching=matching,
        memo=memo,
    )
    if not viewer.admin or snapshot.profile is None:
        return Home(snapshot)
    charted = charted_within(uow, viewer.workspace_id, clock.now(), period_days=viewer.period_days)
    return Home(snapshot, charted.figures, charted.charts)


def open_home(
    uow: UnitOfWork,
    clock: Clock,
    *,
    event_id: str,
    viewer: Viewer,
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> tuple[bool, Home | None]:
    """System, for the event's workspace: someone opened their App Home. Records
    the event id (False: a retry, which does nothing more, and no Home) and, in
    the same transaction, reads the Home of `viewer`. Someone never seen is
    refused before anything is written (`Unknown`): the adapter makes them
    known and asks again, so a known person's visit is one transaction."""
    workspace_id = uow.actor.workspace_id
    if uow.actor.role is not Role.SYSTEM or not workspace_id:
        raise NotAllowed("An event belongs to a workspace.")
    with uow:
        found = uow.users.by_slack_id(workspace_id, viewer.slack_user_id)
        if found is None:
            raise Unknown()
        if event_id and not uow.events.first_delivery(workspace_id, event_id[:100], clock.now()):
            return False, None
        home = _home(uow, clock, viewer, found, matching=matching, memo=memo)
        uow.commit()
        return True, home


def _snapshot(
    uow: UnitOfWork,
    clock: Clock,
    found: Profile | None,
    *,
    admin: bool,
    page: int = 1,
    notifications: int = 5,
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> HomeSnapshot:
    page = max(page, 1)
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
        undelivered=uow.workspaces.undelivered(me.workspace_id) if admin else 0,
        goals=in_order(uow.goals.for_owner(me.id)) if me.is_mentee else (),
        # A Home is read often: the few best suggestions only.
        suggestions=(
            suggestions_within(
                uow,
                clock,
                me,
                shown=HOME_SHOWN,
                candidates=matching.home_candidates,
                matching=matching,
                memo=memo,
            )
            if me.is_mentee
            else None
        ),
    )


def _overview(uow: UnitOfWork, clock: Clock, me: Profile) -> Overview:
    now = clock.now()
    # Ongoing sessions started a little while ago and still count as upcoming.
    since = now - timedelta(days=1)
    active = uow.sessions.for_user(
        me.id, statuses=ACTIVE_STATUSES, starts_after=since, limit=ACTIVE_READ + 1
    )
    later, active = len(active) > ACTIVE_READ, active[:ACTIVE_READ]
    if later:
        # Requests to answer may start after the sessions read: read apart, so
        # that the busiest mentor still sees them all.
        requested = uow.sessions.for_user(
            me.id, statuses={SessionStatus.REQUESTED}, starts_after=since, limit=ACTIVE_READ
        )
        others = [s for s in active if s.status is not SessionStatus.REQUESTED]
        active = sorted([*others, *requested], key=lambda s: (s.starts_at, s.id))
    pending = [s for s in active if s.status is SessionStatus.REQUESTED and s.mentor_id == me.id]
    waiting = {s.id for s in pending}
    upcoming = [s for s in active if s.id not in waiting]
    past = uow.sessions.for_user(me.id, statuses=FINISHED, newest_first=True, limit=PAST_LISTED + 1)
    earlier, past = len(past) > PAST_LISTED, past[:PAST_LISTED]
    sessions = [*pending, *upcoming, *past]
    people = uow.users.get_many(
        {s.mentor_id for s in sessions} | {s.mentee_id for s in sessions} | {me.id}
    )
    return Overview(
        upcoming=upcoming,
        pending=pending,
        past=past,
        earlier=earlier,
        later=later,
        people=people,
        feedback=uow.feedback.for_sessions(
            [s.id for s in past if s.status is SessionStatus.COMPLETED]
        ),
        mentor_links={
            s.id: people[s.mentor_id].meeting_link if s.mentor_id in people else None
            for s in sessions
        },
    )
