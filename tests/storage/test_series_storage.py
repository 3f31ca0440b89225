"""Recurring sessions held by the database (migration 0021): a series and its
sessions are written together or not at all, a session belongs only to a
series of its own two people, a series holds at most its number of sessions,
sessions join it only in the transaction that books it, and nobody moves a
session from one series to another. Answered with one click as the mentor,
through the same guards as one session at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import Conflict, SlotTaken
from domain.model import Actor, NewSeries, NewSession, Repeat, Role
from domain.series import accept_series, decline_series
from domain.sessions import Outcome, book, expire_overdue_requests
from storage.errors import INSUFFICIENT_PRIVILEGE, constraint_name, sqlstate
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock
from tests.storage.races import race
from tests.storage.seed import add_session, add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

# Sunday 00:00 UTC before the anchor Monday: that week lies within the horizon.
NOW = MONDAY - timedelta(days=1)
NINE = MONDAY + timedelta(hours=9)
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Pair:
    factory: sessionmaker[OrmSession]
    mentor: int
    mentee: int
    other: int  # another mentee of the same mentor

    def uow(self, slack_id: str | None) -> SqlUnitOfWork:
        actor = Actor.system() if slack_id is None else Actor("T1", slack_id, Role.MEMBER)
        return SqlUnitOfWork(self.factory, actor)


@pytest.fixture
def pair(app_engine: Engine, session_factory: sessionmaker[OrmSession]) -> Pair:
    """Workspace T1 on UTC: UMAYA mentors weekdays 09:00-17:00; UBEN and UCARA mentees."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True)
        ben = add_user(conn, "T1", "UBEN", mentee=True)
        cara = add_user(conn, "T1", "UCARA", mentee=True)
        conn.execute(
            text(
                "INSERT INTO availability (workspace_id, user_id, weekday, start_time, end_time)"
                " SELECT 'T1', :id, day, '09:00', '17:00' FROM generate_series(0, 4) AS day"
            ),
            {"id": maya},
        )
    return Pair(session_factory, maya, ben, cara)


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _series(conn: Connection, mentor: int, mentee: int, *, every: int = 1, times: int = 2) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO session_series (workspace_id, mentor_id, mentee_id, every_weeks,"
                " times) VALUES ('T1', :mentor, :mentee, :every, :times) RETURNING id"
            ),
            {"mentor": mentor, "mentee": mentee, "every": every, "times": times},
        ).scalar_one()
    )


def _occurrence(conn: Connection, pair: Pair, series_id: int, starts_at: datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
            " series_id) VALUES ('T1', :mentor, :mentee, :s, :s + interval '30 minutes', :series)"
        ),
        {"mentor": pair.mentor, "mentee": pair.mentee, "s": starts_at, "series": series_id},
    )


def _write_series(uow: SqlUnitOfWork, pair: Pair, starts: list[datetime]) -> None:
    """A series and its sessions through the repository alone, past the
    domain's checks, committed if every write is taken."""
    now = FakeClock(NOW).now()
    with uow:
        series_id = uow.sessions.add_series(
            NewSeries("T1", pair.mentor, pair.mentee, Repeat(1, len(starts)), created_at=now)
        )
        for starts_at in starts:
            ends_at = starts_at + timedelta(minutes=30)
            uow.sessions.add(
                NewSession(
                    "T1",
                    pair.mentor,
                    pair.mentee,
                    starts_at,
                    ends_at,
                    series_id=series_id,
                    created_at=now,
                )
            )
        uow.commit()


def test_a_series_booked_through_the_unit_of_work_is_read_back_by_its_mentor(
    pair: Pair, owner_engine: Engine
) -> None:
    booked = book(
        pair.uow("UBEN"),
        FakeClock(NOW),
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=2, times=3),
    )
    series_id = booked.session.series_id
    assert series_id is not None

    with pair.uow("UMAYA") as uow:
        series = uow.sessions.series(series_id)
    assert series is not None
    assert (series.mentor_id, series.mentee_id, series.repeat) == (
        pair.mentor,
        pair.mentee,
        Repeat(every_weeks=2, times=3),
    )
    assert [s.starts_at for s in series.sessions] == [NINE, NINE + 2 * WEEK, NINE + 4 * WEEK]
    assert _count(owner_engine, "SELECT count(DISTINCT series_id) FROM sessions") == 1
    # One request notice for the series, to the mentor.
    assert _count(owner_engine, "SELECT count(*) FROM notifications") == 1


