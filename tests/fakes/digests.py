"""Weekly digest records in the fake store: claimed with a lease, posted once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from domain.errors import InvalidInput
from domain.ports import DigestRecord
from tests.fakes.store import Store


class FakeDigests:
    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(
        self,
        channels: Mapping[str, str],
        week: date,
        now: datetime,
        lease: timedelta,
    ) -> list[DigestRecord]:
        claimed = []
        for workspace_id, channel in sorted(channels.items()):
            if workspace_id not in self.store.workspaces:
                raise InvalidInput("That refers to something that does not exist.")
            key = (workspace_id, week)
            record = self.store.digests.setdefault(
                key, DigestRecord(workspace_id, week, channel, created_at=now, next_attempt_at=now)
            )
            due = record.next_attempt_at is not None and record.next_attempt_at <= now
            if record.posted_at is None and due:
                record = replace(record, attempts=record.attempts + 1, next_attempt_at=now + lease)
                self.store.digests[key] = record
                claimed.append(record)
        return claimed

    def get(self, workspace_id: str, week: date) -> DigestRecord | None:
        return self.store.digests.get((workspace_id, week))

    def mark_posted(self, workspace_id: str, week: date, message_ts: str, at: datetime) -> bool:
        record = self.store.digests.get((workspace_id, week))
        if record is None or record.posted_at is not None:
            return False
        self.store.digests[workspace_id, week] = replace(
            record, posted_at=at, message_ts=message_ts, last_error=None
        )
        return True

    def record_failure(
        self, workspace_id: str, week: date, error: str, retry_at: datetime | None
    ) -> None:
        record = self.store.digests.get((workspace_id, week))
        if record is not None and record.posted_at is None:
            self.store.digests[workspace_id, week] = replace(
                record, last_error=error, next_attempt_at=retry_at
            )
