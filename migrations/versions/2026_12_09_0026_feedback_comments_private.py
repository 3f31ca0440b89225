"""Written feedback is the two participants' alone, held by the database.

0002 let anyone who may see the session read its feedback, and an admin may
see every session of the workspace: a manager's transaction could read every
written comment, though the app never showed one. Now a feedback row is read
only by its author and its subject (the session's two people; the INSERT
policy of 0002 makes them exactly that) and by the system.

Why the whole row, not the comment moved to a table of its own: no manager
figure reads feedback. The dashboard, `/mentor stats`, the digest, the CSV
export, the analytics snapshots, their charts and the at-risk pairs ("a rating
of 2 or less") read `sessions.rating` (0009) and `ratings` (0002), both kept
by SECURITY DEFINER triggers on feedback that run as the system, so they stay
true whoever writes the feedback. A separate comments table would add a
second write, a second policy and a join for no reader who needs the rest of
the row; a column privilege cannot tell a participant from a manager (both
are the application role).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
VISIBLE_SESSION = "EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id)"

# The feedback SELECT policy's USING: (before, after); before is what 0002 left.
READERS = (
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND {VISIBLE_SESSION})",
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (author_id, subject_id))",
)


def upgrade() -> None:
    op.execute(f"ALTER POLICY feedback_select ON feedback USING ({READERS[1]})")


def downgrade() -> None:
    op.execute(f"ALTER POLICY feedback_select ON feedback USING ({READERS[0]})")
