"""Leaving a role: stepping down as mentor, or leaving the programme (or
Slack itself: a deactivated or deleted account). Future sessions affected are
cancelled and the other side is told."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from domain.errors import NotAllowed
from domain.model import ACTIVE_STATUSES, Delivery, Profile, Role, Session, SessionStatus
from domain.ports import Clock, UnitOfWork
from domain.profiles import MAX_NAME, MAX_TITLE, current_profile, fitted, known_zone
from domain.sessions import cancel_session

STEP_DOWN_REASON = "The mentor stepped down from mentoring."
LEAVE_REASON = "{name} left the mentorship programme."
GONE_REASON = "{name} is no longer in this Slack workspace."


@dataclass(frozen=True)
class Departure:
    """What leaving a role cancelled, and the notices that tell the other side."""

    cancelled: list[Session] = field(default_factory=list)
    notices: tuple[Delivery, ...] = ()  # a person's: claimed for their request to send
    written: tuple[UUID, ...] = ()  # the system's: waiting in the outbox


def step_down_as_mentor(uow: UnitOfWork, clock: Clock) -> Departure:
    """Stop mentoring; cancels the person's future sessions as mentor."""
    with uow:
        now = clock.now()
        me = _locked_me(uow)
        cancelled = _cancel_future(uow, now, me, as_mentor_only=True, reason=STEP_DOWN_REASON)
        uow.users.save(replace(me, is_mentor=False), at=now)
        uow.commit()
        return Departure(cancelled, tuple(uow.claimed))


def leave_programme(uow: UnitOfWork, clock: Clock) -> Departure:
    """Deactivate the profile; cancels every future session, in either role."""
    with uow:
        now = clock.now()
        me = _locked_me(uow)
        reason = LEAVE_REASON.format(name=me.display_name)
        cancelled = _cancel_future(uow, now, me, as_mentor_only=False, reason=reason)
        uow.users.save(replace(me, is_active=False), at=now)
        uow.commit()
        return Departure(cancelled, tuple(uow.claimed))


def slack_account_changed(
    uow: UnitOfWork,
    clock: Clock,
    *,
    slack_user_id: str,
    deleted: bool,
    display_name: str,
    time_zone: str,
    title: str,
    fill_only: bool = False,
) -> Departure:
    """System, for the event's workspace: Slack says a person's account changed.
    A deactivated or deleted account leaves the programme (their future
    sessions cancelled, the other side told, not bookable); otherwise their
    name, time zone and title are taken (what Slack says, cut to our limits;
    an unknown zone is ignored). Someone never seen is ignored.

    `fill_only` (Slack asked again, not telling of a change): only what first
    sight had to make up is taken — a name that is still the Slack id, a zone
    still UTC, an empty title — so what the person chose since is kept."""
    workspace_id = uow.actor.workspace_id
    if uow.actor.role is not Role.SYSTEM or not workspace_id:
        raise NotAllowed("Only Slack's events change accounts.")
    with uow:
        now = clock.now()
        found = uow.users.by_slack_id(workspace_id, slack_user_id)
        if found is None:
            return Departure()
        # Locked as a booking locks it, then read again: see `_locked_me`.
        uow.users.lock((found.id,))
        person = uow.users.get(found.id) or found
        cancelled: list[Session] = []
        name = fitted(display_name, MAX_NAME)
        # Named by their Slack id at first sight (see `identify`).
        unnamed = person.display_name == person.slack_user_id
        if deleted:
            if name and unnamed:
                # Told of by the name Slack still gives a deleted account, not
                # by an id (saved first: the notices below read it).
                person = replace(person, display_name=name)
                uow.users.save(person, at=now)
            if person.is_active:
                reason = GONE_REASON.format(name=person.display_name)
                cancelled = _cancel_future(uow, now, person, as_mentor_only=False, reason=reason)
            changed = replace(person, is_active=False)
        else:
            # With `fill_only`, only what first sight made up is taken.
            take_name = bool(name) and (unnamed or not fill_only)
            take_zone = known_zone(time_zone) and (person.time_zone == "UTC" or not fill_only)
            take_title = not person.title or not fill_only
            changed = replace(
                person,
                display_name=name if take_name else person.display_name,
                time_zone=time_zone if take_zone else person.time_zone,
                title=fitted(title, MAX_TITLE) if take_title else person.title,
            )
        if changed != person:
            uow.users.save(changed, at=now)
        uow.commit()
        return Departure(cancelled, written=tuple(uow.new_notifications))


def _locked_me(uow: UnitOfWork) -> Profile:
    """The acting person, their row locked as a booking locks it: a booking with
    them that is under way finishes first (and is then cancelled below), and one
    that comes later sees that they left."""
    me = current_profile(uow)
    uow.users.lock((me.id,))
    return current_profile(uow)


def _cancel_future(
    uow: UnitOfWork, now: datetime, me: Profile, *, as_mentor_only: bool, reason: str
) -> list[Session]:
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