def test_a_series_whose_session_meets_a_held_slot_writes_nothing(
    pair: Pair, app_engine: Engine, owner_engine: Engine
) -> None:
    """The domain checks every session first; this is the wall behind it: the
    database refuses the overlapping session and the series goes with it."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_session(conn, "T1", pair.mentor, pair.other, starts_at=NINE + 2 * WEEK)
    with pytest.raises(SlotTaken):
        _write_series(pair.uow("UBEN"), pair, [NINE + week * WEEK for week in range(3)])

    assert _count(owner_engine, "SELECT count(*) FROM session_series") == 0
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 1  # Cara's alone


@pytest.mark.parametrize(
    ("every", "times", "constraint"),
    [
        (3, 4, "ck_session_series_every_weeks_known"),
        (1, 1, "ck_session_series_times_range"),
        (4, 13, "ck_session_series_times_range"),
    ],
)
def test_a_series_repeats_every_1_2_or_4_weeks_2_to_12_times(
    pair: Pair, app_engine: Engine, every: int, times: int, constraint: str
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        with pytest.raises(DBAPIError) as refused:
            _series(conn, pair.mentor, pair.mentee, every=every, times=times)
    assert constraint_name(refused.value) == constraint


def test_a_session_belongs_only_to_a_series_of_its_own_two_people(
    pair: Pair, app_engine: Engine
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        theirs = _series(conn, pair.mentor, pair.other)
        with pytest.raises(DBAPIError) as refused:
            _occurrence(conn, pair, theirs, NINE)
    assert constraint_name(refused.value) == "fk_sessions_series_id_session_series"


def test_a_series_holds_at_most_its_number_of_sessions(pair: Pair, app_engine: Engine) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        series_id = _series(conn, pair.mentor, pair.mentee, times=2)
        _occurrence(conn, pair, series_id, NINE)
        _occurrence(conn, pair, series_id, NINE + WEEK)
        with pytest.raises(DBAPIError) as refused:
            _occurrence(conn, pair, series_id, NINE + 2 * WEEK)
    assert sqlstate(refused.value) == INSUFFICIENT_PRIVILEGE
    assert "already holds its 2 sessions" in str(refused.value)


def test_a_member_adds_sessions_to_a_series_only_in_the_transaction_that_booked_it(
    pair: Pair, app_engine: Engine, owner_engine: Engine
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UBEN", "member")
        series_id = _series(conn, pair.mentor, pair.mentee, times=3)
        _occurrence(conn, pair, series_id, NINE)
        _occurrence(conn, pair, series_id, NINE + WEEK)

    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UBEN", "member")
        with pytest.raises(DBAPIError) as refused:
            _occurrence(conn, pair, series_id, NINE + 2 * WEEK)
    assert sqlstate(refused.value) == INSUFFICIENT_PRIVILEGE
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 2


def test_nobody_moves_a_session_to_another_series_or_changes_a_series(
    pair: Pair, app_engine: Engine
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UBEN", "member")
        series_id = _series(conn, pair.mentor, pair.mentee)
        _occurrence(conn, pair, series_id, NINE)
    for statement in (
        "UPDATE sessions SET series_id = NULL",
        "UPDATE session_series SET times = 12",
        "DELETE FROM session_series",
    ):
        with app_engine.begin() as conn:
            set_actor(conn, None, None, "system")
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text(statement))
        assert sqlstate(refused.value) == INSUFFICIENT_PRIVILEGE, statement


def test_the_mentor_accepts_a_series_through_every_guard_of_one_session_at_a_time(
    pair: Pair, owner_engine: Engine
) -> None:
    """Each session's status change, history row, calendar sequence and notice
    key passes the triggers and policies a single acceptance does."""
    clock = FakeClock(NOW)
    booked = book(
        pair.uow("UBEN"),
        clock,
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=4),
    )

    accepted = accept_series(
        pair.uow("UMAYA"),
        clock,
        series_id=booked.session.series_id or 0,
        seen=[s.starts_at for s in booked.series],
    )

    assert [s.status.value for s in accepted.series] == ["scheduled"] * 4
    assert _count(owner_engine, "SELECT count(*) FROM sessions WHERE status = 'scheduled'") == 4
    assert _count(owner_engine, "SELECT count(*) FROM sessions WHERE calendar_sequence = 0") == 4
    assert _count(owner_engine, "SELECT count(*) FROM session_history") == 8
    # The mentee's acceptance notice and one calendar file each, for the four.
    kinds = "SELECT count(*) FROM notifications WHERE kind = '{}'"
    assert _count(owner_engine, kinds.format("request_accepted")) == 1
    assert _count(owner_engine, kinds.format("calendar_update")) == 2


def test_the_database_numbers_the_sessions_of_a_series_and_nobody_writes_the_number(
    pair: Pair, app_engine: Engine
) -> None:
    """Migration 0025: each session's place in its series, set as it is
    written, read back with the series' size; a single session has none."""
    booked = book(
        pair.uow("UBEN"),
        FakeClock(NOW),
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=3),
    )
    assert [(s.series_place, s.series_times) for s in booked.series] == [(1, 3), (2, 3), (3, 3)]
    single = book(
        pair.uow("UBEN"), FakeClock(NOW), mentor_id=pair.mentor, starts_at=NINE + timedelta(hours=1)
    )
    assert (single.session.series_place, single.session.series_times) == (None, None)

    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, "T1", "UBEN", "member")
        series_id = _series(conn, pair.mentor, pair.mentee)
        with pytest.raises(DBAPIError) as refused:
            conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                    " ends_at, series_id, series_place) VALUES ('T1', :mentor, :mentee, :s,"
                    " :s + interval '30 minutes', :series, 2)"
                ),
                {
                    "mentor": pair.mentor,
                    "mentee": pair.mentee,
                    "s": NINE + 3 * WEEK,
                    "series": series_id,
                },
            )
    assert sqlstate(refused.value) == INSUFFICIENT_PRIVILEGE


