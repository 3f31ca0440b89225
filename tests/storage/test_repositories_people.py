"""Profiles and mentor search on PostgreSQL: round trips, and search by word
prefix, close spelling, accents, department and expertise, ranked and paged."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import Conflict, NotFound
from domain.model import (
    Actor,
    Feedback,
    MentorHit,
    MentorRating,
    NewProfile,
    NewSession,
    Profile,
    SessionStatus,
    SubjectRole,
    WeeklySlot,
)
from domain.search import query_terms
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def workspaces(app_engine: Engine) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))


def _system(factory: sessionmaker[OrmSession]) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.system())


def _person(
    factory: sessionmaker[OrmSession],
    slack_user_id: str,
    name: str,
    *,
    workspace: str = "T1",
    department: str = "Engineering",
    expertise: tuple[str, ...] = ("python",),
    mentor: bool = True,
    active: bool = True,
) -> Profile:
    """A profile, added and then completed through the repository."""
    with _system(factory) as uow:
        added = uow.users.add(NewProfile(workspace, slack_user_id, name, created_at=BASE_TIME))
        saved = uow.users.save(
            replace(
                added,
                department=department,
                is_mentor=mentor,
                is_mentee=not mentor,
                is_active=active,
                expertise=expertise if mentor else (),
                learning_goals=() if mentor else ("leadership",),
            ),
            at=BASE_TIME,
        )
        uow.commit()
    return saved


def _rate(factory: sessionmaker[OrmSession], mentor: Profile, mentee: Profile, *stars: int) -> None:
    """Completed sessions with `mentor`, each rated by `mentee`."""
    with _system(factory) as uow:
        for n, rating in enumerate(stars):
            starts_at = BASE_TIME + timedelta(days=n, hours=mentor.id)
            session = uow.sessions.add(
                NewSession(
                    workspace_id="T1",
                    mentor_id=mentor.id,
                    mentee_id=mentee.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=30),
                    status=SessionStatus.COMPLETED,
                    created_at=BASE_TIME,
                )
            )
            uow.feedback.add(
                Feedback(
                    session_id=session.id,
                    workspace_id="T1",
                    author_id=mentee.id,
                    subject_id=mentor.id,
                    subject_role=SubjectRole.MENTOR,
                    rating=rating,
                ),
                at=BASE_TIME,
            )
        uow.commit()


def _offer_time(factory: sessionmaker[OrmSession], mentor: Profile) -> None:
    with _system(factory) as uow:
        uow.availability.add_weekly(
            "T1",
            mentor.id,
            WeeklySlot(0, BASE_TIME.time(), (BASE_TIME + timedelta(hours=2)).time()),
        )
        uow.commit()


# --- profiles ---------------------------------------------------------------


@pytest.mark.usefixtures("workspaces")
def test_a_saved_profile_reads_back_with_every_field(
    session_factory: sessionmaker[OrmSession],
) -> None:
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UADA")) as uow:
        added = uow.users.add(
            NewProfile("T1", "UADA", "Ada", time_zone="Europe/London", created_at=BASE_TIME)
        )
        edited = replace(
            added,
            display_name="Ada Lovelace",
            time_zone="Europe/Paris",
            title="Engineer",
            department="Research",
            is_mentor=True,
            is_mentee=True,
            is_active=True,
            bio="Numbers",
            expertise=("maths", "engines"),
            learning_goals=("poetry",),
            meeting_link="https://meet.example/ada",
            session_minutes=45,
            max_sessions_per_week=3,
        )
        assert uow.users.save(edited, at=BASE_TIME) == edited
        uow.commit()
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UBOB")) as uow:
        assert uow.users.get(added.id) == edited
        assert uow.users.by_slack_id("T1", "UADA") == edited


@pytest.mark.usefixtures("workspaces")
def test_saving_a_profile_moves_its_updated_at(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine
) -> None:
    ada = _person(session_factory, "UADA", "Ada")

    def updated_at() -> object:
        with owner_engine.connect() as conn:
            return conn.execute(
                text("SELECT updated_at FROM users WHERE id = :id"), {"id": ada.id}
            ).scalar_one()

    assert updated_at() == BASE_TIME  # when `_person` saved it
    later = BASE_TIME + timedelta(minutes=5)
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UADA")) as uow:
        uow.users.save(replace(ada, bio="Hello"), at=later)
        uow.commit()
    assert updated_at() == later  # the time the save was given, not the server's


@pytest.mark.usefixtures("workspaces")
def test_saving_someone_elses_profile_is_refused(
    session_factory: sessionmaker[OrmSession],
) -> None:
    ada = _person(session_factory, "UADA", "Ada")
    with pytest.raises(NotFound), SqlUnitOfWork(session_factory, Actor.member("T1", "UEVE")) as uow:
        uow.users.save(replace(ada, bio="Eve was here"), at=BASE_TIME)
    with _system(session_factory) as uow:
        assert uow.users.get(ada.id) == ada


@pytest.mark.usefixtures("workspaces")
def test_a_second_profile_for_the_same_slack_user_is_a_conflict(
    session_factory: sessionmaker[OrmSession],
) -> None:
    _person(session_factory, "UADA", "Ada")
    with pytest.raises(Conflict), _system(session_factory) as uow:
        uow.users.add(NewProfile("T1", "UADA", "Ada again", created_at=BASE_TIME))


@pytest.mark.usefixtures("workspaces")
def test_several_profiles_load_at_once_and_unknown_ids_are_left_out(
    session_factory: sessionmaker[OrmSession],
) -> None:
    ada = _person(session_factory, "UADA", "Ada")
    bob = _person(session_factory, "UBOB", "Bob", mentor=False)
    stranger = _person(session_factory, "USTRANGER", "Stranger", workspace="T2")
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UADA")) as uow:
        found = uow.users.get_many(iter([ada.id, bob.id, stranger.id, 999_999, ada.id]))
        assert uow.users.get_many([]) == {}
    assert found == {ada.id: ada, bob.id: bob}


# --- search -----------------------------------------------------------------


class People:
    def __init__(self, factory: sessionmaker[OrmSession]) -> None:
        self.factory = factory
        self.alice = _person(factory, "UALICE", "Alice Smith", expertise=("python", "leadership"))
        self.maria = _person(
            factory,
            "UMARIA",
            "María García",
            department="Data Science",
            expertise=("machine learning", "statistics"),
        )
        self.bob = _person(
            factory, "UBOB", "Bob Jones", department="Sales", expertise=("negotiation",)
        )
        self.carol = _person(factory, "UCAROL", "Carol Python", active=False)
        self.dave = _person(factory, "UDAVE", "Dave Brown", mentor=False)
        self.eve = _person(factory, "UEVE", "Eve Adams", expertise=("python",))
        self.alien = _person(factory, "UALIEN", "Alice Other", workspace="T2")

    def search(
        self,
        query: str,
        *,
        exclude: Profile | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[str]:
        return [hit.profile.display_name for hit in self.hits(query, exclude, limit, offset)]

    def hits(
        self, query: str, exclude: Profile | None = None, limit: int = 20, offset: int = 0
    ) -> list[MentorHit]:
        searcher = exclude or self.dave
        with SqlUnitOfWork(self.factory, Actor.member("T1", searcher.slack_user_id)) as uow:
            return uow.users.search_mentors(
                "T1", query_terms(query), exclude_user_id=searcher.id, limit=limit, offset=offset
            )


@pytest.fixture
def people(session_factory: sessionmaker[OrmSession], workspaces: None) -> People:
    return People(session_factory)


def test_a_word_prefix_finds_a_name_and_an_expertise(people: People) -> None:
    assert people.search("ali") == ["Alice Smith"]
    assert people.search("pyth") == ["Alice Smith", "Eve Adams"]
    # Every word need not match: who matches more of them comes first.
    assert people.search("ALI pyth") == ["Alice Smith", "Eve Adams"]
    assert set(people.search("ali sales")) == {"Alice Smith", "Bob Jones"}


def test_a_close_spelling_finds_the_name_but_ranks_below_real_matches(people: People) -> None:
    [alice] = people.hits("Alise")
    assert alice.profile == people.alice
    [exact] = people.hits("Alice")
    assert 0 < alice.score < exact.score


def test_accents_do_not_matter_either_way(people: People) -> None:
    assert people.search("maria") == ["María García"]
    assert people.search("garcia") == ["María García"]
    assert people.search("MARÍA") == ["María García"]


def test_a_department_or_an_expertise_of_several_words_is_found(people: People) -> None:
    assert people.search("data sci") == ["María García"]
    assert people.search("sales") == ["Bob Jones"]
    assert people.search("machine learn") == ["María García"]
    assert people.search("statistics") == ["María García"]


def test_a_query_that_matches_nobody_finds_nobody(people: People) -> None:
    assert people.search("kubernetes") == []


def test_inactive_mentors_non_mentors_the_searcher_and_other_workspaces_are_never_found(
    people: People,
) -> None:
    # Carol is an inactive mentor, Dave is a mentee, Eve is searching, Alice Other is in T2.
    assert people.search("carol") == []
    assert people.search("dave") == []
    assert people.search("eve", exclude=people.eve) == []
    assert people.search("pyth", exclude=people.eve) == ["Alice Smith"]
    assert people.search("other") == []


def test_a_blank_query_lists_every_active_mentor_by_name_when_nobody_is_rated(
    people: People,
) -> None:
    expected = ["Alice Smith", "Bob Jones", "Eve Adams", "María García"]
    assert people.search("") == expected
    assert people.search("   ") == expected
    # Nothing searchable in it: treated as blank.
    assert people.search(" ?! -- ") == expected
    assert {hit.score for hit in people.hits("")} == {0.0}


def test_equal_matches_rank_by_rating_then_offered_time_then_name(
    people: People, session_factory: sessionmaker[OrmSession]
) -> None:
    zed = _person(session_factory, "UZED", "Zed Python", expertise=("python",))
    _person(session_factory, "UAMY", "Amy Python", expertise=("python",))
    _rate(session_factory, people.eve, people.dave, 5, 4)
    _rate(session_factory, people.alice, people.dave, 3)
    _offer_time(session_factory, zed)
    # Eve 4.5, Alice 3.0, then the unrated: Zed offers time, Amy does not.
    assert people.search("python") == [
        "Eve Adams",
        "Alice Smith",
        "Zed Python",
        "Amy Python",
    ]
    hits = people.hits("python")
    assert hits[0].rating == MentorRating(people.eve.id, 2, 4.5)
    assert hits[0].completed_sessions == 2
    assert hits[2].rating == MentorRating(zed.id, 0, None)
    assert hits[2].completed_sessions == 0
    assert {hit.score for hit in hits} == {1.0}


def test_a_whole_word_match_ranks_above_a_better_rated_prefix_match(
    people: People, session_factory: sessionmaker[OrmSession]
) -> None:
    pythonista = _person(session_factory, "UPY", "Pat Kim", expertise=("pythonista",))
    _rate(session_factory, pythonista, people.dave, 5)
    assert people.search("python") == ["Alice Smith", "Eve Adams", "Pat Kim"]


def test_results_come_a_page_at_a_time(people: People) -> None:
    everyone = people.search("")
    pages = [people.search("", limit=2, offset=offset) for offset in (0, 2, 4)]
    assert pages == [everyone[:2], everyone[2:4], []]


def test_what_a_person_types_never_reaches_sql_as_sql(people: People) -> None:
    for query in ("'; DROP TABLE users; --", "a & | ! :* (", "\\' OR 1=1", "ali:* | b", "ˈ'ʼ"):
        people.search(query)
    # Operators are text: `ali` is a word, `| b` is no OR (Bob does not match).
    assert people.search("ali:* | b") == ["Alice Smith"]
    # Quotes are text too: only the word `ali` finds anyone (not everyone).
    assert people.search("ali' OR '1'='1") == ["Alice Smith"]
    assert len(people.search("")) == 4


def test_unnamed_people_are_the_active_ones_named_by_their_slack_id_where_the_app_is_installed(
    workspaces: None, app_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id, paused_at) VALUES ('T3', now())"))
        for workspace, slack_id, name, active in [
            ("T1", "UA", "UA", True),
            ("T1", "UB", "UB", False),  # left: nobody to ask about
            ("T1", "UC", "Chen", True),
            ("T1", "UD", "ud", True),  # a name, however like the id
            ("T2", "UE", "UE", True),
            ("T3", "UF", "UF", True),  # the app is uninstalled there
        ]:
            conn.execute(
                text(
                    "INSERT INTO users (workspace_id, slack_user_id, display_name, is_active)"
                    " VALUES (:w, :u, :n, :a)"
                ),
                {"w": workspace, "u": slack_id, "n": name, "a": active},
            )
    with SqlUnitOfWork(session_factory, Actor.system(None)) as uow:
        everywhere = sorted(uow.users.unnamed(10))
        samples = {tuple(uow.users.unnamed(1)) for _ in range(40)}
        none = uow.users.unnamed(0)
    with SqlUnitOfWork(session_factory, Actor.member("T2", "UE")) as uow:
        in_t2 = uow.users.unnamed(10)
    assert everywhere == [("T1", "UA"), ("T2", "UE")]
    # One at a time, each of them in turn: a few never hold up the rest.
    assert samples == {(("T1", "UA"),), (("T2", "UE"),)}
    assert none == []
    assert in_t2 == [("T2", "UE")]
