"""Workspaces, the people in them, and the mentor directory search reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import timestamp_now, workspace_fk

# domain.profiles.MEETING_LINK_PATTERN and limits.MEETING_LINK, as migration 0017
# wrote them.
MEETING_LINK_RULE = (
    "meeting_link IS NULL OR (length(meeting_link) <= 500 AND meeting_link ~ '^[Hh][Tt][Tt][Pp][Ss]?://"
    '[^[:space:][:cntrl:]<>"|\\\\^{}`/?#@][^[:space:][:cntrl:]<>"|\\\\^{}`]*$\')'
)


class Workspace(Base):
    __tablename__ = "workspaces"
    __table_args__ = (
        CheckConstraint("undelivered_notices >= 0", name="undelivered_notices_not_negative"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = timestamp_now()
    # Its weekly digest's channel (see domain.digest for the default).
    digest_channel: Mapped[str | None] = mapped_column(Text)
    # Set while Slack says the app is uninstalled or its token revoked.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_because: Mapped[str | None] = mapped_column(Text)
    # Notices the outbox gave up on (dead letters), for the admins' dashboard.
    undelivered_notices: Mapped[int] = mapped_column(Integer, server_default="0")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slack_user_id"),
        # Lets child tables reference (workspace_id, user) so no row can point
        # at a person of another workspace.
        UniqueConstraint("workspace_id", "id"),
        CheckConstraint(
            "NOT is_mentor OR (department <> '' AND cardinality(expertise) > 0)",
            name="mentor_has_department_and_expertise",
        ),
        CheckConstraint(
            "NOT is_mentee OR (department <> '' AND cardinality(learning_goals) > 0)",
            name="mentee_has_department_and_goals",
        ),
        CheckConstraint("session_minutes BETWEEN 15 AND 240", name="session_minutes_range"),
        # domain.profiles' rule for a meeting link (migration 0017, NOT VALID there).
        CheckConstraint(MEETING_LINK_RULE, name="meeting_link_web_address"),
        CheckConstraint(
            "max_sessions_per_week IS NULL OR max_sessions_per_week BETWEEN 1 AND 50",
            name="weekly_cap_range",
        ),
        Index("ix_users_workspace_id_department", "workspace_id", "department"),
        Index(
            "ix_users_active_mentors",
            "workspace_id",
            postgresql_where=text("is_mentor AND is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    slack_user_id: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, server_default="")
    department: Mapped[str] = mapped_column(Text, server_default="")
    time_zone: Mapped[str] = mapped_column(Text, server_default="UTC")
    is_mentor: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_mentee: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    bio: Mapped[str] = mapped_column(Text, server_default="")
    expertise: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    learning_goals: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    meeting_link: Mapped[str | None] = mapped_column(Text)
    session_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="30")
    max_sessions_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()


class MentorDirectory(Base):
    """Active mentors' searchable text, kept by a trigger on `users`; read only
    through `search_mentor_directory()` (see migration 0008)."""

    __tablename__ = "mentor_directory"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        Index("ix_mentor_directory_workspace_id", "workspace_id"),
        Index(
            "ix_mentor_directory_words",
            "words",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_mentor_directory_document_trgm",
            "document",
            postgresql_using="gin",
            postgresql_ops={"document": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workspace_id: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    words: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, document)", persisted=True)
    )
    offers_time: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
