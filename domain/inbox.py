"""Incoming events are delivered at least once; acting on one must happen once."""

from __future__ import annotations

from domain.errors import NotAllowed
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
