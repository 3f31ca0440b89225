"""A programme manager's introductions of mentees to mentors (migrations 0020, 0022, 0024)."""

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

from domain.introductions import MAX_FAILURE
from storage.base import Base
from storage.models.columns import workspace_fk


class IntroductionRow(Base):
    """`proposed` in a preview, `dropped` by the manager, `sent` (once per pair),
    or `failed` (Slack did not take its DM; a retry may send it)."""

    __tablename__ = "introductions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint("status IN ('proposed', 'dropped', 'sent', 'failed')", name="status_known"),
        CheckConstraint("mentee_id <> mentor_id", name="two_people"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        CheckConstraint(
            "(status = 'sent') = (sent_by IS NOT NULL AND sent_at IS NOT NULL)",
            name="sent_has_sender_and_time",
        ),
        CheckConstraint("channel_id IS NULL OR status = 'sent'", name="channel_once_sent"),
        CheckConstraint(
            "(status = 'failed') = (failure IS NOT NULL AND failed_at IS NOT NULL)",
            name="failed_has_failure",
        ),
        CheckConstraint(f"char_length(failure) <= {MAX_FAILURE}", name="failure_length"),
        CheckConstraint(
            "sending_since IS NULL OR status IN ('proposed', 'failed')", name="claimed_unsent"
        ),
        UniqueConstraint("preview_id", "mentee_id"),
        Index(
            "uq_introductions_sent_pair",
            "workspace_id",
            "mentee_id",
            "mentor_id",
            unique=True,
            # Sent, or claimed by a sending under way: never two DMs for a pair.
            postgresql_where=text("status = 'sent' OR sending_since IS NOT NULL"),
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
    failure: Mapped[str | None] = mapped_column(Text)  # why the DM did not go, in words
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Claimed by a sending whose DM's outcome is not recorded yet.
    sending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
