"""The fake database: what the fake repositories read and write, and what the
fake unit of work copies to commit and restores to roll back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.analytics_ports import Nudge, Snapshot
from domain.chart_ports import ChartFile, ChartKind
from domain.model import (
    ExtraSlot,
    Feedback,
    Goal,
    GoalChange,
    HistoryEntry,
    NewSeries,
    Notification,
    Profile,
    Session,
    TimeOff,
    WeeklySlot,
)
from domain.ports import DigestRecord
from domain.workspace import SettingChange, WorkspaceSettings


@dataclass(frozen=True)
class SentIntroduction:
    """An introduction a manager sent, as far as the dashboard reads it."""

    workspace_id: str
    mentee_id: int
    mentor_id: int
    sent_at: datetime


@dataclass
class Store:
    """Everything the fake database holds."""

    workspaces: set[str] = field(default_factory=set)
    # Per workspace: its own digest channel, when paused and why, notices given up.
    digest_channels: dict[str, str] = field(default_factory=dict)
    paused: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    undelivered: dict[str, int] = field(default_factory=dict)
    # Per workspace: what its managers set in Slack (the channel is above), and each change.
    settings: dict[str, WorkspaceSettings] = field(default_factory=dict)
    settings_audit: list[tuple[str, SettingChange]] = field(default_factory=list)
    users: dict[int, Profile] = field(default_factory=dict)
    # Per person: when their profile was made (sign-up); Profile does not carry it.
    signed_up: dict[int, datetime] = field(default_factory=dict)
    weekly: dict[int, list[WeeklySlot]] = field(default_factory=dict)
    time_off: dict[int, list[TimeOff]] = field(default_factory=dict)
    extra: dict[int, list[ExtraSlot]] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    series: dict[int, NewSeries] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    goals: dict[int, Goal] = field(default_factory=dict)
    goal_history: list[GoalChange] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    outbox: dict[UUID, Outbox] = field(default_factory=dict)
    events: set[tuple[str, str]] = field(default_factory=set)
    event_times: dict[tuple[str, str], datetime] = field(default_factory=dict)
    digests: dict[tuple[str, date], DigestRecord] = field(default_factory=dict)
    snapshots: dict[tuple[str, int | None], Snapshot] = field(default_factory=dict)
    # (workspace, period, kind) -> the uploaded chart picture.
    charts: dict[tuple[str, int | None, ChartKind], ChartFile] = field(default_factory=dict)
    # (workspace, period) -> until when a scheduler draws its charts.
    chart_leases: dict[tuple[str, int | None], datetime] = field(default_factory=dict)
    nudges: list[Nudge] = field(default_factory=list)
    introductions: list[SentIntroduction] = field(default_factory=list)
    # Workspaces whose snapshots another scheduler is refreshing right now.
    refreshing: set[str] = field(default_factory=set)
    # Per person: their feed token's hash, and when it was made.
    calendar_feeds: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    last_id: int = 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


@dataclass
class Outbox:
    """The fake's delivery columns, per notice."""

    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    gave_up_at: datetime | None = None
    last_error: str | None = None
    sending: bool = False  # a claim is open (storage's `sending_since`)
