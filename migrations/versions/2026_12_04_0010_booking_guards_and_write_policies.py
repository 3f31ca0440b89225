"""Bookings decided by the database, and row-level security that guards writes.

A person's time is exclusive whatever role they hold. The exclusion constraints
of 0001 compare mentor with mentor and mentee with mentee; a constraint cannot
compare one row's mentor with another row's mentee. `session_busy` holds one
row per person of each requested, scheduled or ongoing session, kept by
triggers on `sessions` in the same statement, and its own exclusion constraint
refuses two overlapping rows of one person. Existing sessions are copied in
oldest booking first; a session that already overlaps another of the same
person (the defect this fixes could store them) is left out, and a later move
of it is checked like any booking.

Booking is serialised per person: `lock_people(ids)` locks the rows of the
mentee and the mentor (in id order, so two bookings never wait for each other
in a circle) until the transaction ends, and the domain reads the weekly cap,
the open requests and whether the mentor is still active under that lock.
Leaving and stepping down take the same lock first. A member may not lock
another person's profile row directly (its UPDATE policy), hence a SECURITY
DEFINER function, narrowed to the caller's workspace as the functions of 0003.

`busy_periods()` also says whether the person is the mentor of each session:
the weekly cap counts only the sessions a person mentors.

Writes: the application role may insert and update only the columns it writes
(participants, workspace, id and the rating are never updated; a session is
inserted without notes, rating or outcome). A member inserts only their own
request (`status = 'requested'`); updates only make the status changes their
role may make, checked against the status before the statement by
`session_change_allowed()` (a STABLE function sees the calling statement's
snapshot, so it reads the row as it was). A member's notice goes to
themselves or to a participant of a session they take part in. Profiles and
notices keep their identity columns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
ACTIVE = "('requested', 'scheduled', 'ongoing')"
SEARCH_PATH = "pg_catalog, public, pg_temp"

# Kept by SECURITY DEFINER triggers as the system actor (like the ratings of
# 0002); the application role has no privilege on it at all.
KEEP_BUSY = f"""
CREATE FUNCTION keep_session_busy() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    caller_role text := current_setting('app.role', true);
BEGIN
    PERFORM set_config('app.role', 'system', true);
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM public.session_busy WHERE session_id = OLD.id;
    END IF;
    IF NEW.status IN {ACTIVE} THEN
        INSERT INTO public.session_busy (session_id, workspace_id, user_id, during)
        VALUES (NEW.id, NEW.workspace_id, NEW.mentor_id,
                tstzrange(NEW.starts_at, NEW.ends_at, '[)')),
               (NEW.id, NEW.workspace_id, NEW.mentee_id,
                tstzrange(NEW.starts_at, NEW.ends_at, '[)'));
    END IF;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION keep_session_busy() FROM PUBLIC;
CREATE TRIGGER sessions_keep_busy_on_insert
    AFTER INSERT ON sessions
    FOR EACH ROW WHEN (NEW.status IN {ACTIVE})
    EXECUTE FUNCTION keep_session_busy();
CREATE TRIGGER sessions_keep_busy_on_update
    AFTER UPDATE OF mentor_id, mentee_id, starts_at, ends_at, status ON sessions
    FOR EACH ROW WHEN (
        (OLD.mentor_id, OLD.mentee_id, OLD.starts_at, OLD.ends_at, OLD.status IN {ACTIVE})
        IS DISTINCT FROM
        (NEW.mentor_id, NEW.mentee_id, NEW.starts_at, NEW.ends_at, NEW.status IN {ACTIVE})
    )
    EXECUTE FUNCTION keep_session_busy();
"""
BUSY_BACKFILL = f"""
INSERT INTO session_busy (session_id, workspace_id, user_id, during)
SELECT s.id, s.workspace_id, person.user_id, tstzrange(s.starts_at, s.ends_at, '[)')
  FROM sessions s
 CROSS JOIN LATERAL (VALUES (s.mentor_id), (s.mentee_id)) AS person (user_id)
 WHERE s.status IN {ACTIVE}
 ORDER BY s.created_at, s.id
ON CONFLICT DO NOTHING
"""

# The caller's actor, refused without one, the system role for the body and the
# caller's role restored: the shape of the functions of 0003.
PROLOGUE = """
DECLARE
    caller_role text := public.app_role();
    caller_workspace text := public.app_workspace();
BEGIN
    IF caller_workspace IS NULL AND caller_role IS DISTINCT FROM 'system' THEN
        RETURN;
    END IF;
    PERFORM set_config('app.role', 'system', true);
