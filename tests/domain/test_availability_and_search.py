"""Keeping availability, the free slots a mentee is offered, and mentor search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from domain.availability import (
    AvailabilityChanges,
    add_time_off,
    add_weekly_slots,
    change_availability,
    clear_weekly,
    remove_time_off,
    remove_weekly_slot,
)
from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.lookups import booking_options
from domain.search import find_mentors
from domain.sessions import request_session
from tests.dates import on
from tests.domain.anchors import FRI, MON, NEXT_MON, SAT, SUN, TUE, WED
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store

# Four weeks and a day before the Monday the clock stands on: long over.
A_MONTH_AGO = MON - timedelta(days=29)


def test_only_mentors_keep_availability(uow_for: UowFor, people: People) -> None:
    with pytest.raises(NotAllowed, match="signup mentor"):
        add_weekly_slots(uow_for(people.ben), weekdays=[0], start=time(9), end=time(10))


def test_weekly_slots_are_added_on_several_days_and_overlaps_are_refused(
    uow_for: UowFor, people: People
) -> None:
    schedule = add_weekly_slots(
        uow_for(people.maya), weekdays=[5, 6], start=time(10), end=time(11, 30)
    )
    assert {(s.weekday, s.start, s.end) for s in schedule.weekly if s.weekday >= 5} == {
        (5, time(10), time(11, 30)),
        (6, time(10), time(11, 30)),
    }
    with pytest.raises(InvalidInput, match="overlaps your Monday 09:00–12:00"):
        add_weekly_slots(uow_for(people.maya), weekdays=[0], start=time(11), end=time(13))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (time(10), time(9), "end after it starts"),
        (time(10), time(10, 15), "at least as long as your sessions"),
    ],
)
def test_a_window_must_fit_a_session(
    uow_for: UowFor, people: People, start: time, end: time, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        add_weekly_slots(uow_for(people.maya), weekdays=[6], start=start, end=end)


def test_slots_can_be_removed_and_cleared(uow_for: UowFor, people: People, store: Store) -> None:
    slot_id = store.weekly[people.maya.id][0].id
    assert slot_id is not None
    remaining = remove_weekly_slot(uow_for(people.maya), slot_id=slot_id)
    assert len(remaining.weekly) == 9
    with pytest.raises(NotFound):
        remove_weekly_slot(uow_for(people.maya), slot_id=slot_id)
    assert clear_weekly(uow_for(people.maya)) == 9


def test_time_off_removes_offered_slots_and_can_be_taken_back(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    before = booking_options(uow_for(people.ben), clock, mentor_id=people.maya.id)[1]
    schedule = add_time_off(uow_for(people.maya), clock, first_day=TUE, last_day=WED)
    during = booking_options(uow_for(people.ben), clock, mentor_id=people.maya.id)[1]
    assert {s.starts_at.date() for s in before} - {s.starts_at.date() for s in during} == {
        TUE,
        WED,
    }
    time_off_id = schedule.time_off[0].id
    assert time_off_id is not None
    remove_time_off(uow_for(people.maya), time_off_id=time_off_id)
    assert booking_options(uow_for(people.ben), clock, mentor_id=people.maya.id)[1] == before


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (SAT, FRI, "on or after its first day"),
        (A_MONTH_AGO, A_MONTH_AGO + timedelta(days=1), "already over"),
        (TUE, TUE + timedelta(days=395), "at most a year"),
    ],
)
def test_impossible_time_off_is_refused(
    uow_for: UowFor, clock: FakeClock, people: People, first: date, last: date, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        add_time_off(uow_for(people.maya), clock, first_day=first, last_day=last)


def test_an_extra_slot_on_a_saturday_becomes_bookable(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    change_availability(
        uow_for(people.maya),
        clock,
        changes=AvailabilityChanges(extra_day=SAT, start=time(10), end=time(11)),
    )
    slots = booking_options(uow_for(people.ben), clock, mentor_id=people.maya.id)[1]
    saturday = [s.starts_at for s in slots if s.starts_at.date() == SAT]
    assert saturday == [on(SAT, 10, 0), on(SAT, 10, 30)]
    with pytest.raises(InvalidInput, match="in the past"):
        change_availability(
            uow_for(people.maya),
            clock,
            changes=AvailabilityChanges(extra_day=A_MONTH_AGO, start=time(10), end=time(11)),
        )


def test_offered_slots_leave_out_the_mentees_own_sessions_with_others(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    other = replace(people.cara, is_mentor=True, expertise=("sql",))
    store.users[other.id] = other
    store.weekly[other.id] = store.weekly[people.maya.id]
    request_session(uow_for(people.ben), clock, mentor_id=other.id, starts_at=on(TUE, 9, 0))
    slots = booking_options(uow_for(people.ben), clock, mentor_id=people.maya.id)[1]
    starts = {s.starts_at for s in slots}
    assert on(TUE, 9, 0) not in starts
    assert on(TUE, 9, 30) in starts
    assert min(starts) == on(MON, 10, 0)  # two hours' notice
    assert max(starts) < on(MON + timedelta(days=14), 8, 0)  # fourteen days


def test_search_returns_cards_with_the_next_free_slot_never_the_searcher(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    page = find_mentors(uow_for(people.ben), clock, query="pyth")
    [hit] = page.items
    assert hit.profile.id == people.maya.id
    assert hit.next_free_slot is not None
    assert hit.next_free_slot.starts_at == on(MON, 10, 0)
    assert find_mentors(uow_for(people.maya), clock, query="").items == ()


def test_search_pages_through_many_mentors(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    for n in range(12):
        store.users[100 + n] = replace(
            people.maya, id=100 + n, slack_user_id=f"UM{n}", display_name=f"Mentor {n:02d}"
        )
    first = find_mentors(uow_for(people.ben), clock, query="", per_page=10)
    second = find_mentors(uow_for(people.ben), clock, query="", page=2, per_page=10)
    assert (len(first.items), first.has_more, len(second.items), second.has_more) == (
        10,
        True,
        3,
        False,
    )


def test_a_huge_search_is_refused_politely(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    with pytest.raises(InvalidInput, match="at most 200"):
        find_mentors(uow_for(people.ben), clock, query="a" * 3000)


@pytest.mark.parametrize("query", ["🐍", "!!!", " ¿? ", "\u0301"])
def test_a_search_with_no_word_to_look_for_is_refused_not_answered_with_everyone(
    uow_for: UowFor, clock: FakeClock, people: People, query: str
) -> None:
    with pytest.raises(InvalidInput, match="no word to look for"):
        find_mentors(uow_for(people.ben), clock, query=query)
    # Blank is not such a search: it lists every mentor, and a word among
    # symbols is searched for.
    assert [
        hit.profile.id for hit in find_mentors(uow_for(people.ben), clock, query=" ").items
    ] == [people.maya.id]
    found = find_mentors(uow_for(people.ben), clock, query=f"{query} maya")
    assert [hit.profile.id for hit in found.items] == [people.maya.id]


def test_one_mentors_booking_does_not_hide_another_mentors_free_slot(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    twin = replace(people.maya, id=200, slack_user_id="UTWIN", display_name="Maya Twin")
    store.users[twin.id] = twin
    store.weekly[twin.id] = store.weekly[people.maya.id]
    request_session(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(MON, 10, 0))
    page = find_mentors(uow_for(people.ben), clock, query="maya")
    next_slots = {hit.profile.id: hit.next_free_slot for hit in page.items}
    assert next_slots[people.maya.id] is not None
    assert next_slots[twin.id] is not None
    assert next_slots[people.maya.id].starts_at == on(MON, 10, 30)
    assert next_slots[twin.id].starts_at == on(MON, 10, 0)


def test_the_availability_editor_saves_all_its_changes_or_none(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    before = len(store.weekly[people.maya.id])
    bad = AvailabilityChanges(
        weekdays=(5,),
        start=time(10),
        end=time(11),
        time_off=(NEXT_MON + timedelta(days=2), NEXT_MON + timedelta(days=1)),
    )
    with pytest.raises(InvalidInput, match="on or after"):
        change_availability(uow_for(people.maya), clock, changes=bad)
    assert len(store.weekly[people.maya.id]) == before
    good = AvailabilityChanges(
        weekdays=(5,),
        start=time(10),
        end=time(11),
        time_off=(NEXT_MON + timedelta(days=1), NEXT_MON + timedelta(days=2)),
        extra_day=SUN,
    )
    schedule = change_availability(uow_for(people.maya), clock, changes=good)
    assert (len(schedule.weekly), len(schedule.time_off), len(schedule.extra)) == (before + 1, 1, 1)
