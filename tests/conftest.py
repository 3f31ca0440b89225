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
from tests import pg
from tests.shifted import SHIFT_VARIABLE


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shift-days",
        type=float,
        default=0.0,
        help="run the whole suite with this process's clock moved by N days (time-machine);"
        " the database server keeps real time, so a timestamp it writes and the app"
        " compares with its own clock fails the run",
    )


def pytest_configure(config: pytest.Config) -> None:
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


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("--shift-days")
    return (
        f"clock shifted by {days:+g} days: it is {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        if days
        else None
    )


DATA_TABLES = (
    "workspaces",
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "session_busy",
    "feedback",
    "notifications",
    "ratings",
    "processed_events",
    "digests",
    "analytics_snapshots",
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
def app_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=25)
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
