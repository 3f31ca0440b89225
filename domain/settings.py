"""Settings a workspace's programme managers change in Slack (see
`domain.workspace` for the values): read by the system for every request's
booking policy and role, read and changed by the managers, each change
recorded with who made it and when."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from domain.digest import DigestSchedule
from domain.errors import NotAllowed
from domain.model import Actor, Role
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.workspace import Setting, SettingChange, SettingsEdit, WorkspaceSettings, check

NOT_A_MANAGER = "Only programme managers change the programme's settings."
RECENT_CHANGES = 10  # what the settings modal lists: a whole save, mostly


@dataclass(frozen=True)
class Defaults:
    """What the environment sets: the managers nobody removes in Slack, and
    the default of every setting a workspace leaves unset."""

    managers: frozenset[str] = frozenset()
    policy: BookingPolicy = DEFAULT_POLICY
    schedule: DigestSchedule = field(default_factory=DigestSchedule)

    def is_manager(self, settings: WorkspaceSettings, slack_user_id: str) -> bool:
        return slack_user_id in self.managers or slack_user_id in settings.managers

    def policy_for(self, settings: WorkspaceSettings) -> BookingPolicy:
        policy = self.policy
        if settings.min_notice_minutes is not None:
            policy = replace(policy, minimum_notice=timedelta(minutes=settings.min_notice_minutes))
        if settings.max_open_per_mentee is not None:
            policy = replace(policy, max_open_per_mentee=settings.max_open_per_mentee)
        return policy

    def applied(self, settings: WorkspaceSettings) -> WorkspaceSettings:
        """The settings as they apply: the defaults where the workspace set none."""
        schedule = self.schedule.for_workspace(settings)
        policy = self.policy_for(settings)
        return replace(
            settings,
            digest_weekday=schedule.weekday,
            digest_time=schedule.at,
            digest_zone=schedule.zone,
            min_notice_minutes=int(policy.minimum_notice.total_seconds()) // 60,
            max_open_per_mentee=policy.max_open_per_mentee,
        )


@dataclass(frozen=True)
class SettingsPage:
    """What the settings modal shows: the settings and the latest changes."""

    settings: WorkspaceSettings
    changes: list[SettingChange] = field(default_factory=list)


@dataclass(frozen=True)
class Saved:
    """The settings after a change, and what changed (nothing: nothing written)."""

    settings: WorkspaceSettings
    changes: list[SettingChange] = field(default_factory=list)


def read_settings(uow: UnitOfWork) -> WorkspaceSettings:
    """The system (or a manager): the actor's workspace's settings."""
    workspace_id = _workspace(uow.actor, Role.SYSTEM, Role.ADMIN)
    with uow:
        return uow.settings.get(workspace_id)


def settings_page(uow: UnitOfWork) -> SettingsPage:
    """A manager: their workspace's settings and its latest changes."""
    workspace_id = require_manager(uow.actor)
    with uow:
        settings = uow.settings.get(workspace_id)
        return SettingsPage(settings, uow.settings.changes(workspace_id, limit=RECENT_CHANGES))


def change_settings(
    uow: UnitOfWork, clock: Clock, *, edit: SettingsEdit, floor: frozenset[str]
) -> Saved:
    """A manager changes the settings `edit` names; one audit row per setting
    whose value changed. The environment's managers (`floor`) are managers
    anyway: they are never stored as added in Slack, so removing them here
    changes nothing. Nothing is written when nothing changed."""
    workspace_id = require_manager(uow.actor)
    actor = uow.actor.slack_user_id or ""
    check(edit)
    values = replace(edit.values, managers=edit.values.managers - floor)
    with uow:
        # Held: two managers saving at once each change what the other saved.
        current = uow.settings.get(workspace_id, for_update=True)
        updated = current.updated(SettingsEdit(values, edit.settings))
        now = clock.now()
        changes = [
            SettingChange(setting, current.text(setting), updated.text(setting), actor, now)
            for setting in Setting
            if current.text(setting) != updated.text(setting)
        ]
        if not changes:
            return Saved(current)
        if any(change.setting is not Setting.DIGEST_CHANNEL for change in changes):
            uow.settings.save(workspace_id, updated)
        if updated.digest_channel != current.digest_channel:
            uow.workspaces.set_digest_channel(workspace_id, updated.digest_channel)
        uow.settings.record(workspace_id, changes)
        uow.commit()
    return Saved(updated, changes)


def require_manager(actor: Actor) -> str:
    """The workspace whose programme `actor` manages; anyone else is refused
    (before anything is asked of Slack or the database)."""
    return _workspace(actor, Role.ADMIN)


def _workspace(actor: Actor, *roles: Role) -> str:
    if actor.role not in roles or not actor.workspace_id:
        raise NotAllowed(NOT_A_MANAGER)
    return actor.workspace_id
