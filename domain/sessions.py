"""The booking lifecycle: request, accept, decline, cancel, reschedule, start,
complete, no-show and expire.

Every transition checks who may do it, from which status and when; writes the
session with a conditional update (so a replayed or concurrent click cannot act
twice); records the history; and notifies the other side — all in one
transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.availability import bookable_mentor, slots_between
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, SessionNotFound, SlotTaken
from domain.model import (
    HistoryEntry,
    NewSession,
    NotificationKind,
    Profile,
    Role,
    Session,
    SessionStatus,
    Slot,
)
from domain.notifications import notify
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.slots import candidate_slots
from domain.text import clean_text

S = SessionStatus


@dataclass(frozen=True)
class Outcome:
    """A transition's result; `already` when this exact change had been made before
    (a second click), in which case nothing was written."""

    session: Session
    already: bool = False


def request_session(
    uow: UnitOfWork,
    clock: Clock,
    *,
    mentor_id: int,
    starts_at: datetime,
    topic: str = "",
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Session:
    """The acting mentee asks for one of the mentor's free slots; it is held."""
    topic = _topic(topic)
    with uow:
        me = current_profile(uow)
        if not me.is_mentee:
            raise NotAllowed("Sign up as a mentee first: `/mentor signup mentee`.")
        mentor = bookable_mentor(uow, mentor_id, me)
        now = clock.now()
        slot = _free_slot(uow, mentor, me, starts_at, now=now, policy=policy)
        session = uow.sessions.add(
            NewSession(
                workspace_id=me.workspace_id,
                mentor_id=mentor.id,
                mentee_id=me.id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                topic=topic,
            )
        )
        _record(uow, session, actor=me, before=None, now=now)
        _tell(
            uow,
            now,
            mentor,
            NotificationKind.REQUEST_RECEIVED,
            session,
            "requested",
            other_name=me.display_name,
        )
        uow.commit()
        return session


def accept(uow: UnitOfWork, clock: Clock, *, session_id: int) -> Outcome:
    with uow:
        session, actor, now = _load(uow, clock, session_id)
        me = _require_mentor(session, actor, "accept")
        if session.status is S.SCHEDULED:
            return Outcome(session, already=True)
        _require_status(session, {S.REQUESTED}, "accepted")
        _require_before_start(session, now, "accept")
        updated = _transition(uow, session, replace(session, status=S.SCHEDULED), me, now)
        mentee = _user(uow, session.mentee_id)
        _tell(
            uow,
            now,
            mentee,
            NotificationKind.REQUEST_ACCEPTED,
            updated,
            "scheduled",
            other_name=me.display_name,
        )
        uow.commit()
        return Outcome(updated)


def decline(uow: UnitOfWork, clock: Clock, *, session_id: int, reason: str = "") -> Outcome:
    reason = _reason(reason)
    with uow:
        session, actor, now = _load(uow, clock, session_id)
        me = _require_mentor(session, actor, "decline")
        if session.status is S.DECLINED:
            return Outcome(session, already=True)
        _require_status(session, {S.REQUESTED}, "declined")
        updated = _transition(
            uow,
            session,
            replace(session, status=S.DECLINED, cancel_reason=reason or None),
            me,
            now,
            reason=reason,
        )
        mentee = _user(uow, session.mentee_id)
        _tell(
            uow,
            now,
            mentee,
            NotificationKind.REQUEST_DECLINED,
            updated,
            "declined",
            other_name=me.display_name,
            reason=reason,
        )
        uow.commit()
        return Outcome(updated)


def cancel(uow: UnitOfWork, clock: Clock, *, session_id: int, reason: str) -> Outcome:
    reason = _reason(reason, required=True)
    with uow:
        session, actor, now = _load(uow, clock, session_id)
        me = _require_participant(session, actor, "cancel")
        if session.status is S.CANCELLED:
            return Outcome(session, already=True)
        _require_status(session, {S.REQUESTED, S.SCHEDULED}, "cancelled")
        _require_before_start(session, now, "cancel")
        updated = cancel_session(uow, session, actor=me, now=now, reason=reason)
        uow.commit()
        return Outcome(updated)


