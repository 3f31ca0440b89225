"""Leaving a role: stepping down as mentor, or leaving the programme. Future
sessions affected are cancelled and the other side is told."""

from __future__ import annotations

from dataclasses import replace

from domain.model import ACTIVE_STATUSES, Profile, Session, SessionStatus
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.sessions import cancel_session

STEP_DOWN_REASON = "The mentor stepped down from mentoring."
LEAVE_REASON = "{name} left the mentorship programme."


def step_down_as_mentor(uow: UnitOfWork, clock: Clock) -> list[Session]:
    """Stop mentoring; cancels the person's future sessions as mentor."""
    with uow:
        me = _locked_me(uow)
        cancelled = _cancel_future(uow, clock, me, as_mentor_only=True, reason=STEP_DOWN_REASON)
        uow.users.save(replace(me, is_mentor=False))
        uow.commit()
        return cancelled


def leave_programme(uow: UnitOfWork, clock: Clock) -> list[Session]:
    """Deactivate the profile; cancels every future session, in either role."""
    with uow:
        me = _locked_me(uow)
        reason = LEAVE_REASON.format(name=me.display_name)
        cancelled = _cancel_future(uow, clock, me, as_mentor_only=False, reason=reason)
        uow.users.save(replace(me, is_active=False))
        uow.commit()
        return cancelled


def _locked_me(uow: UnitOfWork) -> Profile:
    """The acting person, their row locked as a booking locks it: a booking with
    them that is under way finishes first (and is then cancelled below), and one
    that comes later sees that they left."""
    me = current_profile(uow)
    uow.users.lock((me.id,))
    return current_profile(uow)


def _cancel_future(
    uow: UnitOfWork, clock: Clock, me: Profile, *, as_mentor_only: bool, reason: str
) -> list[Session]:
    now = clock.now()
    upcoming = uow.sessions.for_user(
        me.id,
        statuses=ACTIVE_STATUSES - {SessionStatus.ONGOING},
        starts_after=now,
        limit=10_000,
    )
    return [
        cancel_session(uow, session, actor=me, now=now, reason=reason)
        for session in upcoming
        if not as_mentor_only or session.mentor_id == me.id
    ]
