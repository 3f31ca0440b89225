"""0032's `search_mentor_directory()` against 0028's on randomized data: the
same mentors in the same order with the same scores, for any terms, page,
offset and excluded mentor (0032 only reads fewer ratings to say so)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from migrations.earlier import migration
from storage.base import APP_ROLE
from tests.storage.seed import add_user, set_actor

WORDS = ("python", "pytorch", "rust", "go", "golang", "java", "lead", "data", "design", "ops")
NAMES = ("Ana", "Anna", "Bo", "Alice", "Alise", "Gil", "Gus", "Lima", "Lina", "Zed")
OLD = "search_mentor_directory_0028"
SIGNATURE = "(text[], integer[], real[], boolean[], text, bigint, integer, integer)"


@pytest.fixture
def old_function(owner_engine: Engine, clean_tables: None) -> Iterator[None]:
    """0028's function beside the current one, as `search_mentor_directory_0028`."""
    text_0028 = migration("2026_12_10_0032_search_ratings_for_the_page.py")._0028.search_function()
    renamed = text_0028.replace("FUNCTION search_mentor_directory(", f"FUNCTION {OLD}(", 1)
    assert OLD in renamed
    with owner_engine.begin() as conn:
        conn.execute(text(renamed))
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {OLD}{SIGNATURE} TO {APP_ROLE}"))
    yield
    with owner_engine.begin() as conn:
        conn.execute(text(f"DROP FUNCTION {OLD}{SIGNATURE}"))


def _seed(conn: Connection, rng: random.Random, count: int) -> list[int]:
    set_actor(conn, None, None, "system")
    conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
    ids = []
    for index in range(count):
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}"
        user = add_user(
            conn,
            "T1",
            f"U{index}",
            mentor=True,
            name=name,
            department=rng.choice(("Engineering", "Data", "Ops")),
            expertise=tuple(rng.sample(WORDS, rng.randint(1, 3))),
        )
        ids.append(user)
        # Few distinct ratings, so that scores and ratings both tie.
        stars = rng.choice((None, None, 3, 4, 4, 5))
        if stars is not None:
            conn.execute(
                text(
                    "INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
                    " VALUES (:m, 'T1', 2, :s)"
                    " ON CONFLICT (mentor_id) DO UPDATE SET rating_count = 2, rating_sum = :s"
                ),
                {"m": user, "s": 2 * stars},
            )
    return ids


def _call(conn: Connection, function: str, args: dict[str, Any]) -> list[tuple[int, Any]] | str:
    with conn.begin_nested() as savepoint:
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        set_actor(conn, "T1", "USEARCHER", "member")
        try:
            rows = conn.execute(
                text(
                    f"SELECT user_id, score FROM {function}(CAST(:w AS text[]),"
                    " CAST(:g AS integer[]), CAST(:s AS real[]), CAST(:p AS boolean[]),"
                    " 'T1', :x, :l, :o)"
                ),
                args,
            ).all()
            found: list[tuple[int, Any]] | str = [(row[0], row[1]) for row in rows]
        except Exception as error:  # a failure is an answer to compare
            found = f"error: {type(error).__name__}"
        savepoint.rollback()
    return found


def _arguments(rng: random.Random, ids: list[int]) -> dict[str, Any]:
    count = rng.randint(0, 3)
    words = [
        rng.choice(
            (*WORDS, *(n.lower() for n in NAMES), "pythn", "alic", "gol", "py", "l", "", "x")
        )
        for _ in range(count)
    ]
    return {
        "w": words,
        "g": [rng.choice((0, 1, 2)) for _ in words],
        "s": [rng.choice((1.0, 0.5, 0.25)) for _ in words],
        "p": [rng.random() < 0.7 for _ in words],
        "x": rng.choice((None, None, *ids)),
        "l": rng.choice((0, 1, 2, 3, 5, 10, 100, -1)),
        "o": rng.choice((0, 0, 1, 2, 3, 7, 20, 1000, -3)),
    }


@pytest.mark.usefixtures("old_function")
def test_0032_answers_as_0028_did_on_randomized_data(owner_engine: Engine) -> None:
    rng = random.Random(32)
    with owner_engine.connect() as conn:
        with conn.begin():
            ids = _seed(conn, rng, 60)
        differences = []
        for _ in range(600):
            args = _arguments(rng, ids)
            new, old = _call(conn, "search_mentor_directory", args), _call(conn, OLD, args)
            if new != old:
                differences.append((args, old, new))
    assert differences == []


@pytest.mark.usefixtures("old_function")
@pytest.mark.parametrize("offset", [2**31 - 5, 2**31 - 1])
def test_an_offset_near_the_largest_integer_answers_as_0028_did(
    owner_engine: Engine, offset: int
) -> None:
    with owner_engine.connect() as conn:
        with conn.begin():
            _seed(conn, random.Random(1), 5)
        # A whole word (not a prefix): no close-spelling pass, as in 0028.
        whole = {"w": ["python"], "g": [0], "s": [1.0], "p": [False], "x": None, "l": 10}
        assert _call(conn, "search_mentor_directory", whole | {"o": offset}) == []
        assert _call(conn, OLD, whole | {"o": offset}) == []
        # A prefix long enough for close spellings: 0028 failed here too (0035).
        prefix = whole | {"w": ["pyth"], "p": [True], "o": offset}
        assert _call(conn, "search_mentor_directory", prefix) == []
