"""Attacks on 0038 (`search_mentor_directory()` looks up the full-weight terms
first and the others only when fewer than `offset + limit` mentors match those
in full): against 0037's function (0036's text), the same mentors, scores and
order for the terms the application sends and for any other terms."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from domain.search import goal_terms, query_terms
from domain.skills.relatedness import read_goals
from domain.skills.vocabulary import vocabulary
from migrations.earlier import migration
from storage.base import APP_ROLE
from tests.storage.seed import add_user, set_actor

OLD = "search_mentor_directory_0037"
SIGNATURE = "(text[], integer[], real[], boolean[], text, bigint, integer, integer)"
VOCAB = vocabulary()
# A few skills and their neighbours, so that full and related matches are common.
POOL = (
    "python",
    "leadership",
    "django",
    "people management",
    "kubernetes",
    "go",
    "statistics",
    "rust",
)
SKILLS = sorted({s for p in POOL for s in VOCAB.neighbours(p) if VOCAB.neighbours(p)[s] >= 0.5})
SPELLINGS = sorted({w for s in SKILLS for w in VOCAB.spellings[s]})
NAMES = ("Ana", "Anna", "Bo", "Pythia", "Rusty", "Go", "Lead", "Zed")
DEPARTMENTS = ("Engineering", "Data", "Leadership", "Python Guild")
LIMITS = (0, 1, 2, 3, 5, 10, 100, 2**31 - 1, -1)
OFFSETS = (0, 0, 0, 1, 2, 4, 9, 1000, -3)
Args = dict[str, Any]
Answer = list[tuple[int, Any]] | str


@pytest.fixture
def old_function(owner_engine: Engine, clean_tables: None) -> Iterator[None]:
    """0037's function (0036's text) beside 0038's, as `search_mentor_directory_0037`."""
    source = migration("2026_12_11_0036_search_plans_kept.py").search_function()
    renamed = source.replace("FUNCTION search_mentor_directory(", f"FUNCTION {OLD}(", 1)
    assert OLD in renamed
    with owner_engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert head == "0038"
        conn.execute(text(renamed))
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {OLD}{SIGNATURE} TO {APP_ROLE}"))
    yield
    with owner_engine.begin() as conn:
        conn.execute(text(f"DROP FUNCTION {OLD}{SIGNATURE}"))


def _mentor(
    conn: Connection, name: str, expertise: tuple[str, ...], stars: int | None, at: int = 0
) -> int:
    user = add_user(conn, "T1", f"U{at}{name.replace(' ', '_')}", mentor=True, name=name,
                    expertise=expertise)  # fmt: skip
    if stars is not None:
        conn.execute(
            text("INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
                 " VALUES (:m, 'T1', 2, :s) ON CONFLICT (mentor_id) DO UPDATE"
                 " SET rating_count = 2, rating_sum = :s"),
            {"m": user, "s": 2 * stars},
        )  # fmt: skip
    return user


def _seed(conn: Connection, rng: random.Random, count: int) -> list[int]:
    set_actor(conn, None, None, "system")
    conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
    ids = []
    for index in range(count):
        # Names repeat, ratings are few: scores, ratings and names all tie.
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}"
        expertise = tuple(rng.sample(SPELLINGS, rng.randint(1, 4)))
        if rng.random() < 0.4:
            expertise += tuple(rng.sample(POOL[:4], 2))
        user = _mentor(conn, name, expertise, rng.choice((None, None, 3, 4, 4, 5)), index)
        conn.execute(text("UPDATE users SET department = :d WHERE id = :u"),
                     {"d": rng.choice(DEPARTMENTS), "u": user})  # fmt: skip
        ids.append(user)
    return ids


def _call(conn: Connection, function: str, args: Args) -> Answer:
    with conn.begin_nested() as savepoint:
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        set_actor(conn, "T1", "USEARCHER", "member")
        try:
            rows = conn.execute(
                text(f"SELECT user_id, score FROM {function}(CAST(:t AS text[]),"
                     " CAST(:g AS integer[]), CAST(:w AS real[]), CAST(:p AS boolean[]),"
                     " 'T1', :x, :l, :o)"),
                args,
            ).all()  # fmt: skip
            found: Answer = [(row[0], row[1]) for row in rows]
        except Exception as error:  # a failure is an answer to compare
            found = f"error: {type(error).__name__}: {error}"
        savepoint.rollback()
    return found


def _terms_args(terms: Any) -> Args:
    return {
        "t": [t.text for t in terms],
        "g": [t.group for t in terms],
        "w": [t.weight for t in terms],
        "p": [t.prefix for t in terms],
    }


def _app_terms(rng: random.Random) -> Args:
    """What `/mentor find` (query_terms) or matching (goal_terms) sends."""
    words = [*POOL, *SPELLINGS, *(n.lower() for n in NAMES), "pyth", "lead", "manag", "eng"]
    if rng.random() < 0.6:
        typed = " ".join(rng.choices(words, k=rng.randint(1, 3)))
        return _terms_args(query_terms(typed, VOCAB))
    goals = [rng.choice(words) for _ in range(rng.randint(1, 3))]
    return _terms_args(goal_terms(read_goals(VOCAB, goals), VOCAB))


def _page(rng: random.Random, args: Args, ids: list[int]) -> Args:
    return args | {
        "x": rng.choice((None, None, *ids)),
        "l": rng.choice(LIMITS),
        "o": rng.choice(OFFSETS),
    }


