"""The dashboard's sums and snapshots, in memory: the same definitions as the
SQL (`domain.analytics_ports`), computed in Python from the fake store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta

from domain.analytics_ports import (
    DepartmentCounts,
    MentorActivity,
    MentorHours,
    ProgrammeTotals,
    Snapshot,
    TagDemand,
    TrendCount,
)
from domain.metrics import TrendUnit
from domain.model import Feedback, Profile, Session, SessionStatus, SubjectRole
from tests.fakes.store import Store

# Sessions that were due to happen, and that hold their mentor's time.
DUE_STATUSES = frozenset(
    {SessionStatus.COMPLETED, SessionStatus.NO_SHOW, SessionStatus.SCHEDULED, SessionStatus.ONGOING}
)


class FakeAnalytics:
    """The dashboard's figures computed in Python from the store, by the same
    definitions as the SQL (`domain.ports.AnalyticsRepository`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _sessions(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[Session]:
        return [
            s
            for s in self.store.sessions.values()
            if (workspace_id is None or s.workspace_id == workspace_id)
            and (since is None or s.starts_at >= since)
            and s.starts_at < until
        ]

    def _mentor_ratings(self, sessions: Iterable[Session]) -> list[Feedback]:
        ids = {s.id for s in sessions}
        return [
            f
            for f in self.store.feedback
            if f.session_id in ids and f.subject_role is SubjectRole.MENTOR
        ]

    def _people(self, workspace_id: str | None) -> list[Profile]:
        return [
            p
            for p in self.store.users.values()
            if p.is_active and (workspace_id is None or p.workspace_id == workspace_id)
        ]

    def totals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> ProgrammeTotals:
        people = self._people(workspace_id)
        sessions = self._sessions(workspace_id, since, until)
        ratings = [f.rating for f in self._mentor_ratings(sessions)]
        return ProgrammeTotals(
            mentors=sum(1 for p in people if p.is_mentor),
            mentees=sum(1 for p in people if p.is_mentee),
            sessions=len(sessions),
            completed=sum(1 for s in sessions if s.status is SessionStatus.COMPLETED),
            due=sum(1 for s in sessions if s.status in DUE_STATUSES),
            rating_count=len(ratings),
            rating_sum=sum(ratings),
        )

    def mentor_activity(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[MentorActivity]:
        sessions = self._sessions(workspace_id, since, until)
        held: dict[int, int] = {}
        completed: dict[int, int] = {}
        for s in sessions:
            held[s.mentor_id] = held.get(s.mentor_id, 0) + 1
            if s.status is SessionStatus.COMPLETED:
                completed[s.mentor_id] = completed.get(s.mentor_id, 0) + 1
        ratings: dict[int, list[int]] = {}
        for f in self._mentor_ratings(sessions):
            ratings.setdefault(f.subject_id, []).append(f.rating)
        return [
            MentorActivity(
                mentor_id,
                self.store.users[mentor_id].display_name,
                completed.get(mentor_id, 0),
                len(ratings.get(mentor_id, [])),
                sum(ratings.get(mentor_id, [])),
                held.get(mentor_id, 0),
            )
            for mentor_id in sorted(held.keys() | ratings.keys())
        ]

    def mentor_hours(
        self,
        workspace_id: str | None,
        since: datetime,
        until: datetime,
        weekday_counts: Sequence[int],
    ) -> dict[int, MentorHours]:
        booked: dict[int, timedelta] = {}
        for s in self._sessions(workspace_id, since, until):
            if s.status in DUE_STATUSES:
                booked[s.mentor_id] = booked.get(s.mentor_id, timedelta()) + s.ends_at - s.starts_at
        offered: dict[int, timedelta] = {}
        for person in self._people(workspace_id):
            slots = self.store.weekly.get(person.id, [])
            if person.is_mentor:
                offered[person.id] = sum(
                    (
                        (_since_midnight(slot.end) - _since_midnight(slot.start))
                        * weekday_counts[slot.weekday]
                        for slot in slots
                    ),
                    timedelta(),
                )
        return {
            mentor_id: MentorHours(
                booked.get(mentor_id, timedelta()), offered.get(mentor_id, timedelta())
            )
            for mentor_id in sorted(booked.keys() | offered.keys())
        }

    def workspace_mean_rating(self, workspace_id: str | None) -> float | None:
        ratings = [
            f.rating
            for f in self.store.feedback
            if f.subject_role is SubjectRole.MENTOR
            and (workspace_id is None or f.workspace_id == workspace_id)
        ]
        return sum(ratings) / len(ratings) if ratings else None

    def trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[TrendCount]:
        buckets: dict[datetime, list[int]] = {}
        for s in self._sessions(workspace_id, since, until):
            day = s.starts_at.astimezone(UTC).date()
            if unit is TrendUnit.WEEK:
                day -= timedelta(days=day.weekday())
            else:
                day = day.replace(day=1)
            counts = buckets.setdefault(day, [0, 0])
            counts[0] += 1
            counts[1] += s.status is SessionStatus.COMPLETED
        return [TrendCount(day, *counts) for day, counts in sorted(buckets.items())]

    def expertise_demand(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[TagDemand]:
        demand: dict[str, int] = {}
        for s in self._sessions(workspace_id, since, until):
            for tag in self.store.users[s.mentor_id].expertise:
                demand[tag] = demand.get(tag, 0) + 1
        supply: dict[str, int] = {}
        for person in self._people(workspace_id):
            if person.is_mentor:
                for tag in person.expertise:
                    supply[tag] = supply.get(tag, 0) + 1
        return [TagDemand(tag, demand[tag], supply.get(tag, 0)) for tag in sorted(demand)]

    def departments(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentCounts]:
        found: dict[str, dict[str, int]] = {}

        def add(department: str, **counts: int) -> None:
            row = found.setdefault(department, {})
            for key, value in counts.items():
                row[key] = row.get(key, 0) + value

        for person in self._people(workspace_id):
            add(person.department, mentors=person.is_mentor, mentees=person.is_mentee)
        sessions = self._sessions(workspace_id, since, until)
        for s in sessions:
            completed = s.status is SessionStatus.COMPLETED
            add(self.store.users[s.mentee_id].department, sessions=1, completed=completed)
        by_session = {s.id: s for s in sessions}
        for f in self._mentor_ratings(sessions):
            mentee = self.store.users[by_session[f.session_id].mentee_id]
            add(mentee.department, rating_count=1, rating_sum=f.rating)
        return [DepartmentCounts(name, **found[name]) for name in sorted(found)]


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


class FakeSnapshots:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, workspace_id: str, period_days: int | None) -> Snapshot | None:
        return self.store.snapshots.get((workspace_id, period_days))

    def save(
        self, workspace_id: str, snapshot: Snapshot, *, replacing: datetime | None = None
    ) -> bool:
        key = (workspace_id, snapshot.dashboard.period_days)
        current = self.store.snapshots.get(key)
        if (
            current is None
            or current.computed_at <= snapshot.computed_at
            or current.computed_at == replacing
        ):
            self.store.snapshots[key] = snapshot
            return True
        return False

    def delete_all_but(self, workspace_ids: Sequence[str]) -> int:
        gone = [key for key in self.store.snapshots if key[0] not in workspace_ids]
        for key in gone:
            del self.store.snapshots[key]
        return len(gone)

    def try_lock(self, workspace_id: str) -> bool:
        return workspace_id not in self.store.refreshing
