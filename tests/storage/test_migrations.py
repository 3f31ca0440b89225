"""The migrations are the schema: they go up, down and up again from empty, and
the typed models describe exactly what they build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from storage.engine import sqlalchemy_url
from storage.migrate import downgrade, upgrade
from storage.models import Base


def _tables(url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_from_an_empty_database(empty_database: str) -> None:
    upgrade(empty_database)
    assert set(Base.metadata.tables) <= _tables(empty_database)

    downgrade(empty_database)
    assert _tables(empty_database) == {"alembic_version"}

    upgrade(empty_database)
    assert set(Base.metadata.tables) <= _tables(empty_database)


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrading_an_up_to_date_database_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    assert set(Base.metadata.tables) <= _tables(database_url)