"""
EPILOGUE = """
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
END
"""
CALLERS_WORKSPACE = "(caller_workspace IS NULL OR {alias}.workspace_id = caller_workspace)"

LOCK_PEOPLE = f"""
CREATE FUNCTION lock_people(p_user_ids bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
{PROLOGUE}
    PERFORM 1
       FROM public.users u
      WHERE u.id = ANY (p_user_ids) AND {CALLERS_WORKSPACE.format(alias="u")}
      ORDER BY u.id
        FOR NO KEY UPDATE;
{EPILOGUE}
$$;
"""

BUSY_PERIODS_SIGNATURE = "busy_periods(bigint[], timestamptz, timestamptz)"
BUSY_STATUSES = "('requested', 'scheduled', 'ongoing', 'completed')"


def _busy_periods(*, with_role: bool) -> str:
    """`busy_periods()` as this migration makes it, or as 0003 made it."""
    columns = "user_id bigint, starts_at timestamptz, ends_at timestamptz, status text"
    mentor_flag, mentee_flag = ("", "")
    if with_role:
        columns += ", as_mentor boolean"
        mentor_flag, mentee_flag = (", true", ", false")
    where = (
        "AND s.starts_at < p_to AND s.ends_at > p_from"
        f" AND s.status IN {BUSY_STATUSES} AND {CALLERS_WORKSPACE.format(alias='s')}"
    )
    return f"""
CREATE FUNCTION busy_periods(p_user_ids bigint[], p_from timestamptz, p_to timestamptz)
    RETURNS TABLE({columns})
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
#variable_conflict use_column
{PROLOGUE}
    RETURN QUERY
        SELECT s.mentor_id, s.starts_at, s.ends_at, s.status{mentor_flag}
          FROM public.sessions s
         WHERE s.mentor_id = ANY (p_user_ids) {where}
        UNION ALL
        SELECT s.mentee_id, s.starts_at, s.ends_at, s.status{mentee_flag}
          FROM public.sessions s
         WHERE s.mentee_id = ANY (p_user_ids) {where};
{EPILOGUE}
$$;
"""


DEFINERS = ("lock_people(bigint[])", BUSY_PERIODS_SIGNATURE)

# The status changes a participant may make, by role; the system makes any.
# Keeping the status (a move, notes, a topic) is always allowed.
SESSION_CHANGE_ALLOWED = f"""
CREATE FUNCTION session_change_allowed(p_id bigint, p_status text, p_as_mentor boolean)
    RETURNS boolean LANGUAGE plpgsql STABLE
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    before text;
BEGIN
    SELECT s.status INTO before FROM public.sessions s WHERE s.id = p_id;
    IF before IS NULL OR before = p_status THEN
        RETURN before IS NOT NULL;
    END IF;
    IF p_as_mentor THEN
        RETURN (before, p_status) IN (
            ('requested', 'scheduled'), ('requested', 'declined'),
            ('requested', 'cancelled'), ('scheduled', 'cancelled'),
            ('scheduled', 'ongoing'), ('scheduled', 'completed'),
            ('ongoing', 'completed'), ('scheduled', 'no_show'), ('ongoing', 'no_show'));
    END IF;
    RETURN (before, p_status) IN (
        ('requested', 'cancelled'), ('scheduled', 'cancelled'), ('scheduled', 'requested'));
END
$$;
"""

# (table, command, USING, WITH CHECK) before and after this migration.
OLD_POLICIES = (
    ("sessions", "INSERT", None, f"{SYSTEM} OR ({SAME_WORKSPACE} AND mentee_id = {ME})"),
    (
        "sessions",
        "UPDATE",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))",
    ),
    (
        "notifications",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND (recipient_id = {ME} OR EXISTS ("
        f" SELECT 1 FROM sessions s WHERE s.id = session_id AND {ME} IN (s.mentor_id, s.mentee_id)"
        ")))",
    ),
)
NEW_POLICIES = (
    (
        "sessions",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND mentee_id = {ME} AND status = 'requested')",
    ),
    (
        "sessions",
        "UPDATE",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id)"
        f" AND session_change_allowed(id, status, mentor_id = {ME}))",
    ),
    (
        "notifications",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND (recipient_id = {ME} OR EXISTS ("
        f" SELECT 1 FROM sessions s WHERE s.id = session_id AND {ME} IN (s.mentor_id, s.mentee_id)"
        " AND recipient_id IN (s.mentor_id, s.mentee_id))))",
    ),
)

# Column privileges: (table, command, columns as of this migration). A later
# migration adding a column grants what the application writes of it.
COLUMN_GRANTS = (
    (
        "sessions",
        "INSERT",
        (
            "workspace_id",
            "mentor_id",
            "mentee_id",
            "starts_at",
            "ends_at",
            "status",
            "topic",
            "created_at",
            "updated_at",
        ),
    ),
    (
        "sessions",
        "UPDATE",
        (
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
        ),
    ),
    (
        "users",
        "UPDATE",
        (
            "display_name",
            "title",
            "department",
            "time_zone",
            "is_mentor",
            "is_mentee",
            "is_active",
            "bio",
            "expertise",
            "learning_goals",
            "meeting_link",
            "session_minutes",
            "max_sessions_per_week",
            "updated_at",
        ),
    ),
    (
        "notifications",
        "UPDATE",
        ("read_at", "delivered_at", "attempts", "next_attempt_at", "last_error", "gave_up_at"),
    ),
)
# What 0002 and 0009 granted on those tables and commands.
RELEASED_GRANTS = (
    ("sessions", "INSERT", None),
    (
        "sessions",
        "UPDATE",
        (
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
        ),
    ),
    ("users", "UPDATE", None),
    ("notifications", "UPDATE", None),
)


def _policy_name(table: str, command: str) -> str:
    return f"{table}_{command.lower()}"


def _replace_policies(policies: Sequence[tuple[str, str, str | None, str | None]]) -> None:
    for table, command, using, check in policies:
        name = _policy_name(table, command)
        op.execute(f"DROP POLICY {name} ON {table}")
        clauses = f" USING ({using})" if using is not None else ""
        clauses += f" WITH CHECK ({check})" if check is not None else ""
        op.execute(f"CREATE POLICY {name} ON {table} FOR {command}{clauses}")


def _grant(grants: Sequence[tuple[str, str, tuple[str, ...] | None]]) -> None:
    """Replace the table's privilege for each command (revoking a table
    privilege takes its column privileges with it)."""
    for table, command, columns in grants:
        op.execute(f"REVOKE {command} ON {table} FROM {APP_ROLE}")
        target = f"{command} ({', '.join(columns)})" if columns else command
        op.execute(f"GRANT {target} ON {table} TO {APP_ROLE}")


def upgrade() -> None:
    op.create_table(
        "session_busy",
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("during", postgresql.TSTZRANGE(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_busy_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_session_busy_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_session_busy_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_busy")),
        postgresql.ExcludeConstraint(
            (sa.column("user_id"), "="),
            (sa.column("during"), "&&"),
            name="ex_session_busy_overlap",
            using="gist",
        ),
    )
    op.execute("ALTER TABLE session_busy ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE session_busy FORCE ROW LEVEL SECURITY")
    for command in ("SELECT", "DELETE"):
        op.execute(
            f"CREATE POLICY {_policy_name('session_busy', command)} ON session_busy"
            f" FOR {command} USING ({SYSTEM})"
        )
    op.execute(
        f"CREATE POLICY session_busy_insert ON session_busy FOR INSERT WITH CHECK ({SYSTEM})"
    )
    op.execute(KEEP_BUSY)
    # The owner is held by the policies too: copy every workspace as the system.
    op.execute("SELECT set_config('app.role', 'system', true)")
    op.execute(BUSY_BACKFILL)
    op.execute("SELECT set_config('app.role', '', true)")

    op.execute(f"DROP FUNCTION {BUSY_PERIODS_SIGNATURE}")
    op.execute(_busy_periods(with_role=True))
    op.execute(LOCK_PEOPLE)
    for function in DEFINERS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP_ROLE}")

    op.execute(SESSION_CHANGE_ALLOWED)
    _replace_policies(NEW_POLICIES)
    _grant(COLUMN_GRANTS)


def downgrade() -> None:
    _grant(RELEASED_GRANTS)
    _replace_policies(OLD_POLICIES)
    op.execute("DROP FUNCTION session_change_allowed(bigint, text, boolean)")
    op.execute("DROP FUNCTION lock_people(bigint[])")
    op.execute(f"DROP FUNCTION {BUSY_PERIODS_SIGNATURE}")
    op.execute(_busy_periods(with_role=False))
    op.execute(f"REVOKE ALL ON FUNCTION {BUSY_PERIODS_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {BUSY_PERIODS_SIGNATURE} TO {APP_ROLE}")
    op.execute("DROP TRIGGER sessions_keep_busy_on_update ON sessions")
    op.execute("DROP TRIGGER sessions_keep_busy_on_insert ON sessions")
    op.execute("DROP FUNCTION keep_session_busy()")
    op.drop_table("session_busy")
