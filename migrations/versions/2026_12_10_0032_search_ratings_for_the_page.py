"""Mentor search reads the ratings of the mentors that can reach the page only.

0028's `search_mentor_directory()` ordered every mentor the terms found by
score, then average rating: it joined all of the workspace's ratings (a scan
of the table: 10,000 rows at 10k mentors) to order the 1,000–2,500 mentors a
`/mentor match` finds, to return 100 of them. Only the mentors whose score is
at least the page's last score can be on the page, so those (`FETCH FIRST …
WITH TIES`: ties on the score are kept, the rating breaks them) are ordered
with their ratings. What it returns is unchanged (compared with 0028's for
60 mentees of a seeded programme of 10k mentors).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0028 = migration("2026_12_09_0028_search_terms_once.py")

_EVERY_FOUND = """
        SELECT s.user_id, s.score
          FROM scored s
          LEFT JOIN public.ratings r ON r.mentor_id = s.user_id
         WHERE s.user_id IS DISTINCT FROM p_exclude_user_id
         ORDER BY"""
_THOSE_THAT_CAN_BE_SHOWN = """
        , reaching AS (
            SELECT s.user_id, s.score, s.display_name, s.offers_time
              FROM scored s
             WHERE s.user_id IS DISTINCT FROM p_exclude_user_id
             ORDER BY s.score DESC
             FETCH FIRST (page_offset + page_limit) ROWS WITH TIES
        )
        SELECT s.user_id, s.score
          FROM reaching s
          LEFT JOIN public.ratings r ON r.mentor_id = s.user_id
         ORDER BY"""


def search_function() -> str:
    text = _0028.search_function()
    assert text.count(_EVERY_FOUND) == 1, "0028's function is not the one this migration edits"
    return text.replace(_EVERY_FOUND, _THOSE_THAT_CAN_BE_SHOWN)


def upgrade() -> None:
    op.execute(search_function())


def downgrade() -> None:
    op.execute(_0028.search_function())
