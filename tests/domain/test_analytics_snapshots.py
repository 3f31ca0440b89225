"""Snapshots: when the dashboard serves the `analytics` job's figures instead
of computing them, and the job itself (idempotent, skips what is fresh or being
refreshed elsewhere, replaces what is dated in the future, forgets workspaces
without people). On the fake unit of work with a fake clock and timer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.analytics import (
    LIVE_BELOW,
    PERIODS,
    REFRESH_AFTER,
    SNAPSHOT_TOP,
    STALE_AFTER,
    compute,
    dashboard,
    mentor_table,
    refresh_workspace,
    servable,
    snapshot_workspaces,
)
from domain.analytics_ports import Snapshot
from domain.errors import NotAllowed
from domain.model import Actor
from tests.domain.analytics_data import NOW, load_programme
from tests.fakes.analytics import FakeSnapshots
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

SLOW = timedelta(seconds=2)


@pytest.fixture
def store() -> Store:
    store = Store()
    load_programme(store)
    return store


def admin(store: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(store, Actor.admin("T1", "UADMIN"))


def timer(step: timedelta) -> Callable[[], float]:
    """A monotonic clock that moves `step` between two readings."""
    readings = iter(range(1_000_000))
    return lambda: next(readings) * step.total_seconds()


def run_job(
    system_uow: Callable[[], FakeUnitOfWork], clock: FakeClock, took: timedelta = SLOW
) -> int:
    """The `analytics` job's two steps (bot/jobs.py runs them, logging failures)."""
    return sum(
        refresh_workspace(system_uow, clock, workspace_id, timer=timer(took))
        for workspace_id in snapshot_workspaces(system_uow)
    )


def refresh(store: Store, clock: FakeClock, took: timedelta = SLOW) -> int:
    return run_job(lambda: FakeUnitOfWork(store, Actor.system()), clock, took)


def stored(store: Store, period: int | None = 30, **changes: object) -> Snapshot:
    """Rewrite the stored snapshot of T1's period (e.g. its figures or age)."""
    snapshot = replace(store.snapshots[("T1", period)], **changes)  # type: ignore[arg-type]
    store.snapshots[("T1", period)] = snapshot
    return snapshot


def test_the_job_keeps_every_period_of_every_workspace_with_people(store: Store) -> None:
    written = refresh(store, FakeClock(NOW))

    assert written == 2 * len(PERIODS)  # T1 and T2
    assert set(store.snapshots) == {(w, p) for w in ("T1", "T2") for p in PERIODS}
    for (workspace, period), snapshot in store.snapshots.items():
        assert snapshot.computed_at == NOW
        assert snapshot.took == SLOW
        # Exactly the live figures, with the longer top lists of a snapshot.
        live = FakeUnitOfWork(store, Actor.system(workspace)).analytics
        assert snapshot.dashboard == compute(live, workspace, NOW, period, SNAPSHOT_TOP)


def test_a_fresh_slow_snapshot_is_served_with_its_time(store: Store) -> None:
    refresh(store, FakeClock(NOW))
    # Mark the stored figures, to tell them from a live computation.
    stored(store, dashboard=replace(store.snapshots[("T1", 30)].dashboard, sessions=999))
    clock = FakeClock(NOW + STALE_AFTER)

    d = dashboard(admin(store), clock, top=2)

    assert d.sessions == 999
    assert d.as_of == NOW
    assert len(d.top_by_completed) == 2  # trimmed to what was asked


def test_a_stale_snapshot_is_never_shown(store: Store) -> None:
    refresh(store, FakeClock(NOW))
    stored(store, dashboard=replace(store.snapshots[("T1", 30)].dashboard, sessions=999))
    clock = FakeClock(NOW + STALE_AFTER + timedelta(seconds=1))

    d = dashboard(admin(store), clock)

    assert d.sessions != 999
    assert d.as_of is None


def test_a_quick_programme_is_always_computed_live(store: Store) -> None:
    refresh(store, FakeClock(NOW), took=LIVE_BELOW - timedelta(milliseconds=1))

    d = dashboard(admin(store), FakeClock(NOW + timedelta(minutes=1)))

    assert d.as_of is None


def test_a_snapshot_from_the_future_or_with_a_longer_top_list_asked_is_not_served(
    store: Store,
) -> None:
    refresh(store, FakeClock(NOW))

    assert dashboard(admin(store), FakeClock(NOW - timedelta(minutes=1))).as_of is None
    assert dashboard(admin(store), FakeClock(NOW), top=SNAPSHOT_TOP + 1).as_of is None
    assert dashboard(admin(store), FakeClock(NOW), top=SNAPSHOT_TOP).as_of == NOW


