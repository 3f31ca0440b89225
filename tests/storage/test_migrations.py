"""The migrations are the schema: they go up, down and up again from empty, and
the typed models describe exactly what they build."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

from bot.standin.clock import FakeClock
from migrations.earlier import VERSIONS, migration
from storage.base import APP_ROLE
from storage.engine import sqlalchemy_url
from storage.migrate import downgrade, upgrade
from storage.models import Base
from tests import pg
from tests.dates import MONDAY


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


def _index_shapes_in_the_models() -> dict[str, tuple[tuple[str, ...], bool]]:
    shapes = {}
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            options = index.dialect_options["postgresql"]
            included = tuple(str(column) for column in options["include"] or ())
            shapes[str(index.name)] = (included, options["where"] is not None)
    return shapes


def test_the_models_indexes_include_and_filter_as_the_migrations_do(database_url: str) -> None:
    # compare_metadata compares an index's key columns only: not what it
    # INCLUDEs (0037), nor whether it is partial.
    modelled = _index_shapes_in_the_models()
    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT i.relname, array(SELECT a.attname FROM unnest(x.indkey::int2[])"
                    " WITH ORDINALITY AS k(attnum, place) JOIN pg_attribute a"
                    " ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
                    " WHERE k.place > x.indnkeyatts ORDER BY k.place),"
                    " x.indpred IS NOT NULL"
                    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                    " WHERE i.relname = ANY(:names)"
                ),
                {"names": list(modelled)},
            ).all()
    finally:
        engine.dispose()
    migrated = {name: (tuple(included), partial) for name, included, partial in rows}
    assert migrated == modelled


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


def _readme_logins_sql() -> list[str]:
    """The statements of the README's "Two logins" SQL block."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("**Two logins, neither a superuser**") :]
    start = section.index("```sql") + len("```sql")
    block = section[start : section.index("```", start)]
    lines = [line.strip() for line in block.strip().splitlines()]
    return [statement for statement in " ".join(lines).split(";") if statement.strip()]


def test_the_readme_logins_migrate_and_run_the_bot_owning_and_bypassing_nothing(
    server_url: str,
) -> None:
    import psycopg
    from psycopg import errors

    from domain.model import Actor
    from domain.profiles import MenteeSignup, identify, register_mentee
    from storage.engine import make_engine, make_session_factory
    from storage.uow import SqlUnitOfWork

    suffix = pg.fresh_name("")
    owner, bot, database = (
        f"mentorbot_owner{suffix}",
        f"mentorbot_bot{suffix}",
        f"mentorbot{suffix}",
    )
    with psycopg.connect(server_url, autocommit=True) as admin:
        app_role_exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
        skip_app_role = app_role_exists.fetchone() is not None  # roles are cluster-wide
        for statement in _readme_logins_sql():
            if skip_app_role and statement.startswith(f"CREATE ROLE {APP_ROLE} "):
                continue
            renamed = (
                statement.replace("mentorbot_owner", owner)
                .replace("mentorbot_bot", bot)
                .replace("DATABASE mentorbot ", f"DATABASE {database} ")
            )
            admin.execute(renamed.encode())
    as_owner = make_url(pg.with_database(server_url, database)).set(username=owner, password=None)
    as_bot = as_owner.set(username=bot)
    try:
        upgrade(as_owner.render_as_string(hide_password=False))
        engine = make_engine(as_bot.render_as_string(hide_password=False))
        try:
            actor = Actor.member("T1", "UBEN")
            clock = FakeClock(MONDAY)
            identify(SqlUnitOfWork(make_session_factory(engine), actor), clock, display_name="Ben")
            ben = register_mentee(
                SqlUnitOfWork(make_session_factory(engine), actor),
                clock,
                signup=MenteeSignup(department="Sales", learning_goals="python"),
            )
        finally:
            engine.dispose()
        assert ben.is_mentee
        bot_conninfo = as_bot.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(bot_conninfo, autocommit=True) as conn:
            # Without SET ROLE, and without an actor: the policies still hold.
            superuser, bypass = conn.execute(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            ).fetchone() or (None, None)
            owned = conn.execute(
                "SELECT count(*) FROM pg_class WHERE relowner ="
                " (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            ).fetchone()
            visible = conn.execute("SELECT count(*) FROM users").fetchone()
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute("ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
        assert (superuser, bypass, owned, visible) == (False, False, (0,), (0,))
    finally:
        pg.drop_database(server_url, database)
        with psycopg.connect(server_url, autocommit=True) as admin:
            for role in (bot, owner):
                admin.execute(f"DROP ROLE IF EXISTS {role}".encode())


def _migration(stem: str) -> ModuleType:
    return migration(next(VERSIONS.glob(f"*_{stem}.py")).name)


def test_two_databases_migrated_at_once_both_get_the_app_role(server_url: str) -> None:
    """The first migration makes the cluster-wide app role. While one database's
    migration holds that CREATE ROLE uncommitted, another's waits on the role
    name and must then carry on, not fail (two test runs or deploys at once)."""
    import psycopg

    role = pg.fresh_name("mentorbot_race_role")
    create = _migration("0002_row_level_security").create_role_if_missing(role)
    first = psycopg.connect(server_url)
    try:
        first.execute(create.encode())  # made, not yet committed
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(_run_autocommit, server_url, create)
            _wait_until_waiting_on_a_lock(server_url, first.info.backend_pid)
            first.commit()
            second.result(timeout=30)
    finally:
        first.close()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}".encode())


def _run_autocommit(server_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(statement.encode())


def _wait_until_waiting_on_a_lock(server_url: str, holder: int) -> None:
    import time

    import psycopg

    # Asked from a connection of its own: inside a transaction,
    # pg_stat_activity keeps the snapshot of its first read.
    with psycopg.connect(server_url, autocommit=True) as watcher:
        for _ in range(300):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder,),
            ).fetchone()
            if waiting is not None and waiting[0] > 0:
                return
            time.sleep(0.05)
    raise AssertionError("the second CREATE ROLE never waited on the first")


def test_goal_pictures_drawn_before_small_departments_were_withheld_are_forgotten(
    empty_database: str,
) -> None:
    from sqlalchemy import text

    from storage.engine import make_engine
    from tests.storage.seed import BASE_TIME, set_actor

    upgrade(empty_database, "0029")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
            for kind in ("goals", "sessions"):
                conn.execute(
                    text(
                        "INSERT INTO chart_files (workspace_id, period_days, kind, file_id,"
                        " figures_key, title, alt_text, computed_at, uploaded_at)"
                        " VALUES ('T1', 30, :kind, :file, 'k', 't', 'Data: 2 of 4', :at, :at)"
                    ),
                    {"kind": kind, "file": f"F{kind}", "at": BASE_TIME},
                )
        upgrade(empty_database)
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            kept = conn.scalars(text("SELECT kind FROM chart_files")).all()
    finally:
        engine.dispose()

    # The next charts run draws the goals again from the snapshot as it is now.
    assert kept == ["sessions"]