def cancel_session(
    uow: UnitOfWork, session: Session, *, actor: Profile, now: datetime, reason: str
) -> Session:
    """Cancel inside an open unit of work and tell the other participant."""
    updated = _transition(
        uow,
        session,
        replace(session, status=S.CANCELLED, cancel_reason=reason),
        actor,
        now,
        reason=reason,
    )
    other = _user(uow, _other_side(session, actor.id))
    _tell(
        uow,
        now,
        other,
        NotificationKind.SESSION_CANCELLED,
        updated,
        "cancelled",
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
        session, actor, now = _load(uow, clock, session_id)
        me = _require_participant(session, actor, "reschedule")
        _require_status(session, {S.REQUESTED, S.SCHEDULED}, "moved")
        _require_before_start(session, now, "reschedule")
        if starts_at == session.starts_at:
            return Outcome(session, already=True)
        mentor = _user(uow, session.mentor_id)
        mentee = _user(uow, session.mentee_id)
        slot = _free_slot(uow, mentor, mentee, starts_at, now=now, policy=policy, moving=session)
        by_mentor = me.id == session.mentor_id
        moved = replace(
            session,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=S.SCHEDULED if by_mentor else S.REQUESTED,
            previous_starts_at=session.starts_at,
        )
        updated = _transition(
            uow, session, moved, me, now, reason=f"moved from {session.starts_at.isoformat()}"
        )
        other = mentee if by_mentor else mentor
        _tell(
            uow,
            now,
            other,
            NotificationKind.SESSION_RESCHEDULED,
            updated,
            "moved",
            other_name=me.display_name,
            previous_starts_at=session.starts_at.isoformat(),
            needs_confirmation=0 if by_mentor else 1,
        )
        uow.commit()
        return Outcome(updated)


def start(
    uow: UnitOfWork, clock: Clock, *, session_id: int, policy: BookingPolicy = DEFAULT_POLICY
) -> Outcome:
    """The mentor starts the session (from a little before its time); the system
    starts it at its time."""
    with uow:
        session, me, now = _load(uow, clock, session_id)
        if me is not None:
            me = _require_mentor(session, me, "start")
        if session.status is S.ONGOING:
            return Outcome(session, already=True)
        _require_status(session, {S.SCHEDULED}, "started")
        earliest = session.starts_at - (policy.early_start if me is not None else timedelta(0))
        if now < earliest:
            raise NotAllowed("It is too early to start this session.")
        updated = _transition(uow, session, replace(session, status=S.ONGOING), me, now)
        uow.commit()
        return Outcome(updated)


def complete(
    uow: UnitOfWork,
    clock: Clock,
    *,
    session_id: int,
    notes: str,
    actual_minutes: int,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Outcome:
    notes = clean_text(notes, field="notes", label="notes", max_length=5000, multiline=True)
    if not 1 <= actual_minutes <= policy.max_actual_minutes:
        raise InvalidInput(
            f"The actual duration is from 1 to {policy.max_actual_minutes} minutes.",
            field="actual_minutes",
        )
    with uow:
        session, actor, now = _load(uow, clock, session_id)
        me = _require_mentor(session, actor, "complete")
        if session.status is S.COMPLETED:
            return Outcome(session, already=True)
        _require_status(session, {S.SCHEDULED, S.ONGOING}, "completed")
        if now < session.starts_at:
            raise NotAllowed("A session can be completed once it has started.")
        updated = _transition(
            uow,
            session,
            replace(session, status=S.COMPLETED, notes=notes, actual_minutes=actual_minutes),
            me,
            now,
        )
        for person in (_user(uow, session.mentee_id), me):
            _tell(
                uow,
                now,
                person,
                NotificationKind.SESSION_COMPLETED,
                updated,
                "completed",
                other_name=_other_name(uow, updated, person),
            )
        uow.commit()
        return Outcome(updated)


def mark_no_show(uow: UnitOfWork, clock: Clock, *, session_id: int) -> Outcome:
    with uow:
        session, actor, now = _load(uow, clock, session_id)
        me = _require_mentor(session, actor, "mark as a no-show")
        if session.status is S.NO_SHOW:
            return Outcome(session, already=True)
        _require_status(session, {S.SCHEDULED, S.ONGOING}, "marked as a no-show")
        if now < session.starts_at:
            raise NotAllowed("A no-show can be recorded once the session has started.")
        updated = _transition(uow, session, replace(session, status=S.NO_SHOW), me, now)
        uow.commit()
        return Outcome(updated)


def expire_overdue_requests(uow: UnitOfWork, clock: Clock) -> list[Session]:
    """System: requests nobody accepted before their start expire; mentees are told."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler expires requests.")
    expired: list[Session] = []
    with uow:
        now = clock.now()
        for session in uow.sessions.starting_between(S.REQUESTED, None, now):
            updated = replace(session, status=S.EXPIRED)
            if not uow.sessions.update(updated, expected_status=S.REQUESTED):
                continue  # accepted or expired by someone else meanwhile
            _record(uow, updated, actor=None, before=session, now=now)
            mentee = _user(uow, session.mentee_id)
            _tell(
                uow,
                now,
                mentee,
                NotificationKind.REQUEST_EXPIRED,
                updated,
                "expired",
                other_name=_user(uow, session.mentor_id).display_name,
            )
            expired.append(updated)
        uow.commit()
    return expired


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


# --- rules ------------------------------------------------------------------


def _load(
    uow: UnitOfWork, clock: Clock, session_id: int
) -> tuple[Session, Profile | None, datetime]:
    """The session, locked, and the acting person (None for the system)."""
    me = None if uow.actor.role is Role.SYSTEM else current_profile(uow)
    session = uow.sessions.get_for_update(session_id)
    if session is None or (me is not None and session.workspace_id != me.workspace_id):
        raise SessionNotFound()
    if me is not None and me.id not in (session.mentor_id, session.mentee_id):
        raise NotAllowed("Only the two participants can change this session.")
    return session, me, clock.now()


def _require_participant(session: Session, me: Profile | None, doing: str) -> Profile:
    if me is None or me.id not in (session.mentor_id, session.mentee_id):
        raise NotAllowed(f"Only the two participants can {doing} this session.")
    return me


def _require_mentor(session: Session, me: Profile | None, doing: str) -> Profile:
    if me is None or me.id != session.mentor_id:
        raise NotAllowed(f"Only the mentor can {doing} this session.")
    return me


_DONE = {
    S.DECLINED: "was declined",
    S.CANCELLED: "was cancelled",
    S.EXPIRED: "expired",
    S.COMPLETED: "is already completed",
    S.NO_SHOW: "was marked as a no-show",
    S.SCHEDULED: "is already scheduled",
    S.ONGOING: "is already under way",
    S.REQUESTED: "is still waiting for the mentor",
}


def _require_status(session: Session, allowed: set[SessionStatus], becoming: str) -> None:
    if session.status not in allowed:
        raise Conflict(f"This session {_DONE[session.status]}, so it cannot be {becoming}.")


def _require_before_start(session: Session, now: datetime, doing: str) -> None:
    if now >= session.starts_at:
        raise NotAllowed(f"This session has already started; it is too late to {doing} it.")


def _transition(
    uow: UnitOfWork,
    before: Session,
    after: Session,
    actor: Profile | None,
    now: datetime,
    *,
    reason: str | None = None,
) -> Session:
    if not uow.sessions.update(after, expected_status=before.status):
        raise Conflict("Someone else changed this session just now. Please look again.")
    _record(uow, after, actor=actor, before=before, now=now, reason=reason)
    return after


def _record(
    uow: UnitOfWork,
    session: Session,
    *,
    actor: Profile | None,
    before: Session | None,
    now: datetime,
    reason: str | None = None,
) -> None:
    uow.sessions.add_history(
        HistoryEntry(
            session_id=session.id,
            workspace_id=session.workspace_id,
            actor_id=actor.id if actor else None,
            from_status=before.status if before else None,
            to_status=session.status,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            reason=reason or None,
            at=now,
        )
    )


def _free_slot(
    uow: UnitOfWork,
    mentor: Profile,
    mentee: Profile,
    starts_at: datetime,
    *,
    now: datetime,
    policy: BookingPolicy,
    moving: Session | None = None,
) -> Slot:
    """The free slot starting at `starts_at`, or the reason there is none."""
    if starts_at.tzinfo is None:
        raise InvalidInput("A time without a time zone cannot be booked.", field="slot")
    if starts_at <= now:
        raise InvalidInput("That time is in the past. Please pick another slot.", field="slot")
    if starts_at < now + policy.minimum_notice:
        hours = policy.minimum_notice.total_seconds() / 3600
        raise InvalidInput(
            f"Sessions need at least {hours:g} hours' notice. Please pick a later slot.",
            field="slot",
        )
    if starts_at > now + policy.horizon:
        raise InvalidInput(
            f"Sessions can be booked up to {policy.horizon.days} days ahead.", field="slot"
        )
    schedule = uow.availability.schedule(mentor.id)
    nearby = candidate_slots(
        schedule,
        mentor.time_zone,
        starts_at,
        starts_at + timedelta(minutes=1),
        mentor.session_minutes,
    )
    if not any(slot.starts_at == starts_at for slot in nearby):
        raise InvalidInput(
            f"That time is not in {mentor.display_name}'s availability. Please pick a listed slot.",
            field="slot",
        )
    window = (starts_at - timedelta(days=1), starts_at + timedelta(days=1))
    for slot in slots_between(
        uow, mentor, mentee, *window, now=now, policy=policy, ignoring=moving
    ):
        if slot.starts_at == starts_at:
            return slot
    uncapped = replace(mentor, max_sessions_per_week=None)
    free_without_cap = slots_between(
        uow, uncapped, mentee, *window, now=now, policy=policy, ignoring=moving
    )
    if any(slot.starts_at == starts_at for slot in free_without_cap):
        raise SlotTaken(
            f"{mentor.display_name} is fully booked that week. Please pick another week."
        )
    raise SlotTaken()


def _user(uow: UnitOfWork, user_id: int) -> Profile:
    profile = uow.users.get(user_id)
    if profile is None:
        raise NotFound("That person no longer exists.")
    return profile


def _other_side(session: Session, user_id: int) -> int:
    return session.mentee_id if user_id == session.mentor_id else session.mentor_id


def _other_name(uow: UnitOfWork, session: Session, person: Profile) -> str:
    return _user(uow, _other_side(session, person.id)).display_name


def _tell(
    uow: UnitOfWork,
    now: datetime,
    recipient: Profile,
    kind: NotificationKind,
    session: Session,
    event: str,
    **payload: str | int | None,
) -> None:
    """Notify about a session; one notice per event, session, time and recipient,
    however often the transition is retried."""
    key = f"session:{session.id}:{event}:{session.starts_at.isoformat()}:{recipient.id}"
    notify(uow, now=now, recipient=recipient, kind=kind, session=session, key=key, **payload)


def _topic(value: str) -> str:
    return clean_text(value, field="topic", label="a topic", max_length=300, multiline=True)


def _reason(value: str, *, required: bool = False) -> str:
    return clean_text(
        value,
        field="reason",
        label="a reason",
        max_length=500,
        required=required,
        multiline=True,
    )
