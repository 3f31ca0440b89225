"""Introductions → first session on the dashboard, on the fake unit of work,
against a hand computation on `tests/domain/analytics_data.py`.

The introductions sent, newest first (days ago: days to the pair's first
booking after it, or none):
  T1: Maya-Cara 3: none · Pia-Ben 10: none · Noah-Ben 20: 7 ·
      Noah-Cara 29 (at 21:00): 1.5 · Omar-Cara 33: 1 · Maya-Ben 40: 5 ·
      Omar-Ben 100: none; Pia-Cara only proposed.
  T2: Zed-Yuki 35: 4."""

from __future__ import annotations

import pytest

from domain.analytics import dashboard
from domain.metrics import IntroductionFigures
from domain.model import Actor
from tests.domain.analytics_data import NOW, load_programme
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store


@pytest.fixture
def store() -> Store:
    store = Store()
    load_programme(store)
    return store


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # Maya-Cara alone.
        (7, IntroductionFigures(sent=1, booked=0, median_days=None)),
        # + Pia-Ben, Noah-Ben (7) and Noah-Cara (1.5): the median of 1.5 and 7.
        (30, IntroductionFigures(sent=4, booked=2, median_days=4.25)),
        # + Omar-Cara (1) and Maya-Ben (5): the middle two of 1, 1.5, 5, 7.
        (90, IntroductionFigures(sent=6, booked=4, median_days=3.25)),
        # + Omar-Ben, never booked; the proposed pair never counts.
        (None, IntroductionFigures(sent=7, booked=4, median_days=3.25)),
    ],
)
def test_introductions_led_to_first_sessions_as_computed_by_hand(
    store: Store, period: int | None, expected: IntroductionFigures
) -> None:
    admin = FakeUnitOfWork(store, Actor.admin("T1", "UADMIN"))

    assert dashboard(admin, FakeClock(NOW), period_days=period).introductions == expected


def test_each_workspace_counts_its_own_and_the_system_counts_them_all(store: Store) -> None:
    def figures(actor: Actor, period: int | None) -> IntroductionFigures:
        board = dashboard(FakeUnitOfWork(store, actor), FakeClock(NOW), period_days=period)
        return board.introductions

    assert figures(Actor.admin("T2", "UZED"), 30) == IntroductionFigures()  # Zed-Yuki: 35 days ago
    assert figures(Actor.admin("T2", "UZED"), 90) == IntroductionFigures(1, 1, 4.0)
    # Every workspace: 1, 1.5, 4, 5, 7.
    assert figures(Actor.system(), None) == IntroductionFigures(8, 5, 4.0)


def test_an_empty_programme_has_no_introductions_and_no_median() -> None:
    empty = dashboard(FakeUnitOfWork(Store(), Actor.admin("T1", "UADMIN")), FakeClock(NOW))

    assert empty.introductions == IntroductionFigures(sent=0, booked=0, median_days=None)
