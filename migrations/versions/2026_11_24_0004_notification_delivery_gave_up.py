"""Outbox: remember DMs Slack refused for good, so they are not retried forever.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _undelivered_index(where: str) -> None:
    op.drop_index("ix_notifications_undelivered", table_name="notifications")
    op.create_index(
        "ix_notifications_undelivered",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column(
        "notifications", sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True)
    )
    _undelivered_index("delivered_at IS NULL AND gave_up_at IS NULL")


def downgrade() -> None:
    _undelivered_index("delivered_at IS NULL")
    op.drop_column("notifications", "gave_up_at")