@pytest.mark.parametrize(
    ("age", "took", "served"),
    [
        (timedelta(0), LIVE_BELOW, True),
        (STALE_AFTER, SLOW, True),
        (STALE_AFTER + timedelta(microseconds=1), SLOW, False),
        (timedelta(minutes=1), LIVE_BELOW - timedelta(microseconds=1), False),
        (-timedelta(seconds=1), SLOW, False),
    ],
)
def test_servable_draws_the_line_at_the_stated_staleness(
    store: Store, age: timedelta, took: timedelta, served: bool
) -> None:
    refresh(store, FakeClock(NOW))
    snapshot = stored(store, took=took)

    assert servable(snapshot, NOW + age) is served


def test_running_the_job_again_at_once_writes_nothing(store: Store) -> None:
    clock = FakeClock(NOW)
    refresh(store, clock)
    before = dict(store.snapshots)
    clock.advance(seconds=REFRESH_AFTER.total_seconds() - 1)

    assert refresh(store, clock) == 0
    assert store.snapshots == before


def test_once_due_the_job_rewrites_every_snapshot_as_of_that_instant(store: Store) -> None:
    clock = FakeClock(NOW)
    refresh(store, clock)
    later = NOW + REFRESH_AFTER
    clock.set(later)

    assert refresh(store, clock) == 2 * len(PERIODS)
    for (workspace, period), snapshot in store.snapshots.items():
        live = FakeUnitOfWork(store, Actor.system(workspace)).analytics
        assert snapshot.computed_at == later
        assert snapshot.dashboard == compute(live, workspace, later, period, SNAPSHOT_TOP)
    # Four minutes on, session 12 (08:00 today) is in the last 30 days and
    # session 11 (30 days ago, 08:00) is out.
    d = store.snapshots[("T1", 30)].dashboard
    assert (d.sessions, d.trend[0].sessions, d.trend[-1].sessions) == (11, 0, 2)


def test_a_workspace_another_scheduler_is_refreshing_is_skipped(store: Store) -> None:
    store.refreshing.add("T1")

    assert refresh(store, FakeClock(NOW)) == len(PERIODS)  # T2's only
    assert ("T1", 30) not in store.snapshots


def test_a_snapshot_dated_in_the_future_is_replaced_and_counted(store: Store) -> None:
    # Written by a scheduler whose clock was ten minutes ahead: never served...
    refresh(store, FakeClock(NOW + timedelta(minutes=10)))
    assert dashboard(admin(store), FakeClock(NOW)).as_of is None

    # ...and stale to the job, which replaces it.
    assert refresh(store, FakeClock(NOW)) == 2 * len(PERIODS)
    assert {s.computed_at for s in store.snapshots.values()} == {NOW}
    assert dashboard(admin(store), FakeClock(NOW)).as_of == NOW


class LateWriter(FakeSnapshots):
    """Another scheduler writes a later snapshot just after this one reads."""

    def __init__(self, store: Store, later: datetime) -> None:
        super().__init__(store)
        self.later = later

    def get(self, workspace_id: str, period_days: int | None) -> Snapshot | None:
        found = super().get(workspace_id, period_days)
        if found is not None:
            key = (workspace_id, period_days)
            self.store.snapshots[key] = replace(found, computed_at=self.later)
        return found


def test_a_later_snapshot_written_meanwhile_is_kept_and_not_counted(store: Store) -> None:
    refresh(store, FakeClock(NOW))
    due = NOW + REFRESH_AFTER
    later = due + timedelta(seconds=1)

    def racing() -> FakeUnitOfWork:
        uow = FakeUnitOfWork(store, Actor.system())
        uow.snapshots = LateWriter(store, later)
        return uow

    assert run_job(racing, FakeClock(due)) == 0
    assert {s.computed_at for s in store.snapshots.values()} == {later}


def test_the_snapshots_of_a_workspace_left_without_people_are_deleted(store: Store) -> None:
    refresh(store, FakeClock(NOW))
    for user_id, person in list(store.users.items()):
        if person.workspace_id == "T2":
            del store.users[user_id]

    refresh(store, FakeClock(NOW + timedelta(minutes=1)))

    assert {workspace for workspace, _period in store.snapshots} == {"T1"}


def test_the_figures_are_read_from_one_snapshot_of_the_data(store: Store) -> None:
    reading = admin(store)
    dashboard(reading, FakeClock(NOW))
    exporting = admin(store)
    mentor_table(exporting, FakeClock(NOW))
    refreshing = FakeUnitOfWork(store, Actor.system())
    refresh_workspace(lambda: refreshing, FakeClock(NOW), "T1", timer=timer(SLOW))

    assert (reading.consistent_read_only, exporting.consistent_read_only) == (True, True)
    assert refreshing.consistent_read_only is False  # it writes the snapshots


def test_only_the_system_refreshes_snapshots(store: Store) -> None:
    with pytest.raises(NotAllowed):
        snapshot_workspaces(lambda: admin(store))
    with pytest.raises(NotAllowed):
        refresh_workspace(lambda: admin(store), FakeClock(NOW), "T1", timer=timer(SLOW))


def test_an_empty_programme_has_no_snapshots_to_keep() -> None:
    assert refresh(Store(), FakeClock(NOW)) == 0
