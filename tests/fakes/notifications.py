"""Notices in the fake store: idempotent by key per recipient, and the outbox a DM is sent from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.model import Notification, NotificationKind
from tests.fakes.store import Outbox, Store


class FakeNotifications:
    def __init__(self, store: Store, added: list[UUID]) -> None:
        self.store = store
        self.added = added

    def add(self, notification: Notification) -> bool:
        key = notification.idempotency_key
        mark = (notification.workspace_id, notification.recipient_id, key)
        if key is not None and any(
            (n.workspace_id, n.recipient_id, n.idempotency_key) == mark
            for n in self.store.notifications
        ):
            return False
        self.store.notifications.append(notification)
        if notification.claimed_until is not None:
            # Claimed as written: waits out its claim, as in the outbox table.
            self.store.outbox[notification.id] = Outbox(
                next_attempt_at=notification.claimed_until,
                attempts=notification.attempts,
                sending=True,
            )
        self.added.append(notification.id)
        return True

    def list_for(self, recipient_id: int, *, limit: int, offset: int) -> list[Notification]:
        mine = [n for n in self._listed() if n.recipient_id == recipient_id]
        mine.sort(key=lambda n: n.created_at, reverse=True)
        return mine[offset : offset + limit]

    def unread_count(self, recipient_id: int) -> int:
        return sum(1 for n in self._listed() if n.recipient_id == recipient_id and not n.read_at)

    def _listed(self) -> list[Notification]:
        """Calendar updates are not among a person's notices (as in storage)."""
        return [
            n for n in self.store.notifications if n.kind is not NotificationKind.CALENDAR_UPDATE
        ]

    def mark_read(self, recipient_id: int, notification_id: UUID, at: datetime) -> bool:
        for index, n in enumerate(self.store.notifications):
            if n.id == notification_id and n.recipient_id == recipient_id and n.read_at is None:
                self.store.notifications[index] = replace(n, read_at=at)
                return True
        return False

    def claim_for_delivery(
        self, ids: Sequence[UUID] | None, now: datetime, lease: timedelta, limit: int
    ) -> list[Notification]:
        claimed = []
        for n in self.store.notifications:
            state = self.store.outbox.setdefault(n.id, Outbox(next_attempt_at=n.created_at))
            due = state.next_attempt_at is None or state.next_attempt_at <= now
            if state.delivered_at or state.gave_up_at or not due:
                continue
            if n.workspace_id in self.store.paused:
                continue
            if ids is not None and n.id not in ids:
                continue
            state.attempts += 1
            state.next_attempt_at = now + lease
            claimed.append(replace(n, attempts=state.attempts, maybe_sent=state.sending))
            state.sending = True
        return claimed[:limit]

    def mark_delivered(self, notification_id: UUID, at: datetime) -> None:
        self.store.outbox[notification_id].delivered_at = at
        self.store.outbox[notification_id].sending = False

    def record_failure(
        self,
        notification_id: UUID,
        error: str,
        at: datetime,
        retry_at: datetime | None,
        *,
        maybe_sent: bool = False,
    ) -> bool:
        state = self.store.outbox[notification_id]
        if state.gave_up_at is not None:
            return False
        state.last_error = error
        state.sending = maybe_sent
        if retry_at is None:
            state.gave_up_at = at
        else:
            state.next_attempt_at = retry_at
        return retry_at is None

    def release(self, notification_id: UUID, at: datetime, error: str) -> None:
        state = self.store.outbox[notification_id]
        state.next_attempt_at = at
        state.attempts = max(state.attempts - 1, 0)
        state.last_error = error
        state.sending = False

    def mark_all_read(self, recipient_id: int, at: datetime) -> int:
        count = 0
        for index, n in enumerate(self.store.notifications):
            listed = n.kind is not NotificationKind.CALENDAR_UPDATE
            if n.recipient_id == recipient_id and n.read_at is None and listed:
                self.store.notifications[index] = replace(n, read_at=at)
                count += 1
        return count
