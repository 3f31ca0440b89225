"""Managers' nudges of at-risk pairs (migration 0018)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.analytics_ports import Nudge
from domain.health import NUDGE_EVERY
from domain.model import SessionStatus
from storage.errors import translated_errors
from storage.models import NudgeRow, SessionRow

# Requests that never became sessions of the pair (as `_AT_RISK` counts them).
_NEVER_HELD = (SessionStatus.DECLINED.value, SessionStatus.EXPIRED.value)


def _nudge(row: NudgeRow) -> Nudge:
    return Nudge(row.id, row.workspace_id, row.mentor_id, row.mentee_id, row.sent_by, row.sent_at)


class SqlNudgeRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def add(
        self, workspace_id: str, mentor_id: int, mentee_id: int, *, sent_by: int, at: datetime
    ) -> Nudge | None:
        # ON CONFLICT without an arbiter also covers exclusion constraints: a
        # nudge of the pair within 14 days (committed, or being written by a
        # transaction this one then waits for) leaves this one unwritten.
        statement = (
            insert(NudgeRow)
            .values(
                workspace_id=workspace_id,
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                sent_by=sent_by,
                sent_at=at,
                quiet_until=at + NUDGE_EVERY,
            )
            .on_conflict_do_nothing()
            .returning(NudgeRow)
        )
        with translated_errors():
            row = self._session.scalars(statement).one_or_none()
        return None if row is None else _nudge(row)

    def last(self, mentor_id: int, mentee_id: int) -> Nudge | None:
        row = self._session.scalars(
            select(NudgeRow)
            .where(NudgeRow.mentor_id == mentor_id, NudgeRow.mentee_id == mentee_id)
            .order_by(NudgeRow.sent_at.desc(), NudgeRow.id.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else _nudge(row)

    def is_pair(self, mentor_id: int, mentee_id: int) -> bool:
        return bool(
            self._session.scalar(
                select(
                    select(SessionRow.id)
                    .where(
                        SessionRow.mentor_id == mentor_id,
                        SessionRow.mentee_id == mentee_id,
                        SessionRow.status.not_in(_NEVER_HELD),
                    )
                    .exists()
                )
            )
        )
