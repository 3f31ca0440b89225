"""Goal attainment pictures drawn before a small department was withheld are
forgotten, so that the next `charts` run draws them again.

`/mentor stats` and the Home show the pictures recorded in `chart_files`
whatever the figures beside them. One drawn from an older snapshot format
still has a bar (and alt text) for a department a manager may no longer see,
or one whose figures the "Everyone" bar less the others tells (`domain.metrics.
goal_attainment`), until the job replaces it: for a snapshot of the old format
it replaces nothing until the analytics job has rewritten the snapshot.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # chart_files is held by RLS even for its owner: the system may delete.
    op.execute("SELECT set_config('app.role', 'system', true)")
    op.execute("DELETE FROM chart_files WHERE kind = 'goals'")
    op.execute("SELECT set_config('app.role', '', true)")


def downgrade() -> None:
    """The pictures are drawn again by the job: nothing to put back."""
