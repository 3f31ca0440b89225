"""Goals: what a mentee wants to learn, tracked from not started to achieved
(or dropped), every change kept in the goal's history (who, when, from which
status to which, a note, and the session whose feedback told it).

A mentee's learning goals (the tags they signed up with) become goals, not
started, the first time they open their goals or add one. Here rather than in
the migration: people who sign up later get the same, every timestamp comes
from the app's clock, and the migration, which runs as an owner held by
row-level security, stays schema only.

The owner reads and changes their goals; the mentor of a session with them that
is still on (requested, scheduled, ongoing) reads them; managers see none of
them. Row-level security holds the same rules (migration 0014)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain import limits
from domain.errors import GoalNotFound, InvalidInput, NotAllowed, SessionNotFound
from domain.model import (
    ACTIVE_STATUSES,
    OPEN_GOAL_STATUSES,
    Goal,
    GoalChange,
    GoalStatus,
    NewGoal,
    NotificationKind,
    Profile,
    Session,
)
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.text import clean_text

G = GoalStatus
# The order goals are listed in: what is being worked on first.
_RANK = {G.IN_PROGRESS: 0, G.NOT_STARTED: 1, G.ACHIEVED: 2, G.DROPPED: 3}
NOT_A_MENTEE = "Goals are for mentees: sign up as one with `/mentor signup mentee`."


@dataclass(frozen=True)
class Progress:
    """Goals achieved of those that count: a dropped goal counts neither way."""

    achieved: int = 0
    counted: int = 0

    @property
    def fraction(self) -> float | None:
        """achieved ÷ (all − dropped); None while no goal counts."""
        return self.achieved / self.counted if self.counted else None


def progress(goals: Iterable[Goal]) -> Progress:
    counted = [goal for goal in goals if goal.status is not G.DROPPED]
    return Progress(sum(goal.status is G.ACHIEVED for goal in counted), len(counted))


def in_order(goals: Iterable[Goal]) -> tuple[Goal, ...]:
    """In progress, not started (each the soonest target first, those without
    one after), achieved, dropped; the oldest first among equals."""
    return tuple(
        sorted(
            goals,
            key=lambda goal: (
                _RANK[goal.status],
                goal.target_date is None,
                goal.target_date or date.min,
                goal.id,
            ),
        )
    )


@dataclass(frozen=True)
class GoalBoard:
    """A person's goals, in order."""

    owner: Profile
    goals: tuple[Goal, ...]
    seeded: bool = False  # their learning goals have just become these goals

    @property
    def progress(self) -> Progress:
        return progress(self.goals)

    @property
    def open(self) -> tuple[Goal, ...]:
        """Those still worked towards: what a new session can be about."""
        return tuple(goal for goal in self.goals if goal.status in OPEN_GOAL_STATUSES)


@dataclass(frozen=True)
class GoalSaved:
    """A goal as added or changed, and the owner's goals after it."""

    goal: Goal
    board: GoalBoard
    changed: bool = True  # False: the update asked for what the goal already was


def my_goals(uow: UnitOfWork, clock: Clock) -> GoalBoard:
    """The acting mentee's goals; the first time, their learning goals become goals."""
    with uow:
        me = _mentee(uow)
        uow.goals.hold_owner(me.id)
        goals, seeded = _goals_of(uow, me, clock.now())
        if seeded:
            uow.commit()
        return GoalBoard(me, in_order(goals), seeded=seeded)


def add_goal(
    uow: UnitOfWork,
    clock: Clock,
    *,
    title: str,
    target_date: date | None = None,
    notes: str = "",
) -> GoalSaved:
    title = clean_text(
        title, field="goal_title", label="a goal", max_length=limits.GOAL_TITLE, required=True
    )
    notes = _notes(notes)
    with uow:
        me = _mentee(uow)
        uow.goals.hold_owner(me.id)
        now = clock.now()
        _check_target(target_date, me, now)
        goals, _ = _goals_of(uow, me, now)
        _require_room(goals, field="goal_title")
        new = NewGoal(me.workspace_id, me.id, title, target_date, notes, created_at=now)
        goal = _create(uow, me, new, now)
        uow.commit()
        return GoalSaved(goal, GoalBoard(me, in_order([*goals, goal])))


