"""What matching and phrase search read from PostgreSQL, as the application
role: candidates ranked by how many groups of terms they match, the system
reading them for a workspace it names, the goals of satisfied mentees (only
those two share), and recent declines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import Actor, SearchTerm
from domain.search import query_terms
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.storage.seed import add_session, add_user, set_actor


class People:
    """T1: four mentors, three mentees; T2: a mentor who knows everything."""

    def __init__(self, engine: Engine) -> None:
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))

            def mentor(slack: str, name: str, expertise: list[str], workspace: str = "T1") -> int:
                return add_user(conn, workspace, slack, mentor=True, name=name, expertise=expertise)

            self.pia = mentor("UPIA", "Pia", ["postgresql", "query optimization"])
            self.sol = mentor("USOL", "Sol", ["sql"])
            self.tom = mentor("UTOM", "Tom", ["query tuning"])
            self.kai = mentor("UKAI", "Kai", ["kubernetes"])
            self.far = mentor("UFAR", "Far", ["postgresql", "query tuning"], workspace="T2")
            self.ben = add_user(conn, "T1", "UBEN", mentee=True, goals=["sql"])
            self.ana = add_user(conn, "T1", "UANA", mentee=True, goals=["negotiation", "sql"])
            self.eve = add_user(conn, "T1", "UEVE", mentee=True, goals=["negotiation"])

    def rate(self, conn: Connection, mentor: int, mentee: int, rating: int, days: int) -> None:
        session = add_session(
            conn, "T1", mentor, mentee, starts_at=MONDAY - timedelta(days=days), status="completed"
        )
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :a, :m, 'mentor', :r)"
            ),
            {"s": session, "a": mentee, "m": mentor, "r": rating},
        )


@pytest.fixture
def people(app_engine: Engine, clean_tables: None) -> People:
    return People(app_engine)


def _names(factory: sessionmaker[OrmSession], actor: Actor, terms: list[SearchTerm]) -> list[str]:
    with SqlUnitOfWork(factory, actor) as uow:
        found = uow.users.mentor_candidates("T1", terms, exclude_user_id=None, limit=10)
    return [c.profile.display_name for c in found]


def test_a_phrase_finds_the_best_partial_matches_first(
    people: People, session_factory: sessionmaker[OrmSession]
) -> None:
    ben = Actor.member("T1", "UBEN")
    with SqlUnitOfWork(session_factory, ben) as uow:
        hits = uow.users.search_mentors(
            "T1", query_terms("postgres query tuning"), exclude_user_id=None, limit=10, offset=0
        )
    ranked = [(hit.profile.display_name, hit.score) for hit in hits]
    # Pia knows both (query optimization is query tuning); Tom one and a skill
    # close to the other; Sol skills close to both. Kai nothing of it.
    assert [name for name, _ in ranked] == ["Pia", "Tom", "Sol"]
    assert ranked[0][1] == 1.0
    assert 1.0 > ranked[1][1] > ranked[2][1] > 0


def test_candidates_are_scored_per_group_whole_typed_and_related(
    people: People, session_factory: sessionmaker[OrmSession]
) -> None:
    ben = Actor.member("T1", "UBEN")
    terms = [
        SearchTerm("postgres", 0, 1.0, prefix=True),
        SearchTerm("postgresql", 0, 1.0),
        SearchTerm("sql", 0, 0.8),
        SearchTerm("kubernetes", 1, 1.0),
    ]
    assert _names(session_factory, ben, terms) == ["Kai", "Pia", "Sol"]
    with SqlUnitOfWork(session_factory, ben) as uow:
        found = uow.users.mentor_candidates("T1", terms, exclude_user_id=people.kai, limit=10)
    assert [(c.profile.display_name, c.score) for c in found] == [("Pia", 0.5), ("Sol", 0.4)]


def test_the_system_reads_candidates_for_the_workspace_it_names_a_member_only_their_own(
    people: People, session_factory: sessionmaker[OrmSession]
) -> None:
    terms = [SearchTerm("postgresql", 0)]
    assert _names(session_factory, Actor.system(), terms) == ["Pia"]
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        far = uow.users.mentor_candidates("T2", terms, exclude_user_id=None, limit=10)
    assert [c.profile.display_name for c in far] == ["Far"]
    # A member asking for another workspace still gets their own.
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UBEN")) as uow:
        mine = uow.users.mentor_candidates("T2", terms, exclude_user_id=None, limit=10)
    assert mine == []  # the rows are T1's; the repository keeps only T2's


def test_satisfied_goals_are_those_two_satisfied_mentees_share(
    people: People, app_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        # Kai: two satisfied mentees want negotiation; only one of them sql.
        people.rate(conn, people.kai, people.ana, 5, days=10)
        people.rate(conn, people.kai, people.eve, 4, days=9)
        # Sol: one satisfied mentee (sql), one who was not (rated 3).
        people.rate(conn, people.sol, people.ben, 5, days=8)
        people.rate(conn, people.sol, people.ana, 3, days=7)
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UBEN")) as uow:
        goals = uow.sessions.satisfied_goals([people.kai, people.sol], min_rating=4)
    assert goals == {people.kai: ("negotiation",)}


def test_declines_count_from_the_time_they_were_made(
    people: People, app_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for mentor, days in ((people.pia, 3), (people.sol, 40)):
            session = add_session(conn, "T1", mentor, people.ben, starts_at=MONDAY)
            conn.execute(
                text("UPDATE sessions SET status = 'declined', updated_at = :at WHERE id = :s"),
                {"at": MONDAY - timedelta(days=days), "s": session},
            )
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UBEN")) as uow:
        declined = uow.sessions.declined_by(people.ben, since=MONDAY - timedelta(days=30))
    assert declined == {people.pia}
