"""Analytics at scale: each session carries its rating, and each workspace's
dashboard per period is kept as a snapshot.

`sessions.rating` is the mentee's rating of the mentor (the feedback with
subject_role 'mentor'; at most one per session), kept by a trigger on feedback
in the same transaction, like `ratings`. The dashboard's rating figures are
then sums over the sessions it scans anyway. Joining feedback instead cost a
nested loop of one index probe per session: behind its row-level policy (an
EXISTS per row) a scan of feedback is costed so high that the planner never
hashes it (1.8 s of 2.2 s for the all-time totals on a million sessions).

`analytics_snapshots` has one row per workspace and period (`period_days` 0 is all time) holding the
figures as JSON, when they were computed and how long that took (the domain
serves a snapshot only when it is fresh and was slow to compute; see
`domain.analytics`). The system writes; the workspace's admins and the system
read; nobody deletes (the workspace's removal cascades).

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

# SECURITY DEFINER and the system role for its own statement, as the ratings
# trigger of 0002: the rating's author may not update the session directly.
SESSION_RATING_TRIGGER = """
CREATE FUNCTION keep_session_rating() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
DECLARE
    caller_role text := current_setting('app.role', true);
BEGIN
    PERFORM set_config('app.role', 'system', true);
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.subject_role = 'mentor' THEN
        UPDATE sessions SET rating = NULL WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.subject_role = 'mentor' THEN
        UPDATE sessions SET rating = NEW.rating WHERE id = NEW.session_id;
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


def upgrade() -> None:
    op.add_column("sessions", sa.Column("rating", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_sessions_rating_range"), "sessions", "rating BETWEEN 1 AND 5"
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
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON analytics_snapshots TO {APP_ROLE}")
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


def downgrade() -> None:
    op.drop_table("analytics_snapshots")
    op.execute("DROP TRIGGER feedback_keeps_session_rating ON feedback")
    op.execute("DROP FUNCTION keep_session_rating()")
    op.drop_column("sessions", "rating")
