"""What the domain needs from the outside world, as protocols.

`storage` implements the repositories and the unit of work; tests use fakes.
Repositories never commit; they raise domain errors (`SlotTaken`, ...) for the
refusals the database makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self
from uuid import UUID

from domain.analytics_ports import AnalyticsRepository, NudgeRepository, SnapshotRepository
from domain.chart_ports import ChartRepository
from domain.model import (
    Actor,
    BusyPeriod,
    Candidate,
    Delivery,
    ExtraSlot,
    Feedback,
    Goal,
    GoalChange,
    HistoryEntry,
    Listing,
    ListingKey,
    MentorHit,
    MentorRating,
    NewGoal,
    NewProfile,
    NewSeries,
    NewSession,
    Notification,
    Profile,
    Schedule,
    SearchTerm,
    Series,
    Session,
    SessionStatus,
    Slot,
    TimeOff,
    WeeklySlot,
)
from domain.workspace import SettingChange, WorkspaceSettings

if TYPE_CHECKING:
    # domain.introductions imports this module: its repository is named for types only.
    from domain.introductions import IntroductionRepository


class Clock(Protocol):
    """The application's only clock: production passes the system's, tests and
    the demo a fake one that they move.

    The one-clock rule: every timestamp the product later compares with "now"
    (when a notice is due, whether a reminder is owed, leases, digests,
    snapshots, processed events, history, sign-up and booking times) is written
    from this clock's reading, handed by the use case to the repository. The
    database's `now()` is never written by the application, and never compared
    with this clock: column defaults of `now()` stay only for rows written by
    hand. A database clock and an application clock disagree whenever the
    application's is moved (tests, the demo) or the two hosts drift; a rule
    that compares one with the other then silently stops firing.
    `tests/test_one_clock.py` holds production code to it."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


@dataclass(frozen=True)
class DigestPlace:
    """What the digest needs to know of a workspace."""

    workspace_id: str
    channel: str | None  # its own digest channel
    has_people: bool
    paused: bool  # the app is uninstalled there, or its token revoked


class Listings(Protocol):
    """Search listings shared by the searches of one process."""

    def get(self, key: ListingKey, read: Callable[[], Listing]) -> Listing:
        """The listing of `key`: one kept from a recent `read`, or `read()`'s."""
        ...


class WorkspaceRepository(Protocol):
    def ensure(self, workspace_id: str, name: str = "", *, at: datetime) -> None:
        """Record the workspace (created `at`) if it is new; harmless when it exists."""
        ...

    def with_people(self) -> list[str]:
        """Ids of the workspaces that have at least one profile, sorted (system actor)."""
        ...

    def digest_places(self) -> list[DigestPlace]:
        """Every workspace, the first seen first (oldest, then by id); system actor."""
        ...

    def set_digest_channel(self, workspace_id: str, channel: str | None) -> None:
        """The workspace's own digest channel, None for none (its admins, or the system)."""
        ...

    def pause(self, workspace_id: str, at: datetime, because: str) -> bool:
        """Stop sending to the workspace; False when it was paused already."""
        ...

    def resume(self, workspace_id: str) -> bool:
        """Send to the workspace again; False when it was not paused."""
        ...

    def count_undelivered(self, workspace_id: str) -> None:
        """One more of its notices was given up on (system actor)."""
        ...

    def undelivered(self, workspace_id: str) -> int:
        """How many of its notices were given up on."""
        ...


class SettingsRepository(Protocol):
    """A workspace's settings and their audit; its admins, or the system."""

    def get(self, workspace_id: str, *, for_update: bool = False) -> WorkspaceSettings:
        """Its settings, the digest channel included (all default when it has
        none). `for_update`: the workspace is held until the transaction ends,
        so that a change made meanwhile is waited for, then read."""
        ...

    def get_many(self, workspace_ids: Iterable[str]) -> dict[str, WorkspaceSettings]:
        """The settings of each of these workspaces (system actor)."""
        ...

    def save(self, workspace_id: str, settings: WorkspaceSettings) -> None:
        """Write every setting but the digest channel, which is the workspace's
        own (`WorkspaceRepository.set_digest_channel`)."""
        ...

    def record(self, workspace_id: str, changes: Sequence[SettingChange]) -> None:
        """Audit rows, in the transaction that made the changes."""
        ...

    def changes(self, workspace_id: str, *, limit: int) -> list[SettingChange]:
        """The latest changes, newest first."""
        ...


