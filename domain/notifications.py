"""Notifications: written by the use cases in the same transaction as the change
they announce; read, counted and marked by their recipient."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from domain.model import Notification, NotificationKind, Page, Profile, Session
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile

MAX_PER_PAGE = 50


def notify(
    uow: UnitOfWork,
    *,
    now: datetime,
    recipient: Profile,
    kind: NotificationKind,
    session: Session | None = None,
    key: str | None = None,
    **payload: str | int | None,
) -> bool:
    """Write a notice; with `key`, at most one notice per key ever exists."""
    details: dict[str, str | int | None] = dict(payload)
    if session is not None:
        details.setdefault("starts_at", session.starts_at.isoformat())
        details.setdefault("ends_at", session.ends_at.isoformat())
        details.setdefault("topic", session.topic)
    return uow.notifications.add(
        Notification(
            id=uuid4(),
            workspace_id=recipient.workspace_id,
            recipient_id=recipient.id,
            kind=kind,
            session_id=session.id if session else None,
            payload=details,
            created_at=now,
            idempotency_key=key,
        )
    )


def notifications_page(uow: UnitOfWork, *, page: int = 1, per_page: int = 10) -> Page[Notification]:
    """The acting person's notices, newest first."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    with uow:
        me = current_profile(uow)
        rows = uow.notifications.list_for(me.id, limit=per_page + 1, offset=(page - 1) * per_page)
    return Page(items=tuple(rows[:per_page]), number=page, has_more=len(rows) > per_page)


def unread_count(uow: UnitOfWork) -> int:
    with uow:
        return uow.notifications.unread_count(current_profile(uow).id)


def mark_read(uow: UnitOfWork, clock: Clock, *, notification_id: UUID) -> bool:
    """True when the notice was unread; marking it again is harmless."""
    with uow:
        changed = uow.notifications.mark_read(current_profile(uow).id, notification_id, clock.now())
        uow.commit()
        return changed


def mark_all_read(uow: UnitOfWork, clock: Clock) -> int:
    with uow:
        count = uow.notifications.mark_all_read(current_profile(uow).id, clock.now())
        uow.commit()
        return count
