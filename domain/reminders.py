"""Reminders before scheduled sessions, for both participants.

Exactly once per session, start time, lead time and person, whichever scheduler
runs first: the idempotency key says so. A session that moved gets reminders
for its new time (the key holds the start); a cancelled one gets none (only
scheduled sessions are reminded). A reminder whose moment passed while nobody
ran this is still sent if the session has not started, and never after. Each
reminder covers the time down to the next shorter one (the 24-hour reminder is
not sent once the 15-minute one is due), and a reminder is only owed if the
session was booked before its moment (nobody needs a "tomorrow" reminder for a
session booked for this afternoon)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from domain.errors import NotAllowed
from domain.model import NotificationKind, Role, SessionStatus
from domain.notifications import notify
from domain.ports import Clock, UnitOfWork

DEFAULT_LEADS = (timedelta(hours=24), timedelta(minutes=15))


def send_due_reminders(
    uow: UnitOfWork, clock: Clock, *, leads: Iterable[timedelta] = DEFAULT_LEADS
) -> int:
    """Write the reminders that are due now; returns how many were new."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler sends reminders.")
    written = 0
    with uow:
        now = clock.now()
        ordered = sorted(set(leads), reverse=True)
        for lead, shorter in zip(ordered, [*ordered[1:], timedelta(0)], strict=True):
            due = uow.sessions.starting_between(SessionStatus.SCHEDULED, now + shorter, now + lead)
            for session in due:
                if session.created_at is not None and session.created_at > session.starts_at - lead:
                    continue
                people = uow.users.get_many((session.mentor_id, session.mentee_id))
                for person in people.values():
                    other = people.get(
                        session.mentee_id if person.id == session.mentor_id else session.mentor_id
                    )
                    minutes = int(lead.total_seconds() // 60)
                    written += notify(
                        uow,
                        now=now,
                        recipient=person,
                        kind=NotificationKind.REMINDER,
                        session=session,
                        key=f"reminder:{session.id}:{session.starts_at.isoformat()}"
                        f":{minutes}:{person.id}",
                        other_name=other.display_name if other else "",
                        lead_minutes=minutes,
                    )
        uow.commit()
    return written
