"""Bookings decided by the database: a person's time is exclusive whatever role
they hold, bookings with one mentor queue behind each other, a mentee cannot take
a mentor's whole calendar, and the transaction limits its own waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import DomainError, NotAllowed
from domain.membership import Departure, leave_programme
from domain.model import Actor, Role, Session
from domain.policy import BookingPolicy
from domain.sessions import accept, cancel, request_session, reschedule
from storage.engine import make_engine, make_session_factory
from storage.errors import constraint_name
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock
from tests.storage.races import race
from tests.storage.seed import add_session, add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

# Sunday 00:00 UTC before the anchor Monday: its slots are bookable, the whole
# week ahead lies within the booking horizon.
NOW = MONDAY - timedelta(days=1)
NINE = MONDAY + timedelta(hours=9)
ATTEMPTS = 50


@dataclass
class People:
    factory: sessionmaker[OrmSession]
    ids: dict[str, int]
    clock: FakeClock

    def uow(self, slack_id: str | None = None) -> SqlUnitOfWork:
        actor = Actor.system() if slack_id is None else Actor("T1", slack_id, Role.MEMBER)
        return SqlUnitOfWork(self.factory, actor)

    def book(
        self, mentee: str, mentor: str, starts_at: datetime, policy: BookingPolicy | None = None
    ) -> Session:
        extra = {} if policy is None else {"policy": policy}
        return request_session(
            self.uow(mentee), self.clock, mentor_id=self.ids[mentor], starts_at=starts_at, **extra
        )


def _add_people(
    engine: Engine, mentors: list[str], mentees: list[str], *, cap: int | None = None
) -> dict[str, int]:
    """People in workspace T1 on UTC; mentors free weekdays 09:00-17:00."""
    ids = {}
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
        for slack_id in dict.fromkeys(mentors + mentees):
            ids[slack_id] = add_user(
                conn, "T1", slack_id, mentor=slack_id in mentors, mentee=slack_id in mentees
            )
        for slack_id in mentors:
            conn.execute(
                text("UPDATE users SET max_sessions_per_week = :cap WHERE id = :id"),
                {"id": ids[slack_id], "cap": cap},
            )
            conn.execute(
                text(
                    "INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
                    " end_time) SELECT 'T1', :id, day, '09:00', '17:00'"
                    " FROM generate_series(0, 4) AS day"
                ),
                {"id": ids[slack_id]},
            )
    return ids


@pytest.fixture
def people_for(
    app_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> Callable[..., People]:
    def make(mentors: list[str], mentees: list[str], *, cap: int | None = None) -> People:
        return People(
            session_factory, _add_people(app_engine, mentors, mentees, cap=cap), FakeClock(NOW)
        )

    return make


@pytest.fixture
def racing_factory(app_database_url: str) -> Iterator[sessionmaker[OrmSession]]:
    """Twenty connections for fifty threads: they queue for the pool, then race."""
    engine = make_engine(app_database_url, pool_size=20, max_overflow=0, pool_timeout_s=120)
    yield make_session_factory(engine)
    engine.dispose()


def _count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


# --- (1) a person's time, whatever their role ---------------------------------


def test_the_database_refuses_a_session_overlapping_one_the_person_holds_in_the_other_role(
    app_engine: Engine,
) -> None:
    ids = _add_people(app_engine, ["UBOB", "UCAROL"], ["UCAROL", "UALICE"])
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_session(conn, "T1", ids["UCAROL"], ids["UALICE"], starts_at=NINE)  # Carol mentors
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        # Carol is the mentee here, a quarter of an hour into her own session.
        later = NINE + timedelta(minutes=15)
        with pytest.raises(DBAPIError) as refused:
            add_session(conn, "T1", ids["UBOB"], ids["UCAROL"], starts_at=later)
    assert constraint_name(refused.value) == "ex_session_busy_overlap"


def test_a_session_given_back_frees_the_persons_time_for_either_role(
    app_engine: Engine, owner_engine: Engine
) -> None:
    ids = _add_people(app_engine, ["UBOB", "UCAROL"], ["UCAROL", "UALICE"])
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        first = add_session(conn, "T1", ids["UCAROL"], ids["UALICE"], starts_at=NINE)
        conn.execute(text("UPDATE sessions SET status = 'cancelled' WHERE id = :s"), {"s": first})
        add_session(conn, "T1", ids["UBOB"], ids["UCAROL"], starts_at=NINE)
    busy = _count(owner_engine, "SELECT count(*) FROM sessions WHERE status = 'requested'")
    assert busy == 1


def test_fifty_cross_role_bookings_at_once_store_one_of_each_pair(
    people_for: Callable[..., People],
    racing_factory: sessionmaker[OrmSession],
    owner_engine: Engine,
) -> None:
    """Twenty-five pairs at 09:00: Bob i books Carol i as his mentor while Carol i
    books Alice i as hers. Each Carol can hold only one of the two."""
    pairs = ATTEMPTS // 2
    carols = [f"UCAROL{i}" for i in range(pairs)]
    bobs = [f"UBOB{i}" for i in range(pairs)]
    alices = [f"UALICE{i}" for i in range(pairs)]
    people = people_for([*carols, *alices], [*carols, *bobs])
    people.factory = racing_factory
    attempts: list[Callable[[], object]] = []
    for bob, carol, alice in zip(bobs, carols, alices, strict=True):
        attempts.append(lambda b=bob, c=carol: people.book(b, c, NINE))
        attempts.append(lambda c=carol, a=alice: people.book(c, a, NINE))
    outcomes = race(attempts)
    assert all(isinstance(o, Session | DomainError) for o in outcomes)
    per_carol = [
        _count(
            owner_engine,
            "SELECT count(*) FROM sessions WHERE :carol IN (mentor_id, mentee_id)",
            carol=people.ids[carol],
        )
        for carol in carols
    ]
    assert per_carol == [1] * pairs
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == pairs


# --- (6) bookings with one mentor, one after the other -----------------------


def test_fifty_bookings_at_once_with_a_mentor_capped_at_three_a_week_store_exactly_three(
    people_for: Callable[..., People],
    racing_factory: sessionmaker[OrmSession],
    owner_engine: Engine,
) -> None:
    mentees = [f"UMENTEE{i}" for i in range(ATTEMPTS)]
    people = people_for(["UMAYA"], mentees, cap=3)
    people.factory = racing_factory
    # Fifty different half-hours of the same week.
    times = [NINE + timedelta(days=i // 16, minutes=30 * (i % 16)) for i in range(ATTEMPTS)]
    outcomes = race(
        [lambda e=e, t=t: people.book(e, "UMAYA", t) for e, t in zip(mentees, times, strict=True)]
    )
    assert sum(isinstance(o, Session) for o in outcomes) == 3
    assert all(isinstance(o, Session | DomainError) for o in outcomes)
    assert _count(owner_engine, "SELECT count(*) FROM sessions") == 3


def test_a_mentor_leaving_while_bookings_race_in_leaves_no_open_request_behind(
    people_for: Callable[..., People],
    racing_factory: sessionmaker[OrmSession],
    owner_engine: Engine,
) -> None:
    mentees = [f"UMENTEE{i}" for i in range(ATTEMPTS - 1)]
    people = people_for(["UMAYA"], mentees)
    people.factory = racing_factory
    times = [NINE + timedelta(days=i // 16, minutes=30 * (i % 16)) for i in range(len(mentees))]
    attempts: list[Callable[[], object]] = [
        lambda e=e, t=t: people.book(e, "UMAYA", t) for e, t in zip(mentees, times, strict=True)
    ]
    attempts.insert(len(attempts) // 2, lambda: leave_programme(people.uow("UMAYA"), people.clock))
    outcomes = race(attempts)
    assert all(isinstance(o, Session | Departure | DomainError) for o in outcomes)
    left_open = _count(
        owner_engine,
        "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.mentor_id"
        " WHERE s.status IN ('requested', 'scheduled') AND NOT u.is_active",
    )
    assert left_open == 0


# --- (9) the weekly cap counts only mentoring ---------------------------------


def test_a_mentors_own_session_as_a_mentee_does_not_use_up_their_weekly_cap(
    people_for: Callable[..., People],
) -> None:
    people = people_for(["UMAYA", "UNOOR"], ["UMAYA", "UBEN"], cap=1)
    people.book("UMAYA", "UNOOR", NINE)  # Maya learns from Noor on Monday
    booked = people.book("UBEN", "UMAYA", NINE + timedelta(days=1))
    assert booked.mentor_id == people.ids["UMAYA"]


# --- (2) no flood ---------------------------------------------------------------


def test_a_mentee_holds_at_most_two_open_sessions_with_one_mentor_and_three_in_all(
    people_for: Callable[..., People],
) -> None:
    people = people_for(["UMAYA", "UNOOR", "UOWEN"], ["UBEN"])
    people.book("UBEN", "UMAYA", NINE)
    people.book("UBEN", "UMAYA", NINE + timedelta(hours=1))
    with pytest.raises(NotAllowed, match="2 sessions requested or coming up with UMAYA"):
        people.book("UBEN", "UMAYA", NINE + timedelta(hours=2))
    people.book("UBEN", "UNOOR", NINE + timedelta(hours=2))
    with pytest.raises(NotAllowed, match="3 sessions requested or coming up, the most"):
        people.book("UBEN", "UOWEN", NINE + timedelta(hours=3))
    # Cancelling one makes room again.
    first = min(_session_ids(people))
    cancel(people.uow("UBEN"), people.clock, session_id=first, reason="Clash")
    assert people.book("UBEN", "UOWEN", NINE + timedelta(hours=3)).status.value == "requested"


def test_booking_requests_are_limited_per_person_and_hour_even_when_cancelled_at_once(
    people_for: Callable[..., People],
) -> None:
    people = people_for(["UMAYA"], ["UBEN"])
    policy = BookingPolicy(max_requests_per_hour=2)
    for hour in range(2):
        session = people.book("UBEN", "UMAYA", NINE + timedelta(hours=hour), policy)
        cancel(people.uow("UBEN"), people.clock, session_id=session.id, reason="Oops")
        people.clock.advance(minutes=10)
    with pytest.raises(NotAllowed, match=r"2 times \(requests and moves\) in the last hour"):
        people.book("UBEN", "UMAYA", NINE + timedelta(hours=3), policy)
    people.clock.advance(minutes=41)  # the first request is now over an hour old
    assert people.book("UBEN", "UMAYA", NINE + timedelta(hours=3), policy).id


def test_moving_one_session_back_and_forth_counts_against_the_same_hourly_limit(
    people_for: Callable[..., People],
) -> None:
    # Each move tells the mentor; once, 40 moves in a minute sent 40 notices.
    people = people_for(["UMAYA"], ["UBEN"])
    policy = BookingPolicy(max_requests_per_hour=3)
    session = people.book("UBEN", "UMAYA", NINE, policy)

    def move(starts_at: datetime) -> Session:
        people.clock.advance(minutes=1)
        uow = people.uow("UBEN")
        return reschedule(
            uow, people.clock, session_id=session.id, starts_at=starts_at, policy=policy
        ).session

    ten = NINE + timedelta(hours=1)
    move(ten)
    move(NINE)  # the request and two moves: three in the hour
    with pytest.raises(NotAllowed, match=r"3 times \(requests and moves\) in the last hour"):
        move(ten)
    people.clock.advance(minutes=60)  # the request itself is now over an hour old
    assert move(ten).starts_at == ten


def _session_ids(people: People) -> list[int]:
    with people.uow() as uow:
        return [s.id for s in uow.sessions.for_user(people.ids["UBEN"])]


# --- (11) the transaction limits its own waiting --------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (Actor("T1", "UBEN", Role.MEMBER), ("2s", "1500ms")),
        (Actor("T1", "UOLGA", Role.ADMIN), ("2s", "1500ms")),
        (Actor.system(), ("1min", "10s")),
    ],
)
def test_each_transaction_sets_its_own_statement_and_lock_timeouts(
    session_factory: sessionmaker[OrmSession], actor: Actor, expected: tuple[str, str]
) -> None:
    show = text("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
    with SqlUnitOfWork(session_factory, actor) as uow:
        inside = tuple(uow.session.execute(show).one())
    assert inside == expected


def test_a_report_read_after_the_ack_gets_a_jobs_statement_time_but_a_requests_lock_wait(
    session_factory: sessionmaker[OrmSession],
) -> None:
    show = text("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
    admin = Actor("T1", "UOLGA", Role.ADMIN)
    with SqlUnitOfWork(session_factory, admin).consistent(read_only=True, report=True) as uow:
        inside = tuple(uow.session.execute(show).one())
    assert inside == ("1min", "1500ms")


def test_a_booking_that_waits_too_long_for_the_mentor_is_told_to_try_again(
    people_for: Callable[..., People], app_engine: Engine
) -> None:
    people = people_for(["UMAYA"], ["UBEN"])
    outcome: list[object] = []

    def book() -> None:
        try:
            outcome.append(people.book("UBEN", "UMAYA", NINE))
        except DomainError as refusal:
            outcome.append(refusal)

    booking = threading.Thread(target=book)
    with app_engine.connect() as holder, holder.begin():
        set_actor(holder, None, None, "system")
        holder.execute(
            text("SELECT 1 FROM users WHERE id = :id FOR UPDATE"), {"id": people.ids["UMAYA"]}
        )
        booking.start()
        booking.join(timeout=10)  # far longer than the lock timeout
        answered_while_held = list(outcome)
    booking.join(timeout=10)
    [refusal] = answered_while_held
    assert isinstance(refusal, DomainError)
    assert "try again in a moment" in refusal.message


def test_accepting_a_session_someone_holds_too_long_is_told_to_try_again_and_changes_nothing(
    people_for: Callable[..., People], app_engine: Engine
) -> None:
    # The session's own row lock (not the people's) once surfaced untranslated:
    # the person got the generic apology instead of a refusal.
    people = people_for(["UMAYA"], ["UBEN"])
    session = people.book("UBEN", "UMAYA", NINE)
    outcome: list[object] = []

    def accept_it() -> None:
        try:
            outcome.append(accept(people.uow("UMAYA"), people.clock, session_id=session.id))
        except DomainError as refusal:
            outcome.append(refusal)

    accepting = threading.Thread(target=accept_it)
    with app_engine.connect() as holder, holder.begin():
        set_actor(holder, None, None, "system")
        holder.execute(text("SELECT 1 FROM sessions WHERE id = :id FOR UPDATE"), {"id": session.id})
        accepting.start()
        accepting.join(timeout=10)  # far longer than the lock timeout
        answered_while_held = list(outcome)
    [refusal] = answered_while_held
    assert isinstance(refusal, DomainError)
    assert "try again in a moment" in refusal.message
    with app_engine.connect() as conn:
        set_actor(conn, None, None, "system")
        status = conn.execute(
            text("SELECT status FROM sessions WHERE id = :id"), {"id": session.id}
        )
        assert status.scalar_one() == "requested"
