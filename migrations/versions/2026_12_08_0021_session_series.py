"""Recurring sessions: a series of sessions a mentee books at once, every 1, 2
or 4 weeks, 2 to 12 of them.

- `session_series`: who (mentor, mentee, workspace), how often
  (`every_weeks` in 1, 2, 4) and how many sessions (`times`, 2 to 12), when it
  was booked (by the app's clock). Never changed once written (no UPDATE
  privilege): what happens to it happens to its sessions.
- `sessions.series_id`: the series a session belongs to (NULL for a single
  booking). Each occurrence is an ordinary session holding its own slot, under
  the exclusion constraints and guards every session is under. The foreign key
  takes the session's workspace, mentor and mentee with it, so a session can
  belong only to a series of the same two people, whoever writes it. The
  application role may insert the column and never update it.
- `guard_series_occurrence` (BEFORE INSERT on sessions): a series holds at
  most `times` sessions, and a member adds sessions to a series only in the
  transaction that made it: the mentor accepts a series they were shown, not
  one a session was slipped into later. The series and its sessions are
  written in one transaction, so one refused session writes nothing.

Accepting or declining a series is one ordinary transition per session (the
same status rules, history rows and calendar sequence as one at a time), so
`guard_session_update`, `guard_session_calendar` and the notice keys need no
change: a series' notice is keyed by the change of one of its sessions.

Row-level security: as sessions. The two people, the workspace's admins
(read) and the system; a member writes a series only as its mentee. No
DELETE: a person's or workspace's removal cascades.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 00:21:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
ADMIN = "(SELECT app_role()) = 'admin'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
SEARCH_PATH = "pg_catalog, public, pg_temp"
REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="
SERIES_FK = "fk_sessions_series_id_session_series"

# domain.limits' rule when this was written (the model names it).
EVERY_WEEKS = "every_weeks IN (1, 2, 4)"
TIMES = "times BETWEEN 2 AND 12"

GUARD_SERIES_OCCURRENCE = f"""
CREATE FUNCTION guard_series_occurrence() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    series record;
    held bigint;
BEGIN
    -- Not locked: a member adds only to a series of its own transaction, which
    -- nobody else can add to before it commits.
    SELECT times, xmin = pg_current_xact_id()::xid AS made_here INTO series
      FROM public.session_series WHERE id = NEW.series_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key refuses it
    END IF;
    IF public.app_role() IS DISTINCT FROM 'system' AND NOT series.made_here THEN
        {REFUSE} 'sessions join a series in the transaction that books it';
    END IF;
    SELECT count(*) INTO held FROM public.sessions WHERE series_id = NEW.series_id;
    IF held >= series.times THEN
        {REFUSE} format('series %s already holds its %s sessions', NEW.series_id, series.times);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sessions_guard_series
    BEFORE INSERT ON sessions
    FOR EACH ROW WHEN (NEW.series_id IS NOT NULL)
    EXECUTE FUNCTION guard_series_occurrence();
"""

POLICIES = (
    (
        "SELECT",
        f"USING ({SYSTEM} OR ({SAME_WORKSPACE} AND ({ADMIN} OR {ME} IN (mentor_id, mentee_id))))",
    ),
    ("INSERT", f"WITH CHECK ({SYSTEM} OR ({SAME_WORKSPACE} AND mentee_id = {ME}))"),
)


def _person(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id", column], ["users.workspace_id", "users.id"], ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "session_series",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("mentor_id", sa.BigInteger(), nullable=False),
        sa.Column("mentee_id", sa.BigInteger(), nullable=False),
        sa.Column("every_weeks", sa.SmallInteger(), nullable=False),
        sa.Column("times", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _person("mentor_id"),
        _person("mentee_id"),
        sa.CheckConstraint(EVERY_WEEKS, name="every_weeks_known"),
        sa.CheckConstraint(TIMES, name="times_range"),
        sa.CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        # What the sessions' foreign key points at: a series and its two people.
        sa.UniqueConstraint("id", "workspace_id", "mentor_id", "mentee_id"),
    )
    op.add_column("sessions", sa.Column("series_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        SERIES_FK,
        "sessions",
        "session_series",
        ["series_id", "workspace_id", "mentor_id", "mentee_id"],
        ["id", "workspace_id", "mentor_id", "mentee_id"],
    )
    op.create_index(
        op.f("ix_sessions_series_id"),
        "sessions",
        ["series_id"],
        postgresql_where=sa.text("series_id IS NOT NULL"),
    )
    op.execute(f"GRANT INSERT (series_id) ON sessions TO {APP_ROLE}")
    op.execute(GUARD_SERIES_OCCURRENCE)
    # Ids are the database's to give.
    op.execute(
        "GRANT SELECT, INSERT (workspace_id, mentor_id, mentee_id, every_weeks, times,"
        f" created_at) ON session_series TO {APP_ROLE}"
    )
    op.execute("ALTER TABLE session_series ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE session_series FORCE ROW LEVEL SECURITY")
    for command, clauses in POLICIES:
        op.execute(
            f"CREATE POLICY session_series_{command.lower()} ON session_series"
            f" FOR {command} {clauses}"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER sessions_guard_series ON sessions")
    op.execute("DROP FUNCTION guard_series_occurrence()")
    op.drop_index(op.f("ix_sessions_series_id"), "sessions")
    op.drop_constraint(SERIES_FK, "sessions")
    # The column takes its privilege with it.
    op.drop_column("sessions", "series_id")
    op.drop_table("session_series")
