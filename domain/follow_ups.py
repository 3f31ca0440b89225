"""Booking again after a completed session: the mentee's "Book again" on the
DM that asks for their feedback offers the same weekday and time 1, 2 or 4
weeks after the session, or the free time nearest to it.

"Same weekday and time" is read on the mentor's wall clock, where their
availability is kept, so 10:00 stays 10:00 across a DST change. The times
offered are the mentor's free slots for the mentee within `NEAR` either side
of it (`domain.availability.slots_between`: availability and time off, both
people's sessions, the weekly cap, the minimum notice); the nearest is picked,
the earlier of two as near. When it is not the same time, `Moved` says why.

Four weeks lie beyond the booking horizon (14 days by default), so a booking
made from Book again may reach as far as its window does: `follow_up_policy`
allows that, for a time inside that window only, once it has checked that the
session is the acting mentee's own, completed, with that mentor. Nothing a
button or a modal carries is trusted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from domain.availability import bookable_mentor, slots_between
from domain.errors import NotAllowed, SessionNotFound
from domain.goals import open_goals
from domain.model import ACTIVE_STATUSES, Goal, Profile, Session, SessionStatus, Slot
from domain.policy import BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.slots import candidate_slots

Weeks = Literal[1, 2, 4]
FOLLOW_UP_WEEKS: tuple[Weeks, ...] = (1, 2, 4)
# How far either side of the same time the modal offers times.
NEAR = timedelta(days=7)
NOT_THE_MENTEE = "Only the mentee of a session can book it again."


class Moved(StrEnum):
    """Why the time offered is not the same time, N weeks on."""

    TOO_SOON = "too_soon"  # it has passed, or is closer than the minimum notice
    NOT_OFFERED = "not_offered"  # outside the mentor's availability then (or time off)
    TAKEN = "taken"  # the mentor or the mentee has a session then
    WEEK_FULL = "week_full"  # the mentor's weekly cap is reached that week


@dataclass(frozen=True)
class FollowUpOf:
    """A completed session to book again, `weeks` after it."""

    session_id: int
    weeks: Weeks


@dataclass(frozen=True)
class FollowUp:
    mentor: Profile
    weeks: Weeks
    target: datetime  # the same weekday and time, `weeks` on
    slots: list[Slot]  # free within NEAR of `target`
    picked: Slot | None  # the nearest of them (None: none is free)
    moved: Moved | None  # why `picked` does not start at `target` (None: it does)
    goals: tuple[Goal, ...]  # the mentee's open goals, which the session can be about


def same_time_later(starts_at: datetime, zone: str, weeks: Weeks) -> datetime:
    """`starts_at` `weeks` later on the wall clock of `zone`."""
    # Aware arithmetic within one zone moves the wall clock, not the instant.
    return (starts_at.astimezone(ZoneInfo(zone)) + timedelta(weeks=weeks)).astimezone(UTC)


def follow_up_options(
    uow: UnitOfWork, clock: Clock, *, follow_up: FollowUpOf, policy: BookingPolicy
) -> FollowUp:
    """What Book again offers the acting mentee: the mentor's free times near
    the same time `weeks` on, the nearest picked."""
    with uow:
        me = current_profile(uow)
        session = _my_completed_session(uow, me, follow_up.session_id)
        mentor = bookable_mentor(uow, session.mentor_id, me)
        now = clock.now()
        target = same_time_later(session.starts_at, mentor.time_zone, follow_up.weeks)
        start = max(target - NEAR, now)
        slots = slots_between(uow, mentor, me, start, target + NEAR, now=now, policy=policy)
        picked = min(slots, key=lambda s: (abs(s.starts_at - target), s.starts_at), default=None)
        moved = None
        if picked is not None and picked.starts_at != target:
            moved = _why_moved(uow, mentor, me, target, now=now, policy=policy)
        return FollowUp(mentor, follow_up.weeks, target, slots, picked, moved, open_goals(uow, me))


def follow_up_policy(
    uow: UnitOfWork,
    me: Profile,
    mentor: Profile,
    follow_up: FollowUpOf,
    *,
    starts_at: datetime,
    now: datetime,
    policy: BookingPolicy,
) -> BookingPolicy:
    """The booking rules for a booking made from Book again at `starts_at`: a
    horizon reaching to the end of its window, for a time inside the window
    (the times the modal offers); any other time keeps the usual horizon.
    Inside the booking's transaction (`book`)."""
    session = _my_completed_session(uow, me, follow_up.session_id)
    if session.mentor_id != mentor.id:
        raise NotAllowed("That session was with another mentor.")
    target = same_time_later(session.starts_at, mentor.time_zone, follow_up.weeks)
    if not target - NEAR <= starts_at < target + NEAR:
        return policy
    return replace(policy, horizon=max(policy.horizon, target + NEAR - now))


def _my_completed_session(uow: UnitOfWork, me: Profile, session_id: int) -> Session:
    session = uow.sessions.get(session_id)
    if session is None:
        raise SessionNotFound()
    if session.mentee_id != me.id:
        raise NotAllowed(NOT_THE_MENTEE)
    if not me.is_mentee:
        raise NotAllowed("Sign up as a mentee first: `/mentor signup mentee`.")
    if session.status is not SessionStatus.COMPLETED:
        raise NotAllowed("Only a completed session can be booked again.")
    return session


def _why_moved(
    uow: UnitOfWork,
    mentor: Profile,
    me: Profile,
    target: datetime,
    *,
    now: datetime,
    policy: BookingPolicy,
) -> Moved:
    """Which rule keeps `target` from being offered, in the order the free-slot
    search applies them."""
    if target < now + policy.minimum_notice:
        return Moved.TOO_SOON
    length = timedelta(minutes=mentor.session_minutes)
    offered = candidate_slots(
        uow.availability.schedule(mentor.id),
        mentor.time_zone,
        target,
        target + timedelta(minutes=1),
        mentor.session_minutes,
    )
    if not any(slot.starts_at == target for slot in offered):
        return Moved.NOT_OFFERED
    busy = uow.sessions.busy_periods({mentor.id, me.id}, target, target + length)
    if any(p.status in ACTIVE_STATUSES for p in busy):
        return Moved.TAKEN
    return Moved.WEEK_FULL
