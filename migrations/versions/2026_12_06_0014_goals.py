"""A mentee's goals, their history, and the goal a session is about.

- `goals`: per person, a title (1 to 200 characters), a status (not_started,
  in_progress, achieved, dropped), an optional target date (a day in the
  owner's zone: the app checks it is not past, by its own clock), notes (at
  most 1000). Never deleted by the application: a goal given up is dropped.
- `goal_history`: append-only, one row per change: who (`actor_id`), when,
  from which status (NULL when the goal was created) to which, a note, and the
  session whose feedback told the change (NULL otherwise).
- `sessions.goal_id`: the goal a session is about, named when it is booked
  (the application role may insert it and never update it). The foreign key
  takes the session's mentee with it, `(mentee_id, goal_id, workspace_id)` to
  `goals (user_id, id, workspace_id)`, so a session can name only its own
  mentee's goal, whoever writes it.

Row-level security, in words: the owner reads and writes their goals; the
mentor of a session with the owner that is still on (requested, scheduled,
ongoing) reads them, and their history; nobody else, programme managers
included (their figures will count goals without reading them); the system
everything. A member records history only of a change to their own goal made
by this transaction, as the goal now is (as 0012 holds session history), and
names only a session of theirs as mentee that is about that goal: nobody can
write another person's history, or history that did not happen.

Existing learning goals are not copied here: the application turns a mentee's
learning goals into goals the first time they open their goals (see
`domain.goals`), with its own clock, for people who sign up later too.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"

STATUSES = "('not_started', 'in_progress', 'achieved', 'dropped')"
# The limits of `domain.limits` when this was written (the models name them).
TITLE_LENGTH = 200
NOTES_LENGTH = 1000

MINE = f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})"
# The acting member mentors the goals' owner in a session that is still on
# (the subquery is itself held by the sessions policy: the mentor's own).
THEIR_MENTOR = (
    f"EXISTS (SELECT 1 FROM sessions s WHERE s.mentee_id = goals.user_id AND s.mentor_id = {ME}"
    " AND s.status IN ('requested', 'scheduled', 'ongoing'))"
)
GOALS_READ = f"{SYSTEM} OR ({SAME_WORKSPACE} AND (user_id = {ME} OR {THEIR_MENTOR}))"
# A goal the actor may read (the subquery is held by the goals policy).
VISIBLE_GOAL = "EXISTS (SELECT 1 FROM goals g WHERE g.id = goal_history.goal_id)"
# `xmin` is the transaction that wrote the row version: this one.
CHANGED_HERE = (
    "EXISTS (SELECT 1 FROM goals g WHERE g.id = goal_history.goal_id"
    f" AND g.user_id = {ME} AND g.status = goal_history.to_status"
    " AND g.xmin = pg_current_xact_id()::xid)"
)
OWN_SESSION_ABOUT_IT = (
    "(goal_history.session_id IS NULL OR EXISTS (SELECT 1 FROM sessions s"
    f" WHERE s.id = goal_history.session_id AND s.mentee_id = {ME}"
    " AND s.goal_id = goal_history.goal_id))"
)
HISTORY_WRITE = (
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND actor_id = {ME} AND {CHANGED_HERE}"
    f" AND {OWN_SESSION_ABOUT_IT})"
)

# (table, command, USING, WITH CHECK); None where the command has no such clause.
# No DELETE: the application role may delete neither (no privilege either).
POLICIES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("goals", "SELECT", GOALS_READ, None),
    ("goals", "INSERT", None, MINE),
    ("goals", "UPDATE", MINE, MINE),
    ("goal_history", "SELECT", f"{SYSTEM} OR ({SAME_WORKSPACE} AND {VISIBLE_GOAL})", None),
    ("goal_history", "INSERT", None, HISTORY_WRITE),
)
# Every column the application writes, never `id`; a goal's owner, workspace,
# title and creation stay as they were made.
GRANTS = (
    (
        "goals",
        "SELECT, INSERT (workspace_id, user_id, title, status, target_date, notes, created_at,"
        " updated_at), UPDATE (status, target_date, notes, updated_at)",
    ),
    (
        "goal_history",
        "SELECT, INSERT (workspace_id, goal_id, actor_id, from_status, to_status, note,"
        " session_id, created_at)",
    ),
)


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _workspace() -> sa.Column[str]:
    return sa.Column(
        "workspace_id",
        sa.Text(),
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _workspace(),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="not_started", nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        sa.UniqueConstraint("user_id", "id", "workspace_id"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        sa.CheckConstraint(f"char_length(title) BETWEEN 1 AND {TITLE_LENGTH}", name="title_length"),
        sa.CheckConstraint(f"char_length(notes) <= {NOTES_LENGTH}", name="notes_length"),
    )
    op.create_table(
        "goal_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _workspace(),
        sa.Column(
            "goal_id",
            sa.BigInteger(),
            sa.ForeignKey("goals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("session_id", sa.BigInteger(), sa.ForeignKey("sessions.id", ondelete="SET NULL")),
        _timestamp("created_at"),
        sa.CheckConstraint(
            f"from_status IS NULL OR from_status IN {STATUSES}", name="from_status_known"
        ),
        sa.CheckConstraint(f"to_status IN {STATUSES}", name="to_status_known"),
        sa.CheckConstraint(f"char_length(note) <= {NOTES_LENGTH}", name="note_length"),
    )
    op.create_index(
        op.f("ix_goal_history_goal_id_created_at"), "goal_history", ["goal_id", "created_at"]
    )
    op.add_column("sessions", sa.Column("goal_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_sessions_mentee_id_goal_id_workspace_id_goals"),
        "sessions",
        "goals",
        ["mentee_id", "goal_id", "workspace_id"],
        ["user_id", "id", "workspace_id"],
    )
    op.execute(f"GRANT INSERT (goal_id) ON sessions TO {APP_ROLE}")
    for table, privileges in GRANTS:
        op.execute(f"GRANT {privileges} ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for table, command, using, check in POLICIES:
        clauses = f" USING ({using})" if using is not None else ""
        clauses += f" WITH CHECK ({check})" if check is not None else ""
        op.execute(f"CREATE POLICY {table}_{command.lower()} ON {table} FOR {command}{clauses}")


def downgrade() -> None:
    # The tables take their policies with them (one of which reads
    # sessions.goal_id), and the column its privilege.
    op.drop_table("goal_history")
    op.drop_constraint("fk_sessions_mentee_id_goal_id_workspace_id_goals", "sessions")
    op.drop_table("goals")
    op.drop_column("sessions", "goal_id")