def goal_to_change(uow: UnitOfWork, *, goal_id: int) -> Goal:
    """One of the acting person's own goals, for its Update form."""
    with uow:
        return _own(uow.goals.get(goal_id), current_profile(uow))


def update_goal(
    uow: UnitOfWork,
    clock: Clock,
    *,
    goal_id: int,
    status: GoalStatus,
    target_date: date | None,
    notes: str,
) -> GoalSaved:
    """The owner changes a goal's status, target date or notes. A target date
    may stay as it was after that day has passed; a new one may not be past."""
    notes = _notes(notes)
    with uow:
        me = current_profile(uow)
        uow.goals.hold_owner(me.id)
        now = clock.now()
        goal = _own(uow.goals.get_for_update(goal_id), me)
        _check_target(target_date, me, now, unless=goal.target_date)
        wanted = replace(goal, status=status, target_date=target_date, notes=notes)
        if wanted == goal:
            return GoalSaved(goal, _board(uow, me), changed=False)
        saved = _write(uow, me, goal, wanted, now, note=notes if notes != goal.notes else "")
        board = _board(uow, me)  # read before the commit: no second transaction
        uow.commit()
        return GoalSaved(saved, board)


def move_session_goal(
    uow: UnitOfWork, *, session: Session, me: Profile, status: GoalStatus, now: datetime
) -> Goal | None:
    """In their feedback on `session`, its mentee says where the goal the
    session was about now stands: written in the caller's transaction, with
    the session in the history. None when the goal stood there already."""
    if me.id != session.mentee_id:
        raise NotAllowed("Only the mentee says how their goal moved.", field="goal_status")
    if session.goal_id is None:
        raise InvalidInput("This session was not about one of your goals.", field="goal_status")
    goal = _own(uow.goals.get_for_update(session.goal_id), me)
    if goal.status is status:
        return None
    return _write(uow, me, goal, replace(goal, status=status), now, session_id=session.id)


def goal_for_session(uow: UnitOfWork, me: Profile, goal_id: int | None) -> int | None:
    """The goal a mentee's new session is about: one of their open goals."""
    if goal_id is None:
        return None
    goal = uow.goals.get(goal_id)
    if goal is None or goal.owner_id != me.id:
        raise InvalidInput("Pick one of your own goals.", field="goal")
    if goal.status not in OPEN_GOAL_STATUSES:
        raise InvalidInput(
            "That goal is achieved or dropped: pick one you are still working on.", field="goal"
        )
    return goal.id


def open_goals(uow: UnitOfWork, me: Profile) -> tuple[Goal, ...]:
    """The person's goals a new session can be about, in order."""
    return GoalBoard(me, in_order(uow.goals.for_owner(me.id))).open


@dataclass(frozen=True)
class SessionGoals:
    session: Session
    board: GoalBoard  # the session's mentee's
    viewer: Profile


def session_goals(uow: UnitOfWork, *, session_id: int) -> SessionGoals:
    """A session's mentee's goals, read only: for its mentor while the session
    is on, and for the mentee."""
    with uow:
        me = current_profile(uow)
        session = uow.sessions.get(session_id)
        if session is None or session.workspace_id != me.workspace_id:
            raise SessionNotFound()
        if me.id not in (session.mentor_id, session.mentee_id):
            raise NotAllowed("A mentee's goals are theirs and their mentor's to read.")
        if me.id == session.mentor_id and session.status not in ACTIVE_STATUSES:
            raise NotAllowed(
                "You can read a mentee's goals while a session with them is requested,"
                " scheduled or under way."
            )
        mentee = uow.users.get(session.mentee_id)
        if mentee is None:
            raise SessionNotFound()
        return SessionGoals(session, _board(uow, mentee), me)


