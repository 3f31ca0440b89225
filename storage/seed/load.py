"""`seed()`: the organisation written by COPY in one transaction; then the
sessions vacuumed, every table analysed and the seeded workspace's dashboard
snapshots computed (its earlier ones are removed in the transaction)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import sql

from domain.analytics import refresh_workspace
from domain.model import Actor
from storage.engine import make_engine, make_session_factory
from storage.seed.columns import (
    AVAILABILITY_COLUMNS,
    EXCEPTION_COLUMNS,
    FEEDBACK_COLUMNS,
    HISTORY_COLUMNS,
    NOTIFICATION_COLUMNS,
    SESSION_COLUMNS,
    USER_COLUMNS,
)
from storage.seed.people import Organisation
from storage.seed.plan import SessionPlan
from storage.seed.rows import SessionRows
from storage.uow import SqlUnitOfWork

CHUNK_ROWS = 20_000  # rows per COPY write
# Kept by these per row (migrations 0002 and 0009); the seed fills both at once.
FEEDBACK_TRIGGERS = ("feedback_maintains_rating", "feedback_keeps_session_rating")

# Loaded with their foreign keys checked once at the end (the big ones).
BULK_TABLES = ("sessions", "session_history", "feedback", "notifications")
COUNTED_TABLES = (
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "feedback",
    "ratings",
    "notifications",
)


@dataclass(frozen=True)
class SeedReport:
    """What `seed` wrote: rows per table, and how long it took."""

    workspace_id: str
    counts: dict[str, int]
    seconds: float
    # Seconds per phase (generation and COPY overlap, so these are wall-clock).
    phases: dict[str, float] = field(default_factory=dict)


def seed(
    database_url: str,
    *,
    users: int,
    mentors: int,
    sessions: int,
    seed: int,
    workspace_id: str = "T1",
    now: datetime,
) -> SeedReport:
    """Fill `workspace_id` (which must have no people yet) with a generated
    organisation; see the package's docstring."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if users < 1 or not 0 <= mentors <= users or sessions < 0:
        raise ValueError("need users >= 1, 0 <= mentors <= users and sessions >= 0")
    if sessions and not mentors:
        raise ValueError("sessions need at least one mentor")
    started = time.perf_counter()
    org = Organisation(random.Random(seed), users, mentors, int(now.timestamp()))
    phases: dict[str, float] = {}
    with psycopg.connect(_conninfo(database_url)) as conn:
        _prepare(conn, workspace_id, now)
        forced = _lift_forced_rls(conn)
        user_base = _max_id(conn, "users")
        session_base = _max_id(conn, "sessions")
        org.assign_ids(user_base)

        def phase(name: str, run: Callable[[], None]) -> None:
            began = time.perf_counter()
            run()
            phases[name] = round(time.perf_counter() - began, 2)

        w = workspace_id
        plan = SessionPlan(org, sessions, session_base)
        # First: the weekly caps written with the people depend on the plan.
        phase("plan", plan.build)
        rows = SessionRows(plan)
        phase("users", lambda: _copy(conn, "users", USER_COLUMNS, org.user_rows(w)))
        phase(
            "availability",
            lambda: _copy(conn, "availability", AVAILABILITY_COLUMNS, org.availability_rows(w)),
        )
        phase(
            "availability_exceptions",
            lambda: _copy(
                conn, "availability_exceptions", EXCEPTION_COLUMNS, rows.exception_rows(w)
            ),
        )
        with _foreign_keys_checked_after(conn, BULK_TABLES):
            phase(
                "sessions",
                lambda: _copy(conn, "sessions", SESSION_COLUMNS, rows.session_rows(w)),
            )
            phase(
                "session_history",
                lambda: _copy(conn, "session_history", HISTORY_COLUMNS, rows.history_rows(w)),
            )
            phase("feedback", lambda: _copy_feedback(conn, rows.feedback_rows(w), w))
            phase(
                "notifications",
                lambda: _copy(
                    conn, "notifications", NOTIFICATION_COLUMNS, rows.notification_rows(w)
                ),
            )
            began = time.perf_counter()
        phases["foreign_keys"] = round(time.perf_counter() - began, 2)
        # The ids above were given explicitly: move the identities past them.
        for table in ("users", "sessions"):
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), max(id)) FROM {i}"
                    " HAVING max(id) IS NOT NULL"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
        for table in forced:
            conn.execute(
                sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(sql.Identifier(table))
            )
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE workspace_id = %s").format(
                    sql.Identifier(table)
                ),
                (workspace_id,),
            ).fetchone()[0]  # type: ignore[index]  # count(*) always returns one row
            for table in COUNTED_TABLES
        }
        began = time.perf_counter()
        conn.commit()
        phases["commit"] = round(time.perf_counter() - began, 2)
        conn.autocommit = True
        began = time.perf_counter()
        # The sessions' ratings were written twice (COPY, then UPDATE): vacuum
        # the dead half away before the dashboard scans it.
        conn.execute("VACUUM (ANALYZE) sessions")
        conn.execute("ANALYZE")
        phases["analyze"] = round(time.perf_counter() - began, 2)
    began = time.perf_counter()
    refresh_analytics(database_url, workspace_id, now)
    phases["analytics"] = round(time.perf_counter() - began, 2)
    return SeedReport(workspace_id, counts, round(time.perf_counter() - started, 2), phases)


