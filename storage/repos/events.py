"""Slack event ids already acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from storage.models import ProcessedEvent
from storage.repos.common import rowcount


class SqlEventRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def first_delivery(self, workspace_id: str, event_id: str, at: datetime) -> bool:
        statement = (
            insert(ProcessedEvent)
            .values(workspace_id=workspace_id, event_id=event_id, received_at=at)
            .on_conflict_do_nothing(index_elements=["workspace_id", "event_id"])
        )
        return rowcount(self._session, statement) == 1

    def forget_before(self, moment: datetime) -> int:
        statement = delete(ProcessedEvent).where(ProcessedEvent.received_at < moment)
        return rowcount(self._session, statement)
