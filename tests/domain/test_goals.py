"""Goals: from learning goals to goals a mentee tracks, their changes and their
history, the sessions about them, and who may read them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain import limits
from domain.errors import Conflict, GoalNotFound, InvalidInput, NotAllowed
from domain.feedback import give_feedback
from domain.goals import (
    Progress,
    add_goal,
    goal_to_change,
    in_order,
    my_goals,
    progress,
    session_goals,
    update_goal,
)
from domain.home import my_home
from domain.model import Goal, GoalStatus, NotificationKind, Role, Session
from domain.sessions import accept, book, cancel, complete
from tests.dates import on
from tests.domain.anchors import MON, TUE, WED
from tests.domain.conftest import NOW, People, UowFor
from tests.fakes.uow import FakeClock, Store

G = GoalStatus
SOON = MON + timedelta(days=30)


def _goal(goal_id: int, status: GoalStatus, target: date | None = None) -> Goal:
    return Goal(goal_id, "T1", 1, f"goal {goal_id}", status, target)


def _add(uow_for: UowFor, clock: FakeClock, people: People, title: str = "Give a talk") -> Goal:
    return add_goal(uow_for(people.ben), clock, title=title).goal


def _booked(
    uow_for: UowFor, clock: FakeClock, people: People, goal: Goal | None, *, day: date = TUE
) -> Session:
    return book(
        uow_for(people.ben),
        clock,
        mentor_id=people.maya.id,
        starts_at=on(day, 9, 0),
        goal_id=goal.id if goal else None,
    ).session


def _completed(uow_for: UowFor, clock: FakeClock, people: People, goal: Goal | None) -> Session:
    session = _booked(uow_for, clock, people, goal)
    accept(uow_for(people.maya), clock, session_id=session.id)
    clock.set(on(TUE, 9, 35))
    return complete(
        uow_for(people.maya), clock, session_id=session.id, notes="", actual_minutes=30
    ).session


# --- progress and order (pure) -------------------------------------------------


def test_progress_is_achieved_of_all_goals_but_the_dropped_ones() -> None:
    goals = [
        _goal(1, G.ACHIEVED),
        _goal(2, G.IN_PROGRESS),
        _goal(3, G.NOT_STARTED),
        _goal(4, G.DROPPED),
    ]
    assert progress(goals) == Progress(achieved=1, counted=3)
    assert progress(goals).fraction == pytest.approx(1 / 3)


@pytest.mark.parametrize("goals", [[], [_goal(1, G.DROPPED), _goal(2, G.DROPPED)]])
def test_progress_has_no_fraction_while_no_goal_counts(goals: list[Goal]) -> None:
    assert progress(goals).fraction is None


def test_goals_are_listed_worked_on_first_and_soonest_target_first() -> None:
    goals = [
        _goal(1, G.DROPPED),
        _goal(2, G.ACHIEVED),
        _goal(3, G.NOT_STARTED),
        _goal(4, G.IN_PROGRESS),
        _goal(5, G.NOT_STARTED, SOON),
        _goal(6, G.IN_PROGRESS, SOON + timedelta(days=1)),
        _goal(7, G.IN_PROGRESS, SOON),
    ]
    assert [goal.id for goal in in_order(goals)] == [7, 6, 4, 5, 3, 2, 1]


# --- learning goals become goals ----------------------------------------------------


def test_the_first_look_turns_learning_goals_into_goals_not_started_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    first = my_goals(uow_for(people.ben), clock)
    assert first.seeded
    assert [(goal.title, goal.status) for goal in first.goals] == [("Python", G.NOT_STARTED)]
    [created] = store.goal_history
    assert (created.from_status, created.to_status, created.actor_id, created.at) == (
        None,
        G.NOT_STARTED,
        people.ben.id,
        NOW,
    )
    again = my_goals(uow_for(people.ben), clock)
    assert not again.seeded
    assert again.goals == first.goals
    assert len(store.goals) == 1


def test_goals_are_for_mentees(uow_for: UowFor, clock: FakeClock, people: People) -> None:
    with pytest.raises(NotAllowed, match="signup mentee"):
        my_goals(uow_for(people.maya), clock)
    with pytest.raises(NotAllowed, match="signup mentee"):
        add_goal(uow_for(people.maya), clock, title="Mentor well")


# --- adding and changing ------------------------------------------------------------


def test_adding_a_goal_cleans_it_and_records_its_creation(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    saved = add_goal(
        uow_for(people.ben),
        clock,
        title="  Lead a\tdesign review  ",
        target_date=SOON,
        notes="Ask Maya\x07 how",
    )
    assert (saved.goal.title, saved.goal.target_date, saved.goal.notes) == (
        "Lead a design review",
        SOON,
        "Ask Maya how",
    )
    # The learning goal came first, on the same first look.
    assert {goal.title for goal in saved.board.goals} == {"Python", "Lead a design review"}
    assert [change.goal_id for change in store.goal_history] == [
        goal.id for goal in store.goals.values()
    ]


@pytest.mark.parametrize(
    ("title", "notes", "target", "field"),
    [
        ("", "", None, "goal_title"),
        ("   \n ", "", None, "goal_title"),
        ("x" * 5000, "", None, "goal_title"),
        ("x" * (limits.GOAL_TITLE + 1), "", None, "goal_title"),
        ("Speak up", "n" * (limits.GOAL_NOTES + 1), None, "goal_notes"),
        ("Speak up", "", MON - timedelta(days=1), "target_date"),
    ],
)
def test_a_bad_goal_is_refused_and_nothing_is_stored(
    uow_for: UowFor,
    clock: FakeClock,
    people: People,
    store: Store,
    title: str,
    notes: str,
    target: date | None,
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_goal(uow_for(people.ben), clock, title=title, notes=notes, target_date=target)
    assert refused.value.field == field
    assert (store.goals, store.goal_history) == ({}, [])


def test_a_goal_of_the_longest_length_is_kept_whole(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    title = "x" * limits.GOAL_TITLE
    assert _add(uow_for, clock, people, title).title == title


def test_a_target_date_is_judged_by_the_persons_own_day(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    # Tuesday 02:00 UTC: still Monday evening in New York (Ben), Tuesday
    # morning in Kolkata (Cara).
    clock.set(on(TUE, 2, 0))
    assert add_goal(uow_for(people.ben), clock, title="Today", target_date=MON).goal
    with pytest.raises(InvalidInput, match="in the past"):
        add_goal(uow_for(people.cara), clock, title="Yesterday", target_date=MON)


def test_updating_a_goal_writes_it_and_its_history(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    clock.advance(minutes=5)
    saved = update_goal(
        uow_for(people.ben),
        clock,
        goal_id=goal.id,
        status=G.ACHIEVED,
        target_date=SOON,
        notes="Done at the all-hands",
    )
    assert (saved.goal.status, saved.goal.target_date, saved.goal.notes) == (
        G.ACHIEVED,
        SOON,
        "Done at the all-hands",
    )
    assert saved.goal.updated_at == clock.now()
    assert saved.board.progress == Progress(achieved=1, counted=2)
    change = store.goal_history[-1]
    assert (change.from_status, change.to_status, change.note, change.at) == (
        G.NOT_STARTED,
        G.ACHIEVED,
        "Done at the all-hands",
        clock.now(),
    )


def test_an_update_that_changes_nothing_writes_nothing(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    before = len(store.goal_history)
    saved = update_goal(
        uow_for(people.ben),
        clock,
        goal_id=goal.id,
        status=goal.status,
        target_date=None,
        notes="",
    )
    assert not saved.changed
    assert len(store.goal_history) == before


def test_a_passed_target_date_may_stay_but_no_past_date_may_be_set(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    goal = add_goal(uow_for(people.ben), clock, title="Ship it", target_date=TUE).goal
    clock.set(on(WED, 12))
    kept = update_goal(
        uow_for(people.ben),
        clock,
        goal_id=goal.id,
        status=G.IN_PROGRESS,
        target_date=TUE,
        notes="",
    )
    assert kept.goal.target_date == TUE
    with pytest.raises(InvalidInput) as refused:
        update_goal(
            uow_for(people.ben),
            clock,
            goal_id=goal.id,
            status=G.IN_PROGRESS,
            target_date=MON,
            notes="",
        )
    assert refused.value.field == "target_date"


def test_nobody_else_opens_or_changes_a_goal(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    # Maya is Ben's mentor once he books: she may read his goals, never change them.
    _booked(uow_for, clock, people, goal)
    before = dict(store.goals)
    for intruder in (people.cara, people.maya, people.olga):
        with pytest.raises(GoalNotFound):
            goal_to_change(uow_for(intruder), goal_id=goal.id)
        with pytest.raises(GoalNotFound):
            update_goal(
                uow_for(intruder),
                clock,
                goal_id=goal.id,
                status=G.DROPPED,
                target_date=None,
                notes="",
            )
    assert store.goals == before


def test_a_mentee_works_towards_a_bounded_number_of_goals(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    goals = [_add(uow_for, clock, people, f"Goal {n}") for n in range(limits.GOALS - 1)]
    # With "Python", from the learning goals, that is as many as there may be.
    with pytest.raises(InvalidInput, match="achieved or dropped first"):
        _add(uow_for, clock, people, "One too many")
    update_goal(
        uow_for(people.ben),
        clock,
        goal_id=goals[0].id,
        status=G.DROPPED,
        target_date=None,
        notes="",
    )
    _add(uow_for, clock, people, "Now there is room")
    with pytest.raises(InvalidInput) as refused:
        update_goal(
            uow_for(people.ben),
            clock,
            goal_id=goals[0].id,
            status=G.IN_PROGRESS,
            target_date=None,
            notes="",
        )
    assert refused.value.field == "goal_status"


# --- sessions about a goal --------------------------------------------------------


def test_a_session_can_be_about_one_of_the_mentees_open_goals(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    goal = _add(uow_for, clock, people)
    assert _booked(uow_for, clock, people, goal).goal_id == goal.id
    assert _booked(uow_for, clock, people, None, day=WED).goal_id is None


def test_a_session_cannot_be_about_someone_elses_or_a_finished_goal(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    caras = add_goal(uow_for(people.cara), clock, title="Cara's").goal
    done = _add(uow_for, clock, people)
    update_goal(
        uow_for(people.ben), clock, goal_id=done.id, status=G.ACHIEVED, target_date=None, notes=""
    )
    for goal in (caras, done):
        with pytest.raises(InvalidInput) as refused:
            _booked(uow_for, clock, people, goal)
        assert refused.value.field == "goal"
    assert store.sessions == {}


def test_the_request_notice_carries_the_mentees_goals_for_the_mentor(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    goal = _add(uow_for, clock, people)
    outcome = book(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(TUE, 9), goal_id=goal.id
    )
    [notice] = outcome.notices
    assert notice.notification.kind is NotificationKind.REQUEST_RECEIVED
    assert notice.recipient.id == people.maya.id
    assert {shown.title for shown in notice.goals} == {"Python", "Give a talk"}


def test_the_mentor_reads_the_mentees_goals_while_a_session_is_on(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    goal = _add(uow_for, clock, people)
    session = _booked(uow_for, clock, people, goal)
    seen = session_goals(uow_for(people.maya), session_id=session.id)
    assert (seen.board.owner.id, {g.title for g in seen.board.goals}) == (
        people.ben.id,
        {"Python", "Give a talk"},
    )
    for outsider in (uow_for(people.cara), uow_for(people.olga, Role.ADMIN)):
        with pytest.raises(NotAllowed):
            session_goals(outsider, session_id=session.id)
    cancel(uow_for(people.ben), clock, session_id=session.id, reason="Clash")
    with pytest.raises(NotAllowed, match="while a session"):
        session_goals(uow_for(people.maya), session_id=session.id)
    assert session_goals(uow_for(people.ben), session_id=session.id).board.goals


# --- feedback moves the goal ---------------------------------------------------------


def test_the_mentees_feedback_moves_the_sessions_goal_in_the_same_transaction(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    session = _completed(uow_for, clock, people, goal)
    uow = uow_for(people.ben)
    given = give_feedback(uow, clock, session_id=session.id, rating=5, goal_status=G.IN_PROGRESS)
    assert uow.commits == 1
    assert given.goal is not None
    assert given.goal.status is G.IN_PROGRESS
    assert store.goals[goal.id].status is G.IN_PROGRESS
    change = store.goal_history[-1]
    assert (change.from_status, change.to_status, change.session_id, change.actor_id) == (
        G.NOT_STARTED,
        G.IN_PROGRESS,
        session.id,
        people.ben.id,
    )


def test_feedback_that_leaves_the_goal_where_it_was_records_no_change(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    session = _completed(uow_for, clock, people, goal)
    before = len(store.goal_history)
    given = give_feedback(
        uow_for(people.ben), clock, session_id=session.id, rating=4, goal_status=G.NOT_STARTED
    )
    assert given.goal is None
    assert len(store.goal_history) == before


def test_refused_feedback_moves_no_goal_and_a_refused_move_stores_no_feedback(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    goal = _add(uow_for, clock, people)
    session = _completed(uow_for, clock, people, goal)
    give_feedback(uow_for(people.ben), clock, session_id=session.id, rating=5)
    with pytest.raises(Conflict):
        give_feedback(
            uow_for(people.ben), clock, session_id=session.id, rating=5, goal_status=G.ACHIEVED
        )
    assert store.goals[goal.id].status is G.NOT_STARTED
    # The mentor has no say in the mentee's goal: their feedback is refused whole.
    with pytest.raises(NotAllowed) as refused:
        give_feedback(
            uow_for(people.maya), clock, session_id=session.id, rating=4, goal_status=G.ACHIEVED
        )
    assert refused.value.field == "goal_status"
    assert [entry.author_id for entry in store.feedback] == [people.ben.id]
    assert store.goals[goal.id].status is G.NOT_STARTED


def test_a_session_about_no_goal_takes_no_goal_move(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session = _completed(uow_for, clock, people, None)
    with pytest.raises(InvalidInput) as refused:
        give_feedback(
            uow_for(people.ben), clock, session_id=session.id, rating=5, goal_status=G.ACHIEVED
        )
    assert refused.value.field == "goal_status"
    assert store.feedback == []


# --- the Home ----------------------------------------------------------------------


def test_a_mentees_home_holds_their_goals_in_order(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    later = _add(uow_for, clock, people, "Later")
    update_goal(
        uow_for(people.ben),
        clock,
        goal_id=later.id,
        status=G.IN_PROGRESS,
        target_date=None,
        notes="",
    )
    home = my_home(uow_for(people.ben), clock)
    assert [goal.title for goal in home.goals] == ["Later", "Python"]
    assert my_home(uow_for(people.maya), clock).goals == ()
