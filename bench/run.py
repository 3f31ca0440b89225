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
in the same run. Each run starts once the bot has finished what earlier runs
left behind (a booking's DMs and Home publishes go on after its confirmation):
the figures are of one request at a time. Run it from the repository root. It prints figures;
it never fails on them.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import analytics  # noqa: E402
from bench.cast import cast  # noqa: E402
from bench.database import (  # noqa: E402
    database_size,
    drop_database,
    forget_bench_rows,
    max_session_id,
    prepare_database,
)
from bench.harness import NeverIdle, running_bot  # noqa: E402
from bench.sections import run_sections  # noqa: E402
from bench.timing import Bench  # noqa: E402
from bot.standin.clock import FakeClock  # noqa: E402


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
    clock = FakeClock(who.now)
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
    try:
        with running_bot(
            url, admins=frozenset({who.admin.slack_id}), clock=clock, people=people
        ) as bot:
            bench = Bench(args.runs, args.section_seconds, idle=bot.idle)
            print(analytics.refresh_snapshots(bot), flush=True)
            try:
                baseline = run_sections(bot, who, bench, clock)
            except NeverIdle as stuck:
                # What was measured before it is still one request at a time.
                print(f"stopped: {stuck}", flush=True)
                baseline = bench.sections[0]
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
        print(f"dropped {drop_database(url)}")


if __name__ == "__main__":
    main()
