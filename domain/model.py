"""Value objects shared by the use cases and the ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


@dataclass(frozen=True)
class NewSession:
    workspace_id: str
    mentor_id: int
    mentee_id: int
    starts_at: datetime
    ends_at: datetime
    topic: str = ""
    status: SessionStatus = SessionStatus.REQUESTED
