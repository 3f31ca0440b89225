"""Reminders before scheduled sessions, for both participants.

Exactly once per session, placement, lead time and person, whichever scheduler
runs first: the idempotency key says so. A placement is the history row that
gave the session its current time, so a session that moved gets reminders for
its new time, and one that moved away and back (S1 -> S2 -> S1) is reminded
again as it would be after any move; a cancelled one gets none (only
scheduled sessions are reminded). A reminder whose moment passed while nobody
ran this is still sent if the session has not started, and never after. Each
reminder covers the time down to the next shorter one (the 24-hour reminder is
not sent once the 15-minute one is due), and a reminder is only owed if the
session was booked before its moment (nobody needs a "tomorrow" reminder for a
session booked for this afternoon)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from domain.batches import PAGE, pages
from domain.errors import NotAllowed
from domain.model import NotificationKind, Role, Session, SessionStatus
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

            def due(
                following: Session | None, lead: timedelta = lead, shorter: timedelta = shorter
            ) -> list[Session]:
                return uow.sessions.starting_between(
                    SessionStatus.SCHEDULED, now + shorter, now + lead, PAGE, following=following
                )

            minutes = int(lead.total_seconds() // 60)
            for page in pages(due):
                people = uow.users.get_many({p for s in page for p in (s.mentor_id, s.mentee_id)})
                placed = uow.sessions.slot_changes(s.id for s in page)
                for session in page:
                    if (
                        session.created_at is not None
                        and session.created_at > session.starts_at - lead
                    ):
                        continue
                    pair = (session.mentor_id, session.mentee_id)
                    for person_id, other_id in (pair, pair[::-1]):
                        person, other = people.get(person_id), people.get(other_id)
                        if person is None:
                            continue
                        # A late reminder (the bot was down) says how long is
                        # really left, not its nominal lead.
                        left = int((session.starts_at - now).total_seconds() // 60)
                        written += notify(
                            uow,
                            now=now,
                            recipient=person,
                            kind=NotificationKind.REMINDER,
                            session=session,
                            # 0: a session written without history (not by the app).
                            key=f"reminder:{session.id}:{placed.get(session.id, 0)}"
                            f":{minutes}:{person.id}",
                            other_name=other.display_name if other else "",
                            lead_minutes=max(1, min(minutes, left)),
                        )
        uow.commit()
    return written
