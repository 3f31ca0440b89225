"""Value objects shared by the use cases and the ports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Generic, TypeVar
from uuid import UUID

from domain.policy import BookingPolicy

T = TypeVar("T")


class Role(StrEnum):
    """Who is acting: an ordinary employee, a programme manager, or a scheduled job."""

    MEMBER = "member"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The identity every unit of work runs as; row-level security keys on it.

    `slack_user_id` is None only for the system actor. `workspace_id` is None only
    for a system actor that works across workspaces (scheduled jobs).
    """

    workspace_id: str | None
    slack_user_id: str | None
    role: Role = Role.MEMBER

    @classmethod
    def member(cls, workspace_id: str, slack_user_id: str) -> Actor:
        return cls(workspace_id, slack_user_id, Role.MEMBER)

    @classmethod
    def admin(cls, workspace_id: str, slack_user_id: str) -> Actor:
        return cls(workspace_id, slack_user_id, Role.ADMIN)

    @classmethod
    def system(cls, workspace_id: str | None = None) -> Actor:
        return cls(workspace_id, None, Role.SYSTEM)


class SessionStatus(StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NO_SHOW = "no_show"


# A session in one of these holds its time: nobody involved may be booked over it.
ACTIVE_STATUSES: frozenset[SessionStatus] = frozenset(
    {SessionStatus.REQUESTED, SessionStatus.SCHEDULED, SessionStatus.ONGOING}
)


@dataclass(frozen=True)
class Profile:
    """A person in a workspace, as mentor, mentee or both."""

    id: int
    workspace_id: str
    slack_user_id: str
    display_name: str
    time_zone: str = "UTC"
    title: str = ""
    department: str = ""
    is_mentor: bool = False
    is_mentee: bool = False
    is_active: bool = True
    bio: str = ""
    expertise: tuple[str, ...] = ()
    learning_goals: tuple[str, ...] = ()
    meeting_link: str | None = None
    session_minutes: int = 30
    max_sessions_per_week: int | None = None


@dataclass(frozen=True)
class NewProfile:
    """What is known of a person the first time they are seen."""

    workspace_id: str
    slack_user_id: str
    display_name: str
    time_zone: str = "UTC"
    title: str = ""
    department: str = ""
    created_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class Session:
    id: int
    workspace_id: str
    mentor_id: int
    mentee_id: int
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    topic: str = ""
    notes: str = ""
    actual_minutes: int | None = None
    cancel_reason: str | None = None
    previous_starts_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # The SEQUENCE of the last calendar invite or update sent; None: never sent.
    calendar_sequence: int | None = None
    # Random: the session's part of its meeting room's address (domain.meeting).
    meeting_token: str = ""
    # The mentee's goal the session is about, named when it was booked.
    goal_id: int | None = None
    # The recurring series it was booked in (None: booked on its own), its
    # place in it (1 for the first booked) and how many sessions it holds.
    series_id: int | None = None
    series_place: int | None = None
    series_times: int | None = None


@dataclass(frozen=True)
class NewSession:
    workspace_id: str
    mentor_id: int
    mentee_id: int
    starts_at: datetime
    ends_at: datetime
    topic: str = ""
    status: SessionStatus = SessionStatus.REQUESTED
    goal_id: int | None = None
    series_id: int | None = None
    created_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class Repeat:
    """A booking repeated every `every_weeks` weeks, `times` sessions in all
    (the first included); `domain.recurrence.repeat` checks the numbers."""

    every_weeks: int
    times: int


@dataclass(frozen=True)
class NewSeries:
    workspace_id: str
    mentor_id: int
    mentee_id: int
    repeat: Repeat
    created_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class Series:
    """A recurring booking and its sessions as they are now, soonest first."""

    id: int
    workspace_id: str
    mentor_id: int
    mentee_id: int
    repeat: Repeat
    sessions: tuple[Session, ...]


# --- availability -----------------------------------------------------------


@dataclass(frozen=True)
class WeeklySlot:
    """A recurring window, wall-clock time in the mentor's zone; weekday 0 = Monday."""

    weekday: int
    start: time
    end: time
    id: int | None = None


@dataclass(frozen=True)
class TimeOff:
    """Whole days off, inclusive, as dates in the mentor's zone."""

    first_day: date
    last_day: date
    id: int | None = None


@dataclass(frozen=True)
class ExtraSlot:
    """A one-off window on one day, wall-clock time in the mentor's zone."""

    day: date
    start: time
    end: time
    id: int | None = None


@dataclass(frozen=True)
class Schedule:
    weekly: tuple[WeeklySlot, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    extra: tuple[ExtraSlot, ...] = ()


@dataclass(frozen=True)
class BusyPeriod:
    """Someone's session, as far as scheduling needs to know: who, when, status,
    and whether that person is its mentor (the weekly cap counts only those)."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    as_mentor: bool


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable interval, in UTC."""

    starts_at: datetime
    ends_at: datetime


# --- sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    session_id: int
    workspace_id: str
    actor_id: int | None
    from_status: SessionStatus | None
    to_status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None
    at: datetime = field(kw_only=True)


# --- feedback ---------------------------------------------------------------


class SubjectRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class Feedback:
    session_id: int
    workspace_id: str
    author_id: int
    subject_id: int
    subject_role: SubjectRole
    rating: int
    comment: str = ""
    id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class MentorRating:
    mentor_id: int
    count: int = 0
    average: float | None = None


# --- goals ------------------------------------------------------------------


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


# Goals still being worked towards: a session can be about one of these.
OPEN_GOAL_STATUSES: frozenset[GoalStatus] = frozenset(
    {GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS}
)


@dataclass(frozen=True)
class Goal:
    """Something a mentee wants to learn, and how far they got."""

    id: int
    workspace_id: str
    owner_id: int
    title: str
    status: GoalStatus = GoalStatus.NOT_STARTED
    target_date: date | None = None  # a day in the owner's zone
    notes: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class NewGoal:
    workspace_id: str
    owner_id: int
    title: str
    target_date: date | None = None
    notes: str = ""
    created_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class GoalChange:
    """One entry of a goal's history: who changed it, when, its status before
    (None when it was created) and after, and a note; `session_id` when the
    change was told in the feedback on that session."""

    goal_id: int
    workspace_id: str
    actor_id: int | None
    from_status: GoalStatus | None
    to_status: GoalStatus
    note: str = ""
    session_id: int | None = None
    at: datetime = field(kw_only=True)


# --- notifications ----------------------------------------------------------


class NotificationKind(StrEnum):
    REQUEST_RECEIVED = "request_received"
    REQUEST_ACCEPTED = "request_accepted"
    REQUEST_DECLINED = "request_declined"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_RESCHEDULED = "session_rescheduled"
    REQUEST_EXPIRED = "request_expired"
    REMINDER = "reminder"
    SESSION_STARTED = "session_started"
    COMPLETE_PROMPT = "complete_prompt"
    SESSION_COMPLETED = "session_completed"
    FEEDBACK_RECEIVED = "feedback_received"
    # Carries an .ics file to a participant's DM; not listed among their notices.
    CALENDAR_UPDATE = "calendar_update"
    # A manager's gentle prompt to a pair gone quiet (domain.health).
    NUDGE = "nudge"


@dataclass(frozen=True)
class Notification:
    id: UUID
    workspace_id: str
    recipient_id: int
    kind: NotificationKind
    session_id: int | None
    payload: Mapping[str, str | int | None]
    created_at: datetime
    idempotency_key: str | None = None
    read_at: datetime | None = None
    # Delivery attempts so far (the outbox's count, for backoff).
    attempts: int = 0
    # Claimed for delivery when written (see `Delivery`): not offered to the
    # outbox's deliverer before this moment.
    claimed_until: datetime | None = None
    # The claim before this one ended with no answer from Slack recorded (its
    # deliverer died, or lost the connection mid-call): the DM may have gone.
    maybe_sent: bool = False


@dataclass(frozen=True)
class Delivery:
    """A notice with what its DM shows, claimed for sending: by the request
    that wrote it (right after its commit), or by the outbox's deliverer."""

    notification: Notification
    recipient: Profile
    session: Session | None
    meeting_link: str | None  # the session's mentor's own (domain.meeting picks the place)
    # A request's mentee's goals, for the mentor deciding on it (domain.goals).
    goals: tuple[Goal, ...] = ()
    # The session's mentor's and mentee's names as their profiles say when the
    # notice is claimed (a calendar file names both); None: as the notice says.
    names: tuple[str, str] | None = None
    # A series' calendar update: every session of the series as it is when the
    # notice is claimed (one file lists them all); empty for any other notice.
    series: tuple[Session, ...] = ()


# --- search -----------------------------------------------------------------


@dataclass(frozen=True)
class SearchTerm:
    """A word or phrase to look for among mentors' names, departments and
    expertise. `group` is the part of the query it stands for (a mentor's
    match is the sum over groups of each group's best term, over the number of
    groups); `weight` is what a match of it is worth (1 for what was typed, less
    for a related skill); `prefix`: a single word that also matches the words
    it begins (for what people type)."""

    text: str
    group: int
    weight: float = 1.0
    prefix: bool = False


@dataclass(frozen=True)
class Candidate:
    """A mentor the directory found for a set of terms, and how well they matched."""

    profile: Profile
    rating: MentorRating
    score: float


@dataclass(frozen=True)
class MentorHit:
    profile: Profile
    rating: MentorRating
    completed_sessions: int
    score: float
    next_free_slot: Slot | None = None


@dataclass(frozen=True)
class ListingKey:
    """A search's first page in a workspace: the words typed (the terms follow
    from them), how many of the best matches, and the booking rules their free
    times were found by."""

    workspace_id: str
    words: tuple[str, ...]
    rows: int
    policy: BookingPolicy


@dataclass(frozen=True)
class Listing:
    """The best matches of a search as every member of the workspace reads
    them (the searcher may be among them), with the schedules of those a page
    shows (all but the last), and their sessions and first free slots when
    the listing was read (`read_at`, by the application's clock)."""

    read_at: datetime
    hits: tuple[MentorHit, ...]
    schedules: Mapping[int, Schedule]
    busy: tuple[BusyPeriod, ...]
    first_free: Mapping[int, Slot | None]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int
    has_more: bool


@dataclass(frozen=True)
class SearchPage(Page[MentorHit]):
    zone: str  # the searcher's, for the free times shown
    query: str  # what was searched for, cleaned: what the page and its buttons name
