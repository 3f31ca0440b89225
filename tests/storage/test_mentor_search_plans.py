"""`search_mentor_directory()`'s plans, as the application role on thousands
of mentors: every search is answered from the directory's indexes, on the
plans PostgreSQL makes afresh and on those it keeps (0036)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session as OrmSession

from domain.search import query_terms
from storage.base import APP_ROLE
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repos.people import SqlUserRepository
from tests import pg
from tests.pg import EXPLAIN_EVERYTHING
from tests.storage.seed import set_actor

FIRST = ("María", "Alice", "Bob", "Chen", "Dmitri", "Eve", "Fatima", "Gustavo", "Hiro", "Ines")
SURNAMES = ("García", "Smith", "Nakamura", "Fischer", "Okafor", "Kowalski", "Larsen", "Silva")
DEPARTMENTS = ("Engineering", "Sales", "Data Science", "Finance", "Legal", "Design", "Support")
SKILLS = ("python", "leadership", "kubernetes", "negotiation", "statistics", "design", "hiring")
USERS = 20_000
MENTOR_EVERY = 6  # about 3,300 mentors, one in six users as in a real programme


def _synthetic_people() -> str:
    def pick(values: tuple[str, ...], step: str) -> str:
        items = ", ".join(f"'{value}'" for value in values)
        return f"(ARRAY[{items}])[1 + ({step}) % {len(values)}]"

    return (
        "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
        " is_mentor, is_mentee, expertise, learning_goals)"
        " SELECT CASE WHEN g % 10 = 0 THEN 'T2' ELSE 'T1' END, 'U' || g,"
        f" {pick(FIRST, 'g')} || ' ' || {pick(SURNAMES, 'g / 10')} || ' ' || g,"
        f" {pick(DEPARTMENTS, 'g / 7')}, g % {MENTOR_EVERY} = 0, g % {MENTOR_EVERY} <> 0,"
        f" ARRAY[{pick(SKILLS, 'g / 3')}, {pick(SKILLS, 'g / 11')}], ARRAY['growth']"
        f" FROM generate_series(1, {USERS}) g"
    )


@pytest.fixture(scope="module")
def thousands_of_mentors(server_url: str) -> Iterator[str]:
    """A database owned by a non-superuser (so the functions run held by row-level
    security, as on managed PostgreSQL), with thousands of mentors, analysed:
    its URL as the server's superuser, who may load auto_explain."""
    with psycopg.connect(server_url) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not superuser.fetchone()[0]:  # type: ignore[index]
            pytest.skip("loading auto_explain needs a superuser login")
    with pg.owned_by_a_non_superuser(server_url) as as_owner:
        upgrade(as_owner)
        engine = make_engine(as_owner)
        try:
            with engine.begin() as conn:
                set_actor(conn, None, None, "system")
                conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
                conn.execute(text(_synthetic_people()))
        finally:
            engine.dispose()
        with psycopg.connect(as_owner, autocommit=True) as conn:
            conn.execute("ANALYZE")
        yield pg.with_database(server_url, str(make_url(as_owner).database))


# PL/pgSQL plans a statement afresh for its first five runs in a connection;
# from the sixth, PostgreSQL may keep a generic plan (plan_cache_mode auto,
# since 0036), planned under whatever settings were in force then: a plan kept
# while other words were searched must still answer close spellings, which the
# function searches with sequential scans off, from the index.
CALLS = 7


def _plans(url: str, queries: Sequence[str], plan_cache_mode: str = "auto") -> list[list[str]]:
    """The plans of everything each search runs, as the app role, one search
    per query in turn, in one connection."""
    engine = make_engine(url, as_app_role=False)
    plans: list[list[str]] = []
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            driver.add_notice_handler(lambda notice: plans[-1].append(notice.message_primary or ""))
            for statement in (*EXPLAIN_EVERYTHING, f"SET plan_cache_mode = {plan_cache_mode}"):
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(f"SET ROLE {APP_ROLE}")
            set_actor(conn, "T1", "U1", "member")
            with OrmSession(bind=conn) as session:
                for query in queries:
                    plans.append([])
                    hits = SqlUserRepository(session).search_mentors(
                        "T1", query_terms(query), exclude_user_id=1, limit=11, offset=0
                    )
                    assert hits, query
    finally:
        engine.dispose()
    return plans


@pytest.mark.parametrize(
    "before", ["", "kubernetes hiring", "nakamora"], ids=["alone", "after-words", "after-typo"]
)
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("nakamora", "ix_mentor_directory_document_trgm"),  # misspelled
        ("fisch", "ix_mentor_directory_words"),  # name prefix
        ("hi", "ix_mentor_directory_words"),  # two letters
        ("kubernetes hiring", "ix_mentor_directory_words"),  # two words
    ],
)
def test_as_the_application_role_the_search_is_answered_from_its_indexes(
    thousands_of_mentors: str, query: str, index: str, before: str
) -> None:
    queries = [before] * CALLS + [query] if before else [query] * CALLS
    for call, plans in enumerate(_plans(thousands_of_mentors, queries)):
        if queries[call] != query:
            continue
        explained = "\n".join(plans)
        assert f"Bitmap Index Scan on {index}" in explained, call
        assert "Seq Scan on mentor_directory" not in explained, call
        assert "Seq Scan on users" not in explained, call


def test_a_close_spelling_reaches_the_trigram_index_on_a_plan_kept_from_ordinary_searches(
    thousands_of_mentors: str,
) -> None:
    # Generic plans from the first call on (as a role or database may set): the
    # statement that also looks for close spellings was planned by an ordinary
    # search, with sequential scans on. That plan must still take the trigram
    # index for the close spelling, not scan the directory.
    queries = ["kubernetes hiring"] * CALLS + ["nakamora"]
    plans = _plans(thousands_of_mentors, queries, plan_cache_mode="force_generic_plan")
    explained = "\n".join(plans[-1])
    assert "Bitmap Index Scan on ix_mentor_directory_document_trgm" in explained
    assert "Seq Scan on mentor_directory" not in explained
