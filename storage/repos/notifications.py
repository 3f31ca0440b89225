"""Notices for one person each; also the outbox their Slack DMs are sent from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.model import Notification, NotificationKind
from storage.models import Notification as NotificationRow
from storage.models import Workspace
from storage.repos.common import rowcount
from storage.repos.rows import notification_from_row

# A calendar update's notice only carries its .ics file to the person's DM; the
# DM about the change itself is the notice they read and count.
_LISTED = NotificationRow.kind != NotificationKind.CALENDAR_UPDATE.value


class SqlNotificationRepository:
    def __init__(self, session: OrmSession, written: list[UUID]) -> None:
        """`written` collects the ids of the notices this repository inserted."""
        self._session = session
        self._written = written

    def add(self, notification: Notification) -> bool:
        # No RETURNING, and never through the ORM (which would read the row back):
        # a participant may write a notice only its recipient may read. For the
        # same reason ON CONFLICT names no arbiter: with one, PostgreSQL checks the
        # proposed row against the SELECT policies too (see CREATE POLICY), which
        # would refuse every notice written for someone else. The only unique keys
        # are the writer-made id and (workspace_id, recipient_id, idempotency_key).
        statement = (
            insert(NotificationRow)
            .values(
                id=notification.id,
                workspace_id=notification.workspace_id,
                recipient_id=notification.recipient_id,
                kind=notification.kind.value,
                session_id=notification.session_id,
                payload=dict(notification.payload),
                idempotency_key=notification.idempotency_key,
                created_at=notification.created_at,
                # A notice claimed as it is written waits out its claim.
                next_attempt_at=notification.claimed_until or notification.created_at,
                sending_since=notification.created_at if notification.claimed_until else None,
                attempts=notification.attempts,
                read_at=notification.read_at,
            )
            .on_conflict_do_nothing()
        )
        inserted = rowcount(self._session, statement) == 1
        if inserted:
            self._written.append(notification.id)
        return inserted

    def list_for(self, recipient_id: int, *, limit: int, offset: int) -> list[Notification]:
        rows = self._session.scalars(
            select(NotificationRow)
            .where(NotificationRow.recipient_id == recipient_id, _LISTED)
            .order_by(NotificationRow.created_at.desc(), NotificationRow.id)
            .limit(limit)
            .offset(offset)
            .execution_options(populate_existing=True)
        )
        return [notification_from_row(row) for row in rows]

    def unread_count(self, recipient_id: int) -> int:
        return (
            self._session.scalar(
                select(func.count())
                .select_from(NotificationRow)
                .where(
                    NotificationRow.recipient_id == recipient_id,
                    NotificationRow.read_at.is_(None),
                    _LISTED,
                )
            )
            or 0
        )

    def mark_read(self, recipient_id: int, notification_id: UUID, at: datetime) -> bool:
        statement = (
            update(NotificationRow)
            .where(
                NotificationRow.id == notification_id,
                NotificationRow.recipient_id == recipient_id,
                NotificationRow.read_at.is_(None),
            )
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1

    def mark_all_read(self, recipient_id: int, at: datetime) -> int:
        statement = (
            update(NotificationRow)
            .where(
                NotificationRow.recipient_id == recipient_id,
                NotificationRow.read_at.is_(None),
                _LISTED,
            )
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement)

    def claim_for_delivery(
        self, ids: Sequence[UUID] | None, now: datetime, lease: timedelta, limit: int
    ) -> list[Notification]:
        paused = (
            select(Workspace.id)
            .where(Workspace.id == NotificationRow.workspace_id, Workspace.paused_at.is_not(None))
            .exists()
        )
        due = (
            select(NotificationRow.id, NotificationRow.sending_since)
            .where(
                NotificationRow.delivered_at.is_(None),
                NotificationRow.gave_up_at.is_(None),
                NotificationRow.next_attempt_at <= now,
                ~paused,
            )
            .order_by(NotificationRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            due = due.where(NotificationRow.id.in_(list(ids)))
        # The rows as they were before this claim: whether a claim was open.
        before = due.subquery()
        statement = (
            update(NotificationRow)
            .where(NotificationRow.id == before.c.id)
            .values(
                next_attempt_at=now + lease,
                attempts=NotificationRow.attempts + 1,
                sending_since=now,
            )
            .returning(NotificationRow, before.c.sending_since.is_not(None))
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        rows = self._session.execute(statement).all()
        return [replace(notification_from_row(row), maybe_sent=open_) for row, open_ in rows]

    def mark_delivered(self, notification_id: UUID, at: datetime) -> None:
        self._session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id)
            .values(delivered_at=at, last_error=None, sending_since=None)
            .execution_options(synchronize_session=False)
        )

    def record_failure(
        self,
        notification_id: UUID,
        error: str,
        at: datetime,
        retry_at: datetime | None,
        *,
        maybe_sent: bool = False,
    ) -> bool:
        values: dict[str, object] = {"last_error": error[:500]}
        if not maybe_sent:
            values["sending_since"] = None
        if retry_at is None:
            values["gave_up_at"] = at
        else:
            values["next_attempt_at"] = retry_at
        statement = (
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.gave_up_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1 and retry_at is None

    def release(self, notification_id: UUID, at: datetime, error: str) -> None:
        self._session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id)
            .values(
                next_attempt_at=at,
                attempts=func.greatest(NotificationRow.attempts - 1, 0),
                last_error=error[:500],
                sending_since=None,
            )
            .execution_options(synchronize_session=False)
        )
