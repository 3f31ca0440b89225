"""The programme dashboard's aggregates, computed by PostgreSQL (GROUP BY in the
database; a handful of rows come back, never one per session).

Every session filter is `workspace_id = :w AND starts_at >= :since AND
starts_at < :until`, a range scan of `ix_sessions_workspace_id_starts_at`.
Row-level security lets an admin read every session, profile, availability
slot, feedback and rating of their workspace; the explicit workspace filter is
there for the indexes (and for a system actor, who could read them all). A
`workspace_id` of None means every workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, SmallInteger, column, func, select, true, values
from sqlalchemy.orm import Session as OrmSession

from domain.model import SessionStatus
from domain.ports import MentorActivity, MentorHours, ProgrammeTotals
from storage.models import Availability, Rating, SessionRow, User
from storage.models import Feedback as FeedbackRow

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


class SqlAnalyticsRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def totals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> ProgrammeTotals:
        window = _sessions_in(workspace_id, since, until)
        people = (
            select(
                func.count().filter(User.is_mentor).label("mentors"),
                func.count().filter(User.is_mentee).label("mentees"),
            )
            .where(User.is_active, *_in_workspace(User.workspace_id, workspace_id))
            .subquery("people")
        )
        sessions = (
            select(
                func.count().label("sessions"),
                func.count().filter(SessionRow.status == _COMPLETED).label("completed"),
                func.count().filter(SessionRow.status.in_(_DUE)).label("due"),
            )
            .where(*window)
            .subquery("held")
        )
        ratings = (
            select(
                func.count(FeedbackRow.rating).label("rating_count"),
                func.coalesce(func.sum(FeedbackRow.rating), 0).label("rating_sum"),
            )
            .join_from(FeedbackRow, SessionRow, SessionRow.id == FeedbackRow.session_id)
            .where(FeedbackRow.subject_role == "mentor", *window)
            .subquery("rated")
        )
        # Three one-row aggregates side by side.
        row = self._session.execute(
            select(people, sessions, ratings).select_from(
                people.join(sessions, true()).join(ratings, true())
            )
        ).one()
        return ProgrammeTotals(
            mentors=row.mentors,
            mentees=row.mentees,
            sessions=row.sessions,
            completed=row.completed,
            due=row.due,
            rating_count=row.rating_count,
            rating_sum=int(row.rating_sum),
        )

    def mentor_activity(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> list[MentorActivity]:
        window = _sessions_in(workspace_id, since, until)
        done = (
            select(SessionRow.mentor_id, func.count().label("completed"))
            .where(SessionRow.status == _COMPLETED, *window)
            .group_by(SessionRow.mentor_id)
            .subquery("done")
        )
        rated = (
            select(
                FeedbackRow.subject_id.label("mentor_id"),
                func.count().label("rating_count"),
                func.sum(FeedbackRow.rating).label("rating_sum"),
            )
            .join_from(FeedbackRow, SessionRow, SessionRow.id == FeedbackRow.session_id)
            .where(FeedbackRow.subject_role == "mentor", *window)
            .group_by(FeedbackRow.subject_id)
            .subquery("rated")
        )
        mentor_id = func.coalesce(done.c.mentor_id, rated.c.mentor_id)
        rows = self._session.execute(
            select(
                User.id,
                User.display_name,
                func.coalesce(done.c.completed, 0),
                func.coalesce(rated.c.rating_count, 0),
                func.coalesce(rated.c.rating_sum, 0),
            )
            .select_from(done)
            .join(rated, rated.c.mentor_id == done.c.mentor_id, full=True)
            .join(User, User.id == mentor_id)
            .order_by(User.id)
        )
        return [
            MentorActivity(user_id, name, completed, count, int(total))
            for user_id, name, completed, count, total in rows
        ]

    def mentor_hours(
        self,
        workspace_id: str | None,
        since: datetime,
        until: datetime,
        weekday_counts: Sequence[int],
    ) -> dict[int, MentorHours]:
        booked_rows = self._session.execute(
            select(SessionRow.mentor_id, func.sum(SessionRow.ends_at - SessionRow.starts_at))
            .where(SessionRow.status.in_(_DUE), *_sessions_in(workspace_id, since, until))
            .group_by(SessionRow.mentor_id)
        )
        # How many times each weekday occurs, as a tiny inline table to join on.
        week = values(column("weekday", SmallInteger), column("days", Integer), name="week").data(
            list(enumerate(weekday_counts))
        )
        offered_rows = self._session.execute(
            select(
                Availability.user_id,
                # Integer × interval (SQLAlchemy types interval × integer poorly).
                func.sum(week.c.days * (Availability.end_time - Availability.start_time)),
            )
            .join_from(Availability, User, User.id == Availability.user_id)
            .join(week, week.c.weekday == Availability.weekday)
            .where(
                User.is_mentor,
                User.is_active,
                *_in_workspace(User.workspace_id, workspace_id),
            )
            .group_by(Availability.user_id)
        )
        booked: dict[int, timedelta] = dict(booked_rows.all())
        offered: dict[int, timedelta] = dict(offered_rows.all())
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
        count, total = self._session.execute(
            select(
                func.coalesce(func.sum(Rating.rating_count), 0),
                func.coalesce(func.sum(Rating.rating_sum), 0),
            ).where(*_in_workspace(Rating.workspace_id, workspace_id))
        ).one()
        return int(total) / int(count) if count else None
