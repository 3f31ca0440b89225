"""What participants say after a session, and the mentors' ratings kept from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import timestamp_now, workspace_fk


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "author_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "subject_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("session_id", "author_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("char_length(comment) <= 2000", name="comment_length"),
        CheckConstraint("subject_role IN ('mentor', 'mentee')", name="subject_role_known"),
        CheckConstraint("author_id <> subject_id", name="not_self"),
        Index("ix_feedback_subject_id_created_at", "subject_id", "created_at"),
        # One mentee's rating of the mentor per session (migration 0009).
        Index(
            "uq_feedback_session_id_mentor",
            "session_id",
            unique=True,
            postgresql_where=text("subject_role = 'mentor'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    session_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(BigInteger)
    # The other participant, and whether they were the mentor: only a mentee's
    # feedback about the mentor counts towards the mentor's rating.
    subject_id: Mapped[int] = mapped_column(BigInteger)
    subject_role: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = timestamp_now()


class Rating(Base):
    """Per-mentor aggregate of mentees' ratings, kept by a trigger on feedback."""

    __tablename__ = "ratings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint("rating_count >= 0", name="count_not_negative"),
        CheckConstraint(
            "rating_sum BETWEEN rating_count AND 5 * rating_count", name="sum_in_range"
        ),
        Index("ix_ratings_workspace_id_average_rating", "workspace_id", "average_rating"),
    )

    mentor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workspace_id: Mapped[str] = workspace_fk()
    rating_count: Mapped[int] = mapped_column(Integer, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, server_default="0")
    average_rating: Mapped[float | None] = mapped_column(
        Numeric(3, 2),
        Computed(
            "CASE WHEN rating_count = 0 THEN NULL"
            " ELSE round(rating_sum::numeric / rating_count, 2) END",
            persisted=True,
        ),
    )
