"""Slack events already acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import timestamp_now


class ProcessedEvent(Base):
    """Slack event ids already acted on: Slack retries, the app acts once."""

    __tablename__ = "processed_events"

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    received_at: Mapped[datetime] = timestamp_now()
