"""Mentor search lets PostgreSQL keep its plans between calls.

0008 made `search_mentor_directory()` plan each of its statements at every call
(`plan_cache_mode = force_custom_plan`): its tsquery was a variable then, and a
plan cached for one set of words could only scan. Since 0028 the words are
read in the statement itself (a materialized `terms` CTE joined to the
directory), so no plan knows them in advance, custom or generic, and the
custom plans bought nothing but the planning. With PostgreSQL's default
(`auto`), the plans are kept once they are no dearer than the custom ones.

Measured on the load bench's database (1,000 people, 100 mentors), 50 calls
each, two rounds: 'python' 3.0–3.5 → 2.3–2.8 ms, 'leadership' 4.7–7.0 → 4.5–5.3
ms, 'python leadership' 6.3–8.5 → 5.3–6.8 ms; PostgreSQL's CPU per `/mentor
find` 8.0–9.0 → 6.5–6.6 ms. What
the function returns is unchanged; the directory's indexes still answer it
after the plans are kept (tests/storage/test_mentor_search.py).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-11 00:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0035 = migration("2026_12_10_0035_search_page_end_in_bigint.py")

_CUSTOM_PLANS = "    SET plan_cache_mode = force_custom_plan\n"


def search_function() -> str:
    text = _0035.search_function()
    assert text.count(_CUSTOM_PLANS) == 1, "0035's function is not the one this migration edits"
    return text.replace(_CUSTOM_PLANS, "")


def upgrade() -> None:
    op.execute(search_function())


def downgrade() -> None:
    op.execute(_0035.search_function())