def test_a_place_goes_with_a_series_and_only_once(pair: Pair, owner_engine: Engine) -> None:
    """Even written past the trigger (as the owner, triggers off), the table
    holds one session a place, and a place only with a series."""
    booked = book(
        pair.uow("UBEN"),
        FakeClock(NOW),
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=2),
    )
    first, second = booked.series
    for sql, constraint in (
        (
            "UPDATE sessions SET series_place = 1 WHERE id = :id",
            "uq_sessions_series_id_series_place",
        ),
        (
            "UPDATE sessions SET series_place = NULL WHERE id = :id",
            "ck_sessions_series_place_with_series",
        ),
        (
            "UPDATE sessions SET series_place = 13 WHERE id = :id",
            "ck_sessions_series_place_with_series",
        ),
    ):
        with (
            owner_engine.connect() as conn,
            conn.begin(),
            pytest.raises(DBAPIError) as refused,
        ):
            conn.execute(text(sql), {"id": second.id})
        assert constraint_name(refused.value) == constraint, sql
    assert first.series_place == 1


def _accept_all(pair: Pair, clock: FakeClock, booked: Outcome) -> Callable[[], object]:
    return lambda: accept_series(
        pair.uow("UMAYA"),
        clock,
        series_id=booked.session.series_id or 0,
        seen=[s.starts_at for s in booked.series],
    )


def test_two_accept_all_clicks_at_once_accept_each_session_once(
    pair: Pair, owner_engine: Engine
) -> None:
    clock = FakeClock(NOW)
    booked = book(
        pair.uow("UBEN"),
        clock,
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=4),
    )

    outcomes = race([_accept_all(pair, clock, booked)] * 2)

    assert sorted(isinstance(o, Outcome) and o.already for o in outcomes) == [False, True]
    assert _count(owner_engine, "SELECT count(*) FROM sessions WHERE status = 'scheduled'") == 4
    # One acceptance each: four rows made, four answered; one notice, two files.
    assert _count(owner_engine, "SELECT count(*) FROM session_history") == 8
    assert _count(owner_engine, "SELECT count(*) FROM notifications") == 1 + 1 + 2


def test_accept_all_and_decline_all_at_once_answer_the_series_one_way(
    pair: Pair, owner_engine: Engine
) -> None:
    clock = FakeClock(NOW)
    booked = book(
        pair.uow("UBEN"),
        clock,
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=4),
    )
    decline_all = lambda: decline_series(  # noqa: E731
        pair.uow("UMAYA"), clock, series_id=booked.session.series_id or 0
    )

    outcomes = race([_accept_all(pair, clock, booked), decline_all])

    assert sum(isinstance(o, Outcome) and not o.already for o in outcomes) == 1
    statuses = _count(owner_engine, "SELECT count(DISTINCT status) FROM sessions")
    assert statuses == 1, "every session answered the same way"
    assert _count(owner_engine, "SELECT count(*) FROM session_history") == 8


def test_accept_all_racing_the_expiry_job_answers_each_session_once(
    pair: Pair, owner_engine: Engine
) -> None:
    """The first session's start has passed unanswered as the mentor clicks
    Accept all: either the job expires the series as one and the click finds
    nothing waiting, or the click accepts the later three and the job expires
    the first alone (at its next run, when the click held it); never a
    session both ways, never one left waiting."""
    booked = book(
        pair.uow("UBEN"),
        FakeClock(NOW),
        mentor_id=pair.mentor,
        starts_at=NINE,
        repeat=Repeat(every_weeks=1, times=4),
    )
    later = FakeClock(NINE + timedelta(minutes=1))
    expire = lambda: expire_overdue_requests(pair.uow(None), later)  # noqa: E731

    accepted, _ = race([_accept_all(pair, later, booked), expire])
    # A session the click held locked was skipped by the job: its next run.
    expire()

    with owner_engine.connect() as conn:
        statuses = list(conn.scalars(text("SELECT status FROM sessions ORDER BY starts_at")))
    if isinstance(accepted, Outcome):
        assert statuses == ["expired", "scheduled", "scheduled", "scheduled"]
    else:
        assert isinstance(accepted, Conflict)
        assert statuses == ["expired"] * 4
    # Four rows made, each answered once (accepted or expired).
    assert _count(owner_engine, "SELECT count(*) FROM session_history") == 8
