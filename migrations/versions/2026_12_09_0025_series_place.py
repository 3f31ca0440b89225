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

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_PATH = "pg_catalog, public, pg_temp"
REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="


def _guard(place: str) -> str:
    """`guard_series_occurrence` of migration 0021, setting the place when
    `place` says so."""
    return f"""
CREATE OR REPLACE FUNCTION guard_series_occurrence() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    series record;
    held bigint;
BEGIN
    -- Not locked: a member adds only to a series of its own transaction, which
    -- nobody else can add to before it commits.
    SELECT times, xmin = pg_current_xact_id()::xid AS made_here INTO series
      FROM public.session_series WHERE id = NEW.series_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key refuses it
    END IF;
    IF public.app_role() IS DISTINCT FROM 'system' AND NOT series.made_here THEN
        {REFUSE} 'sessions join a series in the transaction that books it';
    END IF;
    SELECT count(*) INTO held FROM public.sessions WHERE series_id = NEW.series_id;
    IF held >= series.times THEN
        {REFUSE} format('series %s already holds its %s sessions', NEW.series_id, series.times);
    END IF;
    {place}
    RETURN NEW;
END
$$;
"""


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
