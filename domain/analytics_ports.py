"""What the dashboard needs from storage: sums over windows of sessions, and the
snapshots that keep its figures ready (see `domain.analytics`).

`workspace_id` None means every workspace (the system actor of scheduled jobs).
A window is [since, until) on `sessions.starts_at`; `since` None means no lower
bound. Sums are returned as integers and durations, so every implementation
reports exactly the same figures; the domain does the division.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from domain.metrics import AtRiskPair, Dashboard, DepartmentGoals, IntroductionFigures, TrendUnit


@dataclass(frozen=True)
class ProgrammeTotals:
    mentors: int = 0  # active people with the mentor role (not windowed)
    mentees: int = 0  # active people with the mentee role (not windowed)
    sessions: int = 0  # sessions in the window, any status
    completed: int = 0
    # Sessions that were due to happen: completed, no_show, scheduled, ongoing.
    due: int = 0
    # Mentees' ratings of mentors (subject_role 'mentor') on sessions in the window.
    rating_count: int = 0
    rating_sum: int = 0
    no_show: int = 0
    cancelled: int = 0
    # Cancelled less than `LATE_CANCEL` before the session's start.
    cancelled_late: int = 0


@dataclass(frozen=True)
class MentorActivity:
    """A mentor with at least one session (any status) or one rating in the window."""

    mentor_id: int
    name: str
    completed: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    sessions: int = 0
    due: int = 0  # completed, no_show, scheduled, ongoing


@dataclass(frozen=True)
class MentorHours:
    booked: timedelta = timedelta()
    offered: timedelta = timedelta()


@dataclass(frozen=True)
class TrendCount:
    start: date  # the week's Monday or the month's first day (UTC)
    sessions: int
    completed: int


@dataclass(frozen=True)
class DurationCount:
    start: date  # the week's Monday or the month's first day (UTC)
    planned_minutes: int
    actual_minutes: int


@dataclass(frozen=True)
class TagDemand:
    tag: str
    sessions: int  # sessions in the window whose mentor lists the tag today
    mentors: int  # active mentors listing it today


@dataclass(frozen=True)
class DepartmentCounts:
    department: str
    mentors: int = 0  # active, today
    mentees: int = 0  # active, today
    sessions: int = 0  # in the window, by the mentee's department today
    completed: int = 0
    rating_count: int = 0  # mentees' ratings of mentors on those sessions
    rating_sum: int = 0


class AnalyticsRepository(Protocol):
    def totals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> ProgrammeTotals: ...

    def mentor_activity(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[MentorActivity]:
        """Sessions (any status), completed sessions (as mentor) and mentees'
        ratings received on sessions in the window, per mentor, whatever the
        mentor's status now."""
        ...

    def mentor_hours(
        self,
        workspace_id: str | None,
        since: datetime,
        until: datetime,
        weekday_counts: Sequence[int],
    ) -> dict[int, MentorHours]:
        """Per mentor: `booked` is the scheduled length of their scheduled,
        ongoing, completed and no_show sessions in the window; `offered` is, for
        active mentors, the length of each weekly availability slot times
        `weekday_counts[slot.weekday]` (7 numbers, Monday first). Every active
        mentor is listed (offering nothing without weekly slots); any other
        mentor only with booked hours."""
        ...

    def workspace_mean_rating(self, workspace_id: str | None) -> float | None:
        """The mean of every mentee's rating of a mentor, all time (None: none yet)."""
        ...

    def trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[TrendCount]:
        """Sessions and completed sessions in the window per week (starting
        Monday 00:00 UTC) or calendar month (UTC); buckets without any are left out."""
        ...

    def expertise_demand(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[TagDemand]:
        """Every expertise tag listed today by the mentor of a session in the
        window, with how many such sessions and how many active mentors list it."""
        ...

    def departments(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentCounts]:
        """Per department (as people's profiles say today): active mentors and
        mentees, and the window's sessions by their mentee's department."""
        ...

    def duration_trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[DurationCount]:
        """Completed sessions in the window per week or month (as `trend`):
        the sum of their scheduled minutes, and of their actual minutes (the
        scheduled length where none was recorded); buckets without any left out."""
        ...

    def median_days_to_first_session(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> float | None:
        """Over the mentees whose first completed session (ever) starts in the
        window: the median of the days from their profile's creation (sign-up)
        to that session's start. None when there is none."""
        ...

    def goals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentGoals]:
        """Goals created in the window, and how many of them are achieved now,
        per department of their mentee (as profiles say today), by department."""
        ...

    def at_risk_pairs(self, workspace_id: str | None, now: datetime) -> list[AtRiskPair]:
        """Every pair of active mentor and mentee at risk as of `now`, with
        each of its reasons (see `domain.analytics`), in no particular order."""
        ...

    def introductions(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> IntroductionFigures:
        """Introductions sent in the window (by `sent_at`, not by a session's
        start), those whose mentee booked a session with the mentor at or after
        it and before `until`, and the median days to the first such booking."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """A dashboard computed ahead of time by the `analytics` job; its top lists
    are as long as `domain.analytics.SNAPSHOT_TOP`."""

    dashboard: Dashboard
    computed_at: datetime
    took: timedelta  # how long computing it took


class SnapshotRepository(Protocol):
    def get(self, workspace_id: str, period_days: int | None) -> Snapshot | None:
        """The workspace's latest snapshot of the period (None: none, or one in
        a format this version does not read)."""
        ...

    def save(
        self, workspace_id: str, snapshot: Snapshot, *, replacing: datetime | None = None
    ) -> bool:
        """Keep it as the period's snapshot unless a later one is there, other
        than the one computed at `replacing` (the snapshot the caller read and
        found stale, e.g. dated in its future). Whether it was kept (system actor)."""
        ...

    def delete_all_but(self, workspace_ids: Sequence[str]) -> int:
        """Delete the snapshots of every workspace not listed; how many (system actor)."""
        ...

    def try_lock(self, workspace_id: str) -> bool:
        """Claim the refresh of the workspace's snapshots until the transaction
        ends; False when another transaction holds the claim."""
        ...


@dataclass(frozen=True)
class Nudge:
    id: int
    workspace_id: str
    mentor_id: int
    mentee_id: int
    sent_by: int | None
    sent_at: datetime


class NudgeRepository(Protocol):
    def add(
        self, workspace_id: str, mentor_id: int, mentee_id: int, *, sent_by: int, at: datetime
    ) -> Nudge | None:
        """Record a nudge of the pair at `at`, unless one was sent less than
        `domain.health.NUDGE_EVERY` before it (or after): then None, and
        nothing written. Held by the database, so two at once write one."""
        ...

    def last(self, mentor_id: int, mentee_id: int) -> Nudge | None:
        """The pair's latest nudge (None: never nudged)."""
        ...

    def is_pair(self, mentor_id: int, mentee_id: int) -> bool:
        """Whether `mentor_id` mentored `mentee_id`: a session of theirs, in
        those roles, that was not declined or expired (as the at-risk pairs'
        sessions are)."""
        ...
