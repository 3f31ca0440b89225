"""Each workspace's own digest channel, whether the bot may send to it, and how
many of its notices could not be delivered.

- `digest_channel`: where the workspace's weekly digest goes. When it is unset,
  `MENTORSHIP_DIGEST_CHANNEL` is the channel of the first workspace the bot saw
  (the oldest row) only: one channel never receives several workspaces' digests.
- `paused_at` / `paused_because`: set when Slack said the app was uninstalled
  or its bot token revoked (the events, or `account_inactive` / `token_revoked`
  when sending): nothing is sent to the workspace while set, and its notices
  wait in the outbox. Cleared by the next signed request from the workspace
  (Slack sends them only to an installed app).
- `undelivered_notices`: how many notices the outbox gave up on (a dead
  letter), counted by the system when it gives up, for the admins' dashboard
  (the notices themselves are readable only by their recipients).

The application role already has UPDATE on `workspaces`; the policies let the
system and the workspace's admins write it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("digest_channel", sa.Text(), nullable=True))
    op.add_column("workspaces", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("workspaces", sa.Column("paused_because", sa.Text(), nullable=True))
    op.add_column(
        "workspaces",
        sa.Column("undelivered_notices", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(
        "undelivered_notices_not_negative", "workspaces", "undelivered_notices >= 0"
    )


def downgrade() -> None:
    op.drop_constraint("ck_workspaces_undelivered_notices_not_negative", "workspaces")
    op.drop_column("workspaces", "undelivered_notices")
    op.drop_column("workspaces", "paused_because")
    op.drop_column("workspaces", "paused_at")
    op.drop_column("workspaces", "digest_channel")
