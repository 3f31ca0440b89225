"""Shared search listings, attacked.

`/mentor find` shares the first page's listing (who matches, their weekly
hours, each one's first free time as of the read) among the searchers of a
workspace (`handlers.listings.RecentListings`, in `Deps.listings`), uses a
kept free time only while it still holds for this searcher at this moment
(`domain.search._first_free`), and memoizes the rendered message per equal
page (`handlers.screens.search_message`).

Pinned here:
- over random workspaces (fakes), a listing another searcher filled gives
  every searcher, on every page, exactly the page a search of their own gives
  (`READ_EACH_TIME`) and the page the search gave before listings were shared
  (`_own_page`, the code as it was), with the clock unchanged or moved on a
  little, kept free times becoming too soon included;
- a kept "no free time" stays so for the listing's lifetime although the
  booking window has moved on meanwhile (a bug: its test fails);
- listings are kept apart by workspace (row-level security and roles:
  tests/storage/test_shared_listings_attack_storage.py);
- `RecentListings` under real threads: no exception, never a listing of
  another key, an older read never replaces a newer one, at most `max_kept`;
- the memoized message: equal pages render alike, the message's blocks are
  shared between requests and nothing on the way to Slack changes them;
- bad input through Bolt over HTTP (signed requests): page numbers out of
  range, queries at the length limit, of many words, of any script.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time as time_module
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from bot.errors import is_apology
from bot.standin.slack_api import Call
from domain.model import (
    ACTIVE_STATUSES,
    Actor,
    ExtraSlot,
    Listing,
    ListingKey,
    MentorHit,
    MentorRating,
    NewProfile,
    Profile,
    Role,
    SearchPage,
    Session,
    SessionStatus,
    Slot,
    TimeOff,
    WeeklySlot,
)
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.profiles import current_profile
from domain.search import MAX_QUERY, MAX_WORDS, READ_EACH_TIME, find_mentors, query_terms
from domain.slots import first_free_slot
from handlers import screens
from handlers.click import STALE
from handlers.ids import Action
from handlers.listings import RecentListings
from handlers.metadata import SearchPageRef
from handlers.render.search import search_results, search_text
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee
from tests.statements import directory_searches

# --- random workspaces, in the fakes -----------------------------------------

# Zones whose offsets are whole quarter hours, so that every slot of a window
# starting on the hour or half hour starts on a quarter hour in UTC too.
ZONES = (
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "America/St_Johns",
)
SKILLS = ("python", "leadership", "rust", "design", "hiring")
QUERIES = ("", "python", "leadership rust", "mentor", "design hiring python")
QUARTER = timedelta(minutes=15)


@dataclass(frozen=True)
class World:
    store: Store
    workspace: str
    searchers: tuple[Profile, ...]  # mentees, bystanders and mentors who search
    admins: frozenset[str]  # Slack ids who search as the workspace's admins


def _quarter_after(moment: datetime) -> datetime:
    """The first quarter hour at or after `moment`."""
    base = moment.replace(minute=0, second=0, microsecond=0)
    return base + QUARTER * -(-(moment - base) // QUARTER)


def _person(store: Store, workspace: str, slack_id: str, name: str, **fields: Any) -> Profile:
    uow = FakeUnitOfWork(store, Actor.system())
    added = uow.users.add(NewProfile(workspace, slack_id, name, created_at=MONDAY))
    return uow.users.save(replace(added, **fields), at=MONDAY)


def _world(rng: random.Random, now: datetime, store: Store, workspace: str = "T1") -> World:
    """A workspace of mentors (some inactive, some mentees too, some sharing a
    name), with weekly hours, time off, extra hours and caps, and sessions of
    every status around `now`, many of them the searchers' own."""
    store.workspaces.add(workspace)
    uow = FakeUnitOfWork(store, Actor.system())
    today = now.date()
    mentors = []
    for n in range(rng.randrange(3, 10)):
        mentor = _person(
            store,
            workspace,
            f"{workspace}M{n}",
            # A few share a name: the ranking breaks the tie by id.
            f"Mentor {rng.randrange(6):02d}",
            time_zone=rng.choice(ZONES),
            is_mentor=True,
            is_mentee=rng.random() < 0.3,
            is_active=rng.random() < 0.9,
            expertise=tuple(rng.sample(SKILLS, rng.randrange(1, 4))),
            department=rng.choice(("Engineering", "Design", "Sales")),
            session_minutes=rng.choice((15, 30, 45, 60)),
            max_sessions_per_week=rng.choice((None, None, 0, 1, 2, 3)),
        )
        mentors.append(mentor)
        for _ in range(rng.randrange(0, 5)):
            start = time(rng.randrange(5, 20), rng.choice((0, 30)))
            end_minutes = min(start.hour * 60 + start.minute + 30 * rng.randrange(1, 9), 23 * 60)
            if end_minutes <= start.hour * 60 + start.minute:
                continue
            end = time(end_minutes // 60, end_minutes % 60)
            weekly = WeeklySlot(rng.randrange(7), start, end)
            if all(
                (w.weekday, w.start) != (weekly.weekday, weekly.start)
                for w in store.weekly.get(mentor.id, [])
            ):
                uow.availability.add_weekly(workspace, mentor.id, weekly)
        for _ in range(rng.randrange(0, 3)):
            first = today + timedelta(days=rng.randrange(-3, 20))
            off = TimeOff(first, first + timedelta(days=rng.randrange(0, 5)))
            uow.availability.add_time_off(workspace, mentor.id, off)
        for _ in range(rng.randrange(0, 3)):
            start = time(rng.randrange(5, 20), rng.choice((0, 30)))
            end = time(start.hour + rng.randrange(1, 4), start.minute)
            day = today + timedelta(days=rng.randrange(0, 17))
            uow.availability.add_extra(workspace, mentor.id, ExtraSlot(day, start, end))
    # Half of them free at the quarter hour after two hours' notice (and a
    # little): first free times that a clock moved on a little makes too soon.
    soon = _quarter_after(now + timedelta(hours=2, minutes=7))
    for mentor in mentors:
        local = soon.astimezone(ZoneInfo(mentor.time_zone))
        until = local + timedelta(hours=2)
        if rng.random() < 0.5 and until.date() == local.date():
            extra = ExtraSlot(local.date(), local.time(), until.time())
            uow.availability.add_extra(workspace, mentor.id, extra)
    mentees = [
        _person(
            store,
            workspace,
            f"{workspace}E{n}",
            f"Mentee {n}",
            time_zone=rng.choice(ZONES),
            is_mentee=True,
        )
        for n in range(3)
    ]
    bystander = _person(store, workspace, f"{workspace}B", "Olga Ivanova", time_zone="UTC")
    people = [*mentors, *mentees, bystander]
    searching_mentors = [m for m in mentors if m.is_active][:3]
    searchers = (*mentees, bystander, *searching_mentors)
    grid = _quarter_after(now)
    for _ in range(rng.randrange(10, 60)):
        mentor = rng.choice(mentors)
        # Half of them the searchers' own, as mentee (or as mentor, for those who are).
        pool = list(searchers) if rng.random() < 0.5 else people
        mentee = rng.choice([p for p in pool if p.id != mentor.id])
        starts_at = grid + QUARTER * rng.randrange(-9 * 96, 24 * 96)
        status = rng.choice(tuple(SessionStatus))
        minutes = rng.choice((15, 30, 45, 60, 90))
        _session(store, workspace, mentor, mentee, starts_at, status, now, minutes)
    # Half the searchers busy at that quarter hour: the kept free times of the
    # mentors free then are taken for them.
    for searcher in searchers:
        mentor = rng.choice([m for m in mentors if m.id != searcher.id])
        if rng.random() < 0.5:
            _session(store, workspace, mentor, searcher, soon, SessionStatus.SCHEDULED, now)
    return World(store, workspace, searchers, frozenset({bystander.slack_user_id}))


def _session(
    store: Store,
    workspace: str,
    mentor: Profile,
    mentee: Profile,
    starts_at: datetime,
    status: SessionStatus,
    now: datetime,
    minutes: int = 30,
) -> None:
    session_id = store.next_id()
    store.sessions[session_id] = Session(
        id=session_id,
        workspace_id=workspace,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        created_at=now - timedelta(days=10),
    )


def _uow(world: World, person: Profile) -> FakeUnitOfWork:
    role = Role.ADMIN if person.slack_user_id in world.admins else Role.MEMBER
    return FakeUnitOfWork(world.store, Actor(world.workspace, person.slack_user_id, role))


def _own_page(
    uow: FakeUnitOfWork,
    clock: FakeClock,
    *,
    query: str,
    page: int,
    per_page: int,
    policy: BookingPolicy,
) -> SearchPage:
    """The page as `find_mentors` read it before listings were shared (the
    code of the commit before them): the searcher left out by the read, the
    mentors' and the searcher's sessions read together."""
    with uow:
        me = current_profile(uow)
        hits = uow.users.search_mentors(
            me.workspace_id,
            query_terms(query),
            exclude_user_id=me.id,
            limit=per_page + 1,
            offset=(page - 1) * per_page,
        )
        shown = hits[:per_page]
        now = clock.now()
        ids = [hit.profile.id for hit in shown]
        schedules = uow.availability.schedules(ids)
        busy = uow.sessions.busy_periods(
            [*ids, me.id], now - timedelta(days=8), now + policy.horizon + timedelta(days=8)
        )
        items = tuple(
            replace(
                hit,
                next_free_slot=first_free_slot(
                    schedule=schedules[hit.profile.id],
                    zone=hit.profile.time_zone,
                    mentor_id=hit.profile.id,
                    slot_minutes=hit.profile.session_minutes,
                    window_start=now,
                    window_end=now + policy.horizon,
                    not_before=now + policy.minimum_notice,
                    busy=[p for p in busy if p.user_id in (hit.profile.id, me.id)],
                    weekly_cap=hit.profile.max_sessions_per_week,
                ),
            )
            for hit in shown
        )
    return SearchPage(items=items, number=page, has_more=len(hits) > per_page, zone=me.time_zone)


class Frozen:
    """A monotonic clock that never moves: kept listings never grow old."""

    def __call__(self) -> float:
        return 1000.0


class Counted:
    """`RecentListings` that remembers the listings it had to read."""

    def __init__(self, listings: RecentListings) -> None:
        self.listings = listings
        self.read: list[Listing] = []

    @property
    def reads(self) -> int:
        return len(self.read)

    def get(self, key: ListingKey, read: Callable[[], Listing]) -> Listing:
        def counted() -> Listing:
            self.read.append(read())
            return self.read[-1]

        return self.listings.get(key, counted)


def _compare_every_searcher(
    world: World,
    clock: FakeClock,
    *,
    rng: random.Random,
    policy: BookingPolicy,
    advance: timedelta = timedelta(0),
) -> int:
    """For each query: one searcher fills the listings, the clock moves on by
    `advance`, then every other searcher's every page from them is compared
    with a search of their own and with the search as it was. The number of
    cards compared."""
    compared = 0
    start = clock.now()
    for query in QUERIES:
        clock.set(start)
        per_page = rng.choice((1, 2, 3, 10))
        filler = rng.choice(world.searchers)
        shared = Counted(RecentListings(monotonic=Frozen()))
        find_mentors(
            _uow(world, filler), clock, query=query, per_page=per_page, policy=policy,
            listings=shared,
        )  # fmt: skip
        clock.set(start + advance)
        for searcher in world.searchers:
            if searcher == filler:
                continue
            for page in (1, 2, 3):
                got = find_mentors(
                    _uow(world, searcher), clock, query=query, page=page, per_page=per_page,
                    policy=policy, listings=shared,
                )  # fmt: skip
                alone = find_mentors(
                    _uow(world, searcher), clock, query=query, page=page, per_page=per_page,
                    policy=policy, listings=READ_EACH_TIME,
                )  # fmt: skip
                before = _own_page(
                    _uow(world, searcher), clock, query=query, page=page, per_page=per_page,
                    policy=policy,
                )  # fmt: skip
                where = (query, per_page, filler.display_name, searcher.display_name, page)
                assert got == alone, where
                assert got == before, where
                assert searcher.id not in {hit.profile.id for hit in got.items}, where
                compared += len(got.items)
        # The first page read by the filler for all of them (and later pages,
        # should they be shared, at most once per searcher and page).
        assert shared.reads <= 1 + 2 * (len(world.searchers) - 1)
    return compared


# Dates come from the anchor Monday (a week or more ahead of today), so
# whatever day the suite runs the worlds lie ahead of it; DST changes in the
# zones above fall where they may: every page is compared with its own.
SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_listing_another_searcher_filled_gives_everyone_their_own_page(seed: int) -> None:
    rng = random.Random(seed)
    # Any minute of the four weeks after the anchor Monday.
    now = MONDAY + timedelta(minutes=rng.randrange(4 * 7 * 24 * 60))
    world = _world(rng, now, Store())
    compared = _compare_every_searcher(world, FakeClock(now), rng=rng, policy=DEFAULT_POLICY)
    assert compared > 0


# Two hours' notice and seven minutes: the notice ends between quarter hours,
# so a clock moved on 13 minutes from a minute past a quarter hour makes some
# kept free times too soon while no slot starts in the 13 minutes the booking
# window's end moves (that edge: test_a_kept_no_free_time_...).
ODD_NOTICE = BookingPolicy(minimum_notice=timedelta(hours=2, minutes=7))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_kept_free_time_is_found_again_when_the_clock_moved_on_a_little(seed: int) -> None:
    rng = random.Random(1000 + seed)
    now = _quarter_after(MONDAY + timedelta(minutes=rng.randrange(4 * 7 * 24 * 60)))
    now += timedelta(minutes=1)
    world = _world(rng, now, Store())
    compared = _compare_every_searcher(
        world, FakeClock(now), rng=rng, policy=ODD_NOTICE, advance=timedelta(minutes=13)
    )
    assert compared > 0


def test_these_worlds_reach_both_reasons_to_find_a_kept_free_time_again() -> None:
    """The seeds above are not vacuous: kept free times that searchers' own
    sessions take (their cards show a later one), and kept free times the
    clock moved on 13 minutes makes too soon."""
    taken_by_theirs = too_soon = 0
    for seed in SEEDS:
        rng = random.Random(1000 + seed)
        now = _quarter_after(MONDAY + timedelta(minutes=rng.randrange(4 * 7 * 24 * 60)))
        now += timedelta(minutes=1)
        world = _world(rng, now, Store())
        clock = FakeClock(now)
        shared = Counted(RecentListings(monotonic=Frozen()))
        for searcher in world.searchers:
            page = find_mentors(
                _uow(world, searcher), clock, query="", per_page=25, policy=ODD_NOTICE,
                listings=shared,
            )  # fmt: skip
            [listing] = shared.read
            for hit in page.items:
                kept = listing.first_free[hit.profile.id]
                if kept is None:
                    continue
                later = now + timedelta(minutes=13) + ODD_NOTICE.minimum_notice
                too_soon += kept.starts_at < later
                busy = any(
                    searcher.id in (s.mentor_id, s.mentee_id)
                    and s.status in ACTIVE_STATUSES
                    and s.starts_at < kept.ends_at
                    and kept.starts_at < s.ends_at
                    for s in world.store.sessions.values()
                )
                taken_by_theirs += busy and hit.next_free_slot != kept
    assert too_soon > 0
    assert taken_by_theirs > 0


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def test_a_kept_no_free_time_gives_way_to_a_time_the_booking_window_reached_since() -> None:
    """A mentor whose only free half hour is exactly the booking window away:
    not offered now (the window ends just before it). A second later it is in
    the window, and a search of one's own offers it; a listing read a second
    ago, within its lifetime, still says she has no free time. Kept free
    times are re-checked only for becoming too soon or taken: the window's
    far end moving on adds slots too."""
    store = Store()
    store.workspaces.add("T1")
    mentor = _person(store, "T1", "UMAYA", "Maya Patel", is_mentor=True, expertise=("python",))
    cara = _person(store, "T1", "UCARA", "Cara Singh", is_mentee=True)
    ben = _person(store, "T1", "UBEN", "Ben Okafor", is_mentee=True)
    world = World(store, "T1", (cara, ben), frozenset())
    day = (MONDAY + timedelta(days=20)).date()
    FakeUnitOfWork(store, Actor.system()).availability.add_extra(
        "T1", mentor.id, ExtraSlot(day, time(9), time(9, 30))
    )
    only = Slot(
        datetime.combine(day, time(9), tzinfo=UTC), datetime.combine(day, time(9, 30), tzinfo=UTC)
    )
    clock = FakeClock(only.starts_at - DEFAULT_POLICY.horizon)
    ticks = Ticks()
    shared = RecentListings(monotonic=ticks)
    [for_cara] = find_mentors(_uow(world, cara), clock, query="python", listings=shared).items
    assert for_cara.next_free_slot is None

    clock.advance(seconds=1)
    ticks.seconds += 1.0
    alone = find_mentors(_uow(world, ben), clock, query="python", listings=READ_EACH_TIME)
    assert [hit.next_free_slot for hit in alone.items] == [only]
    from_cara = find_mentors(_uow(world, ben), clock, query="python", listings=shared)
    assert from_cara == alone


def test_a_listing_of_one_workspace_is_never_served_in_another() -> None:
    """Two workspaces of the same people (ids apart), the same words, the same
    rules: each searcher only ever sees their own workspace's mentors."""
    store = Store()
    now = MONDAY + timedelta(hours=8)
    one = _world(random.Random(7), now, store, "T1")
    two = _world(random.Random(7), now, store, "T2")
    clock = FakeClock(now)
    shared = RecentListings(monotonic=Frozen())
    for query in QUERIES:
        for world in (one, two, one):
            for searcher in world.searchers:
                page = find_mentors(_uow(world, searcher), clock, query=query, listings=shared)
                assert {hit.profile.workspace_id for hit in page.items} <= {world.workspace}
                alone = find_mentors(_uow(world, searcher), clock, query=query)
                assert page == alone


# --- RecentListings under real threads ------------------------------------------


def _key(n: int) -> ListingKey:
    return ListingKey("T1", (f"word{n}",), 12, DEFAULT_POLICY)


def _listing_of(n: int) -> Listing:
    """A listing that says which key it was read for."""
    return Listing(read_at=MONDAY, hits=(), schedules={}, busy=(), first_free={n: None})


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
                got = listings.get(_key(n), read)
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
    listings = RecentListings(monotonic=Ticks())
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
            got[n] = listings.get(_key(1), read)

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
    listings = RecentListings(monotonic=Ticks())

    def broken() -> Listing:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        listings.get(_key(1), broken)
    assert _read_for(listings.get(_key(1), lambda: _listing_of(1))) == 1
    assert _read_for(listings.get(_key(1), broken)) == 1  # kept now: not read


# --- the memoized message -------------------------------------------------------


def _hit(mentor_id: int, slot: Slot | None, zone: str = "Europe/London") -> MentorHit:
    profile = Profile(
        mentor_id, "T1", f"U{mentor_id}", f"Mentor {mentor_id}", time_zone=zone, is_mentor=True,
        expertise=("python",),
    )  # fmt: skip
    return MentorHit(profile, MentorRating(mentor_id, 3, 4.5), 2, 1.0, slot)


def _as_json(message: tuple[str, Any]) -> str:
    said, blocks = message
    return json.dumps(
        [said, [b if isinstance(b, dict) else b.to_dict() for b in blocks]], sort_keys=True
    )


def test_equal_pages_render_alike_whatever_zone_their_times_were_written_in() -> None:
    """Pages compare equal when their times are the same instants, in
    whichever zone each was written: the message kept for one is the one the
    other would render (times are rendered from the instant, in the
    searcher's zone)."""
    starts = MONDAY + timedelta(days=1, hours=9)
    in_utc = Slot(starts, starts + timedelta(minutes=30))
    tokyo = ZoneInfo("Asia/Tokyo")
    in_tokyo = Slot(in_utc.starts_at.astimezone(tokyo), in_utc.ends_at.astimezone(tokyo))
    one = SearchPage(items=(_hit(1, in_utc), _hit(2, None)), number=1, has_more=True, zone="UTC")
    other = replace(one, items=(_hit(1, in_tokyo), _hit(2, None)))
    assert one == other
    screens.search_message.cache_clear()
    kept = screens.search_message("python", one)
    assert screens.search_message("python", other) is kept
    fresh = (search_text("python", other), search_results("python", other, other.zone))
    assert _as_json(kept) == _as_json(fresh)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: replace(p, zone="Asia/Tokyo"), id="searcher's zone"),
        pytest.param(lambda p: replace(p, number=2), id="page"),
        pytest.param(lambda p: replace(p, has_more=False), id="more"),
        pytest.param(lambda p: replace(p, items=p.items[:1]), id="mentors"),
        pytest.param(
            lambda p: replace(p, items=(replace(p.items[0], completed_sessions=3), *p.items[1:])),
            id="completed",
        ),
        pytest.param(
            lambda p: replace(
                p, items=(replace(p.items[0], rating=MentorRating(1, 4, 4.5)), *p.items[1:])
            ),
            id="rating",
        ),
        pytest.param(
            lambda p: replace(p, items=(replace(p.items[0], next_free_slot=None), *p.items[1:])),
            id="free time",
        ),
        pytest.param(
            lambda p: replace(
                p,
                items=(
                    replace(p.items[0], profile=replace(p.items[0].profile, title="CTO")),
                    *p.items[1:],
                ),
            ),
            id="title",
        ),
    ],
)
def test_pages_that_render_differently_never_share_a_message(
    change: Callable[[SearchPage], SearchPage],
) -> None:
    starts = MONDAY + timedelta(days=1, hours=9)
    slot = Slot(starts, starts + timedelta(minutes=30))
    page = SearchPage(items=(_hit(1, slot), _hit(2, None)), number=1, has_more=True, zone="UTC")
    changed = change(page)
    assert changed != page
    screens.search_message.cache_clear()
    assert _as_json(screens.search_message("python", page)) != _as_json(
        screens.search_message("python", changed)
    )
    for shown in (page, changed):
        fresh = (search_text("python", shown), search_results("python", shown, shown.zone))
        assert _as_json(screens.search_message("python", shown)) == _as_json(fresh)


