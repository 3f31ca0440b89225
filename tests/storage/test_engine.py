"""The application's engine: every transaction runs as the application role
and ends with it, nothing is set per connection, no statement is prepared on the
server, and a connection the server closed does not fail the next request."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from domain.model import Actor
from storage.base import APP_ROLE
from storage.engine import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
from tests.storage.seed import set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def one_connection(app_database_url: str) -> Iterator[Engine]:
    """An application engine that pools a single connection."""
    engine = make_engine(app_database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def workspace(app_engine: Engine) -> str:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
    return "T1"


def _login_role(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


def test_every_transaction_runs_as_the_application_role_and_leaves_the_connection_as_it_was(
    one_connection: Engine, database_url: str
) -> None:
    with one_connection.connect() as conn:
        inside = conn.execute(text("SELECT current_user, current_setting('timezone')")).one()
        conn.commit()
        # Between transactions the pooled connection is as it was opened: a
        # pooler may hand it to anyone, and nothing of ours goes with it.
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        between = driver.execute("SELECT current_user").fetchone()
        driver.rollback()
        again = conn.execute(text("SELECT current_user")).scalar_one()
    assert tuple(inside) == (APP_ROLE, "UTC")
    assert between == (_login_role(database_url),)
    assert again == APP_ROLE


def test_the_application_prepares_no_statement_on_the_server(one_connection: Engine) -> None:
    """Under transaction pooling the next execution may reach another server
    connection, where a statement psycopg prepared does not exist."""
    with one_connection.connect() as conn:
        for _ in range(10):  # psycopg prepares after 5 executions by default
            conn.execute(text("SELECT count(*) FROM workspaces")).scalar_one()
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    assert prepared == 0


def test_a_consistent_read_sets_its_isolation_for_its_own_transaction_only(
    one_connection: Engine, workspace: str
) -> None:
    factory = make_session_factory(one_connection)
    actor = Actor.system("T1")
    show = text("SELECT current_setting('transaction_isolation'), current_setting('app.role')")
    with SqlUnitOfWork(factory, actor).consistent(read_only=True) as uow:
        consistent = tuple(uow.session.execute(show).one())
        read_only = uow.session.execute(text("SHOW transaction_read_only")).scalar_one()
    with SqlUnitOfWork(factory, actor) as uow:
        plain = tuple(uow.session.execute(show).one())
    assert (consistent, read_only) == (("repeatable read", "system"), "on")
    assert plain == ("read committed", "system")


def _terminate(owner_engine: Engine, pid: int) -> None:
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            gone = conn.execute(
                text("SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = :pid)"),
                {"pid": pid},
            ).scalar_one()
            conn.rollback()
            if gone:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


def _backend(factory: sessionmaker[Session]) -> int:
    with SqlUnitOfWork(factory, Actor.member("T1", "UADA")) as uow:
        assert uow.users.by_slack_id("T1", "UADA") is None  # runs as the member
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return int(pid)


def test_a_connection_the_server_closed_does_not_fail_the_next_unit_of_work(
    one_connection: Engine, owner_engine: Engine, workspace: str
) -> None:
    """No pre-ping: the transaction's first statement finds the connection dead,
    and as nothing of the transaction has run, it is begun again on a new one."""
    factory = make_session_factory(one_connection)
    first = _backend(factory)
    _terminate(owner_engine, first)
    second = _backend(factory)  # would raise OperationalError without the retry
    assert second != first
