"""An in-memory unit of work that behaves like the real one where the domain can
tell: commit or nothing, overlap refusals, conditional updates, idempotent
notices, ratings kept from feedback. The tests take the clock and the store from
here too, beside it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from bot.standin.clock import FakeClock as FakeClock
from domain.model import Actor, Delivery
from tests.fakes.analytics import FakeAnalytics, FakeNudges, FakeSnapshots
from tests.fakes.availability import FakeAvailability
from tests.fakes.calendar_feeds import FakeCalendarFeeds
from tests.fakes.charts import FakeCharts
from tests.fakes.digests import FakeDigests
from tests.fakes.events import FakeEvents
from tests.fakes.feedback import FakeFeedback
from tests.fakes.goals import FakeGoals
from tests.fakes.notifications import FakeNotifications
from tests.fakes.people import FakeUsers, FakeWorkspaces
from tests.fakes.sessions import FakeSessions
from tests.fakes.settings import FakeSettings
from tests.fakes.store import Store as Store


class FakeUnitOfWork:
    """Commits by keeping the changes; anything uncommitted is rolled back on exit."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.commits = 0
        self.new_notifications: list[UUID] = []
        self.claimed: list[Delivery] = []
        self._snapshot: Store | None = None
        # What `consistent` asked for: None (never asked), or whether read only.
        self.consistent_read_only: bool | None = None
        self.report = False
        self._bind()

    def _bind(self) -> None:
        self.workspaces = FakeWorkspaces(self.store)
        self.settings = FakeSettings(self.store)
        self.users = FakeUsers(self.store)
        self.availability = FakeAvailability(self.store)
        self.sessions = FakeSessions(self.store)
        self.feedback = FakeFeedback(self.store)
        self.goals = FakeGoals(self.store)
        self.notifications = FakeNotifications(self.store, self.new_notifications)
        self.events = FakeEvents(self.store)
        self.analytics = FakeAnalytics(self.store)
        self.snapshots = FakeSnapshots(self.store)
        self.charts = FakeCharts(self.store)
        self.nudges = FakeNudges(self.store)
        self.digests = FakeDigests(self.store)
        self.calendar_feeds = FakeCalendarFeeds(self.store)

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.store)
        self.new_notifications.clear()
        self.claimed = []
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

    def consistent(self, *, read_only: bool, report: bool = False) -> Self:
        """Nothing else writes meanwhile here: only remembered, for the tests."""
        self.consistent_read_only = read_only
        self.report = report
        return self

    def rollback(self) -> None:
        if self._snapshot is not None:
            # Restore in place: repositories hold a reference to the store.
            self.store.__dict__.update(copy.deepcopy(self._snapshot).__dict__)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