class _At:
    """The seed's `now`, as the clock the dashboard's snapshots are computed at."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def refresh_analytics(database_url: str, workspace_id: str, now: datetime) -> int:
    """The seeded workspace's dashboard snapshots, as the `analytics` job makes
    them, so a big seeded programme is served at once."""
    engine = make_engine(database_url, pool_size=1)
    try:
        sessions = make_session_factory(engine)
        return refresh_workspace(
            lambda: SqlUnitOfWork(sessions, Actor.system(workspace_id)),
            _At(now),
            workspace_id,
            timer=time.perf_counter,
        )
    finally:
        engine.dispose()


# --- connection and COPY ------------------------------------------------------


def _conninfo(url: str) -> str:
    """A libpq URL from any spelling SQLAlchemy accepts (`postgresql+psycopg://…`)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _prepare(conn: psycopg.Connection, workspace_id: str, now: datetime) -> None:
    # Scheduled jobs' actor: what the policies let through if a policy applies at all.
    conn.execute("SELECT set_config('app.role', 'system', true)")
    conn.execute("SET LOCAL synchronous_commit = off")
    conn.execute(
        "INSERT INTO workspaces (id, name, created_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (id) DO NOTHING",
        (workspace_id, "Acme Corporation", now),
    )
    taken = conn.execute(
        "SELECT count(*) FROM users WHERE workspace_id = %s", (workspace_id,)
    ).fetchone()
    if taken and taken[0]:
        raise ValueError(f"workspace {workspace_id} already has people; seed an empty one")
    # Figures of the programme before the seed would be served as if current.
    conn.execute("DELETE FROM analytics_snapshots WHERE workspace_id = %s", (workspace_id,))


def _lift_forced_rls(conn: psycopg.Connection) -> list[str]:
    """COPY FROM refuses a table whose row-level security applies to the login.
    A superuser or BYPASSRLS login passes; the owner passes once FORCE is lifted
    (inside this transaction only). Returns the tables to force again."""
    row = conn.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row and row[0]:
        return []
    forced = [
        name
        for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relforcerowsecurity"
        )
    ]
    for table in forced:
        conn.execute(
            sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(sql.Identifier(table))
        )
    return forced


@contextmanager
def _foreign_keys_checked_after(
    conn: psycopg.Connection, tables: tuple[str, ...]
) -> Iterator[None]:
    """Load `tables` with their foreign keys dropped, then add them back, which
    checks every row in one join per key. Row by row, the keys cost an index probe
    each (3.6M history rows × 3 keys: most of a large seed's time). Inside the
    seed's transaction: nobody ever sees the tables without their keys."""
    keys = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
        (list(tables),),
    ).fetchall()
    for table, name, _definition in keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    yield
    for table, name, definition in keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def _max_id(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(sql.Identifier(table))
    ).fetchone()
    return int(row[0]) if row else 0


def _copy(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[str]
) -> None:
    """COPY `rows` (each a text-format line, newline included) into `table`."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    buffer: list[str] = []
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for line in rows:
            buffer.append(line)
            if len(buffer) >= CHUNK_ROWS:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


def _copy_feedback(conn: psycopg.Connection, rows: Iterator[str], workspace_id: str) -> None:
    """Feedback without its per-row triggers, then what they keep, at once:
    each mentor's aggregate and each session's rating."""
    for trigger in FEEDBACK_TRIGGERS:
        conn.execute(
            sql.SQL("ALTER TABLE feedback DISABLE TRIGGER {}").format(sql.Identifier(trigger))
        )
    _copy(conn, "feedback", FEEDBACK_COLUMNS, rows)
    conn.execute(
        "INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
        " SELECT subject_id, workspace_id, count(*), sum(rating) FROM feedback"
        " WHERE workspace_id = %s AND subject_role = 'mentor'"
        " GROUP BY subject_id, workspace_id"
        " ON CONFLICT (mentor_id) DO UPDATE"
        " SET rating_count = ratings.rating_count + EXCLUDED.rating_count,"
        " rating_sum = ratings.rating_sum + EXCLUDED.rating_sum",
        (workspace_id,),
    )
    conn.execute(
        "UPDATE sessions s SET rating = f.rating FROM feedback f"
        " WHERE f.session_id = s.id AND f.subject_role = 'mentor'"
        " AND f.workspace_id = %s AND s.workspace_id = %s",
        (workspace_id, workspace_id),
    )
    for trigger in FEEDBACK_TRIGGERS:
        conn.execute(
            sql.SQL("ALTER TABLE feedback ENABLE TRIGGER {}").format(sql.Identifier(trigger))
        )
