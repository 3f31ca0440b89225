"""Delivering notices as DMs: claim, send (outside any transaction), then mark.

A claim is a lease: the claimed notices are not offered to anyone else until it
runs out, so a deliverer that dies mid-batch leaves them for the next run
(at-least-once; Slack offers no idempotency key for messages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from domain.errors import NotAllowed
from domain.model import Notification, Profile, Role, Session
from domain.ports import Clock, UnitOfWork

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Delivery:
    notification: Notification
    recipient: Profile
    session: Session | None
    meeting_link: str | None  # the session's mentor's, for a Join button


def claim_deliveries(
    uow: UnitOfWork, clock: Clock, *, ids: Sequence[UUID] | None = None, limit: int = 100
) -> list[Delivery]:
    _require_system(uow)
    with uow:
        notices = uow.notifications.claim_for_delivery(ids, clock.now(), LEASE, limit)
        sessions = {n.session_id: uow.sessions.get(n.session_id) for n in notices if n.session_id}
        people = uow.users.get_many(
            {n.recipient_id for n in notices}
            | {s.mentor_id for s in sessions.values() if s is not None}
        )
        uow.commit()
    deliveries = []
    for notice in notices:
        session = sessions.get(notice.session_id) if notice.session_id else None
        mentor = people.get(session.mentor_id) if session else None
        recipient = people.get(notice.recipient_id)
        if recipient is not None:
            deliveries.append(
                Delivery(notice, recipient, session, mentor.meeting_link if mentor else None)
            )
    return deliveries


def delivered(uow: UnitOfWork, clock: Clock, *, notification_id: UUID) -> None:
    _require_system(uow)
    with uow:
        uow.notifications.mark_delivered(notification_id, clock.now())
        uow.commit()


def failed(
    uow: UnitOfWork,
    clock: Clock,
    *,
    notification_id: UUID,
    error: str,
    attempts: int,
    permanent: bool,
    retry_after: timedelta | None = None,
) -> None:
    """Record a failed DM: retried with exponential backoff (or after Slack's
    Retry-After), never again when `permanent`."""
    _require_system(uow)
    now = clock.now()
    backoff = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    retry_at = None if permanent else now + max(backoff, retry_after or timedelta(0))
    with uow:
        uow.notifications.record_failure(notification_id, error, now, retry_at)
        uow.commit()


def _require_system(uow: UnitOfWork) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the system delivers notices.")
