"""How good the suggestions are: `/mentor match` against `/mentor find` with
the goal words, on a labelled set (bench/data/match_eval.toml: 60 mentors,
30 mentees, relevance graded 0-3 by hand).

    python bench/match_quality.py [--database-url URL]

Loads the set into a scratch database (migrated; on the local PostgreSQL
unless a URL of a server to create it on is given), asks as each mentee
through the real use cases and the real SQL, and prints nDCG@5 (gain
2^grade - 1) and precision@3 (a mentor of grade 2 or 3 counts as relevant),
for the development half, the held-out half and all, of:
- match: `/mentor match`;
- find: `/mentor find` with the goal words, as it is now (it reads the phrase
  with the same vocabulary, so it is a strong baseline);
- words: `/mentor find` on the typed goal words alone, without the vocabulary,
  mentors ranked by how many of the words they match;
- find before: `/mentor find` as it was before migration 0015 — every typed
  word must match a name, department or expertise, whole or as a prefix —
  emulated on the new function with the typed words only, keeping the
  mentors that match them all.
Drops the database afterwards. It prints figures; it never fails on them.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, text  # noqa: E402

from bot.standin.clock import FakeClock, monday_after  # noqa: E402
from domain.matching import suggest_mentors  # noqa: E402
from domain.model import Actor, SearchTerm  # noqa: E402
from domain.search import MAX_WORDS, find_mentors  # noqa: E402
from domain.skills.words import tokens  # noqa: E402
from storage.engine import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests import pg  # noqa: E402

DATA = ROOT / "bench" / "data" / "match_eval.toml"
WORKSPACE = "TEVAL"
CUT = 5  # nDCG@5
TOP = 3  # precision@3
RELEVANT = 2  # the grade from which a mentor counts as relevant for precision
HELD_OUT_FROM = "e16"


@dataclass(frozen=True)
class Figures:
    ndcg: float
    precision: float


def _dcg(grades: list[int]) -> float:
    return sum((2.0**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def figures(ranked: list[str], relevant: dict[str, int]) -> Figures:
    grades = [relevant.get(mentor, 0) for mentor in ranked]
    ideal = _dcg(sorted(relevant.values(), reverse=True)[:CUT])
    hits = sum(grade >= RELEVANT for grade in grades[:TOP])
    return Figures(_dcg(grades[:CUT]) / ideal if ideal else 0.0, hits / TOP)


def _load(conn: Connection, data: dict[str, Any]) -> None:
    conn.execute(text("SELECT set_config('app.role', 'system', true)"))
    conn.execute(text("INSERT INTO workspaces (id) VALUES (:w)"), {"w": WORKSPACE})
    for mentor in data["mentor"]:
        mentor_id = conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name, title, department,"
                " time_zone, is_mentor, expertise, bio)"
                " VALUES (:w, :u, :n, :t, :d, :z, true, :e, :b) RETURNING id"
            ),
            {
                "w": WORKSPACE,
                "u": mentor["id"],
                "n": mentor["name"],
                "t": mentor["title"],
                "d": mentor["department"],
                "z": mentor["zone"],
                "e": [tag.casefold() for tag in mentor["expertise"]],
                "b": mentor.get("bio", ""),
            },
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO availability (workspace_id, user_id, weekday, start_time, end_time)"
                " SELECT :w, :m, d, '09:00', '17:00' FROM generate_series(0, 4) d"
            ),
            {"w": WORKSPACE, "m": mentor_id},
        )
    for mentee in data["mentee"]:
        conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name, title, department,"
                " time_zone, is_mentee, learning_goals) VALUES (:w, :u, :n, :t, :d, :z, true, :g)"
            ),
            {
                "w": WORKSPACE,
                "u": mentee["id"],
                "n": mentee["name"],
                "t": mentee["title"],
                "d": mentee["department"],
                "z": mentee["zone"],
                "g": [goal.casefold() for goal in mentee["goals"]],
            },
        )


# 0008 scored a mentor matching every word 0.8 (as prefixes) or 1.0 (whole).
EVERY_WORD = 0.8


def _find_words(factory: Any, actor: Actor, goals: list[str], *, every: bool) -> list[str]:
    """The slack ids `/mentor find` finds on the typed words alone, without the
    related-skills vocabulary: ranked by how many words match (`every` False),
    or, as before 0015, only the mentors matching every word."""
    words = tokens(" ".join(goals))[:MAX_WORDS]
    terms = [SearchTerm(word, group, prefix=True) for group, word in enumerate(words)]
    with SqlUnitOfWork(factory, actor) as uow:
        me = uow.users.by_slack_id(WORKSPACE, str(actor.slack_user_id))
        hits = uow.users.search_mentors(
            WORKSPACE, terms, exclude_user_id=me.id if me else None, limit=60, offset=0
        )
    floor = EVERY_WORD if every else 0.0
    return [h.profile.slack_user_id for h in hits if h.score >= floor][:CUT]


def _mean(values: list[Figures]) -> Figures:
    return Figures(
        sum(f.ndcg for f in values) / len(values), sum(f.precision for f in values) / len(values)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a server to create the scratch database on")
    parser.add_argument("--verbose", action="store_true", help="each mentee's two rankings")
    args = parser.parse_args(argv)
    data = tomllib.loads(DATA.read_text("utf-8"))
    server = args.database_url or pg.LOCAL_SERVER
    name = pg.fresh_name("mentorbot_bench_quality")
    url = pg.create_database(server, name)
    engine = make_engine(url)
    try:
        upgrade(url)
        with engine.begin() as conn:
            _load(conn, data)
        factory = make_session_factory(engine)
        clock = FakeClock(monday_after(datetime.now(UTC)) + timedelta(hours=9))
        rows: dict[str, list[tuple[Figures, ...]]] = {"dev": [], "held out": []}
        for mentee in data["mentee"]:
            actor = Actor.member(WORKSPACE, mentee["id"])
            matched = suggest_mentors(SqlUnitOfWork(factory, actor), clock, shown=CUT)
            found = find_mentors(
                SqlUnitOfWork(factory, actor), clock, query=" ".join(mentee["goals"]), per_page=CUT
            )
            by_match = [s.mentor.slack_user_id for s in matched.suggestions]
            by_find = [hit.profile.slack_user_id for hit in found.items]
            words = _find_words(factory, actor, mentee["goals"], every=False)
            before = _find_words(factory, actor, mentee["goals"], every=True)
            relevant = {k: int(v) for k, v in mentee["relevant"].items()}
            half = "held out" if mentee["id"] >= HELD_OUT_FROM else "dev"
            rows[half].append(
                (
                    figures(by_match, relevant),
                    figures(by_find, relevant),
                    figures(words, relevant),
                    figures(before, relevant),
                )
            )
            if args.verbose:
                print(
                    f"{mentee['id']} {mentee['goals']}\n  match  {by_match}"
                    f"\n  find   {by_find}\n  words  {words}\n  before {before}"
                )
    finally:
        engine.dispose()
        pg.drop_database(server, name)
    print(f"{len(data['mentee'])} mentees x {len(data['mentor'])} mentors ({DATA.name})")
    heads = f"{'find':>6} {'words':>6} {'before':>6}"
    print(f"{'':9} {'nDCG@5: match':>14} {heads}   {'P@3: match':>11} {heads}")
    everyone = [row for half in rows.values() for row in half]
    for label, part in (*rows.items(), ("all", everyone)):
        means = [_mean([row[i] for row in part]) for i in range(4)]
        ndcg = " ".join(f"{m.ndcg:6.3f}" for m in means)
        precision = " ".join(f"{m.precision:6.3f}" for m in means)
        print(f"{label:9} {ndcg:>35}   {precision:>32}")
    ours, now, alone, old = (_mean([row[i] for row in everyone]).ndcg for i in range(4))
    print(
        f"nDCG@5, match - find now: {ours - now:+.3f};"
        f" match - find on the words alone: {ours - alone:+.3f};"
        f" match - find before 0015: {ours - old:+.3f} (target +0.20)"
    )


if __name__ == "__main__":
    main()
