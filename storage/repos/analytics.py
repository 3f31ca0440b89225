"""The programme dashboard's aggregates, computed by PostgreSQL (GROUP BY in the
database; a handful of rows come back, never one per session).

Every session filter is `workspace_id = :w AND starts_at >= :since AND
starts_at < :until`: a range scan of `ix_sessions_workspace_id_starts_at` for
a short window, a sequential scan for a long one. Ratings are read from
`sessions.rating` (the mentee's rating of the mentor, kept by a trigger on
feedback), so no query here joins feedback, which an admin may not read
(0026). Row-level security lets an admin read every session, profile and
availability slot of their workspace; the explicit workspace filter is there
for the indexes (and for a system actor, who could read them all). A
`workspace_id` of None means every workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Result,
    Select,
    SmallInteger,
    Text,
    bindparam,
    column,
    func,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session as OrmSession

from domain.analytics_ports import (
    DepartmentCounts,
    DurationCount,
    MentorActivity,
    MentorHours,
    ProgrammeTotals,
    TagDemand,
    TrendCount,
)
from domain.introductions import Status as IntroductionStatus
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
from domain.model import SessionStatus
from storage.models import Availability, IntroductionRow, Rating, SessionRow, User

_Ts = TypeVarTuple("_Ts")

_COMPLETED = SessionStatus.COMPLETED.value
# Sessions that were due to happen (the completion rate's denominator) are the
# ones that hold a mentor's time (utilization's booked hours).
_DUE = tuple(
    s.value
    for s in (
        SessionStatus.COMPLETED,
        SessionStatus.NO_SHOW,
        SessionStatus.SCHEDULED,
        SessionStatus.ONGOING,
    )
)
_SESSIONS = func.count()
_DONE = func.count().filter(SessionRow.status == _COMPLETED)
_RATED = func.count(SessionRow.rating)
_RATING_SUM = func.coalesce(func.sum(SessionRow.rating), 0)
_DUE_COUNT = func.count().filter(SessionRow.status.in_(_DUE))
_CANCELLED = SessionRow.status == SessionStatus.CANCELLED.value
# A cancelled session changes no more: its last change is its cancellation.
_CANCELLED_LATE = _CANCELLED & (SessionRow.starts_at - SessionRow.updated_at < LATE_CANCEL)
_PLANNED_MINUTES = func.extract("epoch", SessionRow.ends_at - SessionRow.starts_at) / 60


def _in_workspace(workspace_column: Any, workspace_id: str | None) -> list[ColumnElement[bool]]:
    return [] if workspace_id is None else [workspace_column == workspace_id]


def _sessions_in(
    workspace_id: str | None, since: datetime | None, until: datetime
) -> list[ColumnElement[bool]]:
    conditions = [*_in_workspace(SessionRow.workspace_id, workspace_id)]
    if since is not None:
        conditions.append(SessionRow.starts_at >= since)
    conditions.append(SessionRow.starts_at < until)
    return conditions


# Row-level security hides the row counts from the planner (its OR of actor
# checks is estimated to keep about 1% of the rows), so it plans sorts where a
# hash would do and gives them the default 4 MB: a million sessions then sort on
# disk. The dashboard's transactions get more room; nothing else's do.
WORK_MEM = "64MB"


class SqlAnalyticsRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session
        self._roomy = False

    def _execute(self, statement: Select[*_Ts]) -> Result[*_Ts]:
        if not self._roomy:
            self._session.execute(select(func.set_config("work_mem", WORK_MEM, True)))
            self._roomy = True
        return self._session.execute(statement)

    def totals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> ProgrammeTotals:
        mentors, mentees = self._execute(
            select(func.count().filter(User.is_mentor), func.count().filter(User.is_mentee)).where(
                User.is_active, *_in_workspace(User.workspace_id, workspace_id)
            )
        ).one()
        (
            sessions,
            completed,
            due,
            rating_count,
            rating_sum,
            no_show,
            cancelled,
            cancelled_late,
        ) = self._execute(
            select(
                _SESSIONS,
                _DONE,
                _DUE_COUNT,
                _RATED,
                _RATING_SUM,
                func.count().filter(SessionRow.status == SessionStatus.NO_SHOW.value),
                func.count().filter(_CANCELLED),
                func.count().filter(_CANCELLED_LATE),
            ).where(*_sessions_in(workspace_id, since, until))
        ).one()
        return ProgrammeTotals(
            mentors=mentors,
            mentees=mentees,
            sessions=sessions,
            completed=completed,
            due=due,
            rating_count=rating_count,
            rating_sum=int(rating_sum),  # type: ignore[arg-type]  # COALESCE typed as SUM's int | None
            no_show=no_show,
            cancelled=cancelled,
            cancelled_late=cancelled_late,
        )

    def mentor_activity(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[MentorActivity]:
        held = (
            select(
                SessionRow.mentor_id,
                _SESSIONS.label("sessions"),
                _DONE.label("completed"),
                _RATED.label("rating_count"),
                _RATING_SUM.label("rating_sum"),
                _DUE_COUNT.label("due"),
            )
            .where(*_sessions_in(workspace_id, since, until))
            .group_by(SessionRow.mentor_id)
            .subquery("held")
        )
        rows = self._execute(
            select(
                User.id,
                User.display_name,
                held.c.completed,
                held.c.rating_count,
                held.c.rating_sum,
                held.c.sessions,
                held.c.due,
            )
            .join_from(held, User, User.id == held.c.mentor_id)
            .order_by(User.id)
        )
        return [
            MentorActivity(user_id, name, completed, count, int(total), sessions, due)
            for user_id, name, completed, count, total, sessions, due in rows
        ]

    def mentor_hours(
        self,
        workspace_id: str | None,
        since: datetime,
        until: datetime,
        weekday_counts: Sequence[int],
    ) -> dict[int, MentorHours]:
        booked_rows = self._execute(
            select(SessionRow.mentor_id, func.sum(SessionRow.ends_at - SessionRow.starts_at))
            .where(SessionRow.status.in_(_DUE), *_sessions_in(workspace_id, since, until))
            .group_by(SessionRow.mentor_id)
        )
        # How many times each weekday occurs, as a tiny inline table to join on.
        week = values(column("weekday", SmallInteger), column("days", Integer), name="week").data(
            list(enumerate(weekday_counts))
        )
        # Every active mentor: NULL (no weekly slots) is nothing offered.
        offered_rows = self._execute(
            select(
                User.id,
                # Integer × interval (SQLAlchemy types interval × integer poorly).
                func.sum(week.c.days * (Availability.end_time - Availability.start_time)),
            )
            .outerjoin_from(User, Availability, Availability.user_id == User.id)
            .outerjoin(week, week.c.weekday == Availability.weekday)
            .where(
                User.is_mentor,
                User.is_active,
                *_in_workspace(User.workspace_id, workspace_id),
            )
            .group_by(User.id)
        )
        booked: dict[int, timedelta] = dict(booked_rows.all())  # type: ignore[arg-type]  # SQLAlchemy types ends - starts as datetime, not interval
        offered: dict[int, timedelta] = {
            mentor_id: total or timedelta() for mentor_id, total in offered_rows
        }
        return {
            mentor_id: MentorHours(
                booked=booked.get(mentor_id, timedelta()),
                offered=offered.get(mentor_id, timedelta()),
            )
            for mentor_id in sorted(booked.keys() | offered.keys())
        }

    def workspace_mean_rating(self, workspace_id: str | None) -> float | None:
        # The per-mentor aggregates (kept by the feedback trigger) are one row
        # per mentor, so this reads far fewer rows than the feedback itself.
        # Read by every match: it needs none of the dashboard's sort memory, so
        # not `_execute` and its extra round trip.
        count, total = self._session.execute(
            select(
                func.coalesce(func.sum(Rating.rating_count), 0),
                func.coalesce(func.sum(Rating.rating_sum), 0),
            ).where(*_in_workspace(Rating.workspace_id, workspace_id))
        ).one()
        return int(total) / int(count) if count else None

    def trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[TrendCount]:
        # Truncated in UTC whatever the connection's time zone.
        bucket = func.date_trunc(unit.value, SessionRow.starts_at, "UTC")
        rows = self._execute(
            select(bucket, _SESSIONS, _DONE)
            .where(*_sessions_in(workspace_id, since, until))
            .group_by(bucket)
            .order_by(bucket)
        )
        return [
            TrendCount(start.astimezone(UTC).date(), sessions, completed)
            for start, sessions, completed in rows
        ]

    def expertise_demand(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[TagDemand]:
        # Sessions per mentor first (thousands of rows), then their tags: far
        # fewer rows to unnest than one per session.
        held = (
            select(SessionRow.mentor_id, _SESSIONS.label("sessions"))
            .where(*_sessions_in(workspace_id, since, until))
            .group_by(SessionRow.mentor_id)
            .subquery("held")
        )
        asked = (
            select(func.unnest(User.expertise).label("tag"), held.c.sessions)
            .join_from(held, User, User.id == held.c.mentor_id)
            .subquery("asked")
        )
        demand = (
            select(asked.c.tag, func.sum(asked.c.sessions).label("sessions"))
            .group_by(asked.c.tag)
            .subquery("demand")
        )
        offered = (
            select(func.unnest(User.expertise).label("tag"))
            .where(User.is_mentor, User.is_active, *_in_workspace(User.workspace_id, workspace_id))
            .subquery("offered")
        )
        supply = (
            select(offered.c.tag, func.count().label("mentors"))
            .group_by(offered.c.tag)
            .subquery("supply")
        )
        rows = self._execute(
            select(demand.c.tag, demand.c.sessions, func.coalesce(supply.c.mentors, 0))
            .join_from(demand, supply, supply.c.tag == demand.c.tag, isouter=True)
            .order_by(demand.c.tag)
        )
        return [TagDemand(tag, int(sessions), mentors) for tag, sessions, mentors in rows]

    def departments(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentCounts]:
        people = self._execute(
            select(
                User.department,
                func.count().filter(User.is_mentor),
                func.count().filter(User.is_mentee),
            )
            .where(User.is_active, *_in_workspace(User.workspace_id, workspace_id))
            .group_by(User.department)
        )
        # Per mentee first (a hash on an integer), then per department: joining
        # every session to its mentee's profile and sorting by name costs twice as much.
        per_mentee = (
            select(
                SessionRow.mentee_id,
                _SESSIONS.label("sessions"),
                _DONE.label("completed"),
                _RATED.label("rating_count"),
                _RATING_SUM.label("rating_sum"),
            )
            .where(*_sessions_in(workspace_id, since, until))
            .group_by(SessionRow.mentee_id)
            .subquery("per_mentee")
        )
        held = self._execute(
            select(
                User.department,
                func.sum(per_mentee.c.sessions),
                func.sum(per_mentee.c.completed),
                func.sum(per_mentee.c.rating_count),
                func.sum(per_mentee.c.rating_sum),
            )
            .join_from(per_mentee, User, User.id == per_mentee.c.mentee_id)
            .group_by(User.department)
        )
        found = {
            name: DepartmentCounts(name, mentors=mentors, mentees=mentees)
            for name, mentors, mentees in people
        }
        for name, sessions, completed, rating_count, rating_sum in held:
            found[name] = replace(
                found.get(name, DepartmentCounts(name)),
                sessions=int(sessions),
                completed=int(completed),
                rating_count=int(rating_count),
                rating_sum=int(rating_sum),
            )
        return [found[name] for name in sorted(found)]

    def duration_trend(
        self, workspace_id: str | None, since: datetime, until: datetime, unit: TrendUnit
    ) -> list[DurationCount]:
        bucket = func.date_trunc(unit.value, SessionRow.starts_at, "UTC")
        rows = self._execute(
            select(
                bucket,
                func.sum(_PLANNED_MINUTES),
                func.sum(func.coalesce(SessionRow.actual_minutes, _PLANNED_MINUTES)),
            )
            .where(SessionRow.status == _COMPLETED, *_sessions_in(workspace_id, since, until))
            .group_by(bucket)
            .order_by(bucket)
        )
        return [
            DurationCount(start.astimezone(UTC).date(), round(planned), round(actual))
            for start, planned, actual in rows
        ]

    def median_days_to_first_session(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> float | None:
        # Every mentee's first completed session before `until` (however long
        # ago: it is first only if none came before), then those in the window.
        first = (
            select(SessionRow.mentee_id, func.min(SessionRow.starts_at).label("first_at"))
            .where(SessionRow.status == _COMPLETED, *_sessions_in(workspace_id, None, until))
            .group_by(SessionRow.mentee_id)
            .subquery("first")
        )
        # A profile created after its first session (imported history) waited 0 days.
        days = func.greatest(func.extract("epoch", first.c.first_at - User.created_at), 0) / 86400
        statement = select(func.percentile_cont(0.5).within_group(days)).join_from(
            first, User, User.id == first.c.mentee_id
        )
        if since is not None:
            statement = statement.where(first.c.first_at >= since)
        median = self._execute(statement).scalar_one()
        return None if median is None else float(median)

    def goals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[DepartmentGoals]:
        # Managers may not read goals, only these counts (migration 0018).
        counts = func.goal_attainment(
            bindparam("workspace", workspace_id, type_=Text),
            bindparam("since", since, type_=DateTime(timezone=True)),
            bindparam("until", until, type_=DateTime(timezone=True)),
        ).table_valued(
            column("department", Text),
            column("goals_set", Integer),
            column("achieved", Integer),
            column("mentees", Integer),
        )
        rows = self._execute(select(counts).order_by(counts.c.department))
        return [
            DepartmentGoals(department, int(n), int(done), int(people))
            for department, n, done, people in rows
        ]

    def introductions(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> IntroductionFigures:
        # The pair's first booking since the introduction, once per introduction
        # (LATERAL: a scalar subquery used twice would be run twice): a probe of
        # the pair's sessions by ix_sessions_mentee_id_starts_at and
        # ix_sessions_mentor_id_starts_at. The introductions of a window come by
        # ix_introductions_workspace_id_sent_at.
        first = (
            select(func.min(SessionRow.created_at).label("booked_at"))
            .where(
                SessionRow.mentee_id == IntroductionRow.mentee_id,
                SessionRow.mentor_id == IntroductionRow.mentor_id,
                SessionRow.created_at >= IntroductionRow.sent_at,
                SessionRow.created_at < until,
            )
            .lateral("first")
        )
        window = [IntroductionRow.sent_at < until]
        if since is not None:
            window.append(IntroductionRow.sent_at >= since)
        days = func.extract("epoch", first.c.booked_at - IntroductionRow.sent_at) / 86400
        # count(booked_at) and percentile_cont skip the NULLs of those never booked.
        count, booked, median = self._execute(
            select(
                func.count(),
                func.count(first.c.booked_at),
                func.percentile_cont(0.5).within_group(days),
            )
            .select_from(IntroductionRow)
            .join(first, true())
            .where(
                IntroductionRow.status == IntroductionStatus.SENT.value,
                *_in_workspace(IntroductionRow.workspace_id, workspace_id),
                *window,
            )
        ).one()
        return IntroductionFigures(count, booked, None if median is None else float(median))

    def at_risk_pairs(self, workspace_id: str | None, now: datetime) -> list[AtRiskPair]:
        rows = self._session.execute(
            _AT_RISK,
            {
                "workspace": workspace_id,
                "now": now,
                "recent": now - QUIET_AFTER,
                "low": LOW_RATING,
            },
        )
        return [
            AtRiskPair(
                mentor_id,
                mentee_id,
                mentor_name,
                mentee_name,
                tuple(reason for reason, flagged in zip(_REASONS, flags, strict=True) if flagged),
            )
            for mentor_id, mentee_id, mentor_name, mentee_name, *flags in rows
        ]


# The flags `_AT_RISK` returns, in its order.
_REASONS = (RiskReason.QUIET, RiskReason.CANCELLED_TWICE, RiskReason.LOW_RATING)

# Per pair, in one pass over the workspace's sessions (see `domain.analytics`
# for the three reasons). Requests that were declined or expired never were
# sessions of the pair; cancelled ones do not end a quiet spell.
_AT_RISK = text(
    """
    WITH pairs AS (
        SELECT s.mentor_id, s.mentee_id,
               bool_or(s.status = 'completed') AS met,
               max(s.starts_at) FILTER (
                   WHERE s.status NOT IN ('declined', 'expired', 'cancelled')) AS latest_held,
               max(s.starts_at) FILTER (WHERE s.status NOT IN ('declined', 'expired')) AS latest,
               (array_agg(s.status ORDER BY s.starts_at DESC, s.id DESC)
                   FILTER (WHERE s.status NOT IN ('declined', 'expired'))) AS statuses,
               min(s.rating) FILTER (WHERE s.starts_at >= :recent AND s.starts_at < :now) AS lowest
          FROM sessions s
         WHERE (CAST(:workspace AS text) IS NULL OR s.workspace_id = :workspace)
         GROUP BY s.mentor_id, s.mentee_id
    ), flagged AS (
        SELECT p.mentor_id, p.mentee_id,
               coalesce(p.met AND p.latest_held < :recent, false) AS quiet,
               coalesce(p.statuses[1] = 'cancelled' AND p.statuses[2] = 'cancelled'
                        AND p.latest >= :recent, false) AS cancelled_twice,
               coalesce(p.lowest <= :low, false) AS low_rating
          FROM pairs p
    )
    SELECT f.mentor_id, f.mentee_id, m.display_name, e.display_name,
           f.quiet, f.cancelled_twice, f.low_rating
      FROM flagged f
      JOIN users m ON m.id = f.mentor_id AND m.is_active
      JOIN users e ON e.id = f.mentee_id AND e.is_active
     WHERE f.quiet OR f.cancelled_twice OR f.low_rating
    """
)
