"""Mentor search adds up the page's end as a bigint.

0032 cut the mentors to order at `page_offset + page_limit`, an integer sum: an
offset near the largest integer failed the whole search ("integer out of
range") where 0028's function answered with an empty page. The close-spelling
pass compared the found mentors with the same sum (0028 already), and failed
the same way. Both are added up as bigints; what the function returns is
otherwise unchanged.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0032 = migration("2026_12_10_0032_search_ratings_for_the_page.py")

_SUMS = (
    (
        "FETCH FIRST (page_offset + page_limit) ROWS WITH TIES",
        "FETCH FIRST (page_offset::bigint + page_limit) ROWS WITH TIES",
    ),
    (") < page_offset + page_limit;", ") < page_offset::bigint + page_limit;"),
)


def search_function() -> str:
    text = _0032.search_function()
    for integer, bigint in _SUMS:
        assert text.count(integer) == 1, "0032's function is not the one this migration edits"
        text = text.replace(integer, bigint)
    return text


def upgrade() -> None:
    op.execute(search_function())


def downgrade() -> None:
    op.execute(_0032.search_function())
