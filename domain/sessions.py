"""The booking lifecycle: request, accept, decline, cancel, reschedule, start,
complete, no-show and expire.

Every transition checks who may do it, from which status and when; writes the
session with a conditional update (so a replayed or concurrent click cannot act
twice); records the history; and notifies the other side — all in one
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain import limits
from domain.availability import bookable_mentor
from domain.errors import InvalidInput, NotAllowed, SessionNotFound
from domain.follow_ups import FollowUpOf, follow_up_policy
from domain.goals import goal_for_session
from domain.model import (
    Delivery,
    HistoryEntry,
    NewSeries,
    NewSession,
    NotificationKind,
    Profile,
    Repeat,
    Role,
    Series,
    Session,
    SessionStatus,
    Slot,
)
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.recurrence import require_valid, require_valid_moves, series_payload, series_slots
from domain.session_rules import (
    free_slot,
    load,
    lock_both,
    other_name,
    other_side,
    record,
    require_as_seen,
    require_before_start,
    require_mentor,
    require_not_flooding,
    require_participant,
    require_room_to_book,
    require_status,
    tell,
    transition,
    user,
)
from domain.session_rules import (
    reason as clean_reason,
)
from domain.session_rules import (
    topic as clean_topic,
)
from domain.text import clean_text

S = SessionStatus


@dataclass(frozen=True)
class Outcome:
    """A transition's result; `already` when this exact change had been made before
    (a second click), in which case nothing was written."""

    session: Session
    already: bool = False
    # The notices it wrote, claimed for the request to send once committed.
    notices: tuple[Delivery, ...] = ()
    # A change of a recurring series: every session of it as it now is (the
    # first one changed is `session`); empty for a change of one session.
    series: tuple[Session, ...] = ()


def request_session(
    uow: UnitOfWork,
    clock: Clock,
    *,
    mentor_id: int,
    starts_at: datetime,
    topic: str = "",
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Session:
    """`book`, for callers that want the session alone (seeding, tests)."""
    return book(
        uow, clock, mentor_id=mentor_id, starts_at=starts_at, topic=topic, policy=policy
    ).session


def book(
    uow: UnitOfWork,
    clock: Clock,
    *,
    mentor_id: int,
    starts_at: datetime,
    topic: str = "",
    goal_id: int | None = None,
    repeat: Repeat | None = None,
    moves: Mapping[int, timedelta] | None = None,
    policy: BookingPolicy = DEFAULT_POLICY,
    follow_up: FollowUpOf | None = None,
) -> Outcome:
    """The acting mentee asks for one of the mentor's free slots; it is held,
    about one of their open goals when they name one (`goal_id`); as far
    ahead as Book again reaches when booked from it (`follow_up`).
    Asking again for a slot one already holds with the mentor (a second
    submit, Slack retrying a request whose answer it never got) is `already`:
    nothing is written, nobody is told twice.

    With `repeat`, the same time every so many weeks (`domain.recurrence`):
    every session of the series is free and held, or none is and
    `OccurrenceTaken` names the first that is not. The mentor is told once.
    `moves`: sessions of the series moved from their times, as the modal
    offered (the nearest free time to one that is not free)."""
    topic = clean_topic(topic)
    if repeat is not None:
        require_valid(repeat)
    require_valid_moves(repeat, moves or {})
    with uow:
        me = current_profile(uow)
        if not me.is_mentee:
            raise NotAllowed("Sign up as a mentee first: `/mentor signup mentee`.")
        # Everything below is read under both people's locks (see `lock_both`).
        lock_both(uow, me.id, mentor_id)
        now = clock.now()
        for held in uow.sessions.open_requests(me.id, after=now):
            if (held.mentor_id, held.starts_at) == (mentor_id, starts_at):
                return Outcome(held, already=True)
        mentor = bookable_mentor(uow, mentor_id, me)
        if follow_up is not None:
            policy = follow_up_policy(
                uow, me, mentor, follow_up, starts_at=starts_at, now=now, policy=policy
            )
        goal = goal_for_session(uow, me, goal_id)
        require_room_to_book(uow, me, mentor, now=now, policy=policy)
        slot = free_slot(uow, mentor, me, starts_at, now=now, policy=policy)
        slots = [slot]
        series_id = None
        if repeat is not None:
            slots = series_slots(uow, mentor, me, slot, repeat, now=now, policy=policy, moves=moves)
            series_id = uow.sessions.add_series(
                NewSeries(me.workspace_id, mentor.id, me.id, repeat, created_at=now)
            )
        held_now = [
            _hold(uow, me, mentor, each, topic=topic, goal_id=goal, series_id=series_id, now=now)
            for each in slots
        ]
        (first, cause), sessions = held_now[0], tuple(session for session, _ in held_now)
        about = (
            {}
            if series_id is None or repeat is None
            else series_payload(series_id, repeat, sessions)
        )
        tell(
            uow,
            now,
            mentor,
            NotificationKind.REQUEST_RECEIVED,
            first,
            "requested",
            cause,
            other_name=me.display_name,
            **about,
        )
        uow.commit()
        return Outcome(
            first, notices=tuple(uow.claimed), series=sessions if series_id is not None else ()
        )


def _hold(
    uow: UnitOfWork,
    me: Profile,
    mentor: Profile,
    slot: Slot,
    *,
    topic: str,
    goal_id: int | None,
    series_id: int | None,
    now: datetime,
) -> tuple[Session, int]:
    """Write one requested session and its history; it and the history row's id."""
    session = uow.sessions.add(
        NewSession(
            workspace_id=me.workspace_id,
            mentor_id=mentor.id,
            mentee_id=me.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            topic=topic,
            goal_id=goal_id,
            series_id=series_id,
            created_at=now,
        )
    )
    return session, record(uow, session, actor=me, before=None, now=now)


