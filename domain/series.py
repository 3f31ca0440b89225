"""A recurring series answered with one click: the mentor accepts or declines
every session of it still waiting for them. Each session changes as it would
on its own (the same rules, history and conditional write, in one
transaction); the mentee is told once, and each person's calendar gets one
file for the series. A session of a series is cancelled or moved on its own,
like any session (`domain.sessions`), which leaves the others as they are."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from domain.calendar import calendar_change
from domain.errors import Conflict, NotAllowed, SessionNotFound
from domain.model import NotificationKind, Profile, Series, Session, SessionStatus
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.recurrence import series_payload
from domain.session_rules import send_to_calendars, tell, transition, user
from domain.sessions import Outcome

S = SessionStatus
NOTHING_WAITING = (
    "None of these sessions is waiting for your answer any more."
    " `/mentor sessions` shows where each of them stands."
)


def accept_series(
    uow: UnitOfWork, clock: Clock, *, series_id: int, seen: Collection[datetime]
) -> Outcome:
    """The mentor accepts every session of the series still waiting for them,
    not yet begun, at a time the clicked message listed (`seen`, its starts).
    A session moved since is left for the message about its move, where it is
    answered on its own; one cancelled, declined or accepted meanwhile is left
    as it is. A second click, with nothing left to accept and some accepted,
    is `already`."""
    shown = {_second(moment) for moment in seen}
    with uow:
        series, me, now = _load(uow, clock, series_id, "accept")
        waiting = [
            session
            for session in series.sessions
            if session.status is S.REQUESTED
            and now < session.starts_at
            and _second(session.starts_at) in shown
        ]
        if not waiting:
            return _already(series, S.SCHEDULED)
        changed = _change_all(uow, waiting, me, now, S.SCHEDULED)
        accepted = [updated for updated, _ in changed]
        first, cause = changed[0]
        now_series = tuple(next((u for u in accepted if u.id == s.id), s) for s in series.sessions)
        about = series_payload(series.id, series.repeat, accepted)
        tell(
            uow,
            now,
            user(uow, series.mentee_id),
            NotificationKind.REQUEST_ACCEPTED,
            first,
            "scheduled",
            cause,
            other_name=me.display_name,
            **about,
        )
        change = calendar_change(waiting[0], first)
        if change is not None:
            send_to_calendars(uow, now, first, change, cause, **about)
        uow.commit()
        return Outcome(first, notices=tuple(uow.claimed), series=now_series)


def decline_series(uow: UnitOfWork, clock: Clock, *, series_id: int) -> Outcome:
    """The mentor declines every session of the series still waiting for them;
    the mentee is told once. Declining commits nobody to a time, so it takes
    whatever times the sessions now have."""
    with uow:
        series, me, now = _load(uow, clock, series_id, "decline")
        waiting = [session for session in series.sessions if session.status is S.REQUESTED]
        if not waiting:
            return _already(series, S.DECLINED)
        changed = _change_all(uow, waiting, me, now, S.DECLINED)
        declined = [updated for updated, _ in changed]
        first, cause = changed[0]
        tell(
            uow,
            now,
            user(uow, series.mentee_id),
            NotificationKind.REQUEST_DECLINED,
            first,
            "declined",
            cause,
            other_name=me.display_name,
            **series_payload(series.id, series.repeat, declined),
        )
        uow.commit()
        now_series = tuple(next((d for d in declined if d.id == s.id), s) for s in series.sessions)
        return Outcome(first, notices=tuple(uow.claimed), series=now_series)


def _load(
    uow: UnitOfWork, clock: Clock, series_id: int, doing: str
) -> tuple[Series, Profile, datetime]:
    """The series with its sessions locked, and the acting mentor."""
    me = current_profile(uow)
    series = uow.sessions.series(series_id, lock=True)
    if series is None or series.workspace_id != me.workspace_id or not series.sessions:
        raise SessionNotFound()
    if me.id != series.mentor_id:
        raise NotAllowed(f"Only the mentor can {doing} these sessions.")
    return series, me, clock.now()


def _change_all(
    uow: UnitOfWork, sessions: list[Session], me: Profile, now: datetime, status: SessionStatus
) -> list[tuple[Session, int]]:
    """Each session moved to `status` as one transition would move it; a
    session that calendars show is sent on its own only when it leaves them
    (a declined request a move had put back to be confirmed), since entering
    them is the one file for the series."""
    return [
        transition(
            uow,
            session,
            replace(session, status=status),
            me,
            now,
            calendars=status is not S.SCHEDULED,
        )
        for session in sessions
    ]


def _already(series: Series, done: SessionStatus) -> Outcome:
    """Nothing is waiting: a second click when some session was answered this
    way (nothing written), else a conflict."""
    answered = next((s for s in series.sessions if s.status is done), None)
    if answered is None:
        raise Conflict(NOTHING_WAITING)
    return Outcome(answered, already=True, series=series.sessions)


def _second(moment: datetime) -> int:
    """Compared to the second: that is what a button carries."""
    return int(moment.timestamp())