# --- through Bolt over HTTP, signed as Slack signs ------------------------------

TABLES = (
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "notifications",
    "feedback",
)


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }


def _answers(h: Harness, mark: int) -> list[Call]:
    """Everything the bot sent since `mark`, once it has finished."""
    h.settle()
    return h.since(mark)


def _settled_mark(h: Harness) -> int:
    """A place in the call record once the bot has finished what came before."""
    h.settle()
    return h.mark()


def _only_reply(h: Harness, mark: int, user: str) -> Call:
    sent = _answers(h, mark)
    assert not any(is_apology(str(call.params.get("text") or "")) for call in sent), sent
    [reply] = [call for call in sent if call.method in ("response_url", "chat.postMessage")]
    whose = h.reply_to(reply)
    assert whose is None or whose[0] == user
    return reply


def _paging_refs(reply: Call) -> dict[str, SearchPageRef]:
    return {
        button["text"]["text"]: SearchPageRef.model_validate_json(button["value"])
        for block in reply.blocks()
        for button in block.get("elements", [])
        if button.get("action_id") == Action.SEARCH_PAGE
    }


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('{"query": "python", "page": 0}', id="page 0"),
        pytest.param('{"query": "python", "page": -1}', id="page -1"),
        pytest.param('{"query": "python", "page": 1001}', id="page 1001"),
        pytest.param(
            '{"query": "python", "page": 1000000000000000000000000000000}', id="page 1e30"
        ),
        pytest.param('{"query": "python", "page": 9223372036854775808}', id="page 2**63"),
        pytest.param('{"query": "python", "page": 2.5}', id="page 2.5"),
        pytest.param('{"query": "python", "page": null}', id="page null"),
        pytest.param('{"query": "python", "page": "many"}', id="page many"),
        pytest.param('{"query": "python"}', id="no page"),
        pytest.param('{"query": "python", "page": 2, "offset": 9}', id="an extra field"),
        pytest.param(json.dumps({"query": "p" * 201, "page": 1}), id="query of 201"),
        pytest.param('{"query": ["python"], "page": 1}', id="query not text"),
        pytest.param('{"query": "python", "page": 1', id="not JSON"),
        pytest.param("", id="empty"),
    ],
)
def test_a_search_page_button_out_of_range_or_tampered_with_is_refused_plainly(
    h: Harness, owner_engine: Engine, value: str
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    assert h.click("UBEN", Action.SEARCH_PAGE, value).status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert reply.text().strip() == STALE
    assert _rows(owner_engine) == before


def test_the_last_page_a_button_may_ask_for_says_that_is_everyone(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    last = SearchPageRef(query="python", page=1000).encode()
    assert h.click("UBEN", Action.SEARCH_PAGE, last).status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert "That's everyone" in reply.text()
    assert reply.params.get("replace_original") is True
    assert _paging_refs(reply) == {"Previous": SearchPageRef(query="python", page=999)}
    assert _rows(owner_engine) == before


def test_a_query_at_the_length_limit_is_searched_and_one_over_it_is_refused_plainly(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    longest = "python " + "a" * (MAX_QUERY - len("python "))
    assert len(longest) == MAX_QUERY
    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {longest}").status == 200
    found = _only_reply(h, mark, "UBEN")
    assert "Maya Patel" in found.text()

    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {longest}b").status == 200
    refused = _only_reply(h, mark, "UBEN")
    assert f"at most {MAX_QUERY} characters (you entered {MAX_QUERY + 1})" in refused.text()
    assert "Maya Patel" not in refused.text()
    assert _rows(owner_engine) == before


def test_queries_alike_in_their_first_eight_words_share_one_listing_and_keep_their_titles(
    h: Harness,
) -> None:
    """Only the first eight words are searched for (`MAX_WORDS`): queries
    that differ after them find the same mentors, from one listing."""
    mentor_and_mentee(h)
    first = "python a b c d e f g one"
    second = "python a b c d e f g two"
    assert len(first.split()) > MAX_WORDS
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {first}").status == 200
        for_first = _only_reply(h, mark, "UBEN")
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {second}").status == 200
        for_second = _only_reply(h, mark, "UBEN")
    assert len(searched) == 1
    assert "Maya Patel" in for_first.text()
    assert "Maya Patel" in for_second.text()
    assert f"“{first}”" in for_first.text()
    assert f"“{second}”" in for_second.text()
    assert f"“{first}”" not in for_second.text()


@pytest.mark.parametrize(
    ("query", "finds_maya"),
    [
        pytest.param("ＰＹＴＨＯＮ", True, id="full width"),
        pytest.param("Pýthön", True, id="accents"),
        pytest.param("PYTHON", True, id="capitals"),
        pytest.param("py\u0301thon", True, id="a combining accent"),
        pytest.param("\u202epython\u202c", True, id="right to left override"),
        pytest.param("python \U0001f40d", True, id="with an emoji"),
        pytest.param("ruby", False, id="nobody"),
    ],
)
def test_queries_in_any_script_are_answered_plainly(
    h: Harness, owner_engine: Engine, query: str, finds_maya: bool
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {query}").status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert ("Maya Patel" in reply.text()) is finds_maya
    if not finds_maya:
        assert "No mentors match" in reply.text()
    assert _rows(owner_engine) == before


def test_the_message_a_crowd_shares_reaches_each_of_them_unchanged(h: Harness) -> None:
    """Two searchers in the same zone see the same page: the second gets the
    first's message (its blocks the very same objects), and nothing on the
    way to Slack (Bolt's respond, the webhook client) changes them."""
    mentor_and_mentee(h)
    ben_zone = h.slack.users["UBEN"].tz
    h.slack.add_user("UDEV", "Dev Rao", ben_zone, "Analyst")
    screens.search_message.cache_clear()
    replies = []
    for user in ("UBEN", "UDEV", "UBEN"):
        mark = _settled_mark(h)
        assert h.command(user, "find python").status == 200
        replies.append(_only_reply(h, mark, user))
    assert screens.search_message.cache_info().hits == 2
    assert screens.search_message.cache_info().currsize == 1
    blocks = [reply.blocks() for reply in replies]
    assert blocks[0] == blocks[1] == blocks[2]
    assert "Maya Patel" in replies[0].text()
    # The kept message is still what rendering the page afresh gives.
    deps = h.bot.deps
    page = find_mentors(deps.uow("T1", "UDEV"), deps.clock, query="python")
    kept = screens.search_message("python", page)
    assert screens.search_message.cache_info().hits == 3
    fresh = (search_text("python", page), search_results("python", page, page.zone))
    assert _as_json(kept) == _as_json(fresh)
    assert json.loads(_as_json(kept))[1] == blocks[0]


@pytest.mark.parametrize("query", ["日本語", "\U0001f40d", "!!!"])
def test_a_query_with_no_word_to_search_for_is_answered_from_the_blank_querys_listing(
    h: Harness, owner_engine: Engine, query: str
) -> None:
    """No word of these is searchable (`tokens` keeps Latin letters and
    digits): they search as a blank query does, so they share its listing.
    (What they are told, every mentor "matching" the query, is as before
    listings were shared.)"""
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", "find").status == 200
        blank = _only_reply(h, mark, "UBEN")
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {query}").status == 200
        reply = _only_reply(h, mark, "UBEN")
    assert len(searched) == 1
    assert "Maya Patel" in blank.text()
    assert "Maya Patel" in reply.text()
    assert _rows(owner_engine) == before
