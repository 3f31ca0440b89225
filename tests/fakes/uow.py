"""An in-memory unit of work that behaves like the real one where the domain can
tell: commit or nothing, overlap refusals, conditional updates, idempotent
notices, ratings kept from feedback."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

# Re-exported: the tests take the clock from here, beside the fake unit of work.
from bot.standin.clock import FakeClock as FakeClock
from domain.analytics_ports import Snapshot
from domain.errors import Conflict, InvalidInput, NotAllowed, SlotTaken
from domain.model import (
    ACTIVE_STATUSES,
    Actor,
    BusyPeriod,
    ExtraSlot,
    Feedback,
    HistoryEntry,
    MentorHit,
    MentorRating,
    NewProfile,
    NewSession,
    Notification,
    Profile,
    Schedule,
    Session,
    SessionStatus,
    SubjectRole,
    TimeOff,
    WeeklySlot,
)
from domain.ports import DigestRecord
from tests.fakes.analytics import FakeAnalytics, FakeSnapshots

BUSY_STATUSES = ACTIVE_STATUSES | {SessionStatus.COMPLETED}


@dataclass
class Store:
    """Everything the fake database holds."""

    workspaces: set[str] = field(default_factory=set)
    users: dict[int, Profile] = field(default_factory=dict)
    weekly: dict[int, list[WeeklySlot]] = field(default_factory=dict)
    time_off: dict[int, list[TimeOff]] = field(default_factory=dict)
    extra: dict[int, list[ExtraSlot]] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    outbox: dict[UUID, Outbox] = field(default_factory=dict)
    events: set[tuple[str, str]] = field(default_factory=set)
    event_times: dict[tuple[str, str], datetime] = field(default_factory=dict)
    digests: dict[tuple[str, date], DigestRecord] = field(default_factory=dict)
    snapshots: dict[tuple[str, int | None], Snapshot] = field(default_factory=dict)
    # Workspaces whose snapshots another scheduler is refreshing right now.
    refreshing: set[str] = field(default_factory=set)
    last_id: int = 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


class FakeWorkspaces:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure(self, workspace_id: str, name: str = "") -> None:
        self.store.workspaces.add(workspace_id)

    def with_people(self) -> list[str]:
        return sorted({profile.workspace_id for profile in self.store.users.values()})


class FakeUsers:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, user_id: int) -> Profile | None:
        return self.store.users.get(user_id)

    def get_many(self, user_ids: Iterable[int]) -> dict[int, Profile]:
        return {i: self.store.users[i] for i in user_ids if i in self.store.users}

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None:
        for profile in self.store.users.values():
            if (profile.workspace_id, profile.slack_user_id) == (workspace_id, slack_user_id):
                return profile
        return None

    def add(self, profile: NewProfile) -> Profile:
        if self.by_slack_id(profile.workspace_id, profile.slack_user_id):
            raise Conflict("exists")
        saved = Profile(
            id=self.store.next_id(),
            workspace_id=profile.workspace_id,
            slack_user_id=profile.slack_user_id,
            display_name=profile.display_name,
            time_zone=profile.time_zone,
            title=profile.title,
            department=profile.department,
        )
        self.store.users[saved.id] = saved
        return saved

    def save(self, profile: Profile) -> Profile:
        self.store.users[profile.id] = profile
        return profile

    def search_mentors(
        self, workspace_id: str, query: str, *, exclude_user_id: int | None, limit: int, offset: int
    ) -> list[MentorHit]:
        words = query.casefold().split()
        hits = []
        for profile in self.store.users.values():
            if profile.workspace_id != workspace_id or profile.id == exclude_user_id:
                continue
            if not (profile.is_mentor and profile.is_active):
                continue
            haystack = " ".join((profile.display_name, profile.department, *profile.expertise))
            tokens = haystack.casefold().split()
            if all(any(token.startswith(word) for token in tokens) for word in words):
                rating = FakeFeedback(self.store).rating(profile.id)
                completed = FakeSessions(self.store).completed_counts([profile.id])[profile.id]
                hits.append(MentorHit(profile, rating, completed, score=1.0))
        hits.sort(key=lambda hit: (-(hit.rating.average or 0), hit.profile.display_name))
        return hits[offset : offset + limit]


class FakeAvailability:
    def __init__(self, store: Store) -> None:
        self.store = store

    def schedule(self, user_id: int) -> Schedule:
        return Schedule(
            weekly=tuple(self.store.weekly.get(user_id, [])),
            time_off=tuple(self.store.time_off.get(user_id, [])),
            extra=tuple(self.store.extra.get(user_id, [])),
        )

    def schedules(self, user_ids: Iterable[int]) -> dict[int, Schedule]:
        return {user_id: self.schedule(user_id) for user_id in user_ids}

    def add_weekly(self, workspace_id: str, user_id: int, slot: WeeklySlot) -> WeeklySlot:
        saved = replace(slot, id=self.store.next_id())
        self.store.weekly.setdefault(user_id, []).append(saved)
        return saved

    def remove_weekly(self, user_id: int, slot_id: int) -> bool:
        return self._remove(self.store.weekly, user_id, slot_id)

    def clear_weekly(self, user_id: int) -> int:
        return len(self.store.weekly.pop(user_id, []))

    def add_time_off(self, workspace_id: str, user_id: int, time_off: TimeOff) -> TimeOff:
        saved = replace(time_off, id=self.store.next_id())
        self.store.time_off.setdefault(user_id, []).append(saved)
        return saved

    def remove_time_off(self, user_id: int, time_off_id: int) -> bool:
        return self._remove(self.store.time_off, user_id, time_off_id)

    def add_extra(self, workspace_id: str, user_id: int, extra: ExtraSlot) -> ExtraSlot:
        saved = replace(extra, id=self.store.next_id())
        self.store.extra.setdefault(user_id, []).append(saved)
        return saved

    def remove_extra(self, user_id: int, extra_id: int) -> bool:
        return self._remove(self.store.extra, user_id, extra_id)

    @staticmethod
    def _remove(table: dict[int, list], user_id: int, row_id: int) -> bool:  # type: ignore[type-arg]
        rows = table.get(user_id, [])
        kept = [row for row in rows if row.id != row_id]
        table[user_id] = kept
        return len(kept) < len(rows)


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
            if other.mentor_id == session.mentor_id or other.mentee_id == session.mentee_id:
                raise SlotTaken()

    def add(self, session: NewSession) -> Session:
        if session.mentor_id == session.mentee_id:
            raise NotAllowed("You cannot book a session with yourself.")
        self._check_free(session, ignore_id=None)
        saved = Session(
            id=self.store.next_id(),
            workspace_id=session.workspace_id,
            mentor_id=session.mentor_id,
            mentee_id=session.mentee_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            status=session.status,
            topic=session.topic,
        )
        self.store.sessions[saved.id] = saved
        return saved

    def update(self, session: Session, *, expected_status: SessionStatus) -> bool:
        current = self.store.sessions.get(session.id)
        if current is None or current.status is not expected_status:
            return False
        self._check_free(session, ignore_id=session.id)
        self.store.sessions[session.id] = session
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
                    BusyPeriod(person, session.starts_at, session.ends_at, session.status)
                )
        return periods

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

    def add_history(self, entry: HistoryEntry) -> None:
        self.store.history.append(entry)

    def history(self, session_id: int) -> list[HistoryEntry]:
        return [entry for entry in self.store.history if entry.session_id == session_id]


class FakeFeedback:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, feedback: Feedback) -> Feedback:
        if any(
            (f.session_id, f.author_id) == (feedback.session_id, feedback.author_id)
            for f in self.store.feedback
        ):
            raise Conflict("You already left feedback for this session.")
        saved = replace(feedback, id=self.store.next_id())
        self.store.feedback.append(saved)
        return saved

    def for_session(self, session_id: int) -> list[Feedback]:
        return [f for f in self.store.feedback if f.session_id == session_id]

    def for_sessions(self, session_ids: Iterable[int]) -> dict[int, list[Feedback]]:
        return {session_id: self.for_session(session_id) for session_id in session_ids}

    def about(self, subject_id: int, *, limit: int = 5) -> list[Feedback]:
        return [f for f in reversed(self.store.feedback) if f.subject_id == subject_id][:limit]

    def rating(self, mentor_id: int) -> MentorRating:
        ratings = [
            f.rating
            for f in self.store.feedback
            if f.subject_id == mentor_id and f.subject_role is SubjectRole.MENTOR
        ]
        if not ratings:
            return MentorRating(mentor_id)
        return MentorRating(mentor_id, len(ratings), round(sum(ratings) / len(ratings), 2))


class FakeNotifications:
    def __init__(self, store: Store, added: list[UUID]) -> None:
        self.store = store
        self.added = added

    def add(self, notification: Notification) -> bool:
        key = notification.idempotency_key
        if key is not None and any(
            (n.workspace_id, n.idempotency_key) == (notification.workspace_id, key)
            for n in self.store.notifications
        ):
            return False
        self.store.notifications.append(notification)
        self.added.append(notification.id)
        return True

    def list_for(self, recipient_id: int, *, limit: int, offset: int) -> list[Notification]:
        mine = [n for n in self.store.notifications if n.recipient_id == recipient_id]
        mine.sort(key=lambda n: n.created_at, reverse=True)
        return mine[offset : offset + limit]

    def unread_count(self, recipient_id: int) -> int:
        return sum(
            1 for n in self.store.notifications if n.recipient_id == recipient_id and not n.read_at
        )

    def mark_read(self, recipient_id: int, notification_id: UUID, at: datetime) -> bool:
        for index, n in enumerate(self.store.notifications):
            if n.id == notification_id and n.recipient_id == recipient_id and n.read_at is None:
                self.store.notifications[index] = replace(n, read_at=at)
                return True
        return False

    def claim_for_delivery(
        self, ids: Sequence[UUID] | None, now: datetime, lease: timedelta, limit: int
    ) -> list[Notification]:
        claimed = []
        for n in self.store.notifications:
            state = self.store.outbox.setdefault(n.id, Outbox(next_attempt_at=n.created_at))
            due = state.next_attempt_at is None or state.next_attempt_at <= now
            if state.delivered_at or state.gave_up_at or not due:
                continue
            if ids is not None and n.id not in ids:
                continue
            state.attempts += 1
            state.next_attempt_at = now + lease
            claimed.append(replace(n, attempts=state.attempts))
        return claimed[:limit]

    def mark_delivered(self, notification_id: UUID, at: datetime) -> None:
        self.store.outbox[notification_id].delivered_at = at

    def record_failure(
        self, notification_id: UUID, error: str, at: datetime, retry_at: datetime | None
    ) -> None:
        state = self.store.outbox[notification_id]
        state.last_error = error
        if retry_at is None:
            state.gave_up_at = at
        else:
            state.next_attempt_at = retry_at

    def mark_all_read(self, recipient_id: int, at: datetime) -> int:
        count = 0
        for index, n in enumerate(self.store.notifications):
            if n.recipient_id == recipient_id and n.read_at is None:
                self.store.notifications[index] = replace(n, read_at=at)
                count += 1
        return count


class FakeEvents:
    def __init__(self, store: Store) -> None:
        self.store = store

    def first_delivery(self, workspace_id: str, event_id: str, at: datetime) -> bool:
        if (workspace_id, event_id) in self.store.events:
            return False
        self.store.events.add((workspace_id, event_id))
        self.store.event_times[(workspace_id, event_id)] = at
        return True

    def forget_before(self, moment: datetime) -> int:
        old = {key for key, at in self.store.event_times.items() if at < moment}
        self.store.events -= old
        for key in old:
            del self.store.event_times[key]
        return len(old)


class FakeDigests:
    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(
        self,
        workspace_ids: Sequence[str],
        week: date,
        channel: str,
        now: datetime,
        lease: timedelta,
    ) -> list[DigestRecord]:
        claimed = []
        for workspace_id in sorted(set(workspace_ids)):
            if workspace_id not in self.store.workspaces:
                raise InvalidInput("That refers to something that does not exist.")
            key = (workspace_id, week)
            record = self.store.digests.setdefault(
                key, DigestRecord(workspace_id, week, channel, created_at=now, next_attempt_at=now)
            )
            due = record.next_attempt_at is not None and record.next_attempt_at <= now
            if record.posted_at is None and due:
                record = replace(record, attempts=record.attempts + 1, next_attempt_at=now + lease)
                self.store.digests[key] = record
                claimed.append(record)
        return claimed

    def get(self, workspace_id: str, week: date) -> DigestRecord | None:
        return self.store.digests.get((workspace_id, week))

    def mark_posted(self, workspace_id: str, week: date, message_ts: str, at: datetime) -> bool:
        record = self.store.digests.get((workspace_id, week))
        if record is None or record.posted_at is not None:
            return False
        self.store.digests[workspace_id, week] = replace(
            record, posted_at=at, message_ts=message_ts, last_error=None
        )
        return True

    def record_failure(
        self, workspace_id: str, week: date, error: str, retry_at: datetime | None
    ) -> None:
        record = self.store.digests.get((workspace_id, week))
        if record is not None and record.posted_at is None:
            self.store.digests[workspace_id, week] = replace(
                record, last_error=error, next_attempt_at=retry_at
            )


@dataclass
class Outbox:
    """The fake's delivery columns, per notice."""

    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    gave_up_at: datetime | None = None
    last_error: str | None = None


class FakeUnitOfWork:
    """Commits by keeping the changes; anything uncommitted is rolled back on exit."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.commits = 0
        self.new_notifications: list[UUID] = []
        self._snapshot: Store | None = None
        self._bind()

    def _bind(self) -> None:
        self.workspaces = FakeWorkspaces(self.store)
        self.users = FakeUsers(self.store)
        self.availability = FakeAvailability(self.store)
        self.sessions = FakeSessions(self.store)
        self.feedback = FakeFeedback(self.store)
        self.notifications = FakeNotifications(self.store, self.new_notifications)
        self.events = FakeEvents(self.store)
        self.analytics = FakeAnalytics(self.store)
        self.snapshots = FakeSnapshots(self.store)
        self.digests = FakeDigests(self.store)

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.store)
        self.new_notifications.clear()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._snapshot = copy.deepcopy(self.store)

    def rollback(self) -> None:
        if self._snapshot is not None:
            # Restore in place: repositories hold a reference to the store.
            self.store.__dict__.update(copy.deepcopy(self._snapshot).__dict__)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
