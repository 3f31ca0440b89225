"""The read paths built once (search page with completed counts, schedules in
one union, a person's sessions and a Home's feedback as columns, ids bound as
one array) return what plain SQL as the owner says they should: for random
programmes, as members and as the system, from many threads at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import (
    Actor,
    MentorHit,
    Schedule,
    SessionStatus,
)
from domain.search import query_terms
from storage.uow import SqlUnitOfWork
from tests.storage.read_paths import (
    QUERIES,
    Programme,
    build_programme,
    expected_completed,
    expected_feedback,
    expected_schedules,
    expected_session_ids,
    owner_rows,
    slack_of,
    uow_of,
)
from tests.storage.seed import BASE_TIME
from tests.threads import at_once

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture(params=[1, 2, 3])
def programme(request: pytest.FixtureRequest, app_engine: Engine) -> Programme:
    return build_programme(app_engine, request.param)


# --- schedules ------------------------------------------------------------------


def test_schedules_read_in_one_union_are_what_each_table_holds_in_its_order(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    expected = expected_schedules(owner_engine, t1)
    assert any(s.weekly and s.time_off and s.extra for s in expected.values())
    with uow_of(session_factory, programme, programme.mentees[0]) as uow:
        assert uow.availability.schedules(t1) == expected
        assert uow.availability.schedules(reversed(t1)) == expected
        for user_id in t1:
            assert uow.availability.schedule(user_id) == expected[user_id]
        doubled = uow.availability.schedules([t1[1], t1[0], t1[1], t1[0]])
        assert list(doubled) == [t1[1], t1[0]]
        assert doubled == {t1[1]: expected[t1[1]], t1[0]: expected[t1[0]]}
        assert uow.availability.schedules([]) == {}


def test_a_members_schedules_never_show_another_workspaces_rows(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    t2 = [u for u, w in programme.workspace_of.items() if w == "T2"]
    assert any(expected_schedules(owner_engine, t2)[u] != Schedule() for u in t2)
    with uow_of(session_factory, programme, programme.mentees[0]) as uow:
        found = uow.availability.schedules(t2 + t1[:2])
    assert {u: found[u] for u in t2} == {u: Schedule() for u in t2}
    assert {u: found[u] for u in t1[:2]} == expected_schedules(owner_engine, t1[:2])


# --- a person's sessions ----------------------------------------------------------


STATUS_CHOICES: tuple[list[SessionStatus] | None, ...] = (
    None,
    [],
    [SessionStatus.COMPLETED],
    [SessionStatus.REQUESTED, SessionStatus.SCHEDULED, SessionStatus.CANCELLED],
    list(SessionStatus),
)


def test_a_persons_sessions_are_what_sql_finds_for_every_shape_of_bounds(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    middle = BASE_TIME + timedelta(hours=20)
    bounds = (None, BASE_TIME + timedelta(hours=3), middle)
    for user_id in t1[:1] + t1[-1:]:  # a mentor and a mentee
        with uow_of(session_factory, programme, user_id) as uow:
            # Every field as the ORM reads each session on its own, read once.
            everything = expected_session_ids(
                owner_engine, user_id, None, newest_first=False, limit=500
            )
            as_orm = {session_id: uow.sessions.get(session_id) for session_id in everything}
            for statuses, after, before, newest_first, limit in product(
                STATUS_CHOICES,
                bounds,
                (None, middle, middle + timedelta(days=2)),
                (False, True),
                (2, 50),
            ):
                found = uow.sessions.for_user(
                    user_id,
                    statuses=statuses,
                    starts_after=after,
                    starts_before=before,
                    newest_first=newest_first,
                    limit=limit,
                )
                wanted = expected_session_ids(
                    owner_engine,
                    user_id,
                    statuses,
                    after,
                    before,
                    newest_first=newest_first,
                    limit=limit,
                )
                assert [s.id for s in found] == wanted, (statuses, after, before, newest_first)
                assert found == [as_orm[s.id] for s in found]
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        everything = [s for u in t1 for s in uow.sessions.for_user(u, limit=500)]
    assert {s.series_times is None for s in everything} == {True, False}
    assert {s.status for s in everything} == set(SessionStatus)


def test_a_member_reads_no_sessions_of_someone_else_through_for_user(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    someone = programme.mentors[1]
    assert expected_session_ids(owner_engine, someone, None, newest_first=False, limit=500)
    outsider = next(m for m in programme.mentees if programme.workspace_of[m] == "T2")
    with uow_of(session_factory, programme, outsider) as uow:
        assert uow.sessions.for_user(someone, limit=500) == []


# --- feedback ------------------------------------------------------------------------


def test_a_homes_feedback_is_every_row_of_each_session_in_its_order(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        found = uow.feedback.for_sessions(programme.sessions + programme.sessions[:5])
        assert uow.feedback.for_sessions([]) == {}
    wanted = expected_feedback(owner_engine, programme.sessions)
    assert any(len(f) == 2 for f in wanted.values())
    assert found == wanted


# --- search ---------------------------------------------------------------------------


def _page_hits(
    uow: SqlUnitOfWork, query: str, exclude: int | None, limit: int, offset: int
) -> list[MentorHit]:
    return uow.users.search_mentors(
        "T1", query_terms(query), exclude_user_id=exclude, limit=limit, offset=offset
    )


def test_a_search_page_counts_each_mentors_completed_sessions(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    completed = expected_completed(owner_engine)
    ratings = {
        row.mentor_id: row
        for row in owner_rows(owner_engine, "SELECT * FROM ratings WHERE workspace_id = 'T1'")
    }
    searcher = programme.mentees[0]
    seen_done = False
    actors = (Actor.member("T1", slack_of(programme, searcher)), Actor.system("T1"), Actor.system())
    for actor, query, exclude in product(actors, QUERIES, (None, programme.mentors[1], searcher)):
        with SqlUnitOfWork(session_factory, actor) as uow:
            whole = _page_hits(uow, query, exclude, 100, 0)
            paged = [
                hit
                for offset in range(0, 8, 3)
                for hit in _page_hits(uow, query, exclude, 3, offset)
            ]
            candidates = uow.users.mentor_candidates(
                "T1", query_terms(query), exclude_user_id=exclude, limit=100
            )
            for hit in whole:
                assert hit.profile == uow.users.get(hit.profile.id)
        assert paged == whole[: len(paged)]
        assert exclude not in [h.profile.id for h in whole]
        assert [(c.profile, c.rating, c.score) for c in candidates] == [
            (h.profile, h.rating, h.score) for h in whole
        ]
        for hit in whole:
            assert programme.workspace_of[hit.profile.id] == "T1"
            assert hit.completed_sessions == completed.get(hit.profile.id, 0)
            seen_done = seen_done or hit.completed_sessions > 0
            rating = ratings.get(hit.profile.id)
            assert hit.rating.mentor_id == hit.profile.id
            assert hit.rating.count == (rating.rating_count if rating else 0)
    assert seen_done


def test_a_page_past_the_last_mentor_is_empty_and_counts_nothing(
    session_factory: sessionmaker[OrmSession], programme: Programme
) -> None:
    with uow_of(session_factory, programme, programme.mentees[0]) as uow:
        assert _page_hits(uow, "", None, 10, 1000) == []
        assert _page_hits(uow, "nobody-knows-this", None, 10, 0) == []
        everyone = _page_hits(uow, "", None, 100, 0)
        candidates = uow.users.mentor_candidates("T1", [], exclude_user_id=None, limit=100)
    assert everyone
    assert [c.profile for c in candidates] == [h.profile for h in everyone]


# --- ids bound as one array -------------------------------------------------------------


def test_profiles_by_id_keep_each_once_and_hide_other_workspaces(
    session_factory: sessionmaker[OrmSession], programme: Programme
) -> None:
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    t2 = [u for u, w in programme.workspace_of.items() if w == "T2"]
    with uow_of(session_factory, programme, programme.mentees[0]) as uow:
        one_by_one = {u: uow.users.get(u) for u in t1}
        found = uow.users.get_many(t1 + t1 + t2 + [max(t1 + t2) + 1000])
        assert uow.users.get_many(iter([])) == {}
    assert found == one_by_one
    assert all(profile is not None and profile.expertise is not None for profile in found.values())
    assert {type(p.expertise) for p in found.values()} == {tuple}


def test_many_ids_bound_as_one_array_are_all_read(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    """More ids than an expanding IN could ever bind (65,535 parameters)."""
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    many = list(range(10**6, 10**6 + 70_000)) + t1
    with uow_of(session_factory, programme, programme.mentees[0]) as uow:
        assert set(uow.users.get_many(many)) == set(t1)
        schedules = uow.availability.schedules(many)
        feedback = uow.feedback.for_sessions(many)
    assert {u: schedules[u] for u in t1} == expected_schedules(owner_engine, t1)
    assert len(schedules) == len(set(many))
    assert not any(feedback.values())


# --- threads ---------------------------------------------------------------------------


def test_shared_statements_answer_right_from_many_threads_at_once(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    completed = expected_completed(owner_engine)
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    schedules = expected_schedules(owner_engine, t1)
    wrong: list[str] = []

    def searcher(query: str, offset: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(5):
                with uow_of(session_factory, programme, programme.mentees[0]) as uow:
                    for hit in _page_hits(uow, query, None, 3, offset):
                        if hit.completed_sessions != completed.get(hit.profile.id, 0):
                            wrong.append(f"{query!r} {hit.profile.id} {hit.completed_sessions}")
                    if uow.availability.schedules(t1) != schedules:
                        wrong.append("schedules")

        return run

    def reader(
        user_id: int, newest_first: bool, statuses: list[SessionStatus] | None
    ) -> Callable[[], None]:
        wanted = expected_session_ids(
            owner_engine, user_id, statuses, newest_first=newest_first, limit=7
        )

        def run() -> None:
            for _ in range(5):
                with uow_of(session_factory, programme, user_id) as uow:
                    found = uow.sessions.for_user(
                        user_id, statuses=statuses, newest_first=newest_first, limit=7
                    )
                    if [s.id for s in found] != wanted:
                        wrong.append(f"for_user {user_id} {newest_first} {statuses}")

        return run

    work: list[Callable[[], None]] = [
        searcher(query, offset) for query in QUERIES for offset in (0, 2)
    ] + [
        reader(user_id, newest_first, statuses)
        for user_id in t1[:3]
        for newest_first in (False, True)
        for statuses in (None, [SessionStatus.COMPLETED])
    ]
    at_once(*work)
    assert wrong == []
