"""A workspace's settings, as its programme managers changed them in Slack, and
the record of each change (migration 0016)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    Time,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain import workspace
from storage.base import Base
from storage.models.columns import in_list, workspace_fk

# Every setting an audit row may name (the workspace's digest channel included).
SETTINGS = tuple(setting.value for setting in workspace.Setting)


class WorkspaceSettingsRow(Base):
    """NULL: the environment's default. The digest channel stays on
    `workspaces` (migration 0011), where the digest has always read it."""

    __tablename__ = "workspace_settings"
    __table_args__ = (
        CheckConstraint(
            f"cardinality(managers) <= {workspace.MAX_MANAGERS}"
            " AND array_position(managers, NULL) IS NULL"
            " AND array_to_string(managers, ',') ~ '^([UW][A-Z0-9]{2,20}(,|$))*$'",
            name="managers_are_slack_users",
        ),
        CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="digest_weekday_range"),
        CheckConstraint(
            f"char_length(digest_zone) BETWEEN 1 AND {workspace.MAX_ZONE_LENGTH}",
            name="digest_zone_length",
        ),
        CheckConstraint(
            f"min_notice_minutes BETWEEN 0 AND {workspace.MAX_NOTICE_HOURS * 60}",
            name="min_notice_range",
        ),
        CheckConstraint(
            f"max_open_per_mentee BETWEEN {workspace.MIN_OPEN} AND {workspace.MAX_OPEN}",
            name="max_open_range",
        ),
    )

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    # Slack user ids added in Slack; MENTORSHIP_ADMINS are managers besides.
    managers: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    digest_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    digest_time: Mapped[time | None] = mapped_column(Time)
    digest_zone: Mapped[str | None] = mapped_column(Text)
    min_notice_minutes: Mapped[int | None] = mapped_column(Integer)
    max_open_per_mentee: Mapped[int | None] = mapped_column(SmallInteger)


class SettingsAuditRow(Base):
    """One setting changed: who (a Slack user id), when (the app's clock), from
    what to what (as `WorkspaceSettings.text` writes them; NULL: the default)."""

    __tablename__ = "workspace_settings_audit"
    __table_args__ = (
        CheckConstraint(in_list("field", SETTINGS), name="field_known"),
        Index("ix_workspace_settings_audit_workspace_id_at", "workspace_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    field: Mapped[str] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
