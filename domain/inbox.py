"""Incoming events are delivered at least once; acting on one must happen once."""

from __future__ import annotations

from datetime import timedelta

from domain.errors import NotAllowed
from domain.model import Role
from domain.ports import Clock, UnitOfWork


def first_delivery(uow: UnitOfWork, clock: Clock, *, event_id: str) -> bool:
    """Record the event id; False when it was recorded before (a retry)."""
    workspace_id = uow.actor.workspace_id
    if not workspace_id:
        raise NotAllowed("An event belongs to a workspace.")
    with uow:
        first = uow.events.first_delivery(workspace_id, event_id[:100], clock.now())
        uow.commit()
        return first


# Slack retries an event within minutes; a week is far past any retry.
KEEP_EVENT_IDS = timedelta(days=7)


def forget_old_events(uow: UnitOfWork, clock: Clock) -> int:
    """System: drop event ids no retry can still bring back."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler forgets events.")
    with uow:
        forgotten = uow.events.forget_before(clock.now() - KEEP_EVENT_IDS)
        uow.commit()
        return forgotten
