"""How long people wait, at scale: the bot over HTTP against a seeded database.

    python bench/run.py --users 100000 --mentors 10000 --sessions 1000000 [--runs 30]
                        [--database-url URL] [--reuse] [--drop] [--seed K]

Creates a database (migrations, then `storage.seed.seed`, both in a child
process so the bot's own peak memory is measured alone), or reuses one with
`--reuse`; starts the bot in this process over real HTTP with the fake Slack of
the tests; and prints, per screen, the time until the person sees the result
(until the ack body when the result is in the ack, else until the fake Slack
received the response-URL post / views.update / views.publish) and until the
HTTP ack, as p50/p95/max over `--runs` runs after one warm-up run (shown as
"first"), each also as a multiple of a no-op baseline (`/mentor help`) measured
in the same run. Run it from the repository root. It prints figures; it never
fails on them.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from bench import analytics  # noqa: E402
from bench.harness import BenchFailure, BotUnderTest, Timed, running_bot  # noqa: E402
from bot.standin.clock import FakeClock  # noqa: E402
from bot.standin.payloads import select  # noqa: E402
from domain.lookups import booking_options  # noqa: E402
from domain.model import Actor  # noqa: E402
from handlers.ids import Action, Field  # noqa: E402
from handlers.metadata import MentorRef, PeriodRef  # noqa: E402
from storage.engine import make_session_factory  # noqa: E402
from storage.seed import reference_now  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests import pg  # noqa: E402

WORKSPACE = "T1"  # the fake Slack payloads' team
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


# --- the database -----------------------------------------------------------


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


# --- who and what -------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    slack_id: str
    name: str
    zone: str


@dataclass(frozen=True)
class Cast:
    busy_mentor: Person
    busy_mentor_active: int  # their requested/scheduled sessions in the next 14 days
    mentee: Person
    admin: Person
    booking_mentors: list[Person]
    booking_mentees: list[Person]
    searches: list[tuple[str, str]]  # (label, query)


def _people(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> list[Person]:
    return [Person(*row[:4]) for row in conn.execute(query, params)]  # type: ignore[arg-type]


def cast(url: str, runs: int) -> Cast:
    now = reference_now()
    params: dict[str, Any] = {"w": WORKSPACE, "now": now, "n": runs + 1}
    person = "u.id, u.slack_user_id, u.display_name, u.time_zone"
    by_future_load = (
        f"SELECT {person}, count(s.id) FROM users u JOIN sessions s ON s.mentor_id = u.id"
        " WHERE u.workspace_id = %(w)s AND u.is_active AND u.is_mentor {extra}"
        " AND s.status IN ('requested', 'scheduled')"
        " AND s.starts_at >= %(now)s AND s.starts_at < %(now)s + interval '14 days'"
        " GROUP BY u.id ORDER BY count(s.id) DESC, u.id LIMIT %(n)s"
    )
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        busy_row = conn.execute(by_future_load.format(extra=""), params).fetchone()
        if busy_row is None:
            raise SystemExit("no mentor has sessions in the next two weeks: seed more sessions")
        busy = Person(*busy_row[:4])
        mentees = _people(
            conn,
            f"SELECT {person} FROM users u WHERE u.workspace_id = %(w)s AND u.is_active"
            " AND u.is_mentee AND NOT u.is_mentor ORDER BY u.id LIMIT %(n)s + 1",
            params,
        )
        admin = (
            _people(
                conn,
                f"SELECT {person} FROM users u WHERE u.workspace_id = %(w)s AND u.is_active"
                " AND NOT u.is_mentee AND NOT u.is_mentor ORDER BY u.id LIMIT 1",
                params,
            )
            or mentees[-1:]
        )
        # Uncapped, so that a week's cap never refuses the benchmark's bookings.
        booking_mentors = _people(
            conn, by_future_load.format(extra="AND u.max_sessions_per_week IS NULL"), params
        )
        long_name = conn.execute(
            "SELECT split_part(display_name, ' ', 2) FROM users WHERE workspace_id = %(w)s"
            " AND is_mentor AND is_active AND display_name ~ '^[A-Za-z]+ [A-Za-z]{7,}$'"
            " ORDER BY id LIMIT 1",
            params,
        ).fetchone()
    first_name = busy.name.split()[0]
    surname = str(long_name[0]) if long_name else "Nakamura"
    # One wrong letter inside the word: "Nakamura" -> "Nakamora".
    wrong = "o" if surname[-3] != "o" else "e"
    misspelled = surname[:-3] + wrong + surname[-2:]
    return Cast(
        busy_mentor=busy,
        busy_mentor_active=int(busy_row[4]),
        mentee=mentees[0],
        admin=admin[0],
        booking_mentors=booking_mentors,
        booking_mentees=mentees[1:],
        searches=[
            ("name prefix", first_name[:3].lower()),
            ("misspelled name", misspelled.lower()),
            ("department", "engineering"),
            ("expertise", "kubernetes"),
            ("two words", "python leadership"),
        ],
    )


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


# --- measuring ------------------------------------------------------------------


@dataclass
class Section:
    name: str
    seen: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    first: float | None = None
    note: str = ""
    failures: int = 0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Bench:
    def __init__(self, runs: int, budget_s: float) -> None:
        self.runs = runs
        self.budget_s = budget_s
        self.sections: list[Section] = []

    def measure(
        self, name: str, once: Callable[[int], Timed | None], *, note: Callable[[Timed], str]
    ) -> Section:
        """One warm-up run, then up to `runs` runs within the time budget."""
        section = Section(name)
        self.sections.append(section)
        began = time.perf_counter()
        for run in range(self.runs + 1):
            try:
                timed = once(run)
            except BenchFailure as failure:
                section.failures += 1
                section.note = f"FAILED: {str(failure)[:60]}"
                if section.failures >= 3:
                    break
                continue
            if timed is None:
                continue
            if run == 0:
                section.first = timed.seen
                section.note = section.note or note(timed)
            else:
                section.seen.append(timed.seen)
                if timed.ack is not None:
                    section.ack.append(timed.ack)
            if time.perf_counter() - began > self.budget_s:
                section.note += f" (stopped after {len(section.seen)} runs: time budget)"
                break
        print(f"  {name}: {_summary(section)}", flush=True)
        return section

    def table(self, baseline: Section) -> str:
        base = [_percentile(baseline.seen, p) for p in (0.5, 0.95)] + [max(baseline.seen)]
        w = max(len(s.name) for s in self.sections)
        header = (
            f"{'':{w}} {'seen by the person (ms)':>30}   {'× baseline':>17}   "
            f"{'HTTP ack (ms)':>20}\n"
            f"{'section':{w}} {'n':>3} {'first':>7} {'p50':>6} {'p95':>6} {'max':>6}   "
            f"{'p50':>5} {'p95':>5} {'max':>5}   {'p50':>6} {'p95':>6} {'max':>6}  result"
        )
        lines = [header, "-" * len(header.splitlines()[1])]
        for s in self.sections:
            if not s.seen:
                lines.append(f"{s.name:{w}} {0:>3}  {s.note}")
                continue
            seen = [_percentile(s.seen, 0.5), _percentile(s.seen, 0.95), max(s.seen)]
            ratio = [v / b if b else float("nan") for v, b in zip(seen, base, strict=True)]
            acks = [_percentile(s.ack, 0.5), _percentile(s.ack, 0.95), max(s.ack)] if s.ack else []
            ack_text = (
                " ".join(f"{v * 1000:>6.1f}" for v in acks)
                if s.ack and s.ack != s.seen
                else f"{'(= seen)':>20}"
                if s.ack
                else f"{'-':>20}"
            )
            first = f"{s.first * 1000:>7.1f}" if s.first is not None else f"{'-':>7}"
            lines.append(
                f"{s.name:{w}} {len(s.seen):>3} {first} "
                + " ".join(f"{v * 1000:>6.1f}" for v in seen)
                + "   "
                + " ".join(f"{r:>5.1f}" for r in ratio)
                + f"   {ack_text}  {s.note}"
                + (f" [{s.failures} failed]" if s.failures else "")
            )
        return "\n".join(lines)


def _summary(s: Section) -> str:
    if not s.seen:
        return s.note or "no runs"
    return (
        f"p50 {_percentile(s.seen, 0.5) * 1000:.1f} ms, max {max(s.seen) * 1000:.1f} ms"
        f" ({len(s.seen)} runs) {s.note}"
    )


def _first_line(timed: Timed) -> str:
    if timed.call is None:
        return ""
    text = str(timed.call.params.get("text") or "").splitlines()
    return (text[0] if text else "")[:60]


def _slot_options(view: dict[str, Any]) -> list[str]:
    for block in view.get("blocks", []):
        if block.get("block_id") == Field.SLOT:
            element = block.get("element") or {}
            return [
                option["value"]
                for group in element.get("option_groups") or []
                for option in group.get("options") or []
            ]
    return []


def run_sections(bot: BotUnderTest, who: Cast, bench: Bench, clock: FakeClock) -> Section:
    """Every measured screen; returns the baseline."""
    admin, mentee, busy = who.admin, who.mentee, who.busy_mentor

    def timed_call(run: Callable[[], Any], describe: Callable[[Any], str]) -> Timed:
        began = time.perf_counter()
        result = run()
        took = time.perf_counter() - began
        return Timed(began, None, took, detail=describe(result))

    baseline = bench.measure(
        "baseline: /mentor help", lambda _: bot.command(mentee.slack_id, "help"), note=_first_line
    )
    bench.measure(
        "/mentor stats (30 days)", lambda _: bot.command(admin.slack_id, "stats"), note=_first_line
    )
    for label, days in (("7 days", 7), ("30 days", 30), ("90 days", 90), ("all time", None)):
        value = PeriodRef(days=days).encode()
        bench.measure(
            f"stats period select: {label}",
            lambda _, value=value: bot.select_period(admin.slack_id, value, Action.STATS_PERIOD),
            note=_first_line,
        )
    bench.measure(
        "export per-mentor CSV, all time → file in DM",
        lambda _: analytics.export_csv(bot, admin.slack_id, None),
        note=lambda timed: str(timed.call.params.get("initial_comment") if timed.call else "")[:60],
    )
    for label, query in who.searches:
        bench.measure(
            f"/mentor find {query!r} ({label})",
            lambda _, query=query: bot.command(mentee.slack_id, f"find {query}"),
            note=_first_line,
        )
    sessions = make_session_factory(bot.bot.engine)
    bench.measure(
        f"free slots 14 d, busy mentor (domain, {who.busy_mentor_active} booked)",
        lambda _: timed_call(
            lambda: booking_options(
                SqlUnitOfWork(sessions, Actor.member(WORKSPACE, mentee.slack_id)),
                clock,
                mentor_id=busy.id,
            ),
            lambda result: f"{len(result[1])} free slots",
        ),
        note=lambda timed: timed.detail,
    )
    bench.measure(
        "Book button → views.update (busy mentor)",
        lambda _: bot.open_modal(
            mentee.slack_id, Action.BOOK, MentorRef(mentor_id=busy.id).encode()
        ),
        note=lambda timed: (
            f"{len(_slot_options(timed.call.view() if timed.call else {}))} times offered"
        ),
    )
    confirmations: list[float] = []

    def book(run: int) -> Timed | None:
        if run >= min(len(who.booking_mentors), len(who.booking_mentees)):
            return None
        mentor, booker = who.booking_mentors[run], who.booking_mentees[run]
        opened = bot.open_modal(
            booker.slack_id, Action.BOOK, MentorRef(mentor_id=mentor.id).encode()
        )
        view = opened.call.view() if opened.call else {}
        options = _slot_options(view)
        if not options:
            raise BenchFailure(f"{mentor.name} has no free time for {booker.name}")
        timed, confirmed = bot.submit(
            booker.slack_id, view, {Field.SLOT: select(options[0])}, done_text="Request sent"
        )
        if run:
            confirmations.append(confirmed)
        return timed

    bench.measure(
        "booking: submit the slot → ack", book, note=lambda _: "modal closes with the ack"
    )
    if confirmations:
        bench.sections.append(
            Section(
                "booking: … → confirmation DM",
                seen=confirmations,
                note="after the notices and Home refresh",
            )
        )
    bench.measure(
        "App Home: busy mentor → views.publish",
        lambda _: bot.home_opened(busy.slack_id),
        note=lambda _: busy.name,
    )
    bench.measure(
        "App Home: admin → views.publish",
        lambda _: bot.home_opened(admin.slack_id),
        note=lambda _: f"{admin.name} (admin)",
    )
    return baseline


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--section-seconds",
        type=float,
        default=300.0,
        help="stop a section early once it has taken this long",
    )
    parser.add_argument("--database-url", help="the database to create or reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse a seeded database")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    url, seeded = prepare_database(args)
    if seeded:
        print(
            f"seeded in {seeded['seed_s']} s (migrations {seeded['migrate_s']} s):"
            f" {seeded['counts']}\n  phases: {seeded['phases']}"
        )
    print(f"database: {database_size(url)}")
    who = cast(url, args.runs)
    print(
        f"busy mentor: {who.busy_mentor.name} ({who.busy_mentor.zone},"
        f" {who.busy_mentor_active} requested/scheduled in the next 14 days);"
        f" mentee: {who.mentee.name}; admin: {who.admin.name}"
    )
    before_bookings = max_session_id(url)
    rss_before = _rss_mb()
    clock = FakeClock(reference_now())
    people = [
        (p.slack_id, p.name, p.zone)
        for p in (
            who.busy_mentor,
            who.mentee,
            who.admin,
            *who.booking_mentors,
            *who.booking_mentees,
        )
    ]
    bench = Bench(args.runs, args.section_seconds)
    try:
        with running_bot(
            url, admins=frozenset({who.admin.slack_id}), clock=clock, people=people
        ) as bot:
            print(analytics.refresh_snapshots(bot), flush=True)
            baseline = run_sections(bot, who, bench, clock)
    finally:
        forget_bench_rows(url, before_bookings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(
        f"{args.users} users / {args.mentors} mentors / {args.sessions} sessions;"
        f" {args.runs} runs per section after one warm-up ('first')"
    )
    print(bench.table(baseline))
    print(
        f"\nbot process peak RSS: {peak:.0f} MB (RSS {rss_before:.0f} MB before the bot"
        " started; seeding ran in a child process)"
    )
    if args.drop:
        server, name = _server_and_name(url)
        pg.drop_database(server, name)
        print(f"dropped {name}")


if __name__ == "__main__":
    main()
