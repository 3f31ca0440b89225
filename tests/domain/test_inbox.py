"""Event ids: acted on once; forgotten once no retry can bring them back."""

from __future__ import annotations

import pytest

from domain.errors import NotAllowed
from domain.inbox import first_delivery, forget_old_events
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock


def test_an_event_id_is_new_once(uow_for: UowFor, clock: FakeClock, people: People) -> None:
    assert first_delivery(uow_for(people.ben), clock, event_id="Ev1")
    assert not first_delivery(uow_for(people.ben), clock, event_id="Ev1")


def test_event_ids_older_than_a_week_are_forgotten_by_the_scheduler_only(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    first_delivery(uow_for(people.ben), clock, event_id="Ev-old")
    clock.advance(days=6)
    first_delivery(uow_for(people.ben), clock, event_id="Ev-recent")
    clock.advance(days=2)
    with pytest.raises(NotAllowed):
        forget_old_events(uow_for(people.ben), clock)
    assert forget_old_events(uow_for(), clock) == 1
    assert first_delivery(uow_for(people.ben), clock, event_id="Ev-old")
    assert not first_delivery(uow_for(people.ben), clock, event_id="Ev-recent")
