"""Where the tests find PostgreSQL, and throwaway databases on it.

Order: TEST_DATABASE_URL, else the local server on 127.0.0.1:5432, else an
embedded PostgreSQL in a temporary folder. Each test module gets a database of
its own, cloned from a template migrated once per run.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import URL

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

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
