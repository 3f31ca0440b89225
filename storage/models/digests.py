"""The weekly digests posted to a channel."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import timestamp_now


class DigestRow(Base):
    """A workspace's weekly digest: one row per workspace and week (the key
    makes it exactly once), claimed with a lease, then marked posted."""

    __tablename__ = "digests"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("extract(isodow FROM week) = 1", name="week_is_a_monday"),
    )

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    # The Monday, in the schedule's zone, of the week the digest is posted in.
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp_now()
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_ts: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # When it may be claimed (again); NULL once given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
