"""A session of a series knows its place in it ("2 of 6"), held by the database.

- `sessions.series_place`: 1 for the series' first session, up to its `times`,
  in the order they were booked; set by `guard_series_occurrence` as the
  session is written (the application never writes or changes it), NULL for
  a session booked on its own. Unique within a series; a session has a place
  exactly when it has a series. A session moved or cancelled keeps its place,
  so "2 of 6" names the same session in every message about it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-09 00:23:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.earlier import migration, replacing

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0021 = migration("2026_12_08_0021_session_series.py")
_FUNCTION_END = "\n$$;"
_LAST_RETURN = "    RETURN NEW;\nEND\n$$;"


def _guard(place: str) -> str:
    """`guard_series_occurrence` as 0021 made it (without its trigger), setting
    the place when `place` says so."""
    made = str(_0021.GUARD_SERIES_OCCURRENCE)
    function = replacing(made[: made.index(_FUNCTION_END) + len(_FUNCTION_END)])
    assert function.endswith(_LAST_RETURN), "0021's guard is not the one this migration edits"
    return function.replace(_LAST_RETURN, f"    {place}\n{_LAST_RETURN}") if place else function


def upgrade() -> None:
    op.add_column("sessions", sa.Column("series_place", sa.SmallInteger(), nullable=True))
    op.execute(
        "UPDATE sessions SET series_place = numbered.place FROM ("
        " SELECT id, row_number() OVER (PARTITION BY series_id ORDER BY id) AS place"
        " FROM sessions WHERE series_id IS NOT NULL) AS numbered"
        " WHERE sessions.id = numbered.id"
    )
    op.create_check_constraint(
        op.f("ck_sessions_series_place_with_series"),
        "sessions",
        "(series_id IS NULL) = (series_place IS NULL) AND series_place BETWEEN 1 AND 12",
    )
    op.create_unique_constraint(
        op.f("uq_sessions_series_id_series_place"), "sessions", ["series_id", "series_place"]
    )
    # Whatever the insert says, the place is the next one: the sessions of a
    # series are written one after the other in the transaction that books it.
    op.execute(_guard("NEW.series_place := held + 1;"))


def downgrade() -> None:
    op.execute(_guard(""))
    op.drop_constraint("uq_sessions_series_id_series_place", "sessions")
    op.drop_constraint("ck_sessions_series_place_with_series", "sessions")
    op.drop_column("sessions", "series_place")
