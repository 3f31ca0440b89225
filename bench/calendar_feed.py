"""Calendar feed bench: `GET /calendar/<token>.ics` over HTTP against
`mentorbot serve` (real gunicorn), for one person with many sessions in the
feed's window, beside the no-op floor `GET /healthz` measured in the same run.

    .venv/bin/python -m bench.calendar_feed [--sessions 1000] [--runs 200]
                                            [--people 2000] [--others 20000]
                                            [--workers 1] [--server-url URL]

Makes a fresh database (migrations, then `storage.seed` with `--people`
people and `--others` sessions among them, so the person's rows sit among
other people's), adds one person with `--sessions` sessions spread over the
feed's window (30 days back to 180 ahead: past ones completed, upcoming ones
scheduled, one in twenty cancelled after its invite), gives them a feed with
the domain's own `open_feed`, starts `mentorbot serve` without its background
jobs, and sends requests one at a time, each on a new connection as a
calendar app would. It prints, per kind of request, the first one's time
(for the feed: each event's iCalendar lines made, none kept yet), then
p50/p95/max over `--runs` more, and each as a multiple of the floor's. The
floor is `/healthz`, which also asks the database (`SELECT 1`). Run it from
the repository root; it prints figures and never fails on them.
"""

from __future__ import annotations

import argparse
import http.client
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.processes import Processes, cpu_model  # noqa: E402
from bot.standin.clock import FakeClock  # noqa: E402
from domain.calendar_feed import FEED_AHEAD, FEED_PAST, open_feed  # noqa: E402
from domain.model import Actor  # noqa: E402
from storage.engine import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.seed import seed  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests import pg  # noqa: E402

WORKSPACE = "T1"
PERSON = "UFEEDBENCH"
MENTORS = 20  # the person's mentors, taken in turn
# Nothing the feed does calls Slack, and the jobs that would are off: a port
# where nothing listens stands in for the Web API.
NO_SLACK = "http://127.0.0.1:9/api/"


@dataclass
class Measured:
    name: str
    first: float
    times: list[float] = field(default_factory=list)
    note: str = ""

    def percentile(self, share: float) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _add_user(
    conn: psycopg.Connection[tuple[int]], slack_id: str, name: str, *, mentor: bool, since: datetime
) -> int:
    row = conn.execute(
        "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
        " is_mentor, is_mentee, expertise, learning_goals, created_at, updated_at)"
        " VALUES (%s, %s, %s, 'Engineering', %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            WORKSPACE,
            slack_id,
            name,
            mentor,
            not mentor,
            ["python"] if mentor else [],
            [] if mentor else ["python"],
            since,
            since,
        ),
    ).fetchone()
    assert row is not None  # RETURNING gives the one row inserted
    return row[0]


def add_person(url: str, sessions: int, now: datetime) -> None:
    """The person (a mentee), their mentors, and `sessions` sessions with them
    spread evenly over the feed's window."""
    first = now - FEED_PAST + timedelta(hours=1)
    step = (FEED_AHEAD + FEED_PAST - timedelta(hours=2)) / sessions
    since = now - timedelta(days=400)
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        person = _add_user(conn, PERSON, "Fay Feedbench", mentor=False, since=since)
        mentors = [
            _add_user(conn, f"UFEEDMENTOR{n}", f"Mentor {n}", mentor=True, since=since)
            for n in range(MENTORS)
        ]
        rows = []
        for n in range(sessions):
            starts = first + n * step
            cancelled = n % 20 == 0
            status = "cancelled" if cancelled else "completed" if starts < now else "scheduled"
            rows.append(
                (
                    WORKSPACE,
                    mentors[n % MENTORS],
                    person,
                    starts,
                    starts + timedelta(minutes=45),
                    status,
                    f"Session {n}: career growth and code review",
                    1 if cancelled else 0,
                    starts - timedelta(days=14),
                    starts - timedelta(days=7),
                )
            )
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status, topic, calendar_sequence, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )


def feed_token(url: str, now: datetime) -> str:
    engine = make_engine(url)
    try:
        uow = SqlUnitOfWork(make_session_factory(engine), Actor.member(WORKSPACE, PERSON))
        token = open_feed(uow, FakeClock(now)).token
    finally:
        engine.dispose()
    assert token is not None  # a new person's first feed
    return token


