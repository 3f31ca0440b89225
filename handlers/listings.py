"""Search listings this process read in the last few seconds, shared by the
`/mentor find` of everybody in the same workspace.

The minute a programme is announced, hundreds of people search for the same
few skills; who matches a search, and their weekly hours, are the same for
every member of the workspace, so they are read once every `ttl_s` per
process rather than once per person. The sessions that keep those mentors and
the searcher busy are read by every search (`domain.search.find_mentors`), so
a free time shown is free as the person searches. A new mentor, or a changed
profile, skill or weekly hours, reaches a listing here within `ttl_s`."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from domain.model import Listing, ListingKey

TTL_S = 5.0
# Enough for every search a crowd repeats in `ttl_s`; an entry is a page of
# profiles with their weekly hours and a month of their sessions.
MAX_KEPT = 128


class _Reading:
    """A read of a listing in progress, that searches of the same words wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.listing: Listing | None = None  # None: the read failed


class RecentListings:
    def __init__(
        self,
        *,
        ttl_s: float = TTL_S,
        max_kept: int = MAX_KEPT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s, self._max_kept, self._monotonic = ttl_s, max_kept, monotonic
        self._lock = threading.Lock()
        # key -> (its listing, when its read began: monotonic seconds), oldest use first
        self._kept: OrderedDict[ListingKey, tuple[Listing, float]] = OrderedDict()
        self._reading: dict[ListingKey, _Reading] = {}

    def get(self, key: ListingKey, read: Callable[[], Listing]) -> Listing:
        started = self._monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and started - kept[1] < self._ttl_s:
                self._kept.move_to_end(key)
                return kept[0]
            reading = self._reading.get(key)
            if reading is None:
                reading = self._reading[key] = _Reading()
                leads = True
            else:
                leads = False
        if not leads:
            # The crowd that misses together waits for one read (outside the
            # lock: other words' searches go on), begun after its listing
            # went out of date; if that read fails, each reads its own.
            reading.done.wait()
            return reading.listing if reading.listing is not None else read()
        try:
            reading.listing = read()
            self._keep(key, reading.listing, started)
            return reading.listing
        finally:
            with self._lock:
                del self._reading[key]
            reading.done.set()

    def _keep(self, key: ListingKey, listing: Listing, started: float) -> None:
        with self._lock:
            self._kept[key] = (listing, started)
            self._kept.move_to_end(key)
            # What is unused and out of date goes first, so a quiet process
            # keeps no more than its last few seconds' searches.
            while self._kept and (
                len(self._kept) > self._max_kept
                or started - next(iter(self._kept.values()))[1] >= self._ttl_s
            ):
                self._kept.popitem(last=False)

    def clear(self) -> None:
        """Forget every listing: the next search of each reads it."""
        with self._lock:
            self._kept.clear()
