"""A workspace's settings (its digest channel read from `workspaces`) and their audit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Session as OrmSession

from domain.workspace import Setting, SettingChange, WorkspaceSettings
from storage.errors import translated_errors
from storage.models import SettingsAuditRow, Workspace, WorkspaceSettingsRow


class SqlSettingsRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def _read(self, workspace_ids: list[str]) -> dict[str, WorkspaceSettings]:
        rows = self._session.execute(
            select(
                Workspace.id,
                Workspace.digest_channel,
                WorkspaceSettingsRow.managers,
                WorkspaceSettingsRow.digest_weekday,
                WorkspaceSettingsRow.digest_time,
                WorkspaceSettingsRow.digest_zone,
                WorkspaceSettingsRow.min_notice_minutes,
                WorkspaceSettingsRow.max_open_per_mentee,
            )
            .outerjoin(WorkspaceSettingsRow, WorkspaceSettingsRow.workspace_id == Workspace.id)
            .where(Workspace.id.in_(workspace_ids))
        )
        return {
            workspace_id: WorkspaceSettings(
                # No row of settings yet: the outer join's NULL.
                managers=frozenset(managers or ()),
                digest_channel=channel,
                digest_weekday=weekday,
                digest_time=at,
                digest_zone=zone,
                min_notice_minutes=notice,
                max_open_per_mentee=most_open,
            )
            for workspace_id, channel, managers, weekday, at, zone, notice, most_open in rows
        }

    def get(self, workspace_id: str, *, for_update: bool = False) -> WorkspaceSettings:
        if for_update:
            # The workspace's row, which always exists (its settings' row may
            # not yet): a second manager's save waits here for the first's
            # commit and then reads it, rather than writing every setting back
            # as it read them before that commit. NO KEY UPDATE: the rows that
            # refer to the workspace (a booking's) are written meanwhile.
            self._session.execute(
                select(Workspace.id)
                .where(Workspace.id == workspace_id)
                .with_for_update(key_share=True)
            )
        return self._read([workspace_id]).get(workspace_id, WorkspaceSettings())

    def get_many(self, workspace_ids: Iterable[str]) -> dict[str, WorkspaceSettings]:
        ids = list(dict.fromkeys(workspace_ids))
        found = self._read(ids) if ids else {}
        return {workspace_id: found.get(workspace_id, WorkspaceSettings()) for workspace_id in ids}

    def save(self, workspace_id: str, settings: WorkspaceSettings) -> None:
        values = {
            "managers": sorted(settings.managers),
            "digest_weekday": settings.digest_weekday,
            "digest_time": settings.digest_time,
            "digest_zone": settings.digest_zone,
            "min_notice_minutes": settings.min_notice_minutes,
            "max_open_per_mentee": settings.max_open_per_mentee,
        }
        statement = (
            upsert(WorkspaceSettingsRow)
            .values(workspace_id=workspace_id, **values)
            .on_conflict_do_update(index_elements=[WorkspaceSettingsRow.workspace_id], set_=values)
        )
        with translated_errors():
            self._session.execute(statement)

    def record(self, workspace_id: str, changes: Sequence[SettingChange]) -> None:
        if not changes:
            return
        rows = [
            {
                "workspace_id": workspace_id,
                "actor": change.actor,
                "at": change.at,
                "field": change.setting.value,
                "old_value": change.old,
                "new_value": change.new,
            }
            for change in changes
        ]
        with translated_errors():
            self._session.execute(insert(SettingsAuditRow), rows)

    def changes(self, workspace_id: str, *, limit: int) -> list[SettingChange]:
        rows = self._session.scalars(
            select(SettingsAuditRow)
            .where(SettingsAuditRow.workspace_id == workspace_id)
            .order_by(SettingsAuditRow.at.desc(), SettingsAuditRow.id.desc())
            .limit(limit)
        )
        return [
            SettingChange(Setting(row.field), row.old_value, row.new_value, row.actor, row.at)
            for row in rows
        ]
