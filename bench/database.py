"""The database the benchmark measures: made (migrations, then the seed, in a
child process so that the bot's own peak memory is measured alone) or reused,
and left as seeded afterwards."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests import pg

ROOT = Path(__file__).resolve().parent.parent
BENCH_PREFIX = "mentorbot_bench_"

SEED_IN_CHILD = """
import json, sys
from storage.migrate import upgrade
from storage.seed import reference_now, seed
url, users, mentors, sessions, key = sys.argv[1], *map(int, sys.argv[2:6])
began = __import__("time").perf_counter()
upgrade(url)
migrated = __import__("time").perf_counter() - began
report = seed(url, users=users, mentors=mentors, sessions=sessions, seed=key, now=reference_now())
print(json.dumps({"migrate_s": round(migrated, 2), "seed_s": report.seconds,
                  "counts": report.counts, "phases": report.phases}))
"""


def _server_and_name(url: str) -> tuple[str, str]:
    name = str(conninfo_to_dict(url).get("dbname") or "")
    if not name:
        raise SystemExit(f"--database-url needs a database name: {url}")
    return pg.with_database(url, "postgres"), name


def _exists(server: str, name: str) -> bool:
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]  # type: ignore[index]
            for table in ("users", "sessions")
        }


def prepare_database(args: argparse.Namespace) -> tuple[str, dict[str, Any] | None]:
    """The database to measure, and the seed's report when it was made now."""
    url = args.database_url or pg.with_database(
        pg.LOCAL_SERVER, f"{BENCH_PREFIX}{args.users}_{args.mentors}_{args.sessions}"
    )
    server, name = _server_and_name(url)
    if _exists(server, name):
        if args.reuse:
            found = _counts(url)
            wanted = {"users": args.users, "sessions": args.sessions}
            if found != wanted:
                raise SystemExit(f"{name} holds {found}, not {wanted}: run without --reuse")
            return url, None
        if not name.startswith(BENCH_PREFIX):
            raise SystemExit(f"{name} exists and is not a bench database: pass --reuse")
        pg.drop_database(server, name)
    pg.create_database(server, name)
    print(f"seeding {name} …", flush=True)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SEED_IN_CHILD,
            url,
            str(args.users),
            str(args.mentors),
            str(args.sessions),
            str(args.seed),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("seeding failed")
    return url, json.loads(done.stdout.strip().splitlines()[-1])


def database_size(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    return str(row[0]) if row else "?"


def forget_bench_rows(url: str, max_session_id: int) -> None:
    """Remove what the benchmark booked (history and notices go with it) and the
    event ids it sent, so that a reused database stays as seeded."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        conn.execute("DELETE FROM sessions WHERE id > %s", (max_session_id,))
        conn.execute("DELETE FROM processed_events WHERE event_id LIKE 'benchEv%'")


def max_session_id(url: str) -> int:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        row = conn.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()
    return int(row[0]) if row else 0


def drop_database(url: str) -> str:
    server, name = _server_and_name(url)
    pg.drop_database(server, name)
    return name
