"""Read-only questions the screens ask: who is this, what can this session move
to, what does this mentor's card say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from domain.availability import bookable_mentor, slots_between
from domain.errors import NotAllowed, NotFound, SessionNotFound
from domain.goals import open_goals
from domain.model import Feedback, Goal, MentorRating, Profile, Session, SessionStatus, Slot
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile, seen_profile

# Feedback entries on a mentor's card, the most recent; one more is read to
# tell whether there are others (the card said "of N" only past ten, never
# reached: five were read).
FEEDBACK_ON_CARD = 5


@dataclass(frozen=True)
class MentorCard:
    profile: Profile
    rating: MentorRating
    completed: int
    feedback: list[Feedback]  # the most recent the viewer may read
    more_feedback: bool  # and there is more of it
    authors: dict[int, Profile]
    can_book: bool


@dataclass(frozen=True)
class SessionView:
    session: Session
    me: Profile
    other: Profile
    # The goal the session is about, when the viewer is its mentee (its owner).
    my_goal: Goal | None = None


class BookingOptions(NamedTuple):
    mentor: Profile
    slots: list[Slot]
    goals: tuple[Goal, ...]  # the mentee's open goals, which a session can be about


def find_me(uow: UnitOfWork) -> Profile | None:
    """The acting person's profile, or None when they were never seen."""
    with uow:
        return seen_profile(uow)


def mentor_card(uow: UnitOfWork, *, mentor_id: int) -> MentorCard:
    with uow:
        me = current_profile(uow)
        mentor = uow.users.get(mentor_id)
        if mentor is None or mentor.workspace_id != me.workspace_id or not mentor.is_mentor:
            raise NotFound("That mentor is no longer in the programme.")
        # Feedback of the reader's own sessions only, as the database holds it:
        # written feedback is never a manager's.
        feedback = uow.feedback.about(mentor.id, limit=FEEDBACK_ON_CARD + 1, reader_id=me.id)
        return MentorCard(
            profile=mentor,
            rating=uow.feedback.rating(mentor.id),
            completed=uow.sessions.completed_counts([mentor.id])[mentor.id],
            feedback=feedback[:FEEDBACK_ON_CARD],
            more_feedback=len(feedback) > FEEDBACK_ON_CARD,
            authors=uow.users.get_many({entry.author_id for entry in feedback}),
            can_book=mentor.is_active and mentor.id != me.id and me.is_mentee,
        )


def session_view(uow: UnitOfWork, *, session_id: int) -> SessionView:
    with uow:
        return _session_view(uow, session_id)


def move_options(
    uow: UnitOfWork, clock: Clock, *, session_id: int, policy: BookingPolicy = DEFAULT_POLICY
) -> tuple[SessionView, list[Slot]]:
    """Where a session can move: the mentor's free slots that suit both people."""
    with uow:
        view = _session_view(uow, session_id)
        session = view.session
        if session.status not in (SessionStatus.REQUESTED, SessionStatus.SCHEDULED):
            raise NotAllowed("Only requested or scheduled sessions can be moved.")
        mentor = view.me if view.me.id == session.mentor_id else view.other
        mentee = view.other if mentor is view.me else view.me
        now = clock.now()
        slots = slots_between(
            uow,
            mentor,
            mentee,
            now,
            now + policy.horizon,
            now=now,
            policy=policy,
            ignoring=session,
        )
        return view, [slot for slot in slots if slot.starts_at != session.starts_at]


def booking_options(
    uow: UnitOfWork,
    clock: Clock,
    *,
    mentor_id: int | None = None,
    mentor_slack_id: str | None = None,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> BookingOptions:
    """The mentor (by id, or by Slack user id), their free slots for the
    acting mentee, and the mentee's open goals."""
    with uow:
        me = current_profile(uow)
        if mentor_id is None:
            person = uow.users.by_slack_id(me.workspace_id, mentor_slack_id or "")
            if person is None:
                raise NotFound("That person hasn't joined the mentorship programme yet.")
            mentor_id = person.id
        if not me.is_mentee:
            raise NotAllowed("Sign up as a mentee first: `/mentor signup mentee`.")
        mentor = bookable_mentor(uow, mentor_id, me)
        now = clock.now()
        slots = slots_between(uow, mentor, me, now, now + policy.horizon, now=now, policy=policy)
        return BookingOptions(mentor, slots, open_goals(uow, me))


def _session_view(uow: UnitOfWork, session_id: int) -> SessionView:
    me = current_profile(uow)
    session = uow.sessions.get(session_id)
    if session is None or me.id not in (session.mentor_id, session.mentee_id):
        raise SessionNotFound()
    other = uow.users.get(session.mentee_id if me.id == session.mentor_id else session.mentor_id)
    if other is None:
        raise SessionNotFound()
    goal = None
    if me.id == session.mentee_id and session.goal_id is not None:
        goal = uow.goals.get(session.goal_id)
    return SessionView(session, me, other, goal)