def accept(uow: UnitOfWork, clock: Clock, *, session_id: int, seen: Slot | None = None) -> Outcome:
    """The mentor accepts the request at the time they were shown (`seen`, the
    slot the clicked message or Home tab showed); a request moved since is
    refused with `SessionMoved`, read and written under the session's lock and
    the write conditional on the times read. Without `seen` (a button from
    before buttons carried the time) only a request never moved is accepted;
    see `require_as_seen`."""
    with uow:
        session, actor, now = load(uow, clock, session_id)
        me = require_mentor(session, actor, "accept")
        if session.status is S.SCHEDULED:
            # Nothing is written; the answer shows the session's time as it is.
            return Outcome(session, already=True)
        require_status(session, {S.REQUESTED}, "accepted")
        require_before_start(session, now, "accept")
        require_as_seen(uow, session, seen)
        updated, cause = transition(uow, session, replace(session, status=S.SCHEDULED), me, now)
        mentee = user(uow, session.mentee_id)
        tell(
            uow,
            now,
            mentee,
            NotificationKind.REQUEST_ACCEPTED,
            updated,
            "scheduled",
            cause,
            other_name=me.display_name,
        )
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def decline(uow: UnitOfWork, clock: Clock, *, session_id: int, reason: str = "") -> Outcome:
    reason = clean_reason(reason)
    with uow:
        session, actor, now = load(uow, clock, session_id)
        me = require_mentor(session, actor, "decline")
        if session.status is S.DECLINED:
            return Outcome(session, already=True)
        require_status(session, {S.REQUESTED}, "declined")
        updated, cause = transition(
            uow,
            session,
            replace(session, status=S.DECLINED, cancel_reason=reason or None),
            me,
            now,
            reason=reason,
        )
        mentee = user(uow, session.mentee_id)
        tell(
            uow,
            now,
            mentee,
            NotificationKind.REQUEST_DECLINED,
            updated,
            "declined",
            cause,
            other_name=me.display_name,
            reason=reason,
        )
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def cancel(uow: UnitOfWork, clock: Clock, *, session_id: int, reason: str) -> Outcome:
    reason = clean_reason(reason, required=True)
    with uow:
        session, actor, now = load(uow, clock, session_id)
        me = require_participant(session, actor, "cancel")
        if session.status is S.CANCELLED:
            return Outcome(session, already=True)
        require_status(session, {S.REQUESTED, S.SCHEDULED}, "cancelled")
        require_before_start(session, now, "cancel")
        updated = cancel_session(uow, session, actor=me, now=now, reason=reason)
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def cancel_session(
    uow: UnitOfWork, session: Session, *, actor: Profile, now: datetime, reason: str
) -> Session:
    """Cancel inside an open unit of work and tell the other participant."""
    updated, cause = transition(
        uow,
        session,
        replace(session, status=S.CANCELLED, cancel_reason=reason),
        actor,
        now,
        reason=reason,
    )
    other = user(uow, other_side(session, actor.id))
    tell(
        uow,
        now,
        other,
        NotificationKind.SESSION_CANCELLED,
        updated,
        "cancelled",
        cause,
        other_name=actor.display_name,
        reason=reason,
    )
    return updated


