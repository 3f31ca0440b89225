"""The dashboards the `analytics` job computed ahead (migration 0009)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class AnalyticsSnapshot(Base):
    """A workspace's dashboard for one period, as the `analytics` job last
    computed it; `period_days` 0 is all time."""

    __tablename__ = "analytics_snapshots"
    __table_args__ = (
        CheckConstraint("period_days BETWEEN 0 AND 3650", name="period_days_range"),
        CheckConstraint("took_ms >= 0", name="took_ms_not_negative"),
    )

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    period_days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    took_ms: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Which scheduler draws this snapshot's charts (migration 0019): until when.
    charts_leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
