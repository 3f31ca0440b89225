"""Attacks on 0036 (`search_mentor_directory()` has no plan_cache_mode of its own,
so a session's reaches its statements): generic plans answer as custom ones,
leak nothing across workspaces or actors, and restore what close spellings
change; and on the tests' `empty_tables`, for both kinds of owner."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session as OrmSession

from domain.search import query_terms
from storage.base import APP_ROLE
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repos.people import SqlUserRepository
from tests import pg
from tests.conftest import empty_tables
from tests.storage.rls_world import make_world
from tests.storage.seed import add_user, set_actor

FIRST = ("Ana", "Ána", "Bruno", "Chen", "Dmitri", "Eve", "Fatima", "José", "Hiro", "Will")
SURNAMES = ("García", "Smith", "Nakamura", "Fischer", "Okafor", "Kowalski", "Larsen", "Lima")
DEPARTMENTS = ("Engineering", "Sales", "Data Science", "Finance", "Legal", "Design")
SKILLS = ("python", "leadership", "kubernetes", "negotiation", "statistics", "hiring", "rust")
WORDS = [w.lower() for w in FIRST + SURNAMES + DEPARTMENTS + SKILLS]
CUSTOM, GENERIC = "force_custom_plan", "force_generic_plan"
CALL = text("SELECT user_id, score FROM search_mentor_directory(CAST(:t AS text[]), CAST(:g AS"
            " integer[]), CAST(:w AS real[]), CAST(:p AS boolean[]), :ws, :x, :l, :o)")  # fmt: skip
TRGM = "pg_trgm.word_similarity_threshold"
SETTINGS = text(f"SELECT current_setting('enable_seqscan'), current_setting('{TRGM}', true)")
# (actor's workspace, actor's role, p_workspace, query, exclude_user_id, limit, offset)
Call = tuple[str | None, str, str, str, int | None, int, int]
Mentors = dict[str, set[int]]
_BUILT: dict[str, tuple[int, tuple[Mentors, list[int]]]] = {}  # url: (seed, what it holds)


@pytest.fixture(scope="module")
def owned(server_url: str) -> Iterator[str]:
    """A migrated database owned by a login role that is no superuser: its URL."""
    with pg.owned_by_a_non_superuser(server_url) as url:
        upgrade(url)
        yield url


@contextmanager
def _engines(url: str) -> Iterator[tuple[Engine, Engine]]:
    app, owner = make_engine(url), make_engine(url, as_app_role=False)
    try:
        yield app, owner
    finally:
        app.dispose()
        owner.dispose()


def _build(url: str, seed: int) -> tuple[Mentors, list[int]]:
    """Emptied, then T1 and T2 of random people: each's active mentors, every id."""
    if url in _BUILT and _BUILT[url][0] == seed:
        return _BUILT[url][1]
    rng, mentors, everyone = random.Random(seed), {"T1": set[int](), "T2": set[int]()}, []
    with _engines(url) as (app, owner):
        empty_tables(owner)
        with app.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
            for i in range(120):
                ws, mentor = rng.choice(("T1", "T2")), rng.random() < 0.7
                uid = add_user(conn, ws, f"U{i}", mentor=mentor, mentee=not mentor,
                               name=f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}",
                               department=rng.choice(DEPARTMENTS),
                               expertise=rng.sample(SKILLS, rng.randint(1, 3)))  # fmt: skip
                everyone.append((ws, uid))
                if rng.random() < 0.1:
                    conn.execute(text(f"UPDATE users SET is_active = false WHERE id = {uid}"))
                elif mentor:
                    mentors[ws].add(uid)
                if mentor and rng.random() < 0.3:
                    conn.execute(text(
                        "INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
                        f" end_time) VALUES ('{ws}', {uid}, {rng.randint(0, 6)}, '09:00', '10:00')"
                    ))  # fmt: skip
        with owner.begin() as conn:  # the feedback trigger's table: the owner writes it
            set_actor(conn, None, None, "system")
            for ws, uid in rng.sample(everyone, 60):
                n = rng.randint(1, 4)
                conn.execute(text("INSERT INTO ratings VALUES (:u, :w, :n, :s)"),
                             {"u": uid, "w": ws, "n": n, "s": rng.randint(n, 5 * n)})  # fmt: skip
    _BUILT[url] = (seed, (mentors, [uid for _, uid in everyone]))
    return _BUILT[url][1]


def _typo(rng: random.Random, w: str) -> str:
    i = rng.randrange(1, len(w) - 1)
    swapped = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return rng.choice((w[:i] + w[i + 1 :], swapped, w[:i] + "o" + w[i + 1 :]))


