"""Notices for people, each also the outbox row of its Slack DM."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import in_list, timestamp_now, workspace_fk

NOTIFICATION_KINDS = (
    "request_received",
    "request_accepted",
    "request_declined",
    "session_cancelled",
    "session_rescheduled",
    "request_expired",
    "reminder",
    "session_started",
    "complete_prompt",
    "session_completed",
    "feedback_received",
    "calendar_update",
    "nudge",
)


class Notification(Base):
    """A notice for one person, and the outbox row its Slack DM is sent from.

    The id is made by the writer, so a notice written for someone else need not
    be read back (row-level security lets only the recipient read it)."""

    __tablename__ = "notifications"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "recipient_id"],
            ["users.workspace_id", "users.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("workspace_id", "recipient_id", "idempotency_key"),
        CheckConstraint(in_list("kind", NOTIFICATION_KINDS), name="kind_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_notifications_recipient_id_created_at", "recipient_id", "created_at"),
        Index("ix_notifications_unread", "recipient_id", postgresql_where=text("read_at IS NULL")),
        Index(
            "ix_notifications_undelivered",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL AND gave_up_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    recipient_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp_now()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = timestamp_now()
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the open claim began; NULL once Slack's answer to it was recorded.
    # Still set when the notice is claimed again: its DM may have gone.
    sending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when Slack refused the DM for good (e.g. user_not_found): never retried.
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
