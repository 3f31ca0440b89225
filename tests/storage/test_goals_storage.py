"""Goals on PostgreSQL as the application role: the use cases and row-level
security agree, a goal moved in feedback is written with the feedback or not
at all, and a session can name only its own mentee's goal, whoever writes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain import limits
from domain.errors import Conflict, GoalNotFound, InvalidInput, NotAllowed
from domain.feedback import give_feedback
from domain.goals import add_goal, my_goals, session_goals, update_goal
from domain.model import Actor, GoalStatus, NewSession, Role, Session
from domain.sessions import accept, book, complete
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock
from tests.storage.seed import BASE_TIME, Org, make_org, set_actor
from tests.threads import raised_at_once

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = MONDAY + timedelta(hours=8)
G = GoalStatus


class People:
    """The seeded org (mentor, mentee, bystander, admin in T1), acting through
    the real unit of work on the app's clock."""

    def __init__(self, factory: sessionmaker[OrmSession], org: Org) -> None:
        self.factory, self.org = factory, org
        self.clock = FakeClock(NOW)

    def uow(self, slack_id: str, role: Role = Role.MEMBER) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.factory, Actor("T1", slack_id, role))

    def book(self, goal_id: int | None, *, at: datetime = BASE_TIME) -> Session:
        return book(
            self.uow("UMENTEE"),
            self.clock,
            mentor_id=self.org.mentor,
            starts_at=at,
            goal_id=goal_id,
        ).session

    def completed(self, goal_id: int | None) -> Session:
        session = self.book(goal_id)
        accept(self.uow("UMENTOR"), self.clock, session_id=session.id)
        self.clock.set(session.ends_at)
        return complete(
            self.uow("UMENTOR"), self.clock, session_id=session.id, notes="", actual_minutes=30
        ).session


@pytest.fixture
def people(app_engine: Engine, session_factory: sessionmaker[OrmSession]) -> People:
    org = make_org(app_engine)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for weekday in range(5):
            conn.execute(
                text(
                    "INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
                    " end_time) VALUES ('T1', :m, :d, '08:00', '17:00')"
                ),
                {"m": org.mentor, "d": weekday},
            )
    return People(session_factory, org)


def _rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def test_goals_round_trip_with_their_history_as_the_owner(
    people: People, owner_engine: Engine
) -> None:
    board = my_goals(people.uow("UMENTEE"), people.clock)
    assert [(goal.title, goal.status) for goal in board.goals] == [("Leadership", G.NOT_STARTED)]
    target = (NOW + timedelta(days=20)).date()
    added = add_goal(people.uow("UMENTEE"), people.clock, title="Give a talk", target_date=target)
    people.clock.advance(minutes=3)
    moved = update_goal(
        people.uow("UMENTEE"),
        people.clock,
        goal_id=added.goal.id,
        status=G.IN_PROGRESS,
        target_date=target,
        notes="Booked a slot",
    )
    assert (moved.goal.status, moved.goal.notes, moved.goal.updated_at) == (
        G.IN_PROGRESS,
        "Booked a slot",
        people.clock.now(),
    )
    assert my_goals(people.uow("UMENTEE"), people.clock).goals[0] == moved.goal
    history = _rows(
        owner_engine,
        "SELECT from_status, to_status, note, actor_id, created_at FROM goal_history"
        " WHERE goal_id = :g ORDER BY id",
        g=added.goal.id,
    )
    assert history == [
        (None, "not_started", "", people.org.mentee, NOW),
        ("not_started", "in_progress", "Booked a slot", people.org.mentee, people.clock.now()),
    ]


def test_only_the_owner_changes_a_goal_and_the_mentor_reads_it_while_a_session_is_on(
    people: People,
) -> None:
    goal = add_goal(people.uow("UMENTEE"), people.clock, title="Give a talk").goal
    with people.uow("UMENTOR") as uow:
        assert uow.goals.for_owner(people.org.mentee) == []  # no session yet
    session = people.book(goal.id)
    with people.uow("UMENTOR") as uow:
        assert {g.title for g in uow.goals.for_owner(people.org.mentee)} == {
            "Leadership",
            "Give a talk",
        }
    assert session_goals(people.uow("UMENTOR"), session_id=session.id).board.goals
    for intruder in ("UMENTOR", "UBYSTANDER", "UADMIN"):
        role = Role.ADMIN if intruder == "UADMIN" else Role.MEMBER
        with pytest.raises(GoalNotFound):
            update_goal(
                people.uow(intruder, role),
                people.clock,
                goal_id=goal.id,
                status=G.DROPPED,
                target_date=None,
                notes="",
            )
    for outsider in ("UBYSTANDER", "UADMIN"):
        role = Role.ADMIN if outsider == "UADMIN" else Role.MEMBER
        with people.uow(outsider, role) as uow:
            assert uow.goals.get(goal.id) is None
    with pytest.raises(NotAllowed):
        session_goals(people.uow("UADMIN", Role.ADMIN), session_id=session.id)


