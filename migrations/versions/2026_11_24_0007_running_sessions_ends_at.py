"""Index the end of sessions still scheduled or ongoing: the lifecycle job asks
every minute which of them ended (and should be completed).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 17:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sessions_running_ends_at",
        "sessions",
        ["ends_at"],
        postgresql_where=sa.text("status IN ('scheduled', 'ongoing')"),
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_running_ends_at", table_name="sessions")
