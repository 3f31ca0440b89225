"""Searches sharing a listing: each searcher still sees exactly what a search
of their own would show (never themselves, their own sessions in the way),
and a kept free time that has become too soon is found again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from domain.model import Listing, ListingKey, MentorHit, Profile, Slot
from domain.search import READ_EACH_TIME, find_mentors
from domain.sessions import cancel, request_session
from tests.dates import on
from tests.domain.anchors import MON, NEXT_MON
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store


class KeptForEver:
    """Keeps every listing it reads, and counts the reads."""

    def __init__(self) -> None:
        self.kept: dict[ListingKey, Listing] = {}
        self.reads = 0

    def get(self, key: ListingKey, read: Callable[[], Listing]) -> Listing:
        if key not in self.kept:
            self.reads += 1
            self.kept[key] = read()
        return self.kept[key]


def _mentors(store: Store, people: People, count: int) -> list[Profile]:
    """`count` mentors like Maya, with her weekly hours."""
    added = []
    for n in range(count):
        mentor = replace(
            people.maya, id=100 + n, slack_user_id=f"UM{n}", display_name=f"Mentor {n:02d}"
        )
        store.users[mentor.id] = mentor
        store.weekly[mentor.id] = store.weekly[people.maya.id]
        added.append(mentor)
    return added


def test_searchers_share_one_listing_and_each_is_kept_from_their_own_sessions(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    [other] = _mentors(store, people, 1)
    shared = KeptForEver()
    for_cara = find_mentors(uow_for(people.cara), clock, query="", listings=shared)
    # Ben books another mentor at the time Maya's card showed Cara: after
    # the listing was read, so only his own sessions can tell him.
    request_session(uow_for(people.ben), clock, mentor_id=other.id, starts_at=on(MON, 10, 0))

    for_ben = find_mentors(uow_for(people.ben), clock, query="", listings=shared)

    [for_cara_maya] = [hit for hit in for_cara.items if hit.profile.id == people.maya.id]
    [for_ben_maya] = [hit for hit in for_ben.items if hit.profile.id == people.maya.id]
    assert for_cara_maya.next_free_slot is not None
    assert for_cara_maya.next_free_slot.starts_at == on(MON, 10, 0)
    assert for_ben_maya.next_free_slot is not None
    assert for_ben_maya.next_free_slot.starts_at == on(MON, 10, 30)
    assert shared.reads == 1
    assert for_ben == find_mentors(uow_for(people.ben), clock, query="", listings=READ_EACH_TIME)


def test_a_shared_first_page_leaves_out_whoever_searches_and_pages_as_their_own(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    _mentors(store, people, 11)  # Maya and eleven more: twelve mentors
    shared = KeptForEver()
    searchers = (people.ben, people.maya, people.cara, people.maya)
    for searcher in searchers:
        for page in (1, 2):
            seen = find_mentors(
                uow_for(searcher), clock, query="", page=page, per_page=5, listings=shared
            )
            alone = find_mentors(uow_for(searcher), clock, query="", page=page, per_page=5)
            assert seen == alone
            assert searcher.id not in {hit.profile.id for hit in seen.items}
    # The first page once for everybody; a later page is each searcher's own.
    assert shared.reads == 1
    maya_first = find_mentors(uow_for(people.maya), clock, query="", per_page=11, listings=shared)
    assert (len(maya_first.items), maya_first.has_more) == (11, False)


def test_a_kept_free_time_that_is_now_too_soon_is_found_again(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    shared = KeptForEver()
    before = find_mentors(uow_for(people.cara), clock, query="maya", listings=shared)
    [card] = before.items
    assert card.next_free_slot is not None
    # Two hours' notice: half an hour later, the kept 10:00 is too soon.
    clock.advance(minutes=30)
    [later] = find_mentors(uow_for(people.ben), clock, query="maya", listings=shared).items
    assert card.next_free_slot.starts_at == on(MON, 10, 0)
    assert later.next_free_slot is not None
    assert later.next_free_slot.starts_at == on(MON, 10, 30)
    assert shared.reads == 1


def _slot_at(start: datetime) -> Slot:
    return Slot(start, start + timedelta(minutes=30))  # Maya's sessions last 30 minutes


def _maya_for(page_items: tuple[MentorHit, ...], maya: Profile) -> Slot | None:
    [card] = [hit for hit in page_items if hit.profile.id == maya.id]
    return card.next_free_slot


def test_anothers_booking_and_its_cancellation_show_on_a_shared_listing_at_once(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    shared = KeptForEver()

    def for_cara() -> Slot | None:
        page = find_mentors(uow_for(people.cara), clock, query="maya", listings=shared)
        return _maya_for(page.items, people.maya)

    assert for_cara() == _slot_at(on(MON, 10, 0))
    booked = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(MON, 10, 0)
    )
    assert for_cara() == _slot_at(on(MON, 10, 30))
    cancel(uow_for(people.ben), clock, session_id=booked.id, reason="Clash")
    assert for_cara() == _slot_at(on(MON, 10, 0))
    assert shared.reads == 1


def test_anothers_booking_that_fills_a_capped_week_shows_on_a_shared_listing_at_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    store.users[people.maya.id] = replace(people.maya, max_sessions_per_week=1)
    shared = KeptForEver()
    find_mentors(uow_for(people.cara), clock, query="maya", listings=shared)
    request_session(uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(MON, 10, 0))
    page = find_mentors(uow_for(people.cara), clock, query="maya", listings=shared)
    first = _maya_for(page.items, people.maya)
    assert first is not None
    assert first.starts_at >= on(NEXT_MON, 0, 0)
    assert shared.reads == 1
