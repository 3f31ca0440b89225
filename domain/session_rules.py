"""The rules every session transition follows: who may act, from which status,
when; the conditional write with its history entry; the free-slot check; the
notices. Shared by the use cases in `domain.sessions` and the scheduled jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain import limits
from domain.availability import slots_between
from domain.calendar import CalendarChange, calendar_change
from domain.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    SessionMoved,
    SessionNotFound,
    SlotTaken,
)
from domain.model import HistoryEntry, NotificationKind, Profile, Role, Session, SessionStatus, Slot
from domain.notifications import notify
from domain.policy import BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.slots import candidate_slots
from domain.text import clean_text

S = SessionStatus


def load(
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


def require_participant(session: Session, me: Profile | None, doing: str) -> Profile:
    if me is None or me.id not in (session.mentor_id, session.mentee_id):
        raise NotAllowed(f"Only the two participants can {doing} this session.")
    return me


def require_mentor(session: Session, me: Profile | None, doing: str) -> Profile:
    if me is None or me.id != session.mentor_id:
        raise NotAllowed(f"Only the mentor can {doing} this session.")
    return me


DONE = {
    S.DECLINED: "was declined",
    S.CANCELLED: "was cancelled",
    S.EXPIRED: "expired",
    S.COMPLETED: "is already completed",
    S.NO_SHOW: "was marked as a no-show",
    S.SCHEDULED: "is already scheduled",
    S.ONGOING: "is already under way",
    S.REQUESTED: "is still waiting for the mentor",
}


def require_status(session: Session, allowed: set[SessionStatus], becoming: str) -> None:
    if session.status not in allowed:
        raise Conflict(f"This session {DONE[session.status]}, so it cannot be {becoming}.")


def require_before_start(session: Session, now: datetime, doing: str) -> None:
    if now >= session.starts_at:
        raise NotAllowed(f"This session has already started; it is too late to {doing} it.")


def require_as_seen(uow: UnitOfWork, session: Session, seen: Slot | None) -> None:
    """A click that commits a person to the session's time (accepting a request)
    carries the time the message they clicked showed them (`seen`); the session
    must still be at that time, or they would agree to one they never saw.

    `seen` is None for a button from before buttons carried the time: the person
    saw the time the session was requested with, or one it was moved to, and
    which of them cannot be told. Such a click counts only while the session has
    never been moved (no move recorded, no history row at another time; a time
    changed without history also differs from the first row's); otherwise it is
    refused like a stale one, and the newest message or the Home tab works.

    Compared to the second: that is what a button carries."""
    now_at = (_second(session.starts_at), _second(session.ends_at))
    if seen is not None:
        if (_second(seen.starts_at), _second(seen.ends_at)) == now_at:
            return
    elif session.previous_starts_at is None and all(
        (_second(entry.starts_at), _second(entry.ends_at)) == now_at
        for entry in uow.sessions.history(session.id)
    ):
        return
    raise SessionMoved(session.starts_at, session.ends_at)


def _second(moment: datetime) -> int:
    return int(moment.timestamp())


def transition(
    uow: UnitOfWork,
    before: Session,
    after: Session,
    actor: Profile | None,
    now: datetime,
    *,
    reason: str | None = None,
    calendars: bool = True,
) -> tuple[Session, int]:
    """Write the change and its history; the session as changed, and the id of
    the history row that records the change (what its notices are keyed by).

    The write applies only to the row as it was read: the same status and the
    same times (so a move that slipped in between cannot be accepted unseen).
    When the change is one people's calendars show, both participants are sent
    the calendar update (`domain.calendar`); without `calendars`, the caller
    sends one update for several sessions (a series: `send_to_calendars`)."""
    change = calendar_change(before, after)
    if change is not None:
        after = replace(after, calendar_sequence=change.sequence)
    # As the row now says (the write stamps it): a calendar file's DTSTAMP is
    # when the session last changed, whether it goes now or from the outbox.
    after = replace(after, updated_at=now)
    read_at = Slot(before.starts_at, before.ends_at)
    if not uow.sessions.update(after, expected_status=before.status, expected_slot=read_at, at=now):
        raise Conflict("Someone else changed this session just now. Please look again.")
    cause = record(uow, after, actor=actor, before=before, now=now, reason=reason)
    if change is not None and calendars:
        send_to_calendars(uow, now, after, change, cause)
    return after, cause


def send_to_calendars(
    uow: UnitOfWork,
    now: datetime,
    session: Session,
    change: CalendarChange,
    cause: int,
    **about: str | int | None,
) -> None:
    """Send both participants the calendar update for `session`'s `change`;
    with a `series_id` in `about` (what the notice says of a series), one
    update for every session of the series that calendars show."""
    mentor, mentee = user(uow, session.mentor_id), user(uow, session.mentee_id)
    for person, other in ((mentor, mentee), (mentee, mentor)):
        tell(
            uow,
            now,
            person,
            NotificationKind.CALENDAR_UPDATE,
            session,
            "calendar",
            cause,
            method=change.method.value,
            status=change.status.value,
            sequence=change.sequence,
            mentor=mentor.display_name,
            mentee=mentee.display_name,
            other_name=other.display_name,
            **about,
        )


def record(
    uow: UnitOfWork,
    session: Session,
    *,
    actor: Profile | None,
    before: Session | None,
    now: datetime,
    reason: str | None = None,
) -> int:
    """The new history row's id."""
    return uow.sessions.add_history(
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


def free_slot(
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


def lock_both(uow: UnitOfWork, mentee_id: int, mentor_id: int) -> None:
    """Serialise bookings per person: the mentee's and the mentor's rows stay
    locked until the commit, so two bookings with one mentor (or by one mentee)
    run one after the other, and the mentor cannot leave half-way through one.
    What is read after this (each statement sees the latest commits) cannot
    change before the booking is written: the weekly cap, the open requests,
    whether the mentor is still taking mentees."""
    uow.users.lock((mentee_id, mentor_id))


def require_not_flooding(
    uow: UnitOfWork, me: Profile, *, now: datetime, policy: BookingPolicy
) -> None:
    """At most so many requests and moves an hour: each one sends the other side
    a notice, so a mentee cannot flood a mentor by moving one session back and
    forth any more than by requesting many.

    A domain rule rather than a database one because its window is measured on
    the application's clock (the history's times are written by it, and a
    database `now()` is never compared with it); it is exact all the same,
    because it is read under the person's row lock."""
    sent = uow.sessions.slot_requests_since(me.id, now - timedelta(hours=1))
    if sent >= policy.max_requests_per_hour:
        raise NotAllowed(
            f"You have asked for {sent} times (requests and moves) in the last hour, the most"
            " allowed. Please wait a little before you ask for another."
        )


def require_room_to_book(
    uow: UnitOfWork, me: Profile, mentor: Profile, *, now: datetime, policy: BookingPolicy
) -> None:
    """The flood limits: requests and moves per hour, open sessions in all and
    with one mentor."""
    require_not_flooding(uow, me, now=now, policy=policy)
    open_sessions = _one_per_series(uow.sessions.open_requests(me.id, after=now))
    counted = " (a series counts as one)" if any(s.series_id for s in open_sessions) else ""
    if len(open_sessions) >= policy.max_open_per_mentee:
        raise NotAllowed(
            f"You already have {len(open_sessions)} sessions requested or coming up{counted},"
            " the most you can hold at once. Cancel one in `/mentor sessions`, or book again"
            " after one has taken place."
        )
    with_mentor = sum(1 for session in open_sessions if session.mentor_id == mentor.id)
    if with_mentor >= policy.max_open_per_pair:
        raise NotAllowed(
            f"You already have {with_mentor} sessions requested or coming up with"
            f" {mentor.display_name}{counted}. Book another after one has taken place, or"
            " cancel one in `/mentor sessions`."
        )


def _one_per_series(sessions: Sequence[Session]) -> list[Session]:
    """The bookings among `sessions`: a series, which the mentor answers at
    once, is one however many sessions it has (the mentor's weekly cap still
    counts each of them)."""
    kept: list[Session] = []
    series: set[int] = set()
    for session in sessions:
        if session.series_id is None or session.series_id not in series:
            kept.append(session)
        if session.series_id is not None:
            series.add(session.series_id)
    return kept


def user(uow: UnitOfWork, user_id: int) -> Profile:
    profile = uow.users.get(user_id)
    if profile is None:
        raise NotFound("That person no longer exists.")
    return profile


def other_side(session: Session, user_id: int) -> int:
    return session.mentee_id if user_id == session.mentor_id else session.mentor_id


def other_name(uow: UnitOfWork, session: Session, person: Profile) -> str:
    return user(uow, other_side(session, person.id)).display_name


def tell(
    uow: UnitOfWork,
    now: datetime,
    recipient: Profile,
    kind: NotificationKind,
    session: Session,
    event: str,
    cause: int,
    **payload: str | int | None,
) -> None:
    """Notify about a session: one notice per transition (`cause`, the id of its
    history row) and recipient. A transition is written once, so a retried
    request cannot notify twice; a session that moves back to a time it had
    (S1 -> S2 -> S1) is a new transition, and its notice is sent. A notice about
    a series is keyed by the change of one of its sessions (`session`)."""
    key = f"session:{session.id}:{event}:{cause}:{recipient.id}"
    notify(uow, now=now, recipient=recipient, kind=kind, session=session, key=key, **payload)


def topic(value: str) -> str:
    return clean_text(
        value, field="topic", label="a topic", max_length=limits.TOPIC, multiline=True
    )


def reason(value: str, *, required: bool = False) -> str:
    return clean_text(
        value,
        field="reason",
        label="a reason",
        max_length=limits.REASON,
        required=required,
        multiline=True,
    )
