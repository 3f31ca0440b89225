"""`goal_attainment()` also counts the mentees who set a department's goals.

A department's attainment that rests on one or two people is their own
progress, as surely as a mentor's average of one or two ratings is the raters'
own: the domain withholds a department's figures from managers below
`domain.metrics.MIN_PEOPLE_SHOWN` mentees, and needs their number for that.
The function still returns every department (the programme's total counts
every goal); what a manager sees is decided once, in the domain.

A function's result columns cannot be changed in place: it is dropped and made
again, with the grants of 0018.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SEARCH_PATH = "pg_catalog, public, pg_temp"
GOAL_ATTAINMENT = "goal_attainment(text, timestamptz, timestamptz)"
GOAL_ATTAINMENT_FUNCTION = f"""
CREATE FUNCTION goal_attainment(p_workspace text, p_since timestamptz, p_until timestamptz)
    RETURNS TABLE(department text, goals_set bigint, achieved bigint, mentees bigint)
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
        SELECT u.department, count(*), count(*) FILTER (WHERE g.status = 'achieved'),
               count(DISTINCT g.user_id)
          FROM public.goals g
          JOIN public.users u ON u.id = g.user_id
         WHERE (scope IS NULL OR g.workspace_id = scope)
           AND (p_since IS NULL OR g.created_at >= p_since) AND g.created_at < p_until
         GROUP BY u.department;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
END
$$;
"""


def _function_0018() -> str:
    """0018's function, read from that migration so the two never differ."""
    return str(migration("2026_12_07_0018_programme_health.py").GOAL_ATTAINMENT_FUNCTION)


def _replace(function: str) -> None:
    op.execute(f"DROP FUNCTION {GOAL_ATTAINMENT}")
    op.execute(function)
    op.execute(f"REVOKE ALL ON FUNCTION {GOAL_ATTAINMENT} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {GOAL_ATTAINMENT} TO {APP_ROLE}")


def upgrade() -> None:
    _replace(GOAL_ATTAINMENT_FUNCTION)


def downgrade() -> None:
    _replace(_function_0018())
