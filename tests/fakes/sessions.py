"""Sessions in the fake store: refuses overlaps and updates from a stale status, as
the database's constraints and conditional updates do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from uuid import uuid4

from domain.errors import NotAllowed, SlotTaken
from domain.model import (
    ACTIVE_STATUSES,
    BusyPeriod,
    HistoryEntry,
    NewSeries,
    NewSession,
    Series,
    Session,
    SessionStatus,
    Slot,
    SubjectRole,
)
from tests.fakes.store import Store

BUSY_STATUSES = ACTIVE_STATUSES | {SessionStatus.COMPLETED}


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


class FakeSessions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, session_id: int) -> Session | None:
        return self.store.sessions.get(session_id)

    def get_for_update(self, session_id: int) -> Session | None:
        return self.get(session_id)

    def _check_free(self, session: Session | NewSession, ignore_id: int | None) -> None:
        if session.status not in ACTIVE_STATUSES:
            return
        for other in self.store.sessions.values():
            if other.id == ignore_id or other.status not in ACTIVE_STATUSES:
                continue
            if not _overlaps(session.starts_at, session.ends_at, other.starts_at, other.ends_at):
                continue
            # A person's time is theirs whatever role they hold (session_busy).
            if {other.mentor_id, other.mentee_id} & {session.mentor_id, session.mentee_id}:
                raise SlotTaken()

    def add(self, session: NewSession) -> Session:
        if session.mentor_id == session.mentee_id:
            raise NotAllowed("You cannot book a session with yourself.")
        self._check_free(session, ignore_id=None)
        series = self.store.series.get(session.series_id) if session.series_id else None
        # As the database numbers them (migration 0025): the next place in the series.
        place = (
            sum(1 for s in self.store.sessions.values() if s.series_id == session.series_id) + 1
            if series
            else None
        )
        saved = Session(
            id=self.store.next_id(),
            workspace_id=session.workspace_id,
            mentor_id=session.mentor_id,
            mentee_id=session.mentee_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            status=session.status,
            topic=session.topic,
            created_at=session.created_at,
            updated_at=session.created_at,
            meeting_token=uuid4().hex,
            goal_id=session.goal_id,
            series_id=session.series_id,
            series_place=place,
            series_times=series.repeat.times if series else None,
        )
        self.store.sessions[saved.id] = saved
        return saved

    def add_series(self, series: NewSeries) -> int:
        series_id = self.store.next_id()
        self.store.series[series_id] = series
        return series_id

    def series(self, series_id: int, *, lock: bool = False) -> Series | None:
        found = self.store.series.get(series_id)
        if found is None:
            return None
        sessions = sorted(
            (s for s in self.store.sessions.values() if s.series_id == series_id),
            key=lambda s: (s.starts_at, s.id),
        )
        return Series(
            series_id,
            found.workspace_id,
            found.mentor_id,
            found.mentee_id,
            found.repeat,
            tuple(sessions),
        )

    def update(
        self,
        session: Session,
        *,
        expected_status: SessionStatus,
        at: datetime,
        expected_slot: Slot | None = None,
    ) -> bool:
        current = self.store.sessions.get(session.id)
        if current is None or current.status is not expected_status:
            return False
        if expected_slot is not None and expected_slot != Slot(current.starts_at, current.ends_at):
            return False
        self._check_free(session, ignore_id=session.id)
        self.store.sessions[session.id] = replace(session, updated_at=at)
        return True

    def busy_periods(
        self, user_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        wanted = set(user_ids)
        periods = []
        for session in self.store.sessions.values():
            if session.status not in BUSY_STATUSES:
                continue
            if not _overlaps(session.starts_at, session.ends_at, start, end):
                continue
            for person in {session.mentor_id, session.mentee_id} & wanted:
                periods.append(
                    BusyPeriod(
                        person,
                        session.starts_at,
                        session.ends_at,
                        session.status,
                        as_mentor=person == session.mentor_id,
                    )
                )
        return sorted(periods, key=lambda p: (p.starts_at, p.user_id))

    def for_user(
        self,
        user_id: int,
        *,
        statuses: Iterable[SessionStatus] | None = None,
        starts_after: datetime | None = None,
        starts_before: datetime | None = None,
        newest_first: bool = False,
        limit: int = 50,
    ) -> list[Session]:
        allowed = set(statuses) if statuses is not None else None
        rows = [
            s
            for s in self.store.sessions.values()
            if user_id in (s.mentor_id, s.mentee_id)
            and (allowed is None or s.status in allowed)
            and (starts_after is None or s.starts_at > starts_after)
            and (starts_before is None or s.starts_at < starts_before)
        ]
        rows.sort(key=lambda s: s.starts_at, reverse=newest_first)
        return rows[:limit]

    def open_requests(self, mentee_id: int, *, after: datetime) -> list[Session]:
        open_statuses = {SessionStatus.REQUESTED, SessionStatus.SCHEDULED}
        rows = [
            s
            for s in self.store.sessions.values()
            if s.mentee_id == mentee_id and s.status in open_statuses and s.starts_at > after
        ]
        return sorted(rows, key=lambda s: (s.starts_at, s.id))

    def slot_requests_since(self, user_id: int, since: datetime) -> int:
        latest: dict[int, datetime] = {}  # each session's time so far, in history order
        asked: set[tuple[str, int]] = set()
        for number, entry in enumerate(self.store.history):
            first = entry.session_id not in latest
            moved = latest.get(entry.session_id) != entry.starts_at
            latest[entry.session_id] = entry.starts_at
            if entry.actor_id != user_id or entry.at < since or not moved:
                continue
            # A series is asked for once, however many sessions it has.
            series_id = self.store.sessions[entry.session_id].series_id
            asked.add(("series", series_id) if first and series_id else ("row", number))
        return len(asked)

    def starting_between(
        self,
        status: SessionStatus,
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        rows = [
            s
            for s in self.store.sessions.values()
            if s.status is status
            and s.starts_at <= until
            and (after is None or s.starts_at > after)
            and (following is None or (s.starts_at, s.id) > (following.starts_at, following.id))
        ]
        return sorted(rows, key=lambda s: (s.starts_at, s.id))[:limit]

    def ending_between(
        self,
        statuses: Iterable[SessionStatus],
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        allowed = set(statuses)
        rows = [
            s
            for s in self.store.sessions.values()
            if s.status in allowed
            and s.ends_at <= until
            and (after is None or s.ends_at > after)
            and (following is None or (s.ends_at, s.id) > (following.ends_at, following.id))
        ]
        return sorted(rows, key=lambda s: (s.ends_at, s.id))[:limit]

    def completed_counts(self, mentor_ids: Iterable[int]) -> dict[int, int]:
        counts = dict.fromkeys(mentor_ids, 0)
        for s in self.store.sessions.values():
            if s.status is SessionStatus.COMPLETED and s.mentor_id in counts:
                counts[s.mentor_id] += 1
        return counts

    def declined_by(self, mentee_id: int, *, since: datetime) -> set[int]:
        return {
            s.mentor_id
            for s in self.store.sessions.values()
            if s.mentee_id == mentee_id
            and s.status is SessionStatus.DECLINED
            and (s.updated_at or s.created_at or since) >= since
        }

    def satisfied_goals(
        self, mentor_ids: Iterable[int], *, min_rating: int
    ) -> dict[int, tuple[str, ...]]:
        wanted = set(mentor_ids)
        mentees: dict[int, dict[str, set[int]]] = {}
        for f in self.store.feedback:
            session = self.store.sessions.get(f.session_id)
            if session is None or f.subject_role is not SubjectRole.MENTOR:
                continue
            if session.mentor_id not in wanted or f.rating < min_rating:
                continue
            for goal in self.store.users[session.mentee_id].learning_goals:
                mentees.setdefault(session.mentor_id, {}).setdefault(goal, set()).add(f.author_id)
        return {
            mentor_id: tuple(sorted(g for g, who in goals.items() if len(who) >= 2))
            for mentor_id, goals in mentees.items()
        }

    def add_history(self, entry: HistoryEntry) -> int:
        self.store.history.append(entry)
        return len(self.store.history)

    def slot_changes(self, session_ids: Iterable[int]) -> dict[int, int]:
        wanted = set(session_ids)
        changes: dict[int, int] = {}
        times: dict[int, datetime] = {}
        for number, entry in enumerate(self.store.history, start=1):
            if entry.session_id in wanted and times.get(entry.session_id) != entry.starts_at:
                changes[entry.session_id] = number
            times[entry.session_id] = entry.starts_at
        return changes

    def history(self, session_id: int) -> list[HistoryEntry]:
        return [entry for entry in self.store.history if entry.session_id == session_id]
