"""Sessions and their history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    distinct,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session as OrmSession

from domain.model import (
    BusyPeriod,
    HistoryEntry,
    NewSeries,
    NewSession,
    Repeat,
    Series,
    Session,
    SessionStatus,
    Slot,
)
from storage.errors import translated_errors
from storage.models import SeriesRow, SessionHistory, SessionRow
from storage.repos import definer
from storage.repos.common import rowcount
from storage.repos.rows import history_from_row, session_from_columns, session_from_row
from storage.repos.session_lists import for_user_statement


class SqlSessionRepository:
    """Reads refresh the identity map (`populate_existing`), because writes go
    straight to the table as Core statements."""

    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, session_id: int) -> Session | None:
        row = self._session.get(SessionRow, session_id, populate_existing=True)
        return session_from_row(row) if row else None

    def get_for_update(self, session_id: int) -> Session | None:
        row = self._session.scalar(
            select(SessionRow)
            .where(SessionRow.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return session_from_row(row) if row else None

    def add(self, session: NewSession) -> Session:
        # Only the columns a new session has: the application role may insert
        # no others (an ORM flush would name every nullable column).
        statement = (
            insert(SessionRow)
            .values(
                workspace_id=session.workspace_id,
                mentor_id=session.mentor_id,
                mentee_id=session.mentee_id,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                status=session.status.value,
                topic=session.topic,
                goal_id=session.goal_id,
                series_id=session.series_id,
                created_at=session.created_at,
                updated_at=session.created_at,
            )
            .returning(SessionRow)
        )
        with translated_errors():
            row = self._session.scalars(statement).one()
        return session_from_row(row)

    def add_series(self, series: NewSeries) -> int:
        statement = (
            insert(SeriesRow)
            .values(
                workspace_id=series.workspace_id,
                mentor_id=series.mentor_id,
                mentee_id=series.mentee_id,
                every_weeks=series.repeat.every_weeks,
                times=series.repeat.times,
                created_at=series.created_at,
            )
            .returning(SeriesRow.id)
        )
        with translated_errors():
            return int(self._session.execute(statement).scalar_one())

    def series(self, series_id: int, *, lock: bool = False) -> Series | None:
        row = self._session.get(SeriesRow, series_id, populate_existing=True)
        if row is None:
            return None
        statement = select(SessionRow).where(SessionRow.series_id == series_id)
        if lock:
            # Locked in id order, as every locker of several sessions takes them.
            statement = statement.order_by(SessionRow.id).with_for_update()
        rows = self._session.scalars(statement.execution_options(populate_existing=True))
        sessions = sorted((session_from_row(r) for r in rows), key=lambda s: (s.starts_at, s.id))
        return Series(
            id=row.id,
            workspace_id=row.workspace_id,
            mentor_id=row.mentor_id,
            mentee_id=row.mentee_id,
            repeat=Repeat(row.every_weeks, row.times),
            sessions=tuple(sessions),
        )

    def update(
        self,
        session: Session,
        *,
        expected_status: SessionStatus,
        at: datetime,
        expected_slot: Slot | None = None,
    ) -> bool:
        guard = [SessionRow.id == session.id, SessionRow.status == expected_status.value]
        if expected_slot is not None:
            guard += [
                SessionRow.starts_at == expected_slot.starts_at,
                SessionRow.ends_at == expected_slot.ends_at,
            ]
        statement = (
            update(SessionRow)
            .where(*guard)
            .values(
                status=session.status.value,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                topic=session.topic,
                notes=session.notes,
                actual_minutes=session.actual_minutes,
                cancel_reason=session.cancel_reason,
                previous_starts_at=session.previous_starts_at,
                calendar_sequence=session.calendar_sequence,
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1

    def busy_periods(
        self, user_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        return definer.busy_periods(self._session, user_ids, start, end)

    def for_user(
        self,
        user_id: int,
        *,
        statuses: Iterable[SessionStatus] | None = None,
        starts_after: datetime | None = None,
        starts_before: datetime | None = None,
        newest_first: bool = False,
        limit: int = 50,
    ) -> list[Session]:
        """Bounds are exclusive: `starts_after < starts_at < starts_before`."""
        statement = for_user_statement(
            statuses is not None, starts_after is not None, starts_before is not None, newest_first
        )
        params: dict[str, Any] = {
            "user_id": user_id,
            "statuses": [s.value for s in statuses or ()],
            "after": starts_after,
            "before": starts_before,
            "limit": limit,
        }
        return [session_from_columns(row) for row in self._session.execute(statement, params)]

    def open_requests(self, mentee_id: int, *, after: datetime) -> list[Session]:
        rows = self._session.scalars(
            select(SessionRow)
            .where(
                SessionRow.mentee_id == mentee_id,
                SessionRow.status.in_(
                    [SessionStatus.REQUESTED.value, SessionStatus.SCHEDULED.value]
                ),
                SessionRow.starts_at > after,
            )
            .order_by(SessionRow.starts_at, SessionRow.id)
            .execution_options(populate_existing=True)
        )
        return [session_from_row(row) for row in rows]

    def slot_requests_since(self, user_id: int, since: datetime) -> int:
        touched = select(SessionHistory.session_id).where(
            SessionHistory.actor_id == user_id, SessionHistory.created_at >= since
        )
        earlier = (
            func.lag(SessionHistory.starts_at)
            .over(partition_by=SessionHistory.session_id, order_by=SessionHistory.id)
            .label("earlier")
        )
        steps = (
            select(
                SessionHistory.id,
                SessionHistory.actor_id,
                SessionHistory.created_at,
                SessionHistory.starts_at,
                SessionRow.series_id,
                earlier,
            )
            .join(SessionRow, SessionRow.id == SessionHistory.session_id)
            .where(SessionHistory.session_id.in_(touched))
            .subquery()
        )
        # A series is asked for once, however many sessions it has (its mentor
        # is told once): its sessions' first rows count as one, keyed by the
        # series' id made negative so that no history row's id equals it.
        asked = case(
            (
                and_(steps.c.earlier.is_(None), steps.c.series_id.is_not(None)),
                -steps.c.series_id,
            ),
            else_=steps.c.id,
        )
        return (
            self._session.scalar(
                select(func.count(distinct(asked)))
                .select_from(steps)
                .where(
                    steps.c.actor_id == user_id,
                    steps.c.created_at >= since,
                    or_(steps.c.earlier.is_(None), steps.c.earlier != steps.c.starts_at),
                )
            )
            or 0
        )

    def starting_between(
        self,
        status: SessionStatus,
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        """Locked for this transaction; a session another transaction holds (being
        accepted right now, or handled by another scheduler) is skipped."""
        conditions = [SessionRow.status == status.value, SessionRow.starts_at <= until]
        if after is not None:
            conditions.append(SessionRow.starts_at > after)
        if following is not None:
            conditions.append(
                tuple_(SessionRow.starts_at, SessionRow.id) > (following.starts_at, following.id)
            )
        rows = self._session.scalars(
            select(SessionRow)
            .where(*conditions)
            .order_by(SessionRow.starts_at, SessionRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return [session_from_row(row) for row in rows]

    def ending_between(
        self,
        statuses: Iterable[SessionStatus],
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        """Locked and skip-locked, as `starting_between`."""
        conditions = [
            SessionRow.status.in_([s.value for s in statuses]),
            SessionRow.ends_at <= until,
        ]
        if after is not None:
            conditions.append(SessionRow.ends_at > after)
        if following is not None:
            conditions.append(
                tuple_(SessionRow.ends_at, SessionRow.id) > (following.ends_at, following.id)
            )
        rows = self._session.scalars(
            select(SessionRow)
            .where(*conditions)
            .order_by(SessionRow.ends_at, SessionRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return [session_from_row(row) for row in rows]

    def completed_counts(self, mentor_ids: Iterable[int]) -> dict[int, int]:
        return definer.completed_counts(self._session, mentor_ids)

    def declined_by(self, mentee_id: int, *, since: datetime) -> set[int]:
        # A declined session never changes again: its last update is the decline,
        # stamped by the application's clock.
        return set(
            self._session.scalars(
                select(SessionRow.mentor_id).where(
                    SessionRow.mentee_id == mentee_id,
                    SessionRow.status == SessionStatus.DECLINED.value,
                    SessionRow.updated_at >= since,
                )
            )
        )

    def satisfied_goals(
        self, mentor_ids: Iterable[int], *, min_rating: int
    ) -> dict[int, tuple[str, ...]]:
        return definer.satisfied_goals(self._session, mentor_ids, min_rating)

    def add_history(self, entry: HistoryEntry) -> int:
        values: dict[str, object] = {
            "workspace_id": entry.workspace_id,
            "session_id": entry.session_id,
            "actor_id": entry.actor_id,
            "from_status": entry.from_status.value if entry.from_status else None,
            "to_status": entry.to_status.value,
            "starts_at": entry.starts_at,
            "ends_at": entry.ends_at,
            "reason": entry.reason,
            "created_at": entry.at,
        }
        # Only the id is read back: the notices the change causes are keyed by it.
        return int(
            self._session.execute(
                insert(SessionHistory).values(values).returning(SessionHistory.id)
            ).scalar_one()
        )

    def slot_changes(self, session_ids: Iterable[int]) -> dict[int, int]:
        ids = sorted(set(session_ids))
        if not ids:
            return {}
        earlier = (
            func.lag(SessionHistory.starts_at)
            .over(partition_by=SessionHistory.session_id, order_by=SessionHistory.id)
            .label("earlier")
        )
        steps = (
            select(SessionHistory.session_id, SessionHistory.id, SessionHistory.starts_at, earlier)
            .where(SessionHistory.session_id.in_(ids))
            .subquery()
        )
        rows = self._session.execute(
            select(steps.c.session_id, func.max(steps.c.id))
            .where(or_(steps.c.earlier.is_(None), steps.c.earlier != steps.c.starts_at))
            .group_by(steps.c.session_id)
        )
        return {int(session_id): int(change) for session_id, change in rows}

    def history(self, session_id: int) -> list[HistoryEntry]:
        rows = self._session.scalars(
            select(SessionHistory)
            .where(SessionHistory.session_id == session_id)
            .order_by(SessionHistory.created_at, SessionHistory.id)
        )
        return [history_from_row(row) for row in rows]
