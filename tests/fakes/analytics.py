"""The dashboard's sums and snapshots, in memory: the same definitions as the
SQL (`domain.analytics_ports`), computed in Python from the fake store."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta

from domain.analytics_ports import (
    DepartmentCounts,
    DurationCount,
    MentorActivity,
    MentorHours,
    Nudge,
    ProgrammeTotals,
    Snapshot,
    TagDemand,
    TrendCount,
)
from domain.health import NUDGE_EVERY
from domain.metrics import (
    LATE_CANCEL,
    LOW_RATING,
    QUIET_AFTER,
    AtRiskPair,
    DepartmentGoals,
    IntroductionFigures,
    RiskReason,
    TrendUnit,
)
from domain.model import Feedback, GoalStatus, Profile, Session, SessionStatus, SubjectRole
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
            no_show=sum(1 for s in sessions if s.status is SessionStatus.NO_SHOW),
            cancelled=sum(1 for s in sessions if s.status is SessionStatus.CANCELLED),
            cancelled_late=sum(1 for s in sessions if _cancelled_late(s)),
        )

    def mentor_activity(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[MentorActivity]:
        sessions = self._sessions(workspace_id, since, until)
        held: dict[int, int] = {}
        completed: dict[int, int] = {}
        due: dict[int, int] = {}
        for s in sessions:
            held[s.mentor_id] = held.get(s.mentor_id, 0) + 1
            if s.status in DUE_STATUSES:
                due[s.mentor_id] = due.get(s.mentor_id, 0) + 1
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
                due.get(mentor_id, 0),
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

    def duration_trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[DurationCount]:
        buckets: dict[datetime, list[timedelta]] = {}
        for s in self._sessions(workspace_id, since, until):
            if s.status is not SessionStatus.COMPLETED:
                continue
            day = s.starts_at.astimezone(UTC).date()
            day = (
                day - timedelta(days=day.weekday())
                if unit is TrendUnit.WEEK
                else day.replace(day=1)
            )
            planned = s.ends_at - s.starts_at
            actual = planned if s.actual_minutes is None else timedelta(minutes=s.actual_minutes)
            sums = buckets.setdefault(day, [timedelta(), timedelta()])
            sums[0] += planned
            sums[1] += actual
        minute = timedelta(minutes=1)
        return [
            DurationCount(day, round(planned / minute), round(actual / minute))
            for day, (planned, actual) in sorted(buckets.items())
        ]

    def median_days_to_first_session(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> float | None:
        first: dict[int, datetime] = {}
        for s in self._sessions(workspace_id, None, until):
            if s.status is SessionStatus.COMPLETED:
                first[s.mentee_id] = min(first.get(s.mentee_id, s.starts_at), s.starts_at)
        waits = [
            max(at - self.store.signed_up[mentee_id], timedelta()) / timedelta(days=1)
            for mentee_id, at in first.items()
            if (since is None or at >= since) and mentee_id in self.store.signed_up
        ]
        return statistics.median(waits) if waits else None

    def goals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentGoals]:
        found: dict[str, tuple[int, int, set[int]]] = {}
        for goal in self.store.goals.values():
            created = goal.created_at
            if (
                (workspace_id is not None and goal.workspace_id != workspace_id)
                or created is None
                or (since is not None and created < since)
                or created >= until
            ):
                continue
            department = self.store.users[goal.owner_id].department
            set_, achieved, mentees = found.get(department, (0, 0, set()))
            found[department] = (
                set_ + 1,
                achieved + (goal.status is GoalStatus.ACHIEVED),
                mentees | {goal.owner_id},
            )
        return [
            DepartmentGoals(name, set_, achieved, len(mentees))
            for name, (set_, achieved, mentees) in sorted(found.items())
        ]

    def at_risk_pairs(self, workspace_id: str | None, now: datetime) -> list[AtRiskPair]:
        recent = now - QUIET_AFTER
        pairs: dict[tuple[int, int], list[Session]] = {}
        for s in self.store.sessions.values():
            if workspace_id is None or s.workspace_id == workspace_id:
                pairs.setdefault((s.mentor_id, s.mentee_id), []).append(s)
        ratings = {
            f.session_id: f.rating
            for f in self.store.feedback
            if f.subject_role is SubjectRole.MENTOR
        }
        found = []
        for (mentor_id, mentee_id), held in pairs.items():
            mentor, mentee = self.store.users[mentor_id], self.store.users[mentee_id]
            if not (mentor.is_active and mentee.is_active):
                continue
            real = sorted(
                (s for s in held if s.status not in _NEVER_HELD),
                key=lambda s: (s.starts_at, s.id),
                reverse=True,
            )
            kept = [s for s in real if s.status is not SessionStatus.CANCELLED]
            reasons = []
            if (
                any(s.status is SessionStatus.COMPLETED for s in held)
                and kept[0].starts_at < recent
            ):
                reasons.append(RiskReason.QUIET)
            if (
                len(real) >= 2
                and real[0].status is real[1].status is SessionStatus.CANCELLED
                and real[0].starts_at >= recent
            ):
                reasons.append(RiskReason.CANCELLED_TWICE)
            if any(
                recent <= s.starts_at < now and ratings.get(s.id, LOW_RATING + 1) <= LOW_RATING
                for s in held
            ):
                reasons.append(RiskReason.LOW_RATING)
            if reasons:
                found.append(
                    AtRiskPair(
                        mentor_id,
                        mentee_id,
                        mentor.display_name,
                        mentee.display_name,
                        tuple(reasons),
                    )
                )
        return found

    def introductions(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> IntroductionFigures:
        sent = [
            i
            for i in self.store.introductions
            if (workspace_id is None or i.workspace_id == workspace_id)
            and (since is None or i.sent_at >= since)
            and i.sent_at < until
        ]
        waits = []
        for introduction in sent:
            bookings = [
                s.created_at
                for s in self.store.sessions.values()
                if (s.mentee_id, s.mentor_id) == (introduction.mentee_id, introduction.mentor_id)
                and s.created_at is not None
                and introduction.sent_at <= s.created_at < until
            ]
            if bookings:
                waits.append((min(bookings) - introduction.sent_at) / timedelta(days=1))
        median = statistics.median(waits) if waits else None
        return IntroductionFigures(len(sent), len(waits), median)


_NEVER_HELD = frozenset({SessionStatus.DECLINED, SessionStatus.EXPIRED})


def _cancelled_late(s: Session) -> bool:
    """Cancelled less than a day before its start: its last change (updated_at)."""
    return (
        s.status is SessionStatus.CANCELLED
        and s.updated_at is not None
        and s.starts_at - s.updated_at < LATE_CANCEL
    )


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


class FakeNudges:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self, workspace_id: str, mentor_id: int, mentee_id: int, *, sent_by: int, at: datetime
    ) -> Nudge | None:
        # The exclusion constraint: [sent_at, sent_at + 14 days) overlaps no other.
        for n in self.store.nudges:
            if (n.mentor_id, n.mentee_id) == (mentor_id, mentee_id) and (
                n.sent_at < at + NUDGE_EVERY and at < n.sent_at + NUDGE_EVERY
            ):
                return None
        nudge = Nudge(self.store.next_id(), workspace_id, mentor_id, mentee_id, sent_by, at)
        self.store.nudges.append(nudge)
        return nudge

    def last(self, mentor_id: int, mentee_id: int) -> Nudge | None:
        mine = [
            n for n in self.store.nudges if (n.mentor_id, n.mentee_id) == (mentor_id, mentee_id)
        ]
        return max(mine, key=lambda n: (n.sent_at, n.id), default=None)

    def is_pair(self, mentor_id: int, mentee_id: int) -> bool:
        never = (SessionStatus.DECLINED, SessionStatus.EXPIRED)
        return any(
            (s.mentor_id, s.mentee_id) == (mentor_id, mentee_id) and s.status not in never
            for s in self.store.sessions.values()
        )
