"""Shared fixtures: a PostgreSQL server, a migrated database per test module,
engines as the owner and as the application role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import make_engine, make_session_factory
from storage.migrate import upgrade
from tests import pg

DATA_TABLES = (
    "workspaces",
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
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
