"""Sessions and the history of every change to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, column_property, mapped_column

from domain import limits
from storage.base import Base
from storage.models.columns import in_list, timestamp_now, workspace_fk

SESSION_STATUSES = (
    "requested",
    "scheduled",
    "ongoing",
    "completed",
    "declined",
    "cancelled",
    "expired",
    "no_show",
)
ACTIVE_SESSION = "status IN ('requested', 'scheduled', 'ongoing')"


class SeriesRow(Base):
    """Sessions a mentee booked at once, every so many weeks (migration 0021);
    each is a row of `sessions` naming it."""

    __tablename__ = "session_series"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint(
            f"every_weeks IN ({', '.join(map(str, limits.REPEAT_EVERY_WEEKS))})",
            name="every_weeks_known",
        ),
        CheckConstraint(
            f"times BETWEEN {limits.REPEAT_TIMES[0]} AND {limits.REPEAT_TIMES[1]}",
            name="times_range",
        ),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        # What the sessions' foreign key points at: a series and its two people.
        UniqueConstraint("id", "workspace_id", "mentor_id", "mentee_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    mentor_id: Mapped[int] = mapped_column(BigInteger)
    mentee_id: Mapped[int] = mapped_column(BigInteger)
    every_weeks: Mapped[int] = mapped_column(SmallInteger)
    times: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = timestamp_now()


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="RESTRICT"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="RESTRICT"
        ),
        # The goal a session is about is one of its mentee's (migration 0014).
        ForeignKeyConstraint(
            ["mentee_id", "goal_id", "workspace_id"],
            ["goals.user_id", "goals.id", "goals.workspace_id"],
        ),
        # A session of a series belongs to a series of the same two people
        # (migration 0021); NULL for a single booking.
        ForeignKeyConstraint(
            ["series_id", "workspace_id", "mentor_id", "mentee_id"],
            [
                "session_series.id",
                "session_series.workspace_id",
                "session_series.mentor_id",
                "session_series.mentee_id",
            ],
            name="fk_sessions_series_id_session_series",
        ),
        # Its place in the series (migration 0025): with a series only, once each.
        CheckConstraint(
            "(series_id IS NULL) = (series_place IS NULL)"
            f" AND series_place BETWEEN 1 AND {limits.REPEAT_TIMES[1]}",
            name="series_place_with_series",
        ),
        UniqueConstraint("series_id", "series_place"),
        CheckConstraint(in_list("status", SESSION_STATUSES), name="status_known"),
        # An empty range overlaps nothing, so it would slip past the exclusion
        # constraints below.
        CheckConstraint("ends_at > starts_at", name="ends_after_it_starts"),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint(
            "actual_minutes IS NULL OR actual_minutes BETWEEN 1 AND 1440",
            name="actual_minutes_range",
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        # As long as a mentor's sessions may be (users.session_minutes).
        CheckConstraint(
            "ends_at - starts_at BETWEEN interval '15 minutes' AND interval '240 minutes'",
            name="length_range",
        ),
        CheckConstraint("calendar_sequence >= 0", name="calendar_sequence_not_negative"),
        CheckConstraint(f"char_length(topic) <= {limits.TOPIC}", name="topic_length"),
        CheckConstraint(f"char_length(notes) <= {limits.NOTES}", name="notes_length"),
        CheckConstraint(
            f"char_length(cancel_reason) <= {limits.REASON}", name="cancel_reason_length"
        ),
        ExcludeConstraint(
            ("mentor_id", "="),
            (func.tstzrange(text("starts_at"), text("ends_at"), text("'[)'")), "&&"),
            name="ex_sessions_mentor_overlap",
            using="gist",
            where=text(ACTIVE_SESSION),
        ),
        ExcludeConstraint(
            ("mentee_id", "="),
            (func.tstzrange(text("starts_at"), text("ends_at"), text("'[)'")), "&&"),
            name="ex_sessions_mentee_overlap",
            using="gist",
            where=text(ACTIVE_SESSION),
        ),
        Index("ix_sessions_mentor_id_starts_at", "mentor_id", "starts_at"),
        Index("ix_sessions_mentee_id_starts_at", "mentee_id", "starts_at"),
        Index("ix_sessions_workspace_id_starts_at", "workspace_id", "starts_at"),
        Index("ix_sessions_series_id", "series_id", postgresql_where=text("series_id IS NOT NULL")),
        Index("ix_sessions_active_starts_at", "starts_at", postgresql_where=text(ACTIVE_SESSION)),
        # Mentees' ratings of their mentors, for what matching learns from them
        # (`satisfied_goals()`, migration 0015).
        Index(
            "ix_sessions_mentor_id_rating",
            "mentor_id",
            "rating",
            postgresql_include=["mentee_id"],
            postgresql_where=text("rating IS NOT NULL"),
        ),
        # Each mentor's completed sessions in their workspace, counted from the
        # index alone (`mentor_completed_counts()`, migrations 0033 and 0037).
        Index(
            "ix_sessions_mentor_id_completed",
            "mentor_id",
            postgresql_include=["workspace_id"],
            postgresql_where=text("status = 'completed'"),
        ),
        # Sessions that ended without being completed, for the completion prompts.
        Index(
            "ix_sessions_running_ends_at",
            "ends_at",
            postgresql_where=text("status IN ('scheduled', 'ongoing')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    mentor_id: Mapped[int] = mapped_column(BigInteger)
    mentee_id: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, server_default="requested")
    topic: Mapped[str] = mapped_column(Text, server_default="")
    notes: Mapped[str] = mapped_column(Text, server_default="")
    actual_minutes: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Where a rescheduled session was before it moved (the history has every move).
    previous_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The mentee's rating of the mentor, kept from `feedback` by a trigger
    # (migration 0009), so the dashboard sums ratings without reading feedback.
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # The iCalendar SEQUENCE of the last invite or update people's calendars
    # were sent; NULL while it never went to a calendar (migration 0013).
    calendar_sequence: Mapped[int | None] = mapped_column(Integer)
    # The session's part of its meeting room's address: random, drawn by the
    # database, never written by the application.
    meeting_token: Mapped[str] = mapped_column(
        Text, server_default=text("replace(gen_random_uuid()::text, '-', '')")
    )
    # The mentee's goal the session is about, named when it is booked.
    goal_id: Mapped[int | None] = mapped_column(BigInteger)
    # The series it was booked in (migration 0021), written with it, never changed.
    series_id: Mapped[int | None] = mapped_column(BigInteger)
    # Its place in the series, 1 for the first booked (migration 0025): set by
    # the database as the session is written, never changed.
    series_place: Mapped[int | None] = mapped_column(SmallInteger)
    # How many sessions its series holds, read with it ("2 of 6").
    series_times: Mapped[int | None] = column_property(
        select(SeriesRow.times).where(SeriesRow.id == series_id).scalar_subquery()
    )
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()


class SessionHistory(Base):
    """Append-only record of every status change and move of a session."""

    __tablename__ = "session_history"
    __table_args__ = (
        CheckConstraint(
            "from_status IS NULL OR " + in_list("from_status", SESSION_STATUSES),
            name="from_status_known",
        ),
        CheckConstraint(in_list("to_status", SESSION_STATUSES), name="to_status_known"),
        Index("ix_session_history_session_id_created_at", "session_id", "created_at"),
        # What a person asked for lately: the hourly flood limit of every
        # request and move (`slot_requests_since`, migration 0034).
        Index("ix_session_history_actor_id_created_at", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    session_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="CASCADE")
    )
    # NULL when a scheduled job acted.
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp_now()


class SessionBusy(Base):
    """One row per person of each requested, scheduled or ongoing session, kept
    by triggers on `sessions` (migration 0010): a person's time is exclusive
    whatever role they hold, which two rows of `sessions` cannot be compared for."""

    __tablename__ = "session_busy"
    __table_args__ = (
        ExcludeConstraint(
            ("user_id", "="),
            ("during", "&&"),
            name="ex_session_busy_overlap",
            using="gist",
        ),
    )

    session_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = workspace_fk()
    during: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
