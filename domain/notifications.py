"""Notifications: written by the use cases in the same transaction as the change
they announce; read, counted and marked by their recipient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.goals import request_goals
from domain.model import Delivery, Notification, NotificationKind, Page, Profile, Role, Session
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile

MAX_PER_PAGE = 50
# How long a notice a person's request wrote is held for that request to send
# (right after its commit); the outbox's deliverer sends it after that if the
# request did not. The outbox's own lease (domain.outbox.LEASE).
CLAIM = timedelta(minutes=2)


def notify(
    uow: UnitOfWork,
    *,
    now: datetime,
    recipient: Profile,
    kind: NotificationKind,
    session: Session | None = None,
    key: str | None = None,
    **payload: str | int | None,
) -> bool:
    """Write a notice; with `key`, at most one notice per key ever exists.

    A notice written by a person's request is claimed for it as it is written
    (`uow.claimed`, with what its DM shows): the request sends it right after
    its commit, without a transaction of its own to claim it. The jobs' notices
    (the system's) wait in the outbox for the deliverer."""
    details: dict[str, str | int | None] = dict(payload)
    if session is not None:
        details.setdefault("starts_at", session.starts_at.isoformat())
        details.setdefault("ends_at", session.ends_at.isoformat())
        details.setdefault("topic", session.topic)
    by_person = uow.actor.role is not Role.SYSTEM
    notice = Notification(
        id=uuid4(),
        workspace_id=recipient.workspace_id,
        recipient_id=recipient.id,
        kind=kind,
        session_id=session.id if session else None,
        payload=details,
        created_at=now,
        idempotency_key=key,
        attempts=1 if by_person else 0,
        claimed_until=now + CLAIM if by_person else None,
    )
    written = uow.notifications.add(notice)
    if written and by_person:
        mentor = None
        if session is not None:
            mentor = (
                recipient if recipient.id == session.mentor_id else uow.users.get(session.mentor_id)
            )
        uow.claimed.append(
            Delivery(
                notice,
                recipient,
                session,
                mentor.meeting_link if mentor else None,
                request_goals(uow, kind, session),
                series=calendar_series(uow, notice),
            )
        )
    return written


def calendar_series(uow: UnitOfWork, notice: Notification) -> tuple[Session, ...]:
    """Every session of the series a calendar update is about, as they are now
    (the file lists them all); empty for any other notice."""
    series_id = notice.payload.get("series_id")
    if notice.kind is not NotificationKind.CALENDAR_UPDATE or not isinstance(series_id, int):
        return ()
    series = uow.sessions.series(series_id)
    return series.sessions if series is not None else ()


def notifications_page(uow: UnitOfWork, *, page: int = 1, per_page: int = 10) -> Page[Notification]:
    """The acting person's notices, newest first."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    with uow:
        me = current_profile(uow)
        rows = uow.notifications.list_for(me.id, limit=per_page + 1, offset=(page - 1) * per_page)
    return Page(items=tuple(rows[:per_page]), number=page, has_more=len(rows) > per_page)


def unread_count(uow: UnitOfWork) -> int:
    with uow:
        return uow.notifications.unread_count(current_profile(uow).id)


@dataclass(frozen=True)
class Inbox:
    """A page of the acting person's notices, and how many are unread."""

    page: Page[Notification]
    unread: int


def inbox(uow: UnitOfWork, *, page: int = 1, per_page: int = 10) -> Inbox:
    with uow:
        return _inbox(uow, current_profile(uow), page, per_page)


def read_notices(
    uow: UnitOfWork, clock: Clock, *, notification_id: UUID | None, per_page: int = 10
) -> Inbox:
    """Mark one notice read (all of them when None); returns the first page."""
    with uow:
        me = current_profile(uow)
        if notification_id is None:
            uow.notifications.mark_all_read(me.id, clock.now())
        else:
            uow.notifications.mark_read(me.id, notification_id, clock.now())
        uow.commit()
        return _inbox(uow, me, 1, per_page)


def _inbox(uow: UnitOfWork, me: Profile, page: int, per_page: int) -> Inbox:
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    rows = uow.notifications.list_for(me.id, limit=per_page + 1, offset=(page - 1) * per_page)
    return Inbox(
        Page(items=tuple(rows[:per_page]), number=page, has_more=len(rows) > per_page),
        uow.notifications.unread_count(me.id),
    )


def mark_read(uow: UnitOfWork, clock: Clock, *, notification_id: UUID) -> bool:
    """True when the notice was unread; marking it again is harmless."""
    with uow:
        changed = uow.notifications.mark_read(current_profile(uow).id, notification_id, clock.now())
        uow.commit()
        return changed


def mark_all_read(uow: UnitOfWork, clock: Clock) -> int:
    with uow:
        count = uow.notifications.mark_all_read(current_profile(uow).id, clock.now())
        uow.commit()
        return count
