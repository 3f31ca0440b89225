"""The unit of work: commits only when told, rolls back on error, runs as its
actor, and turns a lost booking race into `SlotTaken`."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import SlotTaken
from domain.model import Actor, NewProfile, NewSession, SessionStatus
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def workspace(app_engine: Engine) -> str:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
    return "T1"


def _profile(slack_user_id: str) -> NewProfile:
    return NewProfile(
        workspace_id="T1", slack_user_id=slack_user_id, display_name="Ada", created_at=BASE_TIME
    )


def _uow(factory: sessionmaker[Session], slack_user_id: str) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.member("T1", slack_user_id))


def test_a_committed_unit_of_work_is_visible_afterwards(
    session_factory: sessionmaker[Session], workspace: str
) -> None:
    with _uow(session_factory, "UADA") as uow:
        added = uow.users.add(_profile("UADA"))
        uow.commit()
    with _uow(session_factory, "UADA") as uow:
        found = uow.users.by_slack_id("T1", "UADA")
    assert found == added
    assert added.id > 0
    assert added.time_zone == "UTC"


def test_an_uncommitted_unit_of_work_writes_nothing(
    session_factory: sessionmaker[Session], workspace: str
) -> None:
    with _uow(session_factory, "UADA") as uow:
        uow.users.add(_profile("UADA"))
    with _uow(session_factory, "UADA") as uow:
        assert uow.users.by_slack_id("T1", "UADA") is None


def test_an_error_inside_the_unit_of_work_rolls_everything_back(
    session_factory: sessionmaker[Session], workspace: str
) -> None:
    def add_then_fail() -> None:
        with _uow(session_factory, "UADA") as uow:
            uow.users.add(_profile("UADA"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with _uow(session_factory, "UADA") as uow:
        assert uow.users.by_slack_id("T1", "UADA") is None


def test_a_unit_of_work_keeps_its_actor_across_transactions(
    session_factory: sessionmaker[Session], workspace: str
) -> None:
    with _uow(session_factory, "UADA") as uow:
        uow.users.add(_profile("UADA"))
        uow.commit()
        # A second transaction on the same unit of work is still Ada's.
        uow.workspaces.ensure("T1", at=BASE_TIME)
        assert uow.users.by_slack_id("T1", "UADA") is not None


def test_a_person_cannot_create_someone_elses_profile(
    session_factory: sessionmaker[Session], workspace: str
) -> None:
    from domain.errors import NotAllowed

    with pytest.raises(NotAllowed), _uow(session_factory, "UEVE") as uow:
        uow.users.add(_profile("UADA"))


def _race(
    factory: sessionmaker[Session], bookings: list[tuple[str, NewSession]]
) -> tuple[int, list[BaseException]]:
    """Book all at once, each from its own connection; return (commits, errors)."""
    start = threading.Barrier(len(bookings))
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def book(slack_user_id: str, session: NewSession) -> None:
        try:
            # As the system: its lock timeout (10 s) outlasts twenty waiters on
            # two loaded cores; a member's 1.5 s made every one give up at times.
            # What is tested is the exclusion constraint, whoever inserts.
            with SqlUnitOfWork(factory, Actor.system("T1")) as uow:
                start.wait(timeout=10)
                added = uow.sessions.add(session)
                uow.commit()
            with lock:
                committed.append(added.id)
        except BaseException as exc:  # collected and asserted on below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=book, args=booking) for booking in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return len(committed), errors


def _people(engine: Engine, prefix: str, count: int, *, mentor: bool) -> list[tuple[str, int]]:
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        return [
            (
                f"{prefix}{n:02d}",
                add_user(conn, "T1", f"{prefix}{n:02d}", mentor=mentor, mentee=not mentor),
            )
            for n in range(count)
        ]


def test_twenty_overlapping_requests_for_one_mentor_let_exactly_one_through(
    app_engine: Engine, session_factory: sessionmaker[Session], workspace: str
) -> None:
    [(_, mentor)] = _people(app_engine, "UMENTOR", 1, mentor=True)
    mentees = _people(app_engine, "UMENTEE", 20, mentor=False)
    bookings = [
        (
            slack_id,
            NewSession(
                workspace_id="T1",
                mentor_id=mentor,
                mentee_id=mentee,
                # Each overlaps all others, none starts at the same minute.
                starts_at=BASE_TIME + timedelta(minutes=n),
                ends_at=BASE_TIME + timedelta(minutes=30 + n),
                created_at=BASE_TIME,
            ),
        )
        for n, (slack_id, mentee) in enumerate(mentees)
    ]
    commits, errors = _race(session_factory, bookings)
    assert commits == 1
    assert len(errors) == 19
    assert all(isinstance(error, SlotTaken) for error in errors), errors
    assert "mentor already has a session" in errors[0].message


def test_twenty_overlapping_requests_by_one_mentee_let_exactly_one_through(
    app_engine: Engine, session_factory: sessionmaker[Session], workspace: str
) -> None:
    [(mentee_slack_id, mentee)] = _people(app_engine, "UMENTEE", 1, mentor=False)
    mentors = _people(app_engine, "UMENTOR", 20, mentor=True)
    bookings = [
        (
            mentee_slack_id,
            NewSession(
                workspace_id="T1",
                mentor_id=mentor,
                mentee_id=mentee,
                starts_at=BASE_TIME + timedelta(minutes=n),
                ends_at=BASE_TIME + timedelta(minutes=30 + n),
                created_at=BASE_TIME,
            ),
        )
        for n, (_, mentor) in enumerate(mentors)
    ]
    commits, errors = _race(session_factory, bookings)
    assert commits == 1
    assert len(errors) == 19
    assert all(isinstance(error, SlotTaken) for error in errors), errors
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        count = uow.session.execute(
            text("SELECT count(*) FROM sessions WHERE status = :s"),
            {"s": SessionStatus.REQUESTED.value},
        ).scalar_one()
    assert count == 1
