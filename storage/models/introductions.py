"""A programme manager's introductions of mentees to mentors (migrations 0020, 0022)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import workspace_fk


class IntroductionRow(Base):
    """`proposed` in a preview, `dropped` by the manager, or `sent` (once per pair)."""

    __tablename__ = "introductions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint("status IN ('proposed', 'dropped', 'sent')", name="status_known"),
        CheckConstraint("mentee_id <> mentor_id", name="two_people"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        CheckConstraint(
            "(status = 'sent') = (sent_by IS NOT NULL AND sent_at IS NOT NULL)",
            name="sent_has_sender_and_time",
        ),
        CheckConstraint("channel_id IS NULL OR status = 'sent'", name="channel_once_sent"),
        UniqueConstraint("preview_id", "mentee_id"),
        Index(
            "uq_introductions_sent_pair",
            "workspace_id",
            "mentee_id",
            "mentor_id",
            unique=True,
            postgresql_where=text("status = 'sent'"),
        ),
        Index("ix_introductions_workspace_id_sent_at", "workspace_id", "sent_at"),
        Index("ix_introductions_mentor_id", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    preview_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Both people of the introduction's workspace (migration 0022).
    mentee_id: Mapped[int] = mapped_column(BigInteger)
    mentor_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    status: Mapped[str] = mapped_column(Text, server_default="proposed")
    proposed_by: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_by: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel_id: Mapped[str | None] = mapped_column(Text)
