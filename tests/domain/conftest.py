"""A small workspace in memory: a mentor in London, two mentees, an admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import time, timedelta

import pytest

from domain.model import Actor, NewProfile, Profile, Role, WeeklySlot
from tests.domain.anchors import WINTER_MONDAY
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

# A Monday in December or January, 08:00 UTC (08:00 in London, on GMT).
NOW = WINTER_MONDAY + timedelta(hours=8)
WORKSPACE = "T1"


@dataclass(frozen=True)
class People:
    maya: Profile  # mentor, Europe/London, weekdays 09:00-12:00 and 14:00-17:00
    ben: Profile  # mentee, America/New_York
    cara: Profile  # mentee, Asia/Kolkata
    olga: Profile  # admin, not in the programme


UowFor = Callable[..., FakeUnitOfWork]


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def uow_for(store: Store) -> UowFor:
    def make(person: Profile | str | None = None, role: Role = Role.MEMBER) -> FakeUnitOfWork:
        if person is None:
            return FakeUnitOfWork(store, Actor.system())
        slack_id = person if isinstance(person, str) else person.slack_user_id
        return FakeUnitOfWork(store, Actor(WORKSPACE, slack_id, role))

    return make


def _person(uow: FakeUnitOfWork, slack_id: str, name: str, zone: str, **fields: object) -> Profile:
    profile = uow.users.add(NewProfile(WORKSPACE, slack_id, name, time_zone=zone, created_at=NOW))
    changed = replace(profile, department="Engineering", **fields)  # type: ignore[arg-type]
    return uow.users.save(changed, at=NOW)


@pytest.fixture
def people(store: Store, uow_for: UowFor) -> People:
    uow = uow_for()
    store.workspaces.add(WORKSPACE)
    maya = _person(
        uow,
        "UMAYA",
        "Maya Patel",
        "Europe/London",
        is_mentor=True,
        expertise=("python", "leadership"),
        title="Staff Engineer",
    )
    for weekday in range(5):
        uow.availability.add_weekly(WORKSPACE, maya.id, WeeklySlot(weekday, time(9), time(12)))
        uow.availability.add_weekly(WORKSPACE, maya.id, WeeklySlot(weekday, time(14), time(17)))
    ben = _person(
        uow, "UBEN", "Ben Okafor", "America/New_York", is_mentee=True, learning_goals=("python",)
    )
    cara = _person(
        uow, "UCARA", "Cara Singh", "Asia/Kolkata", is_mentee=True, learning_goals=("leadership",)
    )
    olga = _person(uow, "UOLGA", "Olga Ivanova", "Europe/Berlin")
    return People(maya, ben, cara, olga)
