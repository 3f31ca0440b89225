"""Tables, constraints and indexes of the core data model.

btree_gist lets the exclusion constraints mix `=` on ids with `&&` on ranges;
pg_trgm and unaccent serve mentor search.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 15:33:49.034794
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXTENSIONS = ("btree_gist", "pg_trgm", "unaccent")


def upgrade() -> None:
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("slack_user_id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("department", sa.Text(), server_default="", nullable=False),
        sa.Column("time_zone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("is_mentor", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_mentee", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("bio", sa.Text(), server_default="", nullable=False),
        sa.Column("expertise", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "learning_goals", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("meeting_link", sa.Text(), nullable=True),
        sa.Column("session_minutes", sa.SmallInteger(), server_default="30", nullable=False),
        sa.Column("max_sessions_per_week", sa.SmallInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "NOT is_mentee OR (department <> '' AND cardinality(learning_goals) > 0)",
            name=op.f("ck_users_mentee_has_department_and_goals"),
        ),
        sa.CheckConstraint(
            "NOT is_mentor OR (department <> '' AND cardinality(expertise) > 0)",
            name=op.f("ck_users_mentor_has_department_and_expertise"),
        ),
        sa.CheckConstraint(
            "max_sessions_per_week IS NULL OR max_sessions_per_week BETWEEN 1 AND 50",
            name=op.f("ck_users_weekly_cap_range"),
        ),
        sa.CheckConstraint(
            "session_minutes BETWEEN 15 AND 240", name=op.f("ck_users_session_minutes_range")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_users_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_users_workspace_id_id")),
        sa.UniqueConstraint(
            "workspace_id", "slack_user_id", name=op.f("uq_users_workspace_id_slack_user_id")
        ),
    )
    op.create_index(
        "ix_users_active_mentors",
        "users",
        ["workspace_id"],
        unique=False,
        postgresql_where=sa.text("is_mentor AND is_active"),
    )
    op.create_index(
        "ix_users_display_name_trgm",
        "users",
        ["display_name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"display_name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_users_expertise", "users", ["expertise"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_users_workspace_id_department", "users", ["workspace_id", "department"], unique=False
    )
    op.create_table(
        "availability",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "start_time < end_time", name=op.f("ck_availability_starts_before_it_ends")
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_availability_weekday_range")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_availability_workspace_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_availability_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
        sa.UniqueConstraint(
            "user_id",
            "weekday",
            "start_time",
            name=op.f("uq_availability_user_id_weekday_start_time"),
        ),
    )
    op.create_table(
        "availability_exceptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'time_off' AND start_time IS NULL AND end_time IS NULL AND last_day >= first_day) OR (kind = 'extra' AND start_time < end_time AND last_day = first_day)",
            name=op.f("ck_availability_exceptions_kind_shape"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_availability_exceptions_workspace_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_availability_exceptions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    op.create_index(
        "ix_availability_exceptions_user_id_first_day",
        "availability_exceptions",
        ["user_id", "first_day"],
        unique=False,
    )
    op.create_table(
        "ratings",
        sa.Column("mentor_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "average_rating",
            sa.Numeric(precision=3, scale=2),
            sa.Computed(
                "CASE WHEN rating_count = 0 THEN NULL ELSE round(rating_sum::numeric / rating_count, 2) END",
                persisted=True,
            ),
            nullable=True,
        ),
        sa.CheckConstraint("rating_count >= 0", name=op.f("ck_ratings_count_not_negative")),
        sa.CheckConstraint(
            "rating_sum BETWEEN rating_count AND 5 * rating_count",
            name=op.f("ck_ratings_sum_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "mentor_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_ratings_workspace_id_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ratings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mentor_id", name=op.f("pk_ratings")),
    )
    op.create_index(
        "ix_ratings_workspace_id_average_rating",
        "ratings",
        ["workspace_id", "average_rating"],
        unique=False,
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("mentor_id", sa.BigInteger(), nullable=False),
        sa.Column("mentee_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), server_default="requested", nullable=False),
        sa.Column("topic", sa.Text(), server_default="", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("actual_minutes", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("previous_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.column("mentee_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=sa.text("status IN ('requested', 'scheduled', 'ongoing')"),
            using="gist",
            name="ex_sessions_mentee_overlap",
        ),
        postgresql.ExcludeConstraint(
            (sa.column("mentor_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=sa.text("status IN ('requested', 'scheduled', 'ongoing')"),
            using="gist",
            name="ex_sessions_mentor_overlap",
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'scheduled', 'ongoing', 'completed', 'declined', 'cancelled', 'expired', 'no_show')",
            name=op.f("ck_sessions_status_known"),
        ),
        sa.CheckConstraint(
            "actual_minutes IS NULL OR actual_minutes BETWEEN 1 AND 1440",
            name=op.f("ck_sessions_actual_minutes_range"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_sessions_ends_after_it_starts")),
        sa.CheckConstraint("mentor_id <> mentee_id", name=op.f("ck_sessions_not_self")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "mentee_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_sessions_workspace_id_mentee_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "mentor_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_sessions_workspace_id_mentor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_sessions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(
        "ix_sessions_active_starts_at",
        "sessions",
        ["starts_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('requested', 'scheduled', 'ongoing')"),
    )
    op.create_index(
        "ix_sessions_mentee_id_starts_at", "sessions", ["mentee_id", "starts_at"], unique=False
    )
    op.create_index(
        "ix_sessions_mentor_id_starts_at", "sessions", ["mentor_id", "starts_at"], unique=False
    )
    op.create_index(
        "ix_sessions_workspace_id_starts_at",
        "sessions",
        ["workspace_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_role", sa.Text(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "subject_role IN ('mentor', 'mentee')", name=op.f("ck_feedback_subject_role_known")
        ),
        sa.CheckConstraint("author_id <> subject_id", name=op.f("ck_feedback_not_self")),
        sa.CheckConstraint("char_length(comment) <= 2000", name=op.f("ck_feedback_comment_length")),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_feedback_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "author_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_feedback_workspace_id_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "subject_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_feedback_workspace_id_subject_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_feedback_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint(
            "session_id", "author_id", name=op.f("uq_feedback_session_id_author_id")
        ),
    )
    op.create_index(
        "ix_feedback_subject_id_created_at", "feedback", ["subject_id", "created_at"], unique=False
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "payload", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('request_received', 'request_accepted', 'request_declined', 'session_cancelled', 'session_rescheduled', 'request_expired', 'reminder', 'session_started', 'complete_prompt', 'session_completed', 'feedback_received')",
            name=op.f("ck_notifications_kind_known"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_notifications_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "recipient_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_notifications_workspace_id_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "workspace_id",
            "idempotency_key",
            name=op.f("uq_notifications_workspace_id_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_notifications_recipient_id_created_at",
        "notifications",
        ["recipient_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_undelivered",
        "notifications",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["recipient_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "session_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "from_status IS NULL OR from_status IN ('requested', 'scheduled', 'ongoing', 'completed', 'declined', 'cancelled', 'expired', 'no_show')",
            name=op.f("ck_session_history_from_status_known"),
        ),
        sa.CheckConstraint(
            "to_status IN ('requested', 'scheduled', 'ongoing', 'completed', 'declined', 'cancelled', 'expired', 'no_show')",
            name=op.f("ck_session_history_to_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_session_history_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_history_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_session_history_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_history")),
    )
    op.create_index(
        "ix_session_history_session_id_created_at",
        "session_history",
        ["session_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_session_history_session_id_created_at", table_name="session_history")
    op.drop_table("session_history")
    op.drop_index(
        "ix_notifications_unread",
        table_name="notifications",
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.drop_index(
        "ix_notifications_undelivered",
        table_name="notifications",
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.drop_index("ix_notifications_recipient_id_created_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_feedback_subject_id_created_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_sessions_workspace_id_starts_at", table_name="sessions")
    op.drop_index("ix_sessions_mentor_id_starts_at", table_name="sessions")
    op.drop_index("ix_sessions_mentee_id_starts_at", table_name="sessions")
    op.drop_index(
        "ix_sessions_active_starts_at",
        table_name="sessions",
        postgresql_where=sa.text("status IN ('requested', 'scheduled', 'ongoing')"),
    )
    op.drop_table("sessions")
    op.drop_index("ix_ratings_workspace_id_average_rating", table_name="ratings")
    op.drop_table("ratings")
    op.drop_index(
        "ix_availability_exceptions_user_id_first_day", table_name="availability_exceptions"
    )
    op.drop_table("availability_exceptions")
    op.drop_table("availability")
    op.drop_index("ix_users_workspace_id_department", table_name="users")
    op.drop_index("ix_users_expertise", table_name="users", postgresql_using="gin")
    op.drop_index(
        "ix_users_display_name_trgm",
        table_name="users",
        postgresql_using="gin",
        postgresql_ops={"display_name": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_users_active_mentors",
        table_name="users",
        postgresql_where=sa.text("is_mentor AND is_active"),
    )
    op.drop_table("users")
    op.drop_table("workspaces")
    for extension in reversed(EXTENSIONS):
        op.execute(f"DROP EXTENSION IF EXISTS {extension}")