class UserRepository(Protocol):
    def get(self, user_id: int) -> Profile | None: ...

    def get_many(self, user_ids: Iterable[int]) -> dict[int, Profile]: ...

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None: ...

    def by_slack_id_with_busy(
        self,
        workspace_id: str,
        slack_user_id: str,
        others: Iterable[int],
        start: datetime,
        end: datetime,
    ) -> tuple[Profile, list[BusyPeriod]] | None:
        """`by_slack_id`, with `SessionRepository.busy_periods` of `others`
        and of the person between `start` and `end`, in one read."""
        ...

    def add(self, profile: NewProfile) -> Profile: ...

    def unnamed(self, limit: int) -> list[tuple[str, str]]:
        """(workspace, Slack id) of at most `limit` active people whose name is
        still their Slack id, in workspaces the actor may read where the app is
        not paused (uninstalled); a random sample, so no few of them hold up
        the rest."""
        ...

    def lock(self, user_ids: Iterable[int]) -> None:
        """Hold these people's rows until the transaction ends (a booking's
        serialisation point); another transaction locking any of them waits.
        Locked in id order, so two lockers never wait for each other."""
        ...

    def save(self, profile: Profile, *, at: datetime) -> Profile:
        """Write every field of an existing profile (matched by id; its id,
        workspace and Slack id never change), updated `at`. Raises `NotFound`
        when the row is gone or not the actor's to write."""
        ...

    def search_mentors(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
        offset: int,
    ) -> list[MentorHit]:
        """Active mentors matching any of `terms` (all of them when there are
        none), best first: match score (see `SearchTerm`; a typed word matched
        whole beats one matched as a prefix, which beats a close spelling),
        then rating, then whether they offer any time. `next_free_slot` is
        left empty: the domain computes it."""
        ...

    def mentor_candidates(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
    ) -> list[Candidate]:
        """The first `limit` of `search_mentors` (read for `workspace_id`, also
        by the system), without completed counts."""
        ...


class AvailabilityRepository(Protocol):
    def schedule(self, user_id: int) -> Schedule: ...

    def schedules(self, user_ids: Iterable[int]) -> dict[int, Schedule]:
        """Schedules of several people at once (an empty one for anybody without)."""
        ...

    def add_weekly(self, workspace_id: str, user_id: int, slot: WeeklySlot) -> WeeklySlot: ...

    def remove_weekly(self, user_id: int, slot_id: int) -> bool: ...

    def clear_weekly(self, user_id: int) -> int: ...

    def add_time_off(self, workspace_id: str, user_id: int, time_off: TimeOff) -> TimeOff: ...

    def remove_time_off(self, user_id: int, time_off_id: int) -> bool: ...

    def add_extra(self, workspace_id: str, user_id: int, extra: ExtraSlot) -> ExtraSlot: ...

    def remove_extra(self, user_id: int, extra_id: int) -> bool: ...


