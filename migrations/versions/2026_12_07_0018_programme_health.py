"""Programme health: nudges to at-risk pairs, and goal counts for managers.

- `nudges`: a manager's nudge of a mentor and mentee pair (who sent it, when,
  from the application's clock). At most one per pair per 14 days, held by an
  exclusion constraint over [sent_at, quiet_until): two clicks at once send
  one nudge, the second insert waits for the first and then finds it.
  `quiet_until` is a column of its own because `sent_at + interval` is not
  immutable (it depends on the time zone) and cannot sit in an index; a CHECK
  ties it to `sent_at`.
- `notifications.kind` gains `nudge`; a manager may write a `nudge` notice to
  either person of a nudge written in the same transaction (keyed
  `nudge:<nudge id>:<recipient id>`), besides what 0012 allowed.
- `goal_attainment()`: goals created in a window and how many are achieved,
  per department of their mentee, for a manager (their own workspace) or the
  system. Managers may not read goals (0014), only these counts, hence a
  SECURITY DEFINER function that switches to the system role like 0015's.

Row-level security: a workspace's managers (`admin`) and the system read
nudges; a manager writes one naming themselves as the sender. Nobody updates
or deletes them (no privilege either).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.earlier import migration

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SEARCH_PATH = "pg_catalog, public, pg_temp"
SYSTEM = "(SELECT app_role()) = 'system'"
MANAGER = "((SELECT app_role()) = 'admin' AND workspace_id = (SELECT app_workspace()))"
ME = "(SELECT app_user_id())"
NUDGE_READ = f"{SYSTEM} OR {MANAGER}"
NUDGE_WRITE = f"{SYSTEM} OR ({MANAGER} AND sent_by = {ME})"
QUIET_DAYS = 14

KINDS_BEFORE = (
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
    "calendar_update",
)
KINDS_AFTER = (*KINDS_BEFORE, "nudge")

KEY_PART = "split_part(notifications.idempotency_key, ':', {})"
# A nudge notice goes to one of the pair of a nudge this transaction wrote
# (`xmin`: the transaction that wrote the row version), keyed by both.
NUDGE_NOTICE = (
    f"(notifications.kind = 'nudge' AND notifications.session_id IS NULL AND {MANAGER}"
    " AND EXISTS (SELECT 1 FROM nudges n"
    f" WHERE n.id = CASE WHEN {KEY_PART.format(2)} ~ '^[0-9]{{1,18}}$'"
    f" THEN {KEY_PART.format(2)}::bigint END"
    " AND notifications.idempotency_key = 'nudge:' || n.id || ':' || notifications.recipient_id"
    " AND notifications.recipient_id IN (n.mentor_id, n.mentee_id)"
    " AND n.xmin = pg_current_xact_id()::xid))"
)

GOAL_ATTAINMENT = "goal_attainment(text, timestamptz, timestamptz)"
GOAL_ATTAINMENT_FUNCTION = f"""
CREATE FUNCTION goal_attainment(p_workspace text, p_since timestamptz, p_until timestamptz)
    RETURNS TABLE(department text, goals_set bigint, achieved bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
#variable_conflict use_column
DECLARE
    caller_role text := public.app_role();
    -- A manager counts their own workspace's goals whatever they ask for.
    scope text := CASE WHEN caller_role = 'system' THEN p_workspace
                       ELSE public.app_workspace() END;
BEGIN
    IF caller_role IS DISTINCT FROM 'system'
       AND (caller_role IS DISTINCT FROM 'admin' OR scope IS NULL) THEN
        RETURN;
    END IF;
    PERFORM set_config('app.role', 'system', true);
    RETURN QUERY
        SELECT u.department, count(*), count(*) FILTER (WHERE g.status = 'achieved')
          FROM public.goals g
          JOIN public.users u ON u.id = g.user_id
         WHERE (scope IS NULL OR g.workspace_id = scope)
           AND (p_since IS NULL OR g.created_at >= p_since) AND g.created_at < p_until
         GROUP BY u.department;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
END
$$;
"""


def _notice_insert_0012() -> str:
    """0012's WITH CHECK of notices, read from that migration so the two never differ."""
    return str(migration("2026_12_04_0012_session_and_workspace_write_guards.py").NOTICE_INSERT[1])


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint("ck_notifications_kind_known", "notifications")
    listed = ", ".join(repr(kind) for kind in kinds)
    op.create_check_constraint(
        op.f("ck_notifications_kind_known"), "notifications", f"kind IN ({listed})"
    )


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("mentor_id", sa.BigInteger(), nullable=False),
        sa.Column("mentee_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quiet_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "mentor_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "mentee_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        sa.CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        sa.CheckConstraint(
            f"quiet_until - sent_at = interval '{QUIET_DAYS} days'", name="quiet_for_14_days"
        ),
    )
    op.execute(
        "ALTER TABLE nudges ADD CONSTRAINT ex_nudges_pair_quiet EXCLUDE USING gist"
        " (mentor_id WITH =, mentee_id WITH =, tstzrange(sent_at, quiet_until, '[)') WITH &&)"
    )
    op.execute(
        f"GRANT SELECT, INSERT (workspace_id, mentor_id, mentee_id, sent_by, sent_at,"
        f" quiet_until) ON nudges TO {APP_ROLE}"
    )
    op.execute("ALTER TABLE nudges ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE nudges FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY nudges_select ON nudges FOR SELECT USING ({NUDGE_READ})")
    op.execute(f"CREATE POLICY nudges_insert ON nudges FOR INSERT WITH CHECK ({NUDGE_WRITE})")

    _kinds(KINDS_AFTER)
    op.execute(
        "ALTER POLICY notifications_insert ON notifications"
        f" WITH CHECK (({_notice_insert_0012()}) OR {NUDGE_NOTICE})"
    )

    op.execute(GOAL_ATTAINMENT_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {GOAL_ATTAINMENT} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {GOAL_ATTAINMENT} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {GOAL_ATTAINMENT}")
    op.execute(
        f"ALTER POLICY notifications_insert ON notifications WITH CHECK ({_notice_insert_0012()})"
    )
    op.execute("DELETE FROM notifications WHERE kind = 'nudge'")
    _kinds(KINDS_BEFORE)
    op.drop_table("nudges")
