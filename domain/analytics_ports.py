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

from domain.metrics import Dashboard, TrendUnit


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


@dataclass(frozen=True)
class MentorActivity:
    """A mentor with at least one session (any status) or one rating in the window."""

    mentor_id: int
    name: str
    completed: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    sessions: int = 0


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