def reschedule(
    uow: UnitOfWork,
    clock: Clock,
    *,
    session_id: int,
    starts_at: datetime,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Move the session to another free slot. After a mentee's move the mentor must
    confirm again; a mentor's move stands."""
    with uow:
        seen = uow.sessions.get(session_id)
        if seen is not None:
            # Before the session's own lock, in the order every booking takes them.
            lock_both(uow, seen.mentee_id, seen.mentor_id)
        session, actor, now = load(uow, clock, session_id)
        me = require_participant(session, actor, "reschedule")
        require_status(session, {S.REQUESTED, S.SCHEDULED}, "moved")
        require_before_start(session, now, "reschedule")
        if starts_at == session.starts_at:
            return Outcome(session, already=True)
        require_not_flooding(uow, me, now=now, policy=policy)
        mentor = user(uow, session.mentor_id)
        mentee = user(uow, session.mentee_id)
        slot = free_slot(uow, mentor, mentee, starts_at, now=now, policy=policy, moving=session)
        by_mentor = me.id == session.mentor_id
        moved = replace(
            session,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=S.SCHEDULED if by_mentor else S.REQUESTED,
            previous_starts_at=session.starts_at,
        )
        updated, cause = transition(
            uow, session, moved, me, now, reason=f"moved from {session.starts_at.isoformat()}"
        )
        other = mentee if by_mentor else mentor
        tell(
            uow,
            now,
            other,
            NotificationKind.SESSION_RESCHEDULED,
            updated,
            "moved",
            cause,
            other_name=me.display_name,
            previous_starts_at=session.starts_at.isoformat(),
            needs_confirmation=0 if by_mentor else 1,
        )
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def start(
    uow: UnitOfWork, clock: Clock, *, session_id: int, policy: BookingPolicy = DEFAULT_POLICY
) -> Outcome:
    """The mentor starts the session (from a little before its time); the system
    starts it at its time."""
    with uow:
        session, me, now = load(uow, clock, session_id)
        if me is not None:
            me = require_mentor(session, me, "start")
        if session.status is S.ONGOING:
            return Outcome(session, already=True)
        require_status(session, {S.SCHEDULED}, "started")
        earliest = session.starts_at - (policy.early_start if me is not None else timedelta(0))
        if now < earliest:
            raise NotAllowed("It is too early to start this session.")
        updated, _ = transition(uow, session, replace(session, status=S.ONGOING), me, now)
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def complete(
    uow: UnitOfWork,
    clock: Clock,
    *,
    session_id: int,
    notes: str,
    actual_minutes: int,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Outcome:
    notes = clean_text(notes, field="notes", label="notes", max_length=limits.NOTES, multiline=True)
    if not 1 <= actual_minutes <= policy.max_actual_minutes:
        raise InvalidInput(
            f"The actual duration is from 1 to {policy.max_actual_minutes} minutes.",
            field="actual_minutes",
        )
    with uow:
        session, actor, now = load(uow, clock, session_id)
        me = require_mentor(session, actor, "complete")
        if session.status is S.COMPLETED:
            return Outcome(session, already=True)
        require_status(session, {S.SCHEDULED, S.ONGOING}, "completed")
        if now < session.starts_at:
            raise NotAllowed("A session can be completed once it has started.")
        updated, cause = transition(
            uow,
            session,
            replace(session, status=S.COMPLETED, notes=notes, actual_minutes=actual_minutes),
            me,
            now,
        )
        for person in (user(uow, session.mentee_id), me):
            tell(
                uow,
                now,
                person,
                NotificationKind.SESSION_COMPLETED,
                updated,
                "completed",
                cause,
                other_name=other_name(uow, updated, person),
            )
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def mark_no_show(uow: UnitOfWork, clock: Clock, *, session_id: int) -> Outcome:
    with uow:
        session, actor, now = load(uow, clock, session_id)
        me = require_mentor(session, actor, "mark as a no-show")
        if session.status is S.NO_SHOW:
            return Outcome(session, already=True)
        require_status(session, {S.SCHEDULED, S.ONGOING}, "marked as a no-show")
        if now < session.starts_at:
            raise NotAllowed("A no-show can be recorded once the session has started.")
        updated, _ = transition(uow, session, replace(session, status=S.NO_SHOW), me, now)
        uow.commit()
        return Outcome(updated, notices=tuple(uow.claimed))


def expire_overdue_requests(uow: UnitOfWork, clock: Clock) -> list[Session]:
    """System: requests nobody accepted before their start expire; mentees are
    told. A series its mentor never answered expires as one, its later
    sessions with its first (`_expire_series`)."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler expires requests.")
    expired: list[Session] = []
    with uow:
        now = clock.now()
        for session in uow.sessions.starting_between(S.REQUESTED, None, now):
            series = (
                uow.sessions.series(session.series_id, lock=True) if session.series_id else None
            )
            if series is not None and not any(s.status in _ANSWERED for s in series.sessions):
                expired += _expire_series(uow, series, now)
                continue
            updated = replace(session, status=S.EXPIRED)
            if not uow.sessions.update(updated, expected_status=S.REQUESTED, at=now):
                continue  # accepted or expired by someone else meanwhile
            cause = record(uow, updated, actor=None, before=session, now=now)
            mentee = user(uow, session.mentee_id)
            tell(
                uow,
                now,
                mentee,
                NotificationKind.REQUEST_EXPIRED,
                updated,
                "expired",
                cause,
                other_name=user(uow, session.mentor_id).display_name,
            )
            expired.append(updated)
        uow.commit()
    return expired


# What only the mentor's answer makes of a session of a series: once one of
# them is answered, the series is no longer unanswered, and a session of it
# that waits (one moved since) expires on its own.
_ANSWERED = {S.SCHEDULED, S.ONGOING, S.COMPLETED, S.NO_SHOW, S.DECLINED}


def _expire_series(uow: UnitOfWork, series: Series, now: datetime) -> list[Session]:
    """Every session of the unanswered series still waiting expires, the later
    ones with the first (the mentor let the series' start pass unanswered, so
    they are not left holding times); each person is told once, for the
    series. Sessions expired by another run meanwhile are left out."""
    expired: list[tuple[Session, int]] = []
    for session in series.sessions:
        if session.status is not S.REQUESTED:
            continue
        updated = replace(session, status=S.EXPIRED)
        if uow.sessions.update(updated, expected_status=S.REQUESTED, at=now):
            expired.append((updated, record(uow, updated, actor=None, before=session, now=now)))
    if not expired:
        return []
    (first, cause), sessions = expired[0], [updated for updated, _ in expired]
    about = series_payload(series.id, series.repeat, sessions)
    mentor, mentee = user(uow, series.mentor_id), user(uow, series.mentee_id)
    for person, other in ((mentee, mentor), (mentor, mentee)):
        tell(
            uow,
            now,
            person,
            NotificationKind.REQUEST_EXPIRED,
            first,
            "expired",
            cause,
            other_name=other.display_name,
            **about,
        )
    return sessions


def session_details(uow: UnitOfWork, *, session_id: int) -> tuple[Session, list[HistoryEntry]]:
    """A session and its history, for its participants and admins."""
    with uow:
        session = uow.sessions.get(session_id)
        me = current_profile(uow)
        if session is None or session.workspace_id != me.workspace_id:
            raise SessionNotFound()
        if me.id not in (session.mentor_id, session.mentee_id) and uow.actor.role is not Role.ADMIN:
            raise NotAllowed("Only the two participants can see this session.")
        return session, uow.sessions.history(session.id)
