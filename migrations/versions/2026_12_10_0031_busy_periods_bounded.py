"""`busy_periods()` reads only the sessions near the period asked for.

0010's function asked for the sessions with `starts_at < p_to AND ends_at >
p_from`. The index on (mentor_id, starts_at) could bound only the first, so a
call read every past session of each person to keep the few near `p_from`: at
1M sessions, 1,700 heap pages for 11 people to return 60 rows (10–18 ms, a
tenth of `/mentor match`, and part of every `/mentor find` and booking
screen). A session lasts at most 240 minutes (`ck_sessions_length_range`), so
one that ends after `p_from` starts after `p_from - 240 minutes`: saying so
lets the index bound both sides. What the function returns is unchanged.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration, replacing

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0010 = migration("2026_12_04_0010_booking_guards_and_write_policies.py")

# The longest a session may last, as `ck_sessions_length_range` (0012) holds it.
LONGEST = "interval '240 minutes'"
UNBOUNDED = "AND s.starts_at < p_to AND s.ends_at > p_from"
BOUNDED = f"AND s.starts_at < p_to AND s.starts_at > p_from - {LONGEST} AND s.ends_at > p_from"


def upgrade() -> None:
    original = _0010._busy_periods(with_role=True)
    bounded = original.replace(UNBOUNDED, BOUNDED)
    assert bounded.count(BOUNDED) == 2, "0010's busy_periods() is not as this migration knows it"
    op.execute(replacing(bounded))


def downgrade() -> None:
    op.execute(replacing(_0010._busy_periods(with_role=True)))
