"""Shared search listings, attacked in the domain (fakes).

`/mentor find` shares the first page's listing (who matches, their weekly
hours, each one's first free time as of the read) among the searchers of a
workspace, and uses a kept free time only while it still holds for this
searcher at this moment (`domain.search._first_free`). Over random
workspaces, a listing another searcher filled gives every searcher, on every
page, exactly the page a search of their own gives (`READ_EACH_TIME`) and
the page the search gave before listings were shared (`_own_page`, the code
as it was), with the clock unchanged or moved on a little; a kept "no free
time" gives way to a time the booking window reached since; listings are
kept apart by workspace (row-level security and roles:
tests/storage/test_shared_listings_attack_storage.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.model import (
    ACTIVE_STATUSES,
    Actor,
    ExtraSlot,
    Listing,
    ListingKey,
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
from domain.search import READ_EACH_TIME, find_mentors, query_terms
from domain.slots import first_free_slot
from handlers.listings import RecentListings
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

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
    return SearchPage(
        items=items, number=page, has_more=len(hits) > per_page, zone=me.time_zone, query=query
    )


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
