"""Weekly digests: claimed once per workspace and week, leased, marked posted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.ports import DigestRecord
from storage.models import DigestRow
from storage.repos.common import rowcount


def _record(row: DigestRow) -> DigestRecord:
    return DigestRecord(
        workspace_id=row.workspace_id,
        week=row.week,
        channel=row.channel,
        attempts=row.attempts,
        created_at=row.created_at,
        posted_at=row.posted_at,
        message_ts=row.message_ts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )


class SqlDigestRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def claim(
        self,
        channels: Mapping[str, str],
        week: date,
        now: datetime,
        lease: timedelta,
    ) -> list[DigestRecord]:
        # Sorted, so concurrent claims meet the unique key in the same order:
        # the later one waits for the earlier to commit, then does nothing.
        ids = sorted(channels)
        if not ids:
            return []
        rowcount(
            self._session,
            insert(DigestRow)
            .values(
                [
                    {
                        "workspace_id": workspace_id,
                        "week": week,
                        "channel": channels[workspace_id],
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for workspace_id in ids
                ]
            )
            .on_conflict_do_nothing(index_elements=[DigestRow.workspace_id, DigestRow.week]),
        )
        due = (
            select(DigestRow.workspace_id)
            .where(
                DigestRow.workspace_id.in_(ids),
                DigestRow.week == week,
                DigestRow.posted_at.is_(None),
                DigestRow.next_attempt_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
        rows = self._session.scalars(
            update(DigestRow)
            .where(DigestRow.week == week, DigestRow.workspace_id.in_(due.scalar_subquery()))
            .values(attempts=DigestRow.attempts + 1, next_attempt_at=now + lease)
            .returning(DigestRow)
            .execution_options(synchronize_session=False, populate_existing=True)
        ).all()
        return sorted((_record(row) for row in rows), key=lambda r: r.workspace_id)

    def get(self, workspace_id: str, week: date) -> DigestRecord | None:
        row = self._session.scalar(
            select(DigestRow)
            .where(DigestRow.workspace_id == workspace_id, DigestRow.week == week)
            .execution_options(populate_existing=True)
        )
        return _record(row) if row else None

    def mark_posted(self, workspace_id: str, week: date, message_ts: str, at: datetime) -> bool:
        statement = (
            update(DigestRow)
            .where(
                DigestRow.workspace_id == workspace_id,
                DigestRow.week == week,
                DigestRow.posted_at.is_(None),
            )
            .values(posted_at=at, message_ts=message_ts, last_error=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1

    def record_failure(
        self, workspace_id: str, week: date, error: str, retry_at: datetime | None
    ) -> None:
        rowcount(
            self._session,
            update(DigestRow)
            .where(
                DigestRow.workspace_id == workspace_id,
                DigestRow.week == week,
                DigestRow.posted_at.is_(None),
            )
            .values(last_error=error, next_attempt_at=retry_at)
            .execution_options(synchronize_session=False),
        )
