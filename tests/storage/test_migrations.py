"""The migrations are the schema: they go up, down and up again from empty, and
the typed models describe exactly what they build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from storage.engine import sqlalchemy_url
from storage.migrate import downgrade, upgrade
from storage.models import Base
from tests import pg


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


def test_a_non_superuser_owner_can_run_every_migration(server_url: str) -> None:
    """Managed PostgreSQL hands out owners that are not superusers: the history
    must not need more than owning the database and granting the app role."""
    with pg.owned_by_a_non_superuser(server_url) as as_owner:
        upgrade(as_owner)
        downgrade(as_owner)
        upgrade(as_owner)
        assert set(Base.metadata.tables) <= _tables(as_owner)
        assert _a_rating_moves_the_aggregate(as_owner) == (1, 4)


def _a_rating_moves_the_aggregate(url: str) -> tuple[int, int]:
    """A mentee's feedback written as the application role updates the mentor's
    rating through the trigger, whoever owns the tables (FORCE holds the owner)."""
    from sqlalchemy import text

    from storage.engine import make_engine
    from tests.storage.seed import BASE_TIME, add_session, add_user, set_actor

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
            mentor = add_user(conn, "T1", "UMENTOR", mentor=True)
            mentee = add_user(conn, "T1", "UMENTEE", mentee=True)
            session = add_session(
                conn,
                "T1",
                mentor,
                mentee,
                starts_at=BASE_TIME,
                status="completed",
            )
        with engine.begin() as conn:
            set_actor(conn, "T1", "UMENTEE", "member")
            conn.execute(
                text(
                    "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                    " subject_role, rating) VALUES ('T1', :s, :a, :m, 'mentor', 4)"
                ),
                {"s": session, "a": mentee, "m": mentor},
            )
            count, total = conn.execute(
                text("SELECT rating_count, rating_sum FROM ratings WHERE mentor_id = :m"),
                {"m": mentor},
            ).one()
            role = conn.execute(text("SELECT current_setting('app.role')")).scalar_one()
        assert role == "member"  # the trigger gave the caller's role back
        return count, total
    finally:
        engine.dispose()
