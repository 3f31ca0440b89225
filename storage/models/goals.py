"""A mentee's goals and the history of every change to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from storage.base import Base
from storage.models.columns import in_list, timestamp_now, workspace_fk

GOAL_STATUSES = ("not_started", "in_progress", "achieved", "dropped")


class GoalRow(Base):
    __tablename__ = "goals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        # What a session names together with its mentee (see SessionRow), so
        # that a session can name only its own mentee's goal. The owner first:
        # its index is also the one that finds a person's goals.
        UniqueConstraint("user_id", "id", "workspace_id"),
        CheckConstraint(in_list("status", GOAL_STATUSES), name="status_known"),
        CheckConstraint(
            f"char_length(title) BETWEEN 1 AND {limits.GOAL_TITLE}", name="title_length"
        ),
        CheckConstraint(f"char_length(notes) <= {limits.GOAL_NOTES}", name="notes_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    user_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="not_started")
    # A day in the owner's time zone.
    target_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()


class GoalHistory(Base):
    """Append-only: who changed a goal, when, from which status to which, with
    a note; the session whose feedback told the change, if one did."""

    __tablename__ = "goal_history"
    __table_args__ = (
        CheckConstraint(
            "from_status IS NULL OR " + in_list("from_status", GOAL_STATUSES),
            name="from_status_known",
        ),
        CheckConstraint(in_list("to_status", GOAL_STATUSES), name="to_status_known"),
        CheckConstraint(f"char_length(note) <= {limits.GOAL_NOTES}", name="note_length"),
        Index("ix_goal_history_goal_id_created_at", "goal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    goal_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("goals.id", ondelete="CASCADE"))
    # NULL when the person who acted is gone.
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    from_status: Mapped[str | None] = mapped_column(Text)  # NULL: the goal was created
    to_status: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, server_default="")
    session_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = timestamp_now()