def test_the_mentees_feedback_moves_the_goal_in_its_own_transaction(
    people: People, owner_engine: Engine
) -> None:
    goal = add_goal(people.uow("UMENTEE"), people.clock, title="Give a talk").goal
    session = people.completed(goal.id)
    assert session.goal_id == goal.id
    give_feedback(
        people.uow("UMENTEE"),
        people.clock,
        session_id=session.id,
        rating=5,
        goal_status=G.ACHIEVED,
    )
    # The feedback, the goal and its history were written by one transaction.
    [(feedback_xmin, goal_xmin, history_xmin, session_named)] = _rows(
        owner_engine,
        "SELECT f.xmin::text, g.xmin::text, h.xmin::text, h.session_id FROM feedback f,"
        " goals g, goal_history h WHERE f.session_id = :s AND g.id = :g AND h.goal_id = g.id"
        " AND h.to_status = 'achieved'",
        s=session.id,
        g=goal.id,
    )
    assert feedback_xmin == goal_xmin == history_xmin
    assert session_named == session.id
    # A second feedback is refused, and the goal move it carried with it too.
    with pytest.raises(Conflict):
        give_feedback(
            people.uow("UMENTEE"),
            people.clock,
            session_id=session.id,
            rating=1,
            goal_status=G.DROPPED,
        )
    assert _rows(owner_engine, "SELECT status FROM goals WHERE id = :g", g=goal.id) == [
        ("achieved",)
    ]


def test_a_session_names_only_its_own_mentees_goal_whoever_writes_it(
    people: People, app_engine: Engine
) -> None:
    theirs = add_goal(people.uow("UBYSTANDER"), people.clock, title="Not yours").goal
    # The mentee's own unit of work, past the domain's check: the database refuses.
    with pytest.raises(InvalidInput) as refused, people.uow("UMENTEE") as uow:
        uow.sessions.add(
            NewSession(
                workspace_id="T1",
                mentor_id=people.org.mentor,
                mentee_id=people.org.mentee,
                starts_at=BASE_TIME,
                ends_at=BASE_TIME + timedelta(minutes=30),
                goal_id=theirs.id,
                created_at=NOW,
            )
        )
    assert refused.value.field == "goal"
    # Not even the system may.
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, None, None, "system")
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                    " goal_id) VALUES ('T1', :m, :e, :s, :s + interval '30 minutes', :g)"
                ),
                {"m": people.org.mentor, "e": people.org.mentee, "s": BASE_TIME, "g": theirs.id},
            )


def test_two_first_looks_at_once_turn_the_learning_goals_into_goals_once(
    people: People, owner_engine: Engine
) -> None:
    """`/mentor goals` twice in a row (or with Add goal): the first look
    makes goals of the learning goals, once."""
    raised = raised_at_once(
        lambda: my_goals(people.uow("UMENTEE"), people.clock),
        lambda: add_goal(people.uow("UMENTEE"), people.clock, title="Speak up"),
    )

    assert raised == []
    assert sorted(_rows(owner_engine, "SELECT title FROM goals")) == [
        ("Leadership",),
        ("Speak up",),
    ]


def test_two_goals_added_at_once_keep_to_the_most_open_goals(
    people: People, owner_engine: Engine
) -> None:
    # The first add turns the learning goal into a goal too: one short of the most.
    for n in range(limits.GOALS - 2):
        add_goal(people.uow("UMENTEE"), people.clock, title=f"Goal {n}")
    assert _rows(owner_engine, "SELECT count(*) FROM goals") == [(limits.GOALS - 1,)]

    raised = raised_at_once(
        *[
            lambda n=n: add_goal(people.uow("UMENTEE"), people.clock, title=f"Last {n}")
            for n in range(2)
        ]
    )

    assert [type(error) for error in raised] == [InvalidInput]
    assert _rows(owner_engine, "SELECT count(*) FROM goals") == [(limits.GOALS,)]
