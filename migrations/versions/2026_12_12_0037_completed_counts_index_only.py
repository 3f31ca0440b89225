"""Each mentor's completed sessions are counted from the index alone.

0033 indexed the completed sessions by mentor so that
`mentor_completed_counts()` would count them by an index-only scan. It did not:
the function keeps only the caller's workspace (`s.workspace_id =
caller_workspace`), a column the index lacked, so every completed session was
still read from the table (a bitmap heap scan, 276 pages for the ten mentors
of a search page on the load bench's database). With `workspace_id` carried in
the index, the count is read from the index alone ("Heap Fetches: 0" once the
table is vacuumed, which the completed sessions, written once, mostly are).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-12 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_sessions_mentor_id_completed"
_COMPLETED = sa.text("status = 'completed'")


def _index(include: list[str]) -> None:
    op.drop_index(_NAME, table_name="sessions")
    op.create_index(
        _NAME, "sessions", ["mentor_id"], postgresql_include=include, postgresql_where=_COMPLETED
    )


def upgrade() -> None:
    _index(["workspace_id"])


def downgrade() -> None:
    _index([])