def _calls(rng: random.Random, ids: list[int], n: int) -> list[Call]:
    actors = [("T1", "member", "T1"), ("T2", "member", "T2")] * 2 + [
        ("T1", "admin", "T1"), (None, "system", "T1"), (None, "system", "T2"),
        ("T2", "member", "T1"), (None, "member", "T1"), (None, "system", "")]  # fmt: skip
    calls: list[Call] = []
    for _ in range(n):
        a, b = rng.sample(WORDS, 2)
        typo = _typo(rng, a) if len(a) >= 5 else a
        query = rng.choice((a, a[: rng.randint(1, 4)], typo, f"{a} {b}", f"{typo} {b}", "",
                            a.upper(), "zzqx", "ána lima"))  # fmt: skip
        exclude = rng.choice((None, None, rng.choice(ids)))
        limit = rng.choice((1, 3, 11, 11, 50, 50, 0, -1))
        offset = rng.choice((0, 0, 0, 0, 2, 7, 40, -3, 10**6, 2**31 - 1))
        calls.append((*rng.choice(actors), query, exclude, limit, offset))
    return calls


def _answer(conn: Connection, call: Call) -> tuple[list[Any], list[Any]]:
    """The function's rows, then the repository's hits, for `call`."""
    ws, role, workspace, query, exclude, limit, offset = call
    terms = query_terms(query)
    set_actor(conn, ws, "U0" if ws else None, role)
    direct = conn.execute(CALL, {
        "t": [t.text for t in terms], "g": [t.group for t in terms],
        "w": [t.weight for t in terms], "p": [t.prefix for t in terms],
        "ws": workspace, "x": exclude, "l": limit, "o": offset}).all()  # fmt: skip
    with OrmSession(bind=conn) as session:
        hits = SqlUserRepository(session).search_mentors(
            workspace, terms, exclude_user_id=exclude, limit=limit, offset=offset
        )
    return [(r.user_id, r.score) for r in direct], [(h.profile.id, h.score) for h in hits]


@contextmanager
def _connection(url: str, *setup: str) -> Iterator[Connection]:
    """The owner's login, `setup` run for the session, then the app role for the rest."""
    engine = make_engine(url, as_app_role=False)
    try:
        with engine.connect() as conn:
            for statement in (*setup, f"SET ROLE {APP_ROLE}"):
                conn.exec_driver_sql(statement)
            conn.commit()
            yield conn
    finally:
        engine.dispose()


def _answers(url: str, calls: Sequence[Call], modes: Sequence[str]) -> list[Any]:
    """One connection, a transaction a call, plan_cache_mode from `modes` in turn."""
    found = []
    with _connection(url) as conn:
        for i, call in enumerate(calls):
            with conn.begin():
                conn.exec_driver_sql(f"SET plan_cache_mode = {modes[i % len(modes)]}")
                found.append(_answer(conn, call))
    return found


def _check_workspaces(calls: Sequence[Call], answers: list[Any], mentors: Mentors) -> None:
    for call, (direct, repo) in zip(calls, answers, strict=True):
        ws, role, workspace = call[:3]
        seen = ws or (workspace if role == "system" else None)
        ids = [uid for uid, _ in direct]
        assert set(ids) <= (mentors[seen] if seen else set()), call
        assert len(ids) == len(set(ids)), call
        assert [uid for uid, _ in repo] == (ids if seen == workspace else []), call


@pytest.mark.parametrize(("owner", "seed"), [("superuser", 1), ("superuser", 2), ("other", 3)])
def test_generic_plans_answer_as_custom_ones(
    database_url: str, owned: str, owner: str, seed: int
) -> None:
    url = database_url if owner == "superuser" else owned
    mentors, ids = _build(url, seed)
    calls = _calls(random.Random(seed), ids, 45)
    custom = _answers(url, calls, [CUSTOM])
    _check_workspaces(calls, custom, mentors)
    assert sum(len(direct) > 1 for direct, _ in custom) > len(calls) // 9  # orders to compare
    assert _answers(url, calls, [GENERIC]) == custom
    assert _answers(url, calls * 2, ["auto"]) == custom * 2  # plans kept from the 6th run on
    assert _answers(url, calls, [GENERIC, CUSTOM, "auto", GENERIC]) == custom


def test_a_kept_plan_leaks_nothing_across_workspaces_or_actors(database_url: str) -> None:
    mentors, _ = _build(database_url, 5)
    queries = ["ana", "", "nakamora", "python lima", "fisher", "sales", "s"]
    actors = [("T1", "member", "T1"), ("T2", "member", "T2"), ("T2", "member", "T1"),
              (None, "system", "T1"), (None, "system", "T2"), ("T1", "admin", "T1")]  # fmt: skip
    calls: list[Call] = [(*a, q, None, 50, 0) for a in actors for q in queries]
    custom = _answers(database_url, calls, [CUSTOM])
    _check_workspaces(calls, custom, mentors)
    assert custom[2][0], "a close spelling found nobody: nothing fuzzy was tried"
    back = list(range(len(calls)))
    mixed = [i for pair in zip(back, reversed(back), strict=True) for i in pair]
    for mode in (GENERIC, "auto"):  # 7 calls per actor in a row, then actors alternating
        answers = _answers(database_url, calls + [calls[i] for i in mixed], [mode])
        assert answers == custom + [custom[i] for i in mixed], mode