def _odd(rng: random.Random, args: Args) -> Args:
    """Terms no caller of the application sends: weights above 1 or just under
    it, NULLs, empty terms, duplicates, groups with no full-weight term."""
    t, g, w, p = (list(args[k]) for k in "tgwp")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(t)) if t else 0
        kind = rng.randrange(7)
        if kind == 0 and t:
            w[i] = rng.choice((1.5, 2.0, 1.25, 3.0))
        elif kind == 1 and t:
            w[i] = rng.choice((0.9995, 0.9999, 0.99999))
        elif kind == 2 and t:
            t.append(t[i]), g.append(g[i]), w.append(w[i]), p.append(p[i])
        elif kind == 3:
            t.append(rng.choice(("", "-", None))), g.append(0), w.append(0.5), p.append(True)
        elif kind == 4 and t:
            g[i] = None
        elif kind == 5:  # a group of related terms only
            group = max((x for x in g if x is not None), default=0) + 1
            t.append(rng.choice(SPELLINGS)), g.append(group), w.append(0.7), p.append(False)
        elif kind == 6 and t:
            w[i] = None
    return {"t": t, "g": g, "w": w, "p": p}


def _compare(conn: Connection, cases: list[Args]) -> list[tuple[Args, Answer, Answer]]:
    differences = []
    for args in cases:
        new, old = _call(conn, "search_mentor_directory", args), _call(conn, OLD, args)
        if new != old:
            differences.append((args, old, new))
    return differences


@pytest.mark.usefixtures("old_function")
def test_the_applications_terms_answer_as_0037_did(owner_engine: Engine) -> None:
    rng = random.Random(38)
    with owner_engine.connect() as conn:
        with conn.begin():
            ids = _seed(conn, rng, 80)
        cases = [_page(rng, _app_terms(rng), ids) for _ in range(500)]
        differences = _compare(conn, cases)
        kept = sum(_exact_page_kept(conn, args) for args in cases)
    assert differences == [], f"{len(differences)} of {len(cases)}: {differences[:3]}"
    assert kept >= 100, kept  # so many of the cases meet the shortcut's condition


def _exact_page_kept(conn: Connection, args: Args) -> bool:
    """Whether 0038 answers from the full-weight terms alone: some weight is
    under 1, and a page of mentors (the application's weights are at most 1)
    scores 1 with the others' weights made 0."""
    if not any(w is not None and w < 1 for w in args["w"]):
        return False
    weights = [w if w is not None and w >= 1 else 0.0 for w in args["w"]]
    every = _call(conn, OLD, args | {"w": weights, "l": 2**31 - 1, "o": 0})
    assert not isinstance(every, str)
    full = sum(score >= 1 for _, score in every)
    return full >= max(args["l"], 0) + max(args["o"], 0)


@pytest.mark.usefixtures("old_function")
def test_any_terms_answer_as_0037_did(owner_engine: Engine) -> None:
    rng = random.Random(3838)
    with owner_engine.connect() as conn:
        with conn.begin():
            ids = _seed(conn, rng, 80)
        cases = [_page(rng, _odd(rng, _app_terms(rng)), ids) for _ in range(500)]
        differences = _compare(conn, cases)
    assert differences == [], f"{len(differences)} of {len(cases)}: {differences[:3]}"


def _two_full_and(conn: Connection, name: str, expertise: tuple[str, ...]) -> dict[str, int]:
    set_actor(conn, None, None, "system")
    conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
    return {
        "Full Ada": _mentor(conn, "Full Ada", ("python", "leadership"), None),
        "Full Bo": _mentor(conn, "Full Bo", ("python", "leadership"), None),
        name: _mentor(conn, name, expertise, 5),
    }


@pytest.mark.usefixtures("old_function")
def test_a_related_match_that_rounds_to_a_full_score_is_ranked_as_0037_did(
    owner_engine: Engine,
) -> None:
    """Rui knows python and management (weight 0.9995 in leadership's group):
    round((1 + 0.9995) / 2, 3) = 1.000, as the two full matches; his rating
    puts him first in 0037. Two full matches fill a page of 2: 0038 skipped
    'management' until it took the shortcut only while no lesser match can
    round to 1."""
    with owner_engine.connect() as conn:
        with conn.begin():
            who = _two_full_and(conn, "Related Rui", ("python", "management"))
        args = {"t": ["python", "leadership", "management"], "g": [0, 1, 1],
                "w": [1.0, 1.0, 0.9995], "p": [True, True, False],
                "x": None, "l": 2, "o": 0}  # fmt: skip
        old, new = _call(conn, OLD, args), _call(conn, "search_mentor_directory", args)
    assert old[0][0] == who["Related Rui"]  # type: ignore[index]
    assert new == old, f"0037: {old}, 0038: {new}"


@pytest.mark.usefixtures("old_function")
def test_a_weight_above_one_scores_as_0037_did(owner_engine: Engine) -> None:
    """Rui knows rust (weight 2 in python's group) and management (0.5 in
    leadership's): (2 + 0.5) / 2 = 1.25 in 0037; 0038 skipped management
    until a weight above 1 turned the shortcut off."""
    with owner_engine.connect() as conn:
        with conn.begin():
            _two_full_and(conn, "Rusty Rui", ("rust", "management"))
        args = {"t": ["python", "rust", "leadership", "management"], "g": [0, 0, 1, 1],
                "w": [1.0, 2.0, 1.0, 0.5], "p": [True, False, True, False],
                "x": None, "l": 2, "o": 0}  # fmt: skip
        old, new = _call(conn, OLD, args), _call(conn, "search_mentor_directory", args)
    assert new == old, f"0037: {old}, 0038: {new}"
