"""The mentor directory and `search_mentor_directory()` on PostgreSQL: the
function answers only for the caller's workspace and only with active mentors,
the directory follows profiles and availability, and odd input never fails.
Its plans: test_mentor_search_plans.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import Actor
from domain.search import query_terms
from storage.base import APP_ROLE
from storage.uow import SqlUnitOfWork
from tests.storage.seed import add_user, set_actor


def _directory_ids(
    conn: Connection,
    actor: tuple[str | None, str | None, str],
    words: list[str],
    *,
    limit: int = 100,
    offset: int = 0,
    workspace: str | None = None,
) -> set[int]:
    """What the function returns to `actor` (workspace, Slack id, role), as the
    app role, for `words` typed (each a group of its own, as a prefix)."""
    with conn.begin_nested() as savepoint:
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        set_actor(conn, *actor)
        ids = conn.execute(
            text(
                "SELECT user_id FROM search_mentor_directory(CAST(:w AS text[]),"
                " CAST(:g AS integer[]), CAST(:s AS real[]), CAST(:p AS boolean[]),"
                " :ws, NULL, :l, :o)"
            ),
            {
                "w": words,
                "g": list(range(len(words))),
                "s": [1.0] * len(words),
                "p": [True] * len(words),
                "ws": workspace,
                "l": limit,
                "o": offset,
            },
        ).scalars()
        found = set(ids)
        savepoint.rollback()
    return found


class Org:
    """T1: an active mentor, an inactive one, a mentee; T2: a mentor. All called Ana."""

    def __init__(self, engine: Engine) -> None:
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
            self.mentor = add_user(conn, "T1", "UANA", mentor=True, name="Ana Lima")
            self.retired = add_user(conn, "T1", "URETIRED", mentor=True, name="Ana Retired")
            conn.execute(
                text("UPDATE users SET is_active = false WHERE id = :id"), {"id": self.retired}
            )
            self.mentee = add_user(conn, "T1", "UMENTEE", mentee=True, name="Ana Mentee")
            self.foreign = add_user(conn, "T2", "UFOREIGN", mentor=True, name="Ana Other")


@pytest.fixture
def org(app_engine: Engine, clean_tables: None) -> Org:
    return Org(app_engine)


def test_the_function_answers_only_with_active_mentors_of_the_callers_workspace(
    owner_engine: Engine, org: Org
) -> None:
    with owner_engine.connect() as conn:
        for words in (["ana"], ["anna"], []):
            assert _directory_ids(conn, ("T1", "UMENTEE", "member"), words) == {org.mentor}
            assert _directory_ids(conn, ("T2", "UX", "member"), words) == {org.foreign}
            # No workspace, no answer: not even the system sees across workspaces here.
            assert _directory_ids(conn, (None, None, "system"), words) == set()
            assert _directory_ids(conn, (None, None, ""), words) == set()


def test_the_directory_follows_profiles_and_availability(
    owner_engine: Engine, app_engine: Engine, org: Org
) -> None:
    def directory() -> dict[int, tuple[str, bool]]:
        with owner_engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, document, offers_time FROM mentor_directory"))
            return {user_id: (document, offers) for user_id, document, offers in rows}

    def as_system(statement: str) -> None:
        with app_engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text(statement))

    assert directory() == {
        org.mentor: ("Ana Lima Engineering python", False),
        org.foreign: ("Ana Other Engineering python", False),
    }
    as_system(f"UPDATE users SET display_name = 'Ána Souza' WHERE id = {org.mentor}")
    as_system(f"UPDATE users SET is_active = true WHERE id = {org.retired}")
    as_system(f"UPDATE users SET is_mentor = false WHERE id = {org.foreign}")
    as_system(
        "INSERT INTO availability (workspace_id, user_id, weekday, start_time, end_time)"
        f" VALUES ('T1', {org.mentor}, 0, '09:00', '10:00'), ('T1', {org.mentor}, 1, '09:00',"
        " '10:00')"
    )
    assert directory() == {
        org.mentor: ("Ana Souza Engineering python", True),
        org.retired: ("Ana Retired Engineering python", False),
    }
    as_system(f"DELETE FROM availability WHERE user_id = {org.mentor} AND weekday = 0")
    assert directory()[org.mentor][1] is True
    as_system(f"DELETE FROM availability WHERE user_id = {org.mentor}")
    assert directory()[org.mentor][1] is False
    as_system(f"DELETE FROM users WHERE id = {org.retired}")
    assert set(directory()) == {org.mentor}


def _names(
    factory: sessionmaker[OrmSession], query: str, *, limit: int = 20, offset: int = 0
) -> list[str]:
    with SqlUnitOfWork(factory, Actor.member("T1", "UMENTEE")) as uow:
        hits = uow.users.search_mentors(
            "T1", query_terms(query), exclude_user_id=None, limit=limit, offset=offset
        )
    return [hit.profile.display_name for hit in hits]


@pytest.mark.usefixtures("org")
def test_one_or_two_letters_find_the_words_that_start_with_them(
    session_factory: sessionmaker[OrmSession],
) -> None:
    assert _names(session_factory, "l") == ["Ana Lima"]
    assert _names(session_factory, "LI") == ["Ana Lima"]
    assert _names(session_factory, "á") == ["Ana Lima"]
    # Too short to be a misspelling of anything.
    assert _names(session_factory, "lx") == []


@pytest.mark.usefixtures("org")
def test_a_misspelled_name_or_accents_still_find_the_person(
    session_factory: sessionmaker[OrmSession],
) -> None:
    assert _names(session_factory, "lina") == ["Ana Lima"]
    assert _names(session_factory, "ÁNÁ LÍMÁ") == ["Ana Lima"]
    assert _names(session_factory, "pythn") == ["Ana Lima"]


def test_close_spellings_follow_the_prefix_matches_from_page_to_page(
    app_engine: Engine, session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for slack_id, name in (("U1", "Alice One"), ("U2", "Alice Two"), ("U3", "Alise Three")):
            add_user(conn, "T1", slack_id, mentor=True, name=name)
    ranked = ["Alice One", "Alice Two", "Alise Three"]
    assert _names(session_factory, "alice") == ranked
    # A page the prefix matches fill, then one they do not.
    assert _names(session_factory, "alice", limit=2) == ranked[:2]
    assert _names(session_factory, "alice", limit=2, offset=2) == ranked[2:]
    assert _names(session_factory, "alise") == ["Alise Three", "Alice One", "Alice Two"]


def test_a_page_cut_inside_equal_scores_takes_the_best_rated_of_them(
    owner_engine: Engine, session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    # 0032 orders by rating only the mentors that can reach the page: all of
    # those scored at least as high as its last, ties on the score included.
    rated = {"Gus Low": 3, "Gil High": 5, "Gia Mid": 4, "Geo Unrated": None}
    # Ratings are the feedback trigger's to keep: the owner writes them here.
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_user(conn, "T1", "UBOTH", mentor=True, name="Gale Both", expertise=("golang", "rust"))
        for index, (name, stars) in enumerate(rated.items()):
            mentor = add_user(conn, "T1", f"UG{index}", mentor=True, name=name, expertise=("go",))
            if stars is not None:
                conn.execute(
                    text(
                        "INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
                        " VALUES (:m, 'T1', 3, :s)"
                        " ON CONFLICT (mentor_id) DO UPDATE SET rating_count = 3, rating_sum = :s"
                    ),
                    {"m": mentor, "s": 3 * stars},
                )
    best = ["Gale Both", "Gil High", "Gia Mid", "Gus Low", "Geo Unrated"]
    assert _names(session_factory, "go rust") == best
    assert _names(session_factory, "go rust", limit=2) == best[:2]
    assert _names(session_factory, "go rust", limit=2, offset=2) == best[2:4]
    assert _names(session_factory, "go rust", limit=3, offset=4) == best[4:]


@pytest.mark.usefixtures("org")
def test_odd_input_never_fails(session_factory: sessionmaker[OrmSession]) -> None:
    odd = (
        "\"ana\" 'lima'",
        "ana & | ! : * ( ) <-> <2> \\ ''",
        "!!!:*",
        "ana:* | !lima",
        "or - and not",
        "ﬁ ß æ ǅ İ 𝔸𝕟𝕒 🙂 ١٢٣",
        "ana " * 2000,
        "a" * 5000,
        "\t\n",
    )
    for query in odd:
        _names(session_factory, query)
    assert _names(session_factory, "ana:* | !lima") == ["Ana Lima"]


def test_empty_words_and_negative_paging_given_directly_never_fail(
    owner_engine: Engine, org: Org
) -> None:
    member = ("T1", "UMENTEE", "member")
    with owner_engine.connect() as conn:
        assert _directory_ids(conn, member, ["", "ana", ""]) == {org.mentor}
        assert _directory_ids(conn, member, [""]) == {org.mentor}  # no words: every mentor
        assert _directory_ids(conn, member, ["ana"], limit=-1) == set()
        assert _directory_ids(conn, member, ["ana"], offset=-5) == {org.mentor}
        assert _directory_ids(conn, member, ["anna"], limit=-1, offset=-1) == set()


def test_a_found_mentor_is_the_profile_read_on_its_own_every_field_of_it(
    app_engine: Engine, session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    # mentor_candidates reads columns, not ORM objects (9dc3f8b): nothing lost
    # or retyped (arrays as tuples, unset link and cap, set ones).
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        full = add_user(
            conn, "T1", "UFULL", mentor=True, mentee=True, name="Ana Full",
            expertise=("python", "rust"), goals=("go", "sql"),
        )  # fmt: skip
        conn.execute(
            text(
                "UPDATE users SET title = 'Staff', bio = 'Hi', time_zone = 'Asia/Tokyo',"
                " meeting_link = 'https://meet.example/ana', session_minutes = 45,"
                " max_sessions_per_week = 3 WHERE id = :id"
            ),
            {"id": full},
        )
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UMENTEE")) as uow:
        # Loaded into the session first: the columns must not be stale copies of it.
        before = {p.id: p for p in uow.users.get_many([full, org.mentor]).values()}
        with app_engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("UPDATE users SET bio = 'Hello' WHERE id = :id"), {"id": full})
        hits = uow.users.search_mentors(
            "T1", query_terms("ana"), exclude_user_id=None, limit=10, offset=0
        )
    found = {hit.profile.id: hit.profile for hit in hits}
    assert found[org.mentor] == before[org.mentor]
    assert found[full].bio == "Hello"
    assert found[full] == replace(before[full], bio="Hello")
    assert found[full].expertise == ("python", "rust")
    assert found[full].learning_goals == ("go", "sql")
    assert (found[full].meeting_link, found[full].max_sessions_per_week) == (
        "https://meet.example/ana",
        3,
    )
    assert (found[org.mentor].meeting_link, found[org.mentor].max_sessions_per_week) == (None, None)


def _folds_case_beyond_ascii(engine: Engine) -> bool:
    """Whether the database's locale lowers "Ю" (C.UTF-8 does; plain C, as
    initdb may choose on a bare machine, lowers ASCII only)."""
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT lower('Ю') = 'ю'")).scalar_one())


def test_names_departments_and_skills_in_other_scripts_are_found(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    """Words of other scripts are searched as typed; the directory folds
    them (unaccent, then the text-search parser's lower case) as it folds
    the names it holds. They were not searched at all: `/mentor find Юлия`
    answered every mentor."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_user(conn, "T1", "UYULIA", mentor=True, name="Юлия Иванова", department="Финансы")
        add_user(conn, "T1", "UTANAKA", mentor=True, name="田中 太郎", expertise=("経理",))
        add_user(conn, "T1", "UPRIYA", mentor=True, name="प्रिया शर्मा", department="Engineering")
    assert _names(session_factory, "Юлия") == ["Юлия Иванова"]
    assert _names(session_factory, "Юл") == ["Юлия Иванова"]  # a prefix
    assert _names(session_factory, "Финансы Юлия") == ["Юлия Иванова"]
    assert _names(session_factory, "田中") == ["田中 太郎"]
    assert _names(session_factory, "経理") == ["田中 太郎"]
    assert _names(session_factory, "प्रिया") == ["प्रिया शर्मा"]
    # Best partial matches first: the other mentors are in Engineering too.
    assert _names(session_factory, "प्रिया engineering")[0] == "प्रिया शर्मा"
    assert _names(session_factory, "Олег") == []
    if _folds_case_beyond_ascii(app_engine):
        assert _names(session_factory, "юлия") == ["Юлия Иванова"]


def test_pages_are_the_same_whether_the_typed_skills_fill_them_or_not(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    """Three mentors know python and leadership as typed (a full score); one
    knows related skills only (django, management), one is matched by a
    prefix only ("pythonista"), and the org's Ana knows python only. The
    function looks up the typed terms first and the related ones only when
    fewer than `offset + limit` mentors match in full (migration 0038; the
    pages are compared with 0037's in test_search_exact_first_attack.py):
    what the typed terms do not find appears from the first page they do not
    fill, in the same order."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for name in ("Full Ada", "Full Bo", "Full Cy"):
            add_user(
                conn,
                "T1",
                f"U{name[5:].upper()}",
                mentor=True,
                name=name,
                expertise=("python", "leadership"),
            )
        add_user(
            conn,
            "T1",
            "URELATED",
            mentor=True,
            name="Related Rui",
            expertise=("django", "management"),
        )
        add_user(
            conn,
            "T1",
            "UPREFIX",
            mentor=True,
            name="Prefix Pia",
            expertise=("pythonista", "leadership"),
        )
    full = ["Full Ada", "Full Bo", "Full Cy"]
    assert _names(session_factory, "python leadership", limit=2) == full[:2]
    assert _names(session_factory, "python leadership", limit=3) == full
    assert _names(session_factory, "python leadership", limit=2, offset=1) == full[1:]
    everyone = _names(session_factory, "python leadership", limit=10)
    assert everyone[:3] == full
    assert {"Related Rui", "Prefix Pia", "Ana Lima"} == set(everyone[3:])  # Ana: python
    assert _names(session_factory, "python leadership", limit=1, offset=3) == everyone[3:4]
    assert _names(session_factory, "python leadership", limit=4) == everyone[:4]
