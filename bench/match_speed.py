"""How long `/mentor match` takes at scale: the bot over HTTP against the big
seeded database (100k users, 10k mentors, 1M sessions by default).

    python bench/match_speed.py [--runs 60] [--database-url URL] [--users ...]

Reuses the seeded database of that size when it exists (`bench/run.py`
makes one; so does this, with `storage.seed`, in ~3 minutes) and migrates it
to this branch's head. Each run asks as another mentee (their goals differ,
so every run finds and scores its own candidates), and the time is measured
until the fake Slack received the answer, as in bench/run.py, beside a no-op
floor (`/mentor help`) measured in the same run; also the mentee's App Home
(with its "Suggested for you") and a phrase search. Prints p50/p95/max, each
as a multiple of the floor, and the machine's CPU. It never fails on figures.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.cast import WORKSPACE, Person  # noqa: E402
from bench.database import prepare_database  # noqa: E402
from bench.harness import Timed, running_bot  # noqa: E402
from bench.timing import Bench  # noqa: E402
from bot.standin.clock import FakeClock  # noqa: E402
from domain.matching import suggest_mentors  # noqa: E402
from domain.model import Actor  # noqa: E402
from storage.engine import make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402

PHRASE = "postgres query tuning"


def _mentees(url: str, count: int) -> tuple[object, list[Person]]:
    """The seed's reference instant, and `count` mentees spread over the table."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        row = conn.execute("SELECT created_at FROM workspaces WHERE id = %s", (WORKSPACE,))
        seeded = row.fetchone()
        if seeded is None:
            raise SystemExit(f"no workspace {WORKSPACE}: seed the database first")
        rows = conn.execute(
            "SELECT id, slack_user_id, display_name, time_zone FROM users"
            " WHERE workspace_id = %s AND is_active AND is_mentee AND NOT is_mentor"
            " ORDER BY hashint4(id::int), id LIMIT %s",
            (WORKSPACE, count),
        )
        return seeded[0], [Person(*r) for r in rows]


def _cpu() -> str:
    found = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    lines = [line for line in found.splitlines() if line.startswith(("Model name", "CPU(s)"))]
    return "; ".join(" ".join(line.split()) for line in lines)


def _first_line(timed: Timed) -> str:
    text = str(timed.call.params.get("text") or "") if timed.call else ""
    return text.splitlines()[0][:70] if text else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-url", help="the seeded database to use (made if missing)")
    args = parser.parse_args(argv)
    args.reuse = True
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    url, seeded = prepare_database(args)
    if seeded:
        print(f"seeded in {seeded['seed_s']} s: {seeded['counts']}")
    upgrade(url)
    now, mentees = _mentees(url, 3 * (args.runs + 1))
    clock = FakeClock(now)  # type: ignore[arg-type]
    people = [(p.slack_id, p.name, p.zone) for p in mentees]
    askers = itertools.cycle(mentees)
    with running_bot(url, admins=frozenset(), clock=clock, people=people) as bot:
        bench = Bench(args.runs, budget_s=300.0, idle=bot.idle)
        # The floor, then each measured screen as another mentee every run.
        floor = bench.measure(
            "no-op floor: /mentor help",
            lambda _: bot.command(next(askers).slack_id, "help"),
            note=_first_line,
        )
        bench.measure(
            "/mentor match (5 suggestions)",
            lambda _: bot.command(next(askers).slack_id, "match"),
            note=_first_line,
        )
        bench.measure(
            "App Home with 'Suggested for you'",
            lambda _: bot.home_opened(next(askers).slack_id),
            note=lambda timed: "published",
        )
        bench.measure(
            f"/mentor find {PHRASE!r}",
            lambda _: bot.command(next(askers).slack_id, f"find {PHRASE}"),
            note=_first_line,
        )
        sessions = make_session_factory(bot.bot.engine)

        def direct(_: int) -> Timed:
            asker = next(askers)
            began = time.perf_counter()
            found = suggest_mentors(
                SqlUnitOfWork(sessions, Actor.member(WORKSPACE, asker.slack_id)), clock
            )
            took = time.perf_counter() - began
            return Timed(began, None, took, detail=str(len(found.suggestions)))

        bench.measure("match use case alone (no HTTP)", direct, note=lambda t: t.detail)
    print()
    print(
        f"{args.users} users / {args.mentors} mentors / {args.sessions} sessions;"
        f" {args.runs} runs per section after one warm-up ('first'), a different mentee each run"
    )
    print(bench.table(floor))
    print(f"\nCPU: {_cpu()}")


if __name__ == "__main__":
    main()
