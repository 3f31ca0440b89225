"""Whether the bot may send to a workspace. Slack says when the app is
uninstalled or its bot token revoked (events, or a refusal when sending): the
workspace is paused, its data kept and its notices held in the outbox. The next
signed request from the workspace shows that the app is installed again (Slack
sends requests to installed apps only): the workspace is resumed, and the held
notices go with the next delivery."""

from __future__ import annotations

from domain.errors import NotAllowed
from domain.model import Role
from domain.ports import Clock, UnitOfWork


def app_removed(uow: UnitOfWork, clock: Clock, *, because: str) -> bool:
    """System, for the event's workspace: stop sending there. False when it
    was paused already."""
    workspace_id = _system_workspace(uow)
    with uow:
        paused = uow.workspaces.pause(workspace_id, clock.now(), because)
        uow.commit()
        return paused


def heard_from(uow: UnitOfWork) -> bool:
    """System, for the workspace a signed request came from: send there again.
    True when it had been paused."""
    workspace_id = _system_workspace(uow)
    with uow:
        resumed = uow.workspaces.resume(workspace_id)
        uow.commit()
        return resumed


def _system_workspace(uow: UnitOfWork) -> str:
    if uow.actor.role is not Role.SYSTEM or not uow.actor.workspace_id:
        raise NotAllowed("Only the system, for one workspace, pauses or resumes sending.")
    return uow.actor.workspace_id