def request_goals(
    uow: UnitOfWork, kind: NotificationKind, session: Session | None
) -> tuple[Goal, ...]:
    """What a request's notice shows its mentor of the mentee: their goals, in
    order, while the request is on (the mentor may read them then)."""
    if kind is not NotificationKind.REQUEST_RECEIVED or session is None:
        return ()
    if session.status not in ACTIVE_STATUSES:
        return ()
    return in_order(uow.goals.for_owner(session.mentee_id))


# --- the rules -----------------------------------------------------------------


def _mentee(uow: UnitOfWork) -> Profile:
    me = current_profile(uow)
    if not me.is_mentee:
        raise NotAllowed(NOT_A_MENTEE)
    return me


def _own(goal: Goal | None, me: Profile) -> Goal:
    """`goal` when it is the acting person's; a mentor may read their mentee's
    goals, and that is all."""
    if goal is None or goal.owner_id != me.id or goal.workspace_id != me.workspace_id:
        raise GoalNotFound()
    return goal


def _notes(notes: str) -> str:
    return clean_text(
        notes, field="goal_notes", label="notes", max_length=limits.GOAL_NOTES, multiline=True
    )


def _check_target(
    target: date | None, me: Profile, now: datetime, *, unless: date | None = None
) -> None:
    """A target date is today or later in the person's zone (`unless` it is
    the one the goal already has)."""
    if target is None or target == unless:
        return
    if target < now.astimezone(ZoneInfo(me.time_zone)).date():
        raise InvalidInput(
            "That target date is in the past: pick today or a later day.", field="target_date"
        )


def _require_room(goals: Iterable[Goal], *, field: str) -> None:
    """Room for one more open goal: a person works towards a bounded few."""
    if sum(goal.status in OPEN_GOAL_STATUSES for goal in goals) >= limits.GOALS:
        raise InvalidInput(
            f"You are working towards {limits.GOALS} goals already, the most at once:"
            " mark one achieved or dropped first.",
            field=field,
        )


def _goals_of(uow: UnitOfWork, me: Profile, now: datetime) -> tuple[list[Goal], bool]:
    """The person's goals, and whether their learning goals just became them
    (the first time they have none). The caller holds the owner
    (`hold_owner`): two first looks at once seed them once, and two goals
    added at once keep to `limits.GOALS`."""
    goals = uow.goals.for_owner(me.id)
    if goals or not me.learning_goals:
        return goals, False
    # Tags are kept in lower case; a goal reads as a sentence starts.
    titles = [tag[:1].upper() + tag[1:] for tag in me.learning_goals]
    seeded = [
        _create(uow, me, NewGoal(me.workspace_id, me.id, title, created_at=now), now)
        for title in titles
    ]
    return seeded, True


def _board(uow: UnitOfWork, owner: Profile) -> GoalBoard:
    return GoalBoard(owner, in_order(uow.goals.for_owner(owner.id)))


def _create(uow: UnitOfWork, me: Profile, new: NewGoal, now: datetime) -> Goal:
    goal = uow.goals.add(new)
    uow.goals.add_history(
        GoalChange(goal.id, goal.workspace_id, me.id, None, goal.status, note=goal.notes, at=now)
    )
    return goal


def _write(
    uow: UnitOfWork,
    me: Profile,
    before: Goal,
    after: Goal,
    now: datetime,
    *,
    note: str = "",
    session_id: int | None = None,
) -> Goal:
    """Write the change and its history entry."""
    reopened = after.status in OPEN_GOAL_STATUSES and before.status not in OPEN_GOAL_STATUSES
    if reopened:
        _require_room(uow.goals.for_owner(me.id), field="goal_status")
    saved = uow.goals.update(after, at=now)
    uow.goals.add_history(
        GoalChange(
            before.id,
            before.workspace_id,
            me.id,
            before.status,
            after.status,
            note=note,
            session_id=session_id,
            at=now,
        )
    )
    return saved
