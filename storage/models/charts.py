"""The uploaded pictures of the dashboard's charts (migration 0019)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class ChartFileRow(Base):
    """Which Slack file shows which chart of a workspace's period, drawn from
    which snapshot and figures; `period_days` 0 is all time, as for snapshots."""

    __tablename__ = "chart_files"
    __table_args__ = (
        CheckConstraint("period_days BETWEEN 0 AND 3650", name="period_days_range"),
        CheckConstraint(
            "kind IN ('sessions', 'duration', 'goals', 'utilization')", name="kind_known"
        ),
        CheckConstraint("length(file_id) BETWEEN 1 AND 64", name="file_id_length"),
    )

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    period_days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    file_id: Mapped[str] = mapped_column(Text)
    # A hash of what the picture shows (see handlers.render.charts).
    figures_key: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    alt_text: Mapped[str] = mapped_column(Text)
    # The snapshot's computed_at, and when the picture was uploaded (the app's clock).
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
