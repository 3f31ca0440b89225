"""The read paths built once (search page with completed counts, schedules in
one union, a person's sessions and a Home's feedback as columns, ids bound as
one array) return what plain SQL as the owner says they should: for random
programmes, as members and as the system, from many threads at once."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import (
    Actor,
    ExtraSlot,
    Feedback,
    MentorHit,
    Schedule,
    SessionStatus,
    SubjectRole,
    TimeOff,
    WeeklySlot,
)
from domain.search import query_terms
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, add_user, set_actor
from tests.threads import at_once

pytestmark = pytest.mark.usefixtures("clean_tables")

ACTIVE = ("requested", "scheduled", "ongoing", "completed")
OVER = ("declined", "cancelled", "expired", "no_show")
EXPERTISE = ("python", "go", "rust", "design", "sql")
QUERIES = ("", "python", "go rust", "design", "nobody-knows-this")
START = BASE_TIME.date()


@dataclass(frozen=True)
class Programme:
    """Two workspaces of random people, sessions, feedback and schedules."""

    people: dict[str, int]  # Slack id: user id
    workspace_of: dict[int, str]
    mentors: list[int]
    mentees: list[int]
    sessions: list[int]


def _slot_rows(conn: Connection, rng: random.Random, workspace: str, user_id: int) -> None:
    for weekday in rng.sample(range(7), rng.randint(0, 4)):
        for hour in rng.sample(range(6, 20, 2), rng.randint(1, 3)):
            conn.execute(
                text(
                    "INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
                    " end_time) VALUES (:w, :u, :d, :s, :e)"
                ),
                {"w": workspace, "u": user_id, "d": weekday, "s": time(hour), "e": time(hour + 1)},
            )
    # Time off and extra slots on the same days, written out of order, so that
    # ids, days and start times disagree.
    days = [START + timedelta(days=rng.randint(0, 20)) for _ in range(rng.randint(0, 6))]
    for day in days:
        if rng.random() < 0.5:
            conn.execute(
                text(
                    "INSERT INTO availability_exceptions (workspace_id, user_id, kind, first_day,"
                    " last_day) VALUES (:w, :u, 'time_off', :f, :l)"
                ),
                {"w": workspace, "u": user_id, "f": day, "l": day + timedelta(rng.randint(0, 3))},
            )
        for hour in rng.sample(range(6, 20), rng.randint(0, 3)):
            conn.execute(
                text(
                    "INSERT INTO availability_exceptions (workspace_id, user_id, kind, first_day,"
                    " last_day, start_time, end_time) VALUES (:w, :u, 'extra', :f, :f, :s, :e)"
                ),
                {"w": workspace, "u": user_id, "f": day, "s": time(hour), "e": time(hour, 45)},
            )


def _programme(engine: Engine, seed: int) -> Programme:
    rng = random.Random(seed)
    people: dict[str, int] = {}
    workspace_of: dict[int, str] = {}
    mentors: list[int] = []
    mentees: list[int] = []
    sessions: list[int] = []
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
        for workspace, n_mentors, n_mentees in (("T1", 6, 5), ("T2", 2, 2)):
            for n in range(n_mentors + n_mentees):
                mentor = n < n_mentors
                mentee = not mentor or rng.random() < 0.3
                slack = f"U{workspace}{'M' if mentor else 'E'}{n}"
                user_id = add_user(
                    conn,
                    workspace,
                    slack,
                    mentor=mentor,
                    mentee=mentee,
                    name=f"{rng.choice('ABCDE')}{slack}",
                    expertise=rng.sample(EXPERTISE, rng.randint(1 if mentor else 0, 3)),
                    goals=rng.sample(EXPERTISE, rng.randint(1 if mentee else 0, 2)),
                )
                people[slack] = user_id
                workspace_of[user_id] = workspace
                (mentors if mentor else mentees).append(user_id)
                _slot_rows(conn, rng, workspace, user_id)
        if rng.random() < 0.5:  # an inactive mentor, never found
            conn.execute(
                text("UPDATE users SET is_active = false WHERE id = :u"), {"u": mentors[0]}
            )
        hour = 0
        for _ in range(90):
            mentor_id = rng.choice(mentors)
            workspace = workspace_of[mentor_id]
            mentee_id = rng.choice([m for m in mentees if workspace_of[m] == workspace])
            series = None
            if rng.random() < 0.3:
                series = conn.execute(
                    text(
                        "INSERT INTO session_series (workspace_id, mentor_id, mentee_id,"
                        " every_weeks, times) VALUES (:w, :m, :e, 1, :t) RETURNING id"
                    ),
                    {"w": workspace, "m": mentor_id, "e": mentee_id, "t": rng.randint(2, 9)},
                ).scalar_one()
            status = rng.choice(ACTIVE + OVER)
            if status in ACTIVE:
                hour += 1
                starts = BASE_TIME + timedelta(hours=hour)
            else:  # sessions that hold no time share start times: ids break the ties
                starts = BASE_TIME + timedelta(hours=rng.randint(0, 6))
            booked = starts - timedelta(days=7)
            session_id = conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                    " status, topic, series_id, created_at, updated_at)"
                    " VALUES (:w, :m, :e, :s, :end, :status, :topic, :series, :c, :c)"
                    " RETURNING id"
                ),
                {
                    "w": workspace,
                    "m": mentor_id,
                    "e": mentee_id,
                    "s": starts,
                    "end": starts + timedelta(minutes=30),
                    "status": status,
                    "topic": f"topic {rng.randint(0, 99)}",
                    "series": series,
                    "c": booked,
                },
            ).scalar_one()
            sessions.append(session_id)
            if status == "completed":
                for author, subject, role in (
                    (mentee_id, mentor_id, "mentor"),
                    (mentor_id, mentee_id, "mentee"),
                ):
                    if rng.random() < 0.6:
                        conn.execute(
                            text(
                                "INSERT INTO feedback (workspace_id, session_id, author_id,"
                                " subject_id, subject_role, rating, comment, created_at)"
                                " VALUES (:w, :s, :a, :b, :r, :n, :c, :at)"
                            ),
                            {
                                "w": workspace,
                                "s": session_id,
                                "a": author,
                                "b": subject,
                                "r": role,
                                "n": rng.randint(1, 5),
                                "c": f"said {rng.randint(0, 9)}",
                                # Several at the same time: ids break the ties.
                                "at": starts + timedelta(hours=rng.randint(1, 2)),
                            },
                        )
    return Programme(people, workspace_of, mentors, mentees, sessions)


@pytest.fixture(params=[1, 2, 3])
def programme(request: pytest.FixtureRequest, app_engine: Engine) -> Programme:
    return _programme(app_engine, request.param)


def _slack(programme: Programme, user_id: int) -> str:
    return next(s for s, u in programme.people.items() if u == user_id)


def _uow(factory: sessionmaker[OrmSession], programme: Programme, user_id: int) -> SqlUnitOfWork:
    slack = _slack(programme, user_id)
    return SqlUnitOfWork(factory, Actor.member(programme.workspace_of[user_id], slack))


def _owner_rows(owner: Engine, sql: str, **params: Any) -> list[Any]:
    with owner.connect() as conn:
        return list(conn.execute(text(sql), params))


# --- oracles: plain SQL as the owner ------------------------------------------


def _expected_schedules(owner: Engine, user_ids: list[int]) -> dict[int, Schedule]:
    weekly: dict[int, list[WeeklySlot]] = {u: [] for u in user_ids}
    off: dict[int, list[TimeOff]] = {u: [] for u in user_ids}
    extra: dict[int, list[ExtraSlot]] = {u: [] for u in user_ids}
    for u, row_id, weekday, s, e in _owner_rows(
        owner,
        "SELECT user_id, id, weekday, start_time, end_time FROM availability"
        " WHERE user_id = ANY(:ids) ORDER BY user_id, weekday, start_time",
        ids=user_ids,
    ):
        weekly[u].append(WeeklySlot(weekday, s, e, id=row_id))
    for u, row_id, kind, first, last, s, e in _owner_rows(
        owner,
        "SELECT user_id, id, kind, first_day, last_day, start_time, end_time"
        " FROM availability_exceptions WHERE user_id = ANY(:ids)"
        " ORDER BY user_id, first_day, start_time, id",
        ids=user_ids,
    ):
        if kind == "time_off":
            off[u].append(TimeOff(first, last, id=row_id))
        else:
            extra[u].append(ExtraSlot(first, s, e, id=row_id))
    return {u: Schedule(tuple(weekly[u]), tuple(off[u]), tuple(extra[u])) for u in user_ids}


def _expected_session_ids(
    owner: Engine,
    user_id: int,
    statuses: Sequence[SessionStatus] | None,
    after: datetime | None = None,
    before: datetime | None = None,
    *,
    newest_first: bool,
    limit: int,
) -> list[int]:
    direction = "DESC" if newest_first else "ASC"
    return [
        row.id
        for row in _owner_rows(
            owner,
            "SELECT id FROM sessions WHERE (mentor_id = :u OR mentee_id = :u)"
            " AND (CAST(:any_status AS boolean) OR status = ANY(CAST(:statuses AS text[])))"
            " AND (CAST(:after AS timestamptz) IS NULL OR starts_at > :after)"
            " AND (CAST(:before AS timestamptz) IS NULL OR starts_at < :before)"
            f" ORDER BY starts_at {direction}, id {direction} LIMIT :limit",
            u=user_id,
            any_status=statuses is None,
            statuses=[status.value for status in statuses or ()],
            after=after,
            before=before,
            limit=limit,
        )
    ]


def _expected_completed(owner: Engine) -> dict[int, int]:
    return {
        row.mentor_id: row.n
        for row in _owner_rows(
            owner,
            "SELECT mentor_id, count(*) AS n FROM sessions WHERE status = 'completed'"
            " GROUP BY mentor_id",
        )
    }


def _expected_feedback(owner: Engine, session_ids: list[int]) -> dict[int, list[Feedback]]:
    found: dict[int, list[Feedback]] = {s: [] for s in session_ids}
    for row in _owner_rows(
        owner,
        "SELECT * FROM feedback WHERE session_id = ANY(:ids) ORDER BY created_at, id",
        ids=session_ids,
    ):
        found[row.session_id].append(
            Feedback(
                row.session_id,
                row.workspace_id,
                row.author_id,
                row.subject_id,
                SubjectRole(row.subject_role),
                row.rating,
                row.comment,
                id=row.id,
                created_at=row.created_at,
            )
        )
    return found


# --- schedules ------------------------------------------------------------------


def test_schedules_read_in_one_union_are_what_each_table_holds_in_its_order(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    expected = _expected_schedules(owner_engine, t1)
    assert any(s.weekly and s.time_off and s.extra for s in expected.values())
    with _uow(session_factory, programme, programme.mentees[0]) as uow:
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
    assert any(_expected_schedules(owner_engine, t2)[u] != Schedule() for u in t2)
    with _uow(session_factory, programme, programme.mentees[0]) as uow:
        found = uow.availability.schedules(t2 + t1[:2])
    assert {u: found[u] for u in t2} == {u: Schedule() for u in t2}
    assert {u: found[u] for u in t1[:2]} == _expected_schedules(owner_engine, t1[:2])


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
        with _uow(session_factory, programme, user_id) as uow:
            # Every field as the ORM reads each session on its own, read once.
            everything = _expected_session_ids(
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
                wanted = _expected_session_ids(
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
    assert _expected_session_ids(owner_engine, someone, None, newest_first=False, limit=500)
    outsider = next(m for m in programme.mentees if programme.workspace_of[m] == "T2")
    with _uow(session_factory, programme, outsider) as uow:
        assert uow.sessions.for_user(someone, limit=500) == []


# --- feedback ------------------------------------------------------------------------


def test_a_homes_feedback_is_every_row_of_each_session_in_its_order(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        found = uow.feedback.for_sessions(programme.sessions + programme.sessions[:5])
        assert uow.feedback.for_sessions([]) == {}
    wanted = _expected_feedback(owner_engine, programme.sessions)
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
    completed = _expected_completed(owner_engine)
    ratings = {
        row.mentor_id: row
        for row in _owner_rows(owner_engine, "SELECT * FROM ratings WHERE workspace_id = 'T1'")
    }
    searcher = programme.mentees[0]
    seen_done = False
    actors = (Actor.member("T1", _slack(programme, searcher)), Actor.system("T1"), Actor.system())
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
    with _uow(session_factory, programme, programme.mentees[0]) as uow:
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
    with _uow(session_factory, programme, programme.mentees[0]) as uow:
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
    with _uow(session_factory, programme, programme.mentees[0]) as uow:
        assert set(uow.users.get_many(many)) == set(t1)
        schedules = uow.availability.schedules(many)
        feedback = uow.feedback.for_sessions(many)
    assert {u: schedules[u] for u in t1} == _expected_schedules(owner_engine, t1)
    assert len(schedules) == len(set(many))
    assert not any(feedback.values())


# --- threads ---------------------------------------------------------------------------


def test_shared_statements_answer_right_from_many_threads_at_once(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, programme: Programme
) -> None:
    completed = _expected_completed(owner_engine)
    t1 = [u for u, w in programme.workspace_of.items() if w == "T1"]
    schedules = _expected_schedules(owner_engine, t1)
    wrong: list[str] = []

    def searcher(query: str, offset: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(5):
                with _uow(session_factory, programme, programme.mentees[0]) as uow:
                    for hit in _page_hits(uow, query, None, 3, offset):
                        if hit.completed_sessions != completed.get(hit.profile.id, 0):
                            wrong.append(f"{query!r} {hit.profile.id} {hit.completed_sessions}")
                    if uow.availability.schedules(t1) != schedules:
                        wrong.append("schedules")

        return run

    def reader(
        user_id: int, newest_first: bool, statuses: list[SessionStatus] | None
    ) -> Callable[[], None]:
        wanted = _expected_session_ids(
            owner_engine, user_id, statuses, newest_first=newest_first, limit=7
        )

        def run() -> None:
            for _ in range(5):
                with _uow(session_factory, programme, user_id) as uow:
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
