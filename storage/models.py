"""Typed table definitions. The Alembic migrations are the schema; these models
must match them (a test runs autogenerate against the migrated database)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

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
)


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _workspace_fk() -> Mapped[str]:
    return mapped_column(Text, ForeignKey("workspaces.id", ondelete="CASCADE"))


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = _created_at()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slack_user_id"),
        # Lets child tables reference (workspace_id, user) so no row can point
        # at a person of another workspace.
        UniqueConstraint("workspace_id", "id"),
        CheckConstraint(
            "NOT is_mentor OR (department <> '' AND cardinality(expertise) > 0)",
            name="mentor_has_department_and_expertise",
        ),
        CheckConstraint(
            "NOT is_mentee OR (department <> '' AND cardinality(learning_goals) > 0)",
            name="mentee_has_department_and_goals",
        ),
        CheckConstraint("session_minutes BETWEEN 15 AND 240", name="session_minutes_range"),
        CheckConstraint(
            "max_sessions_per_week IS NULL OR max_sessions_per_week BETWEEN 1 AND 50",
            name="weekly_cap_range",
        ),
        Index("ix_users_workspace_id_department", "workspace_id", "department"),
        Index(
            "ix_users_active_mentors",
            "workspace_id",
            postgresql_where=text("is_mentor AND is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    slack_user_id: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, server_default="")
    department: Mapped[str] = mapped_column(Text, server_default="")
    time_zone: Mapped[str] = mapped_column(Text, server_default="UTC")
    is_mentor: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_mentee: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    bio: Mapped[str] = mapped_column(Text, server_default="")
    expertise: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    learning_goals: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    meeting_link: Mapped[str | None] = mapped_column(Text)
    session_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="30")
    max_sessions_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class MentorDirectory(Base):
    """Active mentors' searchable text, kept by a trigger on `users`; read only
    through `search_mentor_directory()` (see migration 0008)."""

    __tablename__ = "mentor_directory"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        Index("ix_mentor_directory_workspace_id", "workspace_id"),
        Index(
            "ix_mentor_directory_words",
            "words",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_mentor_directory_document_trgm",
            "document",
            postgresql_using="gin",
            postgresql_ops={"document": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workspace_id: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    words: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, document)", persisted=True)
    )
    offers_time: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Availability(Base):
    """A recurring weekly slot, wall-clock time in the mentor's own zone."""

    __tablename__ = "availability"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("user_id", "weekday", "start_time"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="starts_before_it_ends"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    user_id: Mapped[int] = mapped_column(BigInteger)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, as datetime.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class AvailabilityException(Base):
    """Time off (whole days) or a one-off extra slot, in the mentor's own zone."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint(
            "(kind = 'time_off' AND start_time IS NULL AND end_time IS NULL"
            " AND last_day >= first_day)"
            " OR (kind = 'extra' AND start_time < end_time AND last_day = first_day)",
            name="kind_shape",
        ),
        Index("ix_availability_exceptions_user_id_first_day", "user_id", "first_day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="RESTRICT"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="RESTRICT"
        ),
        CheckConstraint(_in_list("status", SESSION_STATUSES), name="status_known"),
        # An empty range overlaps nothing, so it would slip past the exclusion
        # constraints below.
        CheckConstraint("ends_at > starts_at", name="ends_after_it_starts"),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint(
            "actual_minutes IS NULL OR actual_minutes BETWEEN 1 AND 1440",
            name="actual_minutes_range",
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
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
        Index("ix_sessions_active_starts_at", "starts_at", postgresql_where=text(ACTIVE_SESSION)),
        # Sessions that ended without being completed, for the completion prompts.
        Index(
            "ix_sessions_running_ends_at",
            "ends_at",
            postgresql_where=text("status IN ('scheduled', 'ongoing')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
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
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class SessionHistory(Base):
    """Append-only record of every status change and move of a session."""

    __tablename__ = "session_history"
    __table_args__ = (
        CheckConstraint(
            "from_status IS NULL OR " + _in_list("from_status", SESSION_STATUSES),
            name="from_status_known",
        ),
        CheckConstraint(_in_list("to_status", SESSION_STATUSES), name="to_status_known"),
        Index("ix_session_history_session_id_created_at", "session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
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
    created_at: Mapped[datetime] = _created_at()


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
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
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
    created_at: Mapped[datetime] = _created_at()


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
        UniqueConstraint("workspace_id", "idempotency_key"),
        CheckConstraint(_in_list("kind", NOTIFICATION_KINDS), name="kind_known"),
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
    workspace_id: Mapped[str] = _workspace_fk()
    recipient_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("sessions.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = _created_at()
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when Slack refused the DM for good (e.g. user_not_found): never retried.
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    workspace_id: Mapped[str] = _workspace_fk()
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


class ProcessedEvent(Base):
    """Slack event ids already acted on: Slack retries, the app acts once."""

    __tablename__ = "processed_events"

    workspace_id: Mapped[str] = mapped_column(
        Text, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    received_at: Mapped[datetime] = _created_at()


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
    created_at: Mapped[datetime] = _created_at()
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_ts: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # When it may be claimed (again); NULL once given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)


# Tables defined in modules of their own, registered on `Base.metadata` here.
from storage.snapshot_model import AnalyticsSnapshot as AnalyticsSnapshot  # noqa: E402
