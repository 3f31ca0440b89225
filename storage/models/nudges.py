"""Managers' nudges of at-risk pairs (migration 0018)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import workspace_fk


class NudgeRow(Base):
    """One nudge of a mentor and mentee pair; at most one per pair per 14 days
    (the exclusion constraint: two clicks at once send one)."""

    __tablename__ = "nudges"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint("quiet_until - sent_at = interval '14 days'", name="quiet_for_14_days"),
        ExcludeConstraint(
            ("mentor_id", "="),
            ("mentee_id", "="),
            (func.tstzrange(text("sent_at"), text("quiet_until"), text("'[)'")), "&&"),
            name="ex_nudges_pair_quiet",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    mentor_id: Mapped[int] = mapped_column(BigInteger)
    mentee_id: Mapped[int] = mapped_column(BigInteger)
    sent_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # sent_at + 14 days, a column so that the exclusion constraint can index it.
    quiet_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
