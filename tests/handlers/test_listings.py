"""RecentListings: a listing is read once per `ttl_s`, a read that began
earlier never replaces a later one, and at most `max_kept` are kept."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

from domain.model import Listing, ListingKey
from domain.policy import DEFAULT_POLICY
from handlers.listings import RecentListings


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _key(*words: str, workspace: str = "T1") -> ListingKey:
    return ListingKey(workspace, words, 12, DEFAULT_POLICY)


def _listing() -> Listing:
    return Listing(read_at=datetime.now(UTC), hits=(), schedules={}, busy=(), first_free={})


def _counted(reads: list[Listing]) -> Callable[[], Listing]:
    def read() -> Listing:
        reads.append(_listing())
        return reads[-1]

    return read


def test_a_listing_is_read_again_once_it_is_ttl_old() -> None:
    clock = Monotonic()
    listings = RecentListings(ttl_s=5.0, monotonic=clock)
    reads: list[Listing] = []
    first = listings.get(_key("python"), _counted(reads))
    clock.now += 4.9
    assert listings.get(_key("python"), _counted(reads)) is first
    clock.now += 0.1
    again = listings.get(_key("python"), _counted(reads))
    assert again is not first
    assert reads == [first, again]


def test_listings_are_kept_apart_by_workspace_and_words() -> None:
    listings = RecentListings(monotonic=Monotonic())
    reads: list[Listing] = []
    for key in (_key("python"), _key("python", workspace="T2"), _key("go"), _key("python")):
        listings.get(key, _counted(reads))
    assert len(reads) == 3


def test_the_least_recently_used_listing_goes_first() -> None:
    listings = RecentListings(max_kept=2, monotonic=Monotonic())
    reads: list[Listing] = []
    listings.get(_key("a"), _counted(reads))
    listings.get(_key("b"), _counted(reads))
    listings.get(_key("a"), _counted(reads))  # "a" used last: "b" goes
    listings.get(_key("c"), _counted(reads))
    listings.get(_key("a"), _counted(reads))
    assert len(reads) == 3
    listings.get(_key("b"), _counted(reads))
    assert len(reads) == 4


def test_a_search_that_misses_while_another_reads_the_listing_waits_for_that_read() -> None:
    clock = Monotonic()
    listings = RecentListings(ttl_s=5.0, monotonic=clock)
    reading, release = threading.Event(), threading.Event()
    first = _listing()

    def slow_read() -> Listing:
        reading.set()
        assert release.wait(5)
        return first

    reader = threading.Thread(target=listings.get, args=(_key("python"), slow_read))
    reader.start()
    assert reading.wait(5)
    got: list[Listing] = []
    waiter = threading.Thread(
        target=lambda: got.append(listings.get(_key("python"), lambda: _listing()))
    )
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # waiting for the read under way, not reading
    release.set()
    reader.join(5)
    waiter.join(5)
    assert len(got) == 1
    assert got[0] is first


def test_listings_out_of_date_and_unused_are_let_go_when_another_is_kept() -> None:
    clock = Monotonic()
    listings = RecentListings(ttl_s=5.0, monotonic=clock)
    old = [weakref.ref(listings.get(_key(word), _listing)) for word in ("a", "b")]
    clock.now += 4.0
    recent = weakref.ref(listings.get(_key("c"), _listing))
    clock.now += 1.0
    listings.get(_key("d"), _listing)
    gc.collect()
    assert [ref() for ref in old] == [None, None]
    assert recent() is not None
