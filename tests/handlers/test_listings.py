"""RecentListings: a listing is read once per `ttl_s`, searches that miss
together wait for one read, and at most `max_kept` are kept; and the same
under real threads (the attack on shared listings)."""

from __future__ import annotations

import contextlib
import gc
import random
import threading
import time as time_module
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

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


# --- under real threads (the attack) ----------------------------------------------


def _listing_of(n: int) -> Listing:
    """A listing that says which key it was read for."""
    return Listing(read_at=datetime.now(UTC), hits=(), schedules={}, busy=(), first_free={n: None})


def _read_for(listing: Listing) -> int:
    [n] = listing.first_free
    return n


def test_concurrent_searches_get_their_own_keys_listing_fresh_and_keep_at_most_max_kept() -> None:
    ttl_s, max_kept, keys = 0.05, 8, 20
    listings = RecentListings(ttl_s=ttl_s, max_kept=max_kept)
    read_at: dict[int, float] = {}  # id of a listing read -> when its read began
    read_ended: dict[int, float] = {}  # ... and when it ended
    made: list[Listing] = []  # keeps the listings (and so their ids) alive
    lock = threading.Lock()
    errors: list[BaseException] = []
    sizes: list[int] = []
    stop = threading.Event()

    def search(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(300):
                n = rng.randrange(keys)

                def read(n: int = n) -> Listing:
                    began = time_module.monotonic()
                    time_module.sleep(rng.random() / 500)
                    listing = _listing_of(n)
                    with lock:
                        read_at[id(listing)] = began
                        read_ended[id(listing)] = time_module.monotonic()
                        made.append(listing)
                    return listing

                asked = time_module.monotonic()
                got = listings.get(_key(f"word{n}"), read)
                assert _read_for(got) == n
                with lock:
                    began, ended = read_at[id(got)], read_ended[id(got)]
                # Read by this search, kept from a read that began less than
                # ttl_s before this search asked, or a read this search waited for.
                assert began >= asked or asked - began < ttl_s or ended >= asked
        except BaseException as error:  # reported below
            errors.append(error)

    def watch() -> None:
        while not stop.is_set():
            sizes.append(len(listings._kept))

    watcher = threading.Thread(target=watch)
    watcher.start()
    searches = [threading.Thread(target=search, args=(seed,)) for seed in range(16)]
    for thread in searches:
        thread.start()
    for thread in searches:
        thread.join(60)
    stop.set()
    watcher.join(10)
    assert errors == []
    assert sizes
    assert max(sizes) <= max_kept
    assert len(made) > keys  # listings grew old and were read again


def test_searches_that_miss_together_wait_for_one_read_and_read_alone_if_it_fails() -> None:
    listings = RecentListings(monotonic=Monotonic())
    count = 6
    release, leading = threading.Event(), threading.Event()
    reads: list[int] = []
    got: dict[int, Listing] = {}

    def search(n: int, fails: bool) -> None:
        def read() -> Listing:
            reads.append(n)
            if n == 0:
                leading.set()
                assert release.wait(10)
                if fails:
                    raise RuntimeError("the database went away")
            return _listing_of(n)

        with contextlib.suppress(RuntimeError):
            got[n] = listings.get(_key(f"word{1}"), read)

    for fails in (False, True):
        reads.clear()
        got.clear()
        release.clear()
        leading.clear()
        listings.clear()
        leader = threading.Thread(target=search, args=(0, fails))
        leader.start()
        assert leading.wait(10)
        crowd = [threading.Thread(target=search, args=(n, fails)) for n in range(1, count)]
        for thread in crowd:
            thread.start()
        time_module.sleep(0.2)  # the crowd is waiting, not reading
        assert reads == [0]
        release.set()
        for thread in [leader, *crowd]:
            thread.join(10)
        if fails:
            # Each read its own; none of theirs waited on another's.
            assert sorted(reads) == list(range(count))
            assert {n: _read_for(listing) for n, listing in got.items()} == {
                n: n for n in range(1, count)
            }
        else:
            assert reads == [0]
            assert {_read_for(listing) for listing in got.values()} == {0}
            assert len(got) == count


def test_a_read_that_fails_keeps_nothing_and_the_next_search_reads_again() -> None:
    listings = RecentListings(monotonic=Monotonic())

    def broken() -> Listing:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        listings.get(_key(f"word{1}"), broken)
    assert _read_for(listings.get(_key(f"word{1}"), lambda: _listing_of(1))) == 1
    assert _read_for(listings.get(_key(f"word{1}"), broken)) == 1  # kept now: not read
