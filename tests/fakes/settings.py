"""Workspace settings and their audit in the fake store (the digest channel
is the workspace's, as in the database)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from domain.workspace import SettingChange, WorkspaceSettings
from tests.fakes.store import Store


class FakeSettings:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, workspace_id: str, *, for_update: bool = False) -> WorkspaceSettings:
        return replace(
            self.store.settings.get(workspace_id, WorkspaceSettings()),
            digest_channel=self.store.digest_channels.get(workspace_id),
        )

    def get_many(self, workspace_ids: Iterable[str]) -> dict[str, WorkspaceSettings]:
        return {workspace_id: self.get(workspace_id) for workspace_id in workspace_ids}

    def save(self, workspace_id: str, settings: WorkspaceSettings) -> None:
        self.store.settings[workspace_id] = replace(settings, digest_channel=None)

    def record(self, workspace_id: str, changes: Sequence[SettingChange]) -> None:
        self.store.settings_audit.extend((workspace_id, change) for change in changes)

    def changes(self, workspace_id: str, *, limit: int) -> list[SettingChange]:
        mine = [change for place, change in self.store.settings_audit if place == workspace_id]
        return mine[::-1][:limit]
