"""Analytics at scale: each session carries its rating, and each workspace's
dashboard per period is kept as a snapshot.

`sessions.rating` is the mentee's rating of the mentor (the feedback with
subject_role 'mentor'; at most one per session), kept by a trigger on feedback
in the same transaction, like `ratings`. The dashboard's rating figures are
then sums over the sessions it scans anyway. Joining feedback instead cost a
nested loop of one index probe per session: behind its row-level policy (an
EXISTS per row) a scan of feedback is costed so high that the planner never
hashes it (1.8 s of 2.2 s for the all-time totals on a million sessions).

Only that trigger writes `sessions.rating`: the application role keeps the
UPDATE privilege on every other column of sessions (the participants' policy
lets them update their sessions) but not on this one, so a participant cannot
rate their own session by updating it. A later migration adding a column to
sessions grants UPDATE on it. A unique index keeps the mentee's rating of the
mentor to one per session (the (session, author) key already implies it while
the policies hold; this makes it true of the data).

`analytics_snapshots` has one row per workspace and period (`period_days` 0 is all time) holding the
figures as JSON, when they were computed and how long that took (the domain
serves a snapshot only when it is fresh and was slow to compute; see
`domain.analytics`). The system writes and deletes (the snapshots of a
workspace that no longer has people); the workspace's admins and the system
read.

The SECURITY DEFINER functions name their tables with their schema and put
`pg_temp` last on their search path: PostgreSQL searches the caller's
temporary schema first unless it is listed, so a caller's `CREATE TEMP TABLE
sessions` would otherwise receive the trigger's update. The released functions
of 0002 and 0003 get `pg_temp` last too (their bodies stay), and
`app_user_id()`, which every policy calls with the caller's rights, reads
`public.users` (a temporary `users` table could otherwise make anyone "me").

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
ADMIN = "(SELECT app_role()) = 'admin'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"

# Every column of sessions but `rating` (as of this migration).
SESSIONS_UPDATABLE = (
    "id",
    "workspace_id",
    "mentor_id",
    "mentee_id",
    "starts_at",
    "ends_at",
    "status",
    "topic",
    "notes",
    "actual_minutes",
    "cancel_reason",
    "previous_starts_at",
    "created_at",
    "updated_at",
)

# SECURITY DEFINER (its owner may update the rating) and the system role for
# its own statement, as the ratings trigger of 0002.
SESSION_RATING_TRIGGER = """
CREATE FUNCTION keep_session_rating() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    caller_role text := current_setting('app.role', true);
BEGIN
    PERFORM set_config('app.role', 'system', true);
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.subject_role = 'mentor' THEN
        UPDATE public.sessions SET rating = NULL WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.subject_role = 'mentor' THEN
        UPDATE public.sessions SET rating = NEW.rating WHERE id = NEW.session_id;
    END IF;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
    RETURN NULL;
END
$$;
CREATE TRIGGER feedback_keeps_session_rating
    AFTER INSERT OR UPDATE OF rating, subject_role, session_id OR DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION keep_session_rating();
REVOKE ALL ON FUNCTION keep_session_rating() FROM PUBLIC;
"""
BACKFILL = """
UPDATE sessions s SET rating = f.rating
  FROM feedback f
 WHERE f.session_id = s.id AND f.subject_role = 'mentor'
"""

# The released SECURITY DEFINER functions: pg_temp goes last on their path.
RELEASED_DEFINERS = (
    "maintain_mentor_rating()",
    "busy_periods(bigint[], timestamptz, timestamptz)",
    "mentor_completed_counts(bigint[])",
)
RELEASED_SEARCH_PATH = "pg_catalog, public"
SEARCH_PATH = "pg_catalog, public, pg_temp"

APP_USER_ID = """
CREATE OR REPLACE FUNCTION app_user_id() RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT id FROM {users}
          WHERE workspace_id = {prefix}app_workspace() AND slack_user_id = {prefix}app_slack_user() $$
"""


def upgrade() -> None:
    op.add_column("sessions", sa.Column("rating", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_sessions_rating_range"), "sessions", "rating BETWEEN 1 AND 5"
    )
    op.execute(f"REVOKE UPDATE ON sessions FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE ({', '.join(SESSIONS_UPDATABLE)}) ON sessions TO {APP_ROLE}")
    op.create_index(
        "uq_feedback_session_id_mentor",
        "feedback",
        ["session_id"],
        unique=True,
        postgresql_where=sa.text("subject_role = 'mentor'"),
    )
    op.execute(SESSION_RATING_TRIGGER)
    # The owner is held by the sessions policies too: write every workspace as the system.
    op.execute("SELECT set_config('app.role', 'system', true)")
    op.execute(BACKFILL)
    op.execute("SELECT set_config('app.role', '', true)")
    op.create_table(
        "analytics_snapshots",
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("period_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("took_ms", sa.Integer(), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "period_days BETWEEN 0 AND 3650",
            name=op.f("ck_analytics_snapshots_period_days_range"),
        ),
        sa.CheckConstraint(
            "took_ms >= 0", name=op.f("ck_analytics_snapshots_took_ms_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_analytics_snapshots_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "period_days", name=op.f("pk_analytics_snapshots")),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON analytics_snapshots TO {APP_ROLE}")
    op.execute("ALTER TABLE analytics_snapshots ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE analytics_snapshots FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY analytics_snapshots_select ON analytics_snapshots FOR SELECT"
        f" USING ({SYSTEM} OR ({ADMIN} AND {SAME_WORKSPACE}))"
    )
    op.execute(
        "CREATE POLICY analytics_snapshots_insert ON analytics_snapshots FOR INSERT"
        f" WITH CHECK ({SYSTEM})"
    )
    op.execute(
        "CREATE POLICY analytics_snapshots_update ON analytics_snapshots FOR UPDATE"
        f" USING ({SYSTEM}) WITH CHECK ({SYSTEM})"
    )
    op.execute(
        f"CREATE POLICY analytics_snapshots_delete ON analytics_snapshots FOR DELETE USING ({SYSTEM})"
    )
    for function in RELEASED_DEFINERS:
        op.execute(f"ALTER FUNCTION {function} SET search_path = {SEARCH_PATH}")
    op.execute(APP_USER_ID.format(users="public.users", prefix="public."))


def downgrade() -> None:
    op.execute(APP_USER_ID.format(users="users", prefix=""))
    for function in RELEASED_DEFINERS:
        op.execute(f"ALTER FUNCTION {function} SET search_path = {RELEASED_SEARCH_PATH}")
    op.drop_table("analytics_snapshots")
    op.execute("DROP TRIGGER feedback_keeps_session_rating ON feedback")
    op.execute("DROP FUNCTION keep_session_rating()")
    op.drop_index("uq_feedback_session_id_mentor", table_name="feedback")
    # Revoking the table's UPDATE takes the column grants with it.
    op.execute(f"REVOKE UPDATE ON sessions FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE ON sessions TO {APP_ROLE}")
    op.drop_column("sessions", "rating")
