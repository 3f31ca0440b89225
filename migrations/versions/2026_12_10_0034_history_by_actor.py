"""Session history is indexed by who acted and when.

Every request and move first counts what the person asked for in the last
hour (`slot_requests_since`, the flood limit): the history rows they wrote
since then. Nothing indexed `actor_id`, so each booking scanned the whole
history: at 1M sessions, 3.6M rows, 110 ms of the 170 ms a booking's ack took
(bench/run.py) and 350 ms with the table not cached. The index also serves
the `ON DELETE SET NULL` of a deleted person.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_session_history_actor_id_created_at", "session_history", ["actor_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_session_history_actor_id_created_at", table_name="session_history")
