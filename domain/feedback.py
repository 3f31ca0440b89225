"""Feedback: after a completed session each participant rates the other once.
The mentor's rating aggregate moves in the same transaction (the database keeps
it, see the ratings trigger), and so does the goal the session was about when
its mentee says how it moved."""

from __future__ import annotations

from dataclasses import dataclass

from domain import limits
from domain.errors import Conflict, InvalidInput, NotAllowed, SessionNotFound
from domain.goals import move_session_goal
from domain.model import (
    Delivery,
    Feedback,
    Goal,
    GoalStatus,
    NotificationKind,
    Session,
    SessionStatus,
    SubjectRole,
)
from domain.notifications import notify
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.text import clean_text

MAX_COMMENT = limits.COMMENT


@dataclass(frozen=True)
class FeedbackGiven:
    feedback: Feedback
    session: Session
    notices: tuple[Delivery, ...] = ()  # claimed for the request to send
    goal: Goal | None = None  # the session's goal, when the feedback moved it


def leave_feedback(
    uow: UnitOfWork, clock: Clock, *, session_id: int, rating: int, comment: str = ""
) -> Feedback:
    """`give_feedback`, for callers that want the feedback alone."""
    return give_feedback(uow, clock, session_id=session_id, rating=rating, comment=comment).feedback


def give_feedback(
    uow: UnitOfWork,
    clock: Clock,
    *,
    session_id: int,
    rating: int,
    comment: str = "",
    goal_status: GoalStatus | None = None,
) -> FeedbackGiven:
    """`goal_status`: where the goal the session was about stands now, as its
    mentee tells (None: not asked, or not told)."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("Please choose from 1 to 5 stars.", field="rating")
    comment = clean_text(
        comment, field="comment", label="a comment", max_length=MAX_COMMENT, multiline=True
    )
    with uow:
        now = clock.now()
        me = current_profile(uow)
        session = uow.sessions.get(session_id)
        if session is None or session.workspace_id != me.workspace_id:
            raise SessionNotFound()
        if me.id not in (session.mentor_id, session.mentee_id):
            raise NotAllowed("Only the two participants can give feedback on this session.")
        if session.status is not SessionStatus.COMPLETED:
            raise NotAllowed("You can leave feedback once the session is completed.")
        if any(entry.author_id == me.id for entry in uow.feedback.for_session(session.id)):
            raise Conflict("You already left feedback for this session.")
        by_mentee = me.id == session.mentee_id
        subject_id = session.mentor_id if by_mentee else session.mentee_id
        saved = uow.feedback.add(
            Feedback(
                session_id=session.id,
                workspace_id=session.workspace_id,
                author_id=me.id,
                subject_id=subject_id,
                subject_role=SubjectRole.MENTOR if by_mentee else SubjectRole.MENTEE,
                rating=rating,
                comment=comment,
            ),
            at=now,
        )
        moved = None
        if goal_status is not None:
            moved = move_session_goal(uow, session=session, me=me, status=goal_status, now=now)
        subject = uow.users.get(subject_id)
        if subject is not None:
            notify(
                uow,
                now=now,
                recipient=subject,
                kind=NotificationKind.FEEDBACK_RECEIVED,
                session=session,
                key=f"feedback:{session.id}:{me.id}",
                other_name=me.display_name,
                rating=rating,
            )
        uow.commit()
        return FeedbackGiven(saved, session, notices=tuple(uow.claimed), goal=moved)


def session_feedback(uow: UnitOfWork, *, session_id: int) -> list[Feedback]:
    """Both participants' feedback on a session, for the two of them only: a
    manager sees ratings in figures, never what someone wrote."""
    with uow:
        me = current_profile(uow)
        session = uow.sessions.get(session_id)
        if session is None or session.workspace_id != me.workspace_id:
            raise SessionNotFound()
        if me.id not in (session.mentor_id, session.mentee_id):
            raise NotAllowed("Only the participants can read this session's feedback.")
        return uow.feedback.for_session(session.id)
