"""Where the tests find PostgreSQL, and throwaway databases on it.

Order: TEST_DATABASE_URL, else the local server on 127.0.0.1:5432, else an
embedded PostgreSQL in a temporary folder. Each test module gets a database of
its own, cloned from a template migrated once per run.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import URL, make_url

from storage.base import APP_ROLE

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

# Run by a superuser, these make auto_explain send the plan of every statement,
# those inside functions too, to the client as notices (for a role set after).
EXPLAIN_EVERYTHING = (
    "LOAD 'auto_explain'",
    "SET auto_explain.log_min_duration = 0",
    "SET auto_explain.log_nested_statements = on",
    "SET auto_explain.log_level = 'notice'",
)

_counter = itertools.count()


def server_url(scratch: Path) -> str:
    """A URL of a maintenance database on a server we may create databases on."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    try:
        with psycopg.connect(LOCAL_SERVER, connect_timeout=2):
            return LOCAL_SERVER
    except psycopg.OperationalError:
        from storage.embedded import start_embedded

        return start_embedded(scratch, database="postgres")


def with_database(url: str, name: str) -> str:
    """The same server, another database, as a URL both psycopg and SQLAlchemy read."""
    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    host = params.pop("host", "")
    socket_dir = host if host.startswith("/") else None
    return URL.create(
        "postgresql",
        username=params.get("user"),
        password=params.get("password") or None,
        host=None if socket_dir else host or None,
        port=int(params["port"]) if "port" in params and not socket_dir else None,
        database=name,
        query={"host": socket_dir} if socket_dir else {},
    ).render_as_string(hide_password=False)


def fresh_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


def create_database(server: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
    return with_database(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def owned_by_a_non_superuser(server: str) -> Iterator[str]:
    """A new database owned by a new login role that is no superuser but may
    grant the app role, as managed PostgreSQL hands out: its URL as the owner.
    Both are dropped afterwards."""
    owner = fresh_name("mentorbot_owner")
    name = fresh_name("mentorbot_owned")
    with psycopg.connect(server, autocommit=True) as conn:
        role_exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        if role_exists is None:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(APP_ROLE)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(owner)))
        conn.execute(
            sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(
                sql.Identifier(APP_ROLE), sql.Identifier(owner)
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )
    url = make_url(with_database(server, name)).set(username=owner, password=None)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(server, name)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(owner)))