@dataclass(frozen=True)
class Answer:
    seconds: float
    status: int
    headers: dict[str, str]
    body: bytes


def request(
    base: str, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Answer:
    """One request on a connection of its own, timed from connecting to the
    body's last byte."""
    host, port = base.removeprefix("http://").split(":")
    began = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return Answer(time.perf_counter() - began, response.status, dict(response.getheaders()), body)


def measure(name: str, runs: int, once: Callable[[], Answer], want: int) -> Measured:
    """The first answer apart, then `runs` more; each must have status `want`."""
    answers = [once() for _ in range(runs + 1)]
    wrong = [a.status for a in answers if a.status != want]
    if wrong:
        raise SystemExit(f"{name}: answered {wrong[0]}, not {want}")
    first, *rest = answers
    measured = Measured(name, first.seconds, [a.seconds for a in rest])
    measured.note = f"{want}, {len(first.body):,} bytes"
    print(f"  {name}: p50 {measured.percentile(0.5) * 1000:.1f} ms", flush=True)
    return measured


def table(rows: list[Measured], floor: Measured) -> str:
    base = (floor.percentile(0.5), floor.percentile(0.95))
    width = max(len(row.name) for row in rows)
    header = (
        f"{'request':{width}} {'n':>4} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}"
        f"   {'×floor p50':>10} {'×floor p95':>10}  answer"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        p50, p95 = row.percentile(0.5), row.percentile(0.95)
        lines.append(
            f"{row.name:{width}} {len(row.times):>4} {row.first * 1000:>7.1f}"
            f" {p50 * 1000:>7.1f} {p95 * 1000:>7.1f} {max(row.times) * 1000:>7.1f}"
            f"   {p50 / base[0]:>10.1f} {p95 / base[1]:>10.1f}  {row.note}"
        )
    return "\n".join(lines) + "\n(milliseconds, measured by the client, a new connection each)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000, help="the person's, in the window")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--people", type=int, default=2000, help="seeded people around them")
    parser.add_argument("--others", type=int, default=20_000, help="seeded sessions among them")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--server-url", help="a PostgreSQL server (default: local or embedded)")
    args = parser.parse_args(argv)

    server = args.server_url or pg.server_url(Path(tempfile.mkdtemp(prefix="feed-bench-")))
    name = pg.fresh_name("mentorbot_bench_feed")
    url = pg.create_database(server, name)
    try:
        began = time.perf_counter()
        upgrade(url)
        now = datetime.now(UTC)
        seed(
            url,
            users=args.people,
            mentors=max(1, args.people // 10),
            sessions=args.others,
            seed=1,
            now=now,
        )
        add_person(url, args.sessions, now)
        token = feed_token(url, now)
        print(
            f"database: {args.people} people and {args.others} sessions seeded, plus one person"
            f" with {args.sessions} sessions in the feed's window"
            f" ({time.perf_counter() - began:.0f} s)"
        )
        print(f"CPU: {cpu_model()}")
        with Processes() as processes:
            _, base = processes.serve("serve", url, NO_SLACK, workers=args.workers, scheduler=False)
            feed = f"/calendar/{token}.ics"
            floor = measure(
                "GET /healthz (floor)", args.runs, lambda: request(base, "/healthz"), 200
            )
            full = measure("GET feed", args.runs, lambda: request(base, feed), 200)
            answer = request(base, feed)
            events = answer.body.count(b"BEGIN:VEVENT")
            etag = {"If-None-Match": answer.headers["ETag"]}
            rows = [
                floor,
                full,
                measure(
                    "GET feed, If-None-Match",
                    args.runs,
                    lambda: request(base, feed, headers=etag),
                    304,
                ),
                measure("HEAD feed", args.runs, lambda: request(base, feed, "HEAD"), 200),
                measure(
                    "GET unknown token",
                    args.runs,
                    lambda: request(base, f"/calendar/{'A' * 43}.ics"),
                    404,
                ),
            ]
        full.note += f", {events} events"
        print()
        print(
            f"`mentorbot serve --workers {args.workers}` (no jobs), one request at a time,"
            f" {args.runs} runs after the first:"
        )
        print(table(rows, floor))
        target = "met" if full.percentile(0.95) < 0.1 else "NOT met"
        print(f"\ntarget p95 < 100 ms for the full feed: {target}")
    finally:
        pg.drop_database(server, name)


if __name__ == "__main__":
    main()
