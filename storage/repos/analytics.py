"""The programme dashboard's aggregates, computed by PostgreSQL (GROUP BY in the
database; a handful of rows come back, never one per session).

Every session filter is `workspace_id = :w AND starts_at >= :since AND
starts_at < :until`: a range scan of `ix_sessions_workspace_id_starts_at` for
a short window, a sequential scan for a long one. Ratings are read from
`sessions.rating` (the mentee's rating of the mentor, kept by a trigger on
feedback), so no query here joins feedback. Row-level security lets an admin
read every session, profile and availability slot of their workspace; the
explicit workspace filter is there for the indexes (and for a system actor,
who could read them all). A `workspace_id` of None means every workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Result,
    Select,
    SmallInteger,
    column,
    func,
    select,
    values,
)
from sqlalchemy.orm import Session as OrmSession

from domain.analytics_ports import (
    DepartmentCounts,
    MentorActivity,
    MentorHours,
    ProgrammeTotals,
    TagDemand,
    TrendCount,
)
from domain.metrics import TrendUnit
from domain.model import SessionStatus
from storage.models import Availability, Rating, SessionRow, User

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
        sessions, completed, due, rating_count, rating_sum = self._execute(
            select(
                _SESSIONS,
                _DONE,
                func.count().filter(SessionRow.status.in_(_DUE)),
                _RATED,
                _RATING_SUM,
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
            )
            .join_from(held, User, User.id == held.c.mentor_id)
            .order_by(User.id)
        )
        return [
            MentorActivity(user_id, name, completed, count, int(total), sessions)
            for user_id, name, completed, count, total, sessions in rows
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
        count, total = self._execute(
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
