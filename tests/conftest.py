"""Shared fixtures: a PostgreSQL server, a migrated database per test module,
engines as the owner and as the application role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import make_engine, make_session_factory
from storage.migrate import upgrade
from tests import pg, pgbouncer
from tests.shifted import SHIFT_VARIABLE

# `TEST_PGBOUNCER=1` does what `--through-pgbouncer` does.
PGBOUNCER_VARIABLE = "TEST_PGBOUNCER"
# Server connections per database in front of which the whole suite runs:
# few, so that transactions of different people and tests share them.
SUITE_PGBOUNCER_POOL = 4


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shift-days",
        type=float,
        default=0.0,
        help="run the whole suite with this process's clock moved by N days (time-machine);"
        " the database server keeps real time, so a timestamp it writes and the app"
        " compares with its own clock fails the run",
    )
    parser.addoption(
        "--through-pgbouncer",
        action="store_true",
        default=os.environ.get(PGBOUNCER_VARIABLE, "") not in ("", "0"),
        help="the application's connections (every app-role engine, the bots the tests"
        " build, the processes they start) go through a PgBouncer in transaction pooling"
        f" mode that the session starts; migrations and the owner's engine stay direct"
        f" (also: {PGBOUNCER_VARIABLE}=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--through-pgbouncer") and (reason := pgbouncer.unavailable()):
        raise pytest.UsageError(f"--through-pgbouncer: {reason}")
    days = config.getoption("--shift-days")
    if not days:
        return
    import time_machine

    # Started before collection, so module-level anchors (tests/dates.py) are
    # built from the moved clock too; ticking, so timeouts and waits still pass.
    traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)
    os.environ[SHIFT_VARIABLE] = repr(days)  # for the processes the tests start
    config.add_cleanup(lambda: os.environ.pop(SHIFT_VARIABLE, None))


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    days = config.getoption("--shift-days")
    if days:
        now = datetime.now(UTC)
        lines.append(f"clock shifted by {days:+g} days: it is {now:%Y-%m-%d %H:%M} UTC")
    if config.getoption("--through-pgbouncer"):
        lines.append(
            f"the application connects through {pgbouncer.version()}, transaction pooling,"
            f" {SUITE_PGBOUNCER_POOL} server connections per database"
        )
    return lines


# Every table the migrations make, emptied and its ids restarted, as
# `TRUNCATE … RESTART IDENTITY CASCADE` would, but in a twentieth of the time
# (5 against 110 ms on an idle 2-core machine; TRUNCATE makes new files for every
# table and index, and the suite empties the tables after ~1,500 tests). With
# the session in replica mode no trigger runs, foreign keys included, so no
# row is rewritten on its way out. A login role that is no superuser may not
# do that: it truncates.
_EMPTY_TABLES = """
DO $$
DECLARE
    tables text := (
        SELECT string_agg(format('%I.%I', schemaname, tablename), ', ')
        FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    );
    one text;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
        RETURN;
    END IF;
    SET LOCAL session_replication_role = replica;
    FOREACH one IN ARRAY string_to_array(tables, ', ') LOOP
        EXECUTE 'DELETE FROM ' || one;
    END LOOP;
    PERFORM setval(format('%I.%I', schemaname, sequencename), start_value, false)
    FROM pg_sequences WHERE schemaname = 'public';
END $$
"""


def empty_tables(owner_engine: Engine) -> None:
    with owner_engine.begin() as conn:
        conn.execute(text(_EMPTY_TABLES))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return pg.server_url(tmp_path_factory.mktemp("embedded-postgres"))


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    name = pg.fresh_name("mentorbot_template")
    upgrade(pg.create_database(server_url, name))
    yield name
    pg.drop_database(server_url, name)


@pytest.fixture(scope="module")
def database_url(server_url: str, template_database: str) -> Iterator[str]:
    """A migrated database of this test module's own."""
    name = pg.fresh_name("mentorbot_test")
    url = pg.create_database(server_url, name, template=template_database)
    yield url
    pg.drop_database(server_url, name)


@pytest.fixture(scope="session")
def suite_pgbouncer(
    request: pytest.FixtureRequest, server_url: str
) -> Iterator[pgbouncer.PgBouncer | None]:
    """The PgBouncer the application's connections go through, under
    `--through-pgbouncer`; else None."""
    if not request.config.getoption("--through-pgbouncer"):
        yield None
        return
    with pgbouncer.running(server_url, pool_size=SUITE_PGBOUNCER_POOL) as bouncer:
        yield bouncer


@pytest.fixture(scope="module")
def app_database_url(database_url: str, suite_pgbouncer: pgbouncer.PgBouncer | None) -> str:
    """This module's database as the application reaches it: through the
    suite's PgBouncer under `--through-pgbouncer`, else directly. Migrations
    and the owner's engine use `database_url`."""
    return database_url if suite_pgbouncer is None else suite_pgbouncer.url(database_url)


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    name = pg.fresh_name("mentorbot_empty")
    url = pg.create_database(server_url, name)
    yield url
    pg.drop_database(server_url, name)


@pytest.fixture(scope="module")
def owner_engine(database_url: str) -> Iterator[Engine]:
    """Connects as the login role that ran the migrations (no SET ROLE)."""
    engine = make_engine(database_url, as_app_role=False)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_engine(app_database_url: str) -> Iterator[Engine]:
    engine = make_engine(app_database_url, pool_size=25)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def session_factory(app_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(app_engine)


@pytest.fixture
def clean_tables(owner_engine: Engine) -> Iterator[None]:
    """Empty every data table after the test (tests here commit for real)."""
    yield
    empty_tables(owner_engine)
