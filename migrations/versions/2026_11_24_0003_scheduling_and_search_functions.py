"""Narrow windows through row-level security, and an immutable unaccent for search.

A member may not read other people's sessions, yet booking must know when a
mentor is busy and search cards show how many sessions a mentor completed. Two
SECURITY DEFINER functions answer exactly that and nothing more: times and
status, or a count. Like `maintain_mentor_rating`, each runs with
`app.role = 'system'` (restored on exit) so the policies let it read, and it
narrows by hand to the caller's workspace, which inside the function is still
the caller's `app.workspace_id`, read before the switch. Only the system actor
without a workspace (the scheduled jobs) sees every workspace; no actor at all
sees nothing. (No `SET app.role` clause on the functions: creating one needs a
superuser.)

`unaccent()` is only STABLE (it reads a dictionary that could change), so it
cannot appear in an index expression; `immutable_unaccent()` pins the
dictionary and promises immutability, for search expressions and their indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"

IMMUTABLE_UNACCENT = """
CREATE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
"""

ACTIVE_OR_DONE = "('requested', 'scheduled', 'ongoing', 'completed')"

# Each function reads the caller's actor first, refuses a caller with none,
# switches to the system role for its own query and restores the caller's role
# before returning (a failure rolls the setting back with its transaction).
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
# The caller's workspace; every workspace only for the system without one.
CALLERS_WORKSPACE = "(caller_workspace IS NULL OR s.workspace_id = caller_workspace)"

# One branch per role, so each uses its (person, starts_at) index.
BUSY_PERIODS = f"""
CREATE FUNCTION busy_periods(p_user_ids bigint[], p_from timestamptz, p_to timestamptz)
    RETURNS TABLE(user_id bigint, starts_at timestamptz, ends_at timestamptz, status text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
{PROLOGUE}
    RETURN QUERY
        SELECT s.mentor_id, s.starts_at, s.ends_at, s.status
          FROM public.sessions s
         WHERE s.mentor_id = ANY (p_user_ids)
           AND s.starts_at < p_to AND s.ends_at > p_from
           AND s.status IN {ACTIVE_OR_DONE}
           AND {CALLERS_WORKSPACE}
        UNION ALL
        SELECT s.mentee_id, s.starts_at, s.ends_at, s.status
          FROM public.sessions s
         WHERE s.mentee_id = ANY (p_user_ids)
           AND s.starts_at < p_to AND s.ends_at > p_from
           AND s.status IN {ACTIVE_OR_DONE}
           AND {CALLERS_WORKSPACE};
{EPILOGUE}
$$;
"""

MENTOR_COMPLETED_COUNTS = f"""
CREATE FUNCTION mentor_completed_counts(p_mentor_ids bigint[])
    RETURNS TABLE(mentor_id bigint, completed bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
{PROLOGUE}
    RETURN QUERY
        SELECT s.mentor_id, count(*)
          FROM public.sessions s
         WHERE s.mentor_id = ANY (p_mentor_ids)
           AND s.status = 'completed'
           AND {CALLERS_WORKSPACE}
         GROUP BY s.mentor_id;
{EPILOGUE}
$$;
"""

DEFINER_FUNCTIONS = (
    "busy_periods(bigint[], timestamptz, timestamptz)",
    "mentor_completed_counts(bigint[])",
)


def upgrade() -> None:
    op.execute(IMMUTABLE_UNACCENT)
    op.execute(BUSY_PERIODS)
    op.execute(MENTOR_COMPLETED_COUNTS)
    for function in DEFINER_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP_ROLE}")


def downgrade() -> None:
    for function in reversed(DEFINER_FUNCTIONS):
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP FUNCTION immutable_unaccent(text)")