class SessionRepository(Protocol):
    def get(self, session_id: int) -> Session | None: ...

    def get_for_update(self, session_id: int) -> Session | None:
        """The session, locked until the transaction ends (None if not visible)."""
        ...

    def add(self, session: NewSession) -> Session:
        """Insert a session; raises `SlotTaken` when it overlaps an active one."""
        ...

    def add_series(self, series: NewSeries) -> int:
        """Insert a recurring series; its id. Its sessions are added with `add`
        (naming it) in the same transaction: the database takes sessions into
        a series only there."""
        ...

    def series(self, series_id: int, *, lock: bool = False) -> Series | None:
        """The series with its sessions, soonest first (None if not visible);
        with `lock`, its sessions are locked until the transaction ends, in id
        order (as `get_for_update` locks one)."""
        ...

    def update(
        self,
        session: Session,
        *,
        expected_status: SessionStatus,
        at: datetime,
        expected_slot: Slot | None = None,
    ) -> bool:
        """Write the session's mutable fields (updated `at`) if its status is
        still `expected_status` (and, with `expected_slot`, its times are still
        those); False when someone changed it first. Raises `SlotTaken` when a
        move overlaps an active session."""
        ...

    def busy_periods(
        self, user_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        """Sessions (requested, scheduled, ongoing or completed) of these people
        that overlap [start, end) — whoever they are with; only times and status;
        by start, then person."""
        ...

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
        """Sessions where the person is mentor or mentee; both time bounds are
        exclusive."""
        ...

    def open_requests(self, mentee_id: int, *, after: datetime) -> list[Session]:
        """The person's sessions as a mentee, requested or scheduled, starting after `after`."""
        ...

    def slot_requests_since(self, user_id: int, since: datetime) -> int:
        """How many times the person asked for a slot at or after `since`: new
        requests and moves of a session to another time, each of which sends the
        other side a notice (by the history's time, which the app's clock wrote)."""
        ...

    def starting_between(
        self,
        status: SessionStatus,
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        """Sessions in `status` starting in (after, until] (no lower bound when
        `after` is None), soonest first; for the system actor. The rows are
        locked, and rows another transaction holds are skipped, so several
        schedulers share the work. `following` pages on: only sessions after it
        in (starts_at, id) order."""
        ...

    def ending_between(
        self,
        statuses: Iterable[SessionStatus],
        after: datetime | None,
        until: datetime,
        limit: int = 500,
        *,
        following: Session | None = None,
    ) -> list[Session]:
        """Sessions in one of `statuses` ending in (after, until] (no lower bound
        when `after` is None), earliest end first; for the system actor. Locked,
        skipping rows another transaction holds, like `starting_between`;
        `following` pages on in (ends_at, id) order."""
        ...

    def completed_counts(self, mentor_ids: Iterable[int]) -> dict[int, int]:
        """How many completed sessions each mentor has had (0 for none)."""
        ...

    def declined_by(self, mentee_id: int, *, since: datetime) -> set[int]:
        """The mentors who declined a request of the mentee at or after `since`."""
        ...

    def satisfied_goals(
        self, mentor_ids: Iterable[int], *, min_rating: int
    ) -> dict[int, tuple[str, ...]]:
        """Per mentor, the learning goals of the mentees who rated a session
        with them at least `min_rating`: only goals that two or more such
        mentees share, so that nobody's rating of a session can be told from it."""
        ...

    def add_history(self, entry: HistoryEntry) -> int:
        """The new history row's id."""
        ...

    def slot_changes(self, session_ids: Iterable[int]) -> dict[int, int]:
        """For each session, the id of the history row that gave it its current
        time (its creation, or the move to that time): a session moved away and
        back gets a new one."""
        ...

    def history(self, session_id: int) -> list[HistoryEntry]:
        """Oldest first."""
        ...


@dataclass(frozen=True)
class FeedOwner:
    """Whose calendar feed a token opens (found by the system actor)."""

    workspace_id: str
    slack_user_id: str
    user_id: int
    is_active: bool


@dataclass(frozen=True)
class CalendarSession:
    """A session as a calendar shows it: with both people's names and the
    mentor's own meeting link. Only what a calendar shows of the session is
    filled in (not its notes, reasons or creation time)."""

    session: Session
    mentor_name: str
    mentee_name: str
    mentor_link: str | None


@dataclass(frozen=True)
class CalendarRows:
    """A feed's sessions and the version of exactly these rows."""

    version: str
    sessions: list[CalendarSession]


class CalendarFeedRepository(Protocol):
    """Each person's calendar feed: only the SHA-256 (hex) of its token."""

    def since(self, user_id: int) -> datetime | None:
        """When the person's current feed token was made; None: they have none."""
        ...

    def add(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> bool:
        """Give the person a feed; False (and nothing changed) when they have one."""
        ...

    def replace(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> None:
        """Give the person this token, in place of any they had."""
        ...

    def owner(self, token_hash: str) -> FeedOwner | None:
        """Whose feed the token is (system actor)."""
        ...

    def version(
        self,
        user_id: int,
        *,
        held: Iterable[SessionStatus],
        starts_from: datetime,
        starts_before: datetime,
        around: datetime,
        limit: int,
    ) -> str:
        """A digest of everything a calendar shows of the rows `sessions` would
        answer (ids, times, status, sequence, last change, topic, meeting
        token, both names, the mentor's link), without reading them out: it
        changes whenever they would."""
        ...

    def sessions(
        self,
        user_id: int,
        *,
        held: Iterable[SessionStatus],
        starts_from: datetime,
        starts_before: datetime,
        around: datetime,
        limit: int,
    ) -> CalendarRows:
        """The person's sessions starting in [starts_from, starts_before) that
        are in `held` or were sent to calendars (`calendar_sequence` set): the
        `limit` of them nearest to `around`, earliest first, with their
        `version` (read together: the version is these rows')."""
        ...


class FeedbackRepository(Protocol):
    def add(self, feedback: Feedback, *, at: datetime) -> Feedback:
        """Store feedback written `at`. Raises `Conflict` when the author already
        left feedback for the session."""
        ...

    def for_session(self, session_id: int) -> list[Feedback]: ...

    def for_sessions(self, session_ids: Iterable[int]) -> dict[int, list[Feedback]]: ...

    def about(
        self, subject_id: int, *, limit: int = 5, reader_id: int | None = None
    ) -> list[Feedback]:
        """Newest feedback received by a person (visible to the actor); with
        `reader_id`, only that of sessions the reader was one of the two of
        (what they may read, even when the actor may read more: an admin)."""
        ...

    def rating(self, mentor_id: int) -> MentorRating: ...


class GoalRepository(Protocol):
    """A person's goals. The owner reads and writes them; the mentor of a
    session with the owner that is still on (requested, scheduled, ongoing)
    reads them; nobody else, admins included (row-level security hides them)."""

    def get(self, goal_id: int) -> Goal | None: ...

    def get_for_update(self, goal_id: int) -> Goal | None:
        """The goal, locked until the transaction ends (None if not visible)."""
        ...

    def hold_owner(self, owner_id: int) -> None:
        """Wait for any other change to the person's goals to end, and keep
        others waiting until this transaction ends (the owner's own)."""
        ...

    def for_owner(self, owner_id: int) -> list[Goal]:
        """The person's goals the actor may read, oldest first."""
        ...

    def add(self, goal: NewGoal) -> Goal: ...

    def update(self, goal: Goal, *, at: datetime) -> Goal:
        """Write the goal's status, target date and notes, updated `at`."""
        ...

    def add_history(self, change: GoalChange) -> None: ...


class NotificationRepository(Protocol):
    def add(self, notification: Notification) -> bool:
        """Insert without reading it back (the recipient alone may read it);
        False when a notice with the same idempotency key exists."""
        ...

    def list_for(self, recipient_id: int, *, limit: int, offset: int) -> list[Notification]:
        """Newest first."""
        ...

    def unread_count(self, recipient_id: int) -> int: ...

    def mark_read(self, recipient_id: int, notification_id: UUID, at: datetime) -> bool: ...

    def mark_all_read(self, recipient_id: int, at: datetime) -> int: ...

    def claim_for_delivery(
        self, ids: Sequence[UUID] | None, now: datetime, lease: timedelta, limit: int
    ) -> list[Notification]:
        """Undelivered notices due now (only `ids` when given), leased until
        `now + lease` so no other deliverer takes them meanwhile; system actor.
        Rows another transaction is claiming are skipped, and so are the
        notices of a paused workspace (they wait for it to be resumed). A
        notice whose last claim has no outcome recorded comes `maybe_sent`."""
        ...

    def mark_delivered(self, notification_id: UUID, at: datetime) -> None: ...

    def record_failure(
        self,
        notification_id: UUID,
        error: str,
        at: datetime,
        retry_at: datetime | None,
        *,
        maybe_sent: bool = False,
    ) -> bool:
        """Remember why a DM failed; retry at `retry_at`, or never when None.
        `maybe_sent`: Slack's answer was lost, not a refusal (the next claim
        comes `maybe_sent`). True when this gave the notice up (it had not
        been given up before)."""
        ...

    def release(self, notification_id: UUID, at: datetime, error: str) -> None:
        """Put a claimed notice back, due at `at`, its claim not counted as a try."""
        ...


class EventRepository(Protocol):
    def first_delivery(self, workspace_id: str, event_id: str, at: datetime) -> bool:
        """Record a Slack event id; False when it was seen before (a retry)."""
        ...

    def forget_before(self, moment: datetime) -> int:
        """Drop event ids received before `moment` (system actor); how many."""
        ...


# --- weekly digest -----------------------------------------------------------


@dataclass(frozen=True)
class DigestRecord:
    """A workspace's digest of one week, as stored: claimed, then posted once.

    `week` is the Monday (in the schedule's zone) of the week the digest is
    posted in. `next_attempt_at` is when it may be claimed (again): a claim
    leases it until then; None means it was given up."""

    workspace_id: str
    week: date
    channel: str
    attempts: int = 0
    created_at: datetime | None = None
    posted_at: datetime | None = None
    message_ts: str | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None


class DigestRepository(Protocol):
    """System actor only (admins may read their workspace's rows)."""

    def claim(
        self,
        channels: Mapping[str, str],
        week: date,
        now: datetime,
        lease: timedelta,
    ) -> list[DigestRecord]:
        """Record each workspace's digest of `week`, for the workspace's channel
        in `channels`, if it is new (a unique key
        makes that happen once, whoever runs it), then lease every digest of
        `week` of these workspaces that is not posted and is due (new, or its
        earlier attempt failed or its lease ran out): attempts + 1, next attempt
        at `now + lease`. Rows another transaction is claiming are skipped.
        Returns the leased digests, in workspace order."""
        ...

    def get(self, workspace_id: str, week: date) -> DigestRecord | None: ...

    def mark_posted(self, workspace_id: str, week: date, message_ts: str, at: datetime) -> bool:
        """False when it was posted before (or does not exist)."""
        ...

    def record_failure(
        self, workspace_id: str, week: date, error: str, retry_at: datetime | None
    ) -> None:
        """Remember why posting failed; claimable again at `retry_at`, never when None."""
        ...


class UnitOfWork(Protocol):
    """One transaction, run as one actor. Rolls back unless `commit()` is called.

    `new_notifications` lists the ids of the notices written through it;
    `claimed` those a person's use case claimed for delivery as it wrote them
    (with what their DMs show), which it returns in its outcome once committed."""

    actor: Actor
    new_notifications: list[UUID]
    claimed: list[Delivery]

    # Read-only here: each implementation holds its own repositories (a settable
    # protocol attribute would demand exactly the protocol's type of them).
    @property
    def workspaces(self) -> WorkspaceRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def availability(self) -> AvailabilityRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def feedback(self) -> FeedbackRepository: ...

    @property
    def goals(self) -> GoalRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def events(self) -> EventRepository: ...

    @property
    def analytics(self) -> AnalyticsRepository: ...

    @property
    def snapshots(self) -> SnapshotRepository: ...

    @property
    def charts(self) -> ChartRepository: ...

    @property
    def nudges(self) -> NudgeRepository: ...

    @property
    def digests(self) -> DigestRepository: ...

    @property
    def calendar_feeds(self) -> CalendarFeedRepository: ...

    @property
    def introductions(self) -> IntroductionRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def consistent(self, *, read_only: bool, report: bool = False) -> Self:
        """Run its transactions on one snapshot of the data (REPEATABLE READ),
        so that figures read by several queries agree with each other;
        `read_only` when they write nothing; `report` for a read a person asked
        for that runs after the acknowledgement (an export), which may take
        longer than a request's statement may. Returns itself, for `with`."""
        ...
