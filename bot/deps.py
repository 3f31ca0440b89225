"""What listeners may use, handed to them by one middleware as `context["deps"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.work import AfterAck
from domain.matching import DEFAULT_MATCHING, MatchPolicy
from domain.model import Actor, Role
from domain.ports import Clock, UnitOfWork
from handlers.listings import RecentListings
from handlers.notifier import SlackNotifier
from handlers.workspaces import Workspaces


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    unit_of_work: Callable[[Actor], UnitOfWork]
    notifier: SlackNotifier
    work: AfterAck
    # Each workspace's settings: its managers (MENTORSHIP_ADMINS and those
    # added in Slack) and its booking policy.
    workspaces: Workspaces
    clock: Clock = field(default_factory=SystemClock)
    matching: MatchPolicy = DEFAULT_MATCHING
    # Where calendar feeds are served (MENTORSHIP_PUBLIC_URL); None: nowhere.
    public_url: str | None = None
    meeting_template: str | None = None  # MENTORSHIP_MEETING_URL_TEMPLATE
    listings: RecentListings = field(default_factory=RecentListings)

    def actor(self, team_id: str, user_id: str) -> Actor:
        role = Role.ADMIN if self.workspaces.is_manager(team_id, user_id) else Role.MEMBER
        return Actor(team_id, user_id, role)

    def uow(self, team_id: str, user_id: str) -> UnitOfWork:
        return self.unit_of_work(self.actor(team_id, user_id))

    def system_uow(self) -> UnitOfWork:
        return self.unit_of_work(Actor.system())
