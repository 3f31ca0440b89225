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


DATA_TABLES = (
    "workspaces",
    "users",
    "availability",
    "availability_exceptions",
    "session_series",
    "sessions",
    "session_history",
    "session_busy",
    "feedback",
    "goals",
    "goal_history",
    "notifications",
    "ratings",
    "processed_events",
    "digests",
    "analytics_snapshots",
    "chart_files",
    "calendar_feeds",
    "introductions",
)


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
    with owner_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