CALLER = {
    "defaults": ("SELECT word_similarity('a', 'b')",),  # pg_trgm loaded: its setting exists
    "local": ("SET LOCAL enable_seqscan = off", f"SET LOCAL {TRGM} = 0.3"),
    "session": ("SET enable_seqscan = off", f"SET {TRGM} = 0.9"),
}


@pytest.mark.parametrize("caller", list(CALLER))
@pytest.mark.parametrize("fuzzy_first", [True, False])
def test_close_spellings_and_words_mixed_keep_answers_and_settings(
    database_url: str, caller: str, fuzzy_first: bool
) -> None:
    _build(database_url, 6)
    fuzzy = [("T1", "member", "T1", q, None, 11, 0) for q in ("nakamora", "fisher", "garcya")]
    plain = [("T1", "member", "T1", q, None, 11, 0) for q in ("python", "", "ana", "sales")]
    pairs = [(f, p) if fuzzy_first else (p, f) for f, p in zip(fuzzy * 4, plain * 3, strict=True)]
    calls: list[Call] = [call for pair in pairs for call in pair]  # 12 of each, alternating
    custom = _answers(database_url, calls, [CUSTOM])
    assert all(custom[i][0] for i, c in enumerate(calls) if c[3] in ("nakamora", "fisher"))
    setup = CALLER[caller]
    with _connection(database_url, f"SET plan_cache_mode = {GENERIC}",
                     *(() if caller == "local" else setup)) as conn:  # fmt: skip
        with conn.begin():
            for statement in setup if caller == "local" else ():
                conn.exec_driver_sql(statement)
            before = tuple(conn.execute(SETTINGS).one())
            for i, call in enumerate(calls):
                assert _answer(conn, call) == custom[i], (i, call[3])
                assert tuple(conn.execute(SETTINGS).one()) == before, (i, call[3])
        after = tuple(conn.execute(SETTINGS).one())
    assert after == {"session": ("off", "0.9")}.get(caller, ("on", "0.6"))
    assert before == {"local": ("off", "0.3")}.get(caller, after)


def _plans(url: str, mode: str, calls: int) -> list[str]:
    """auto_explain's plan of the function's first search statement, per call."""
    plans: list[list[str]] = []
    steps = ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
             "SET auto_explain.log_nested_statements = on",
             "SET auto_explain.log_level = 'notice'", f"SET plan_cache_mode = {mode}")  # fmt: skip
    with _connection(url, *steps) as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        driver.add_notice_handler(lambda notice: plans[-1].append(notice.message_primary or ""))
        for _ in range(calls):
            plans.append([])
            with conn.begin():
                _answer(conn, ("T1", "member", "T1", "nakamora", None, 11, 0))
    return ["".join(n for n in p if "numnode(t.query) > 0" in n) for p in plans]


def test_the_sessions_plan_cache_mode_reaches_the_functions_statements(database_url: str) -> None:
    # The premise of the comparisons above: else they compare custom plans with custom plans.
    _build(database_url, 7)
    assert all("workspace_id = $" in p for p in _plans(database_url, GENERIC, 2))
    assert all("workspace_id = 'T1'::text" in p for p in _plans(database_url, CUSTOM, 7))


@pytest.mark.parametrize("owner", ["superuser", "other"])
def test_empty_tables_empties_every_table_and_restarts_the_ids(
    server_url: str, database_url: str, owned: str, owner: str
) -> None:
    url = database_url if owner == "superuser" else owned
    _BUILT.pop(url, None)
    as_superuser = pg.with_database(server_url, str(make_url(url).database))

    def counts() -> dict[str, int]:
        with psycopg.connect(as_superuser) as conn:  # past row-level security
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
                    for (t,) in tables.fetchall()}  # fmt: skip

    def emptied_then_world() -> tuple[int, ...]:
        with _engines(url) as (app, owner_engine):
            empty_tables(owner_engine)
            rows = counts()
            assert rows.pop("alembic_version") == 1
            assert {t: n for t, n in rows.items() if n} == {}
            with owner_engine.connect() as conn:  # replica mode ended with the transaction
                assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"
            with psycopg.connect(as_superuser) as conn:
                used = "SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
                assert conn.execute(used).fetchall() == []  # every one restarted
            w = make_world(app)
            return (w.org.mentor, w.org.foreigner, w.session_id, w.coach)

    first = emptied_then_world()
    rows = counts()
    assert rows.pop("alembic_version") == 1
    assert [t for t, n in rows.items() if n == 0] == []  # the world had a row in every table
    assert emptied_then_world() == first
    assert (first[0], first[2]) == (1, 1)  # the first user, the first session
