"""A person's private calendar feed (domain.calendar_feed): the token, kept
only as a hash and replaced by a reset; what the feed shows, and to whom."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.calendar import EventStatus
from domain.calendar_feed import (
    FEED_AHEAD,
    FEED_PAST,
    MAX_FEED_EVENTS,
    Feed,
    FeedEvent,
    feed_for_token,
    open_feed,
    reset_feed,
    well_formed,
)
from domain.errors import NotAllowed
from domain.membership import leave_programme
from domain.model import Actor, Profile, Session, SessionStatus
from domain.ports import UnitOfWork
from tests.domain.conftest import NOW, WORKSPACE, People, UowFor
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

S = SessionStatus
TEMPLATE = "https://meet.example.com/mentoring-{session_token}"


def _session(
    store: Store,
    mentor: Profile,
    mentee: Profile,
    starts_in: timedelta,
    status: SessionStatus = S.SCHEDULED,
    sequence: int | None = 0,
) -> Session:
    session_id = store.next_id()
    starts_at = NOW + starts_in
    session = Session(
        id=session_id,
        workspace_id=WORKSPACE,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        topic=f"Topic {session_id}",
        created_at=NOW - timedelta(days=60),
        updated_at=NOW - timedelta(days=1),
        calendar_sequence=sequence,
        meeting_token=f"room{session_id}",
    )
    store.sessions[session_id] = session
    return session


def _events(maker: Callable[[Actor], UnitOfWork], clock: FakeClock, token: str) -> list[FeedEvent]:
    feed = feed_for_token(maker, clock, token=token, meeting_template=TEMPLATE)
    assert feed is not None
    assert feed.events is not None
    return feed.events


def _feed(store: Store, clock: FakeClock, token: str) -> list[tuple[int, EventStatus]] | None:
    feed = feed_for_token(
        lambda actor: FakeUnitOfWork(store, actor), clock, token=token, meeting_template=TEMPLATE
    )
    return None if feed is None else [(e.session.id, e.status) for e in feed.events or []]


def test_the_first_open_makes_a_token_that_is_stored_only_as_its_hash(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    made = open_feed(uow_for(people.ben), clock)
    assert made.token is not None
    assert well_formed(made.token)
    assert made.since == NOW
    stored, _ = store.calendar_feeds[people.ben.id]
    assert stored == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in repr(store)

    clock.advance(days=3)
    again = open_feed(uow_for(people.ben), clock)
    assert (again.since, again.token) == (NOW, None)  # never shown twice
    assert store.calendar_feeds[people.ben.id][0] == stored


def test_a_reset_gives_a_new_token_and_the_old_one_opens_nothing(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    _session(store, people.maya, people.ben, timedelta(days=2))
    first = open_feed(uow_for(people.ben), clock).token
    assert first is not None
    assert _feed(store, clock, first)

    clock.advance(hours=1)
    second = reset_feed(uow_for(people.ben), clock)
    assert second != first
    assert _feed(store, clock, first) is None
    assert _feed(store, clock, second)
    assert open_feed(uow_for(people.ben), clock).since == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    "token",
    ["", "short", "x" * 42, "x" * 44, "a" * 42 + "=", "a" * 42 + "/", "ü" * 43, "a" * 10_000],
)
def test_a_malformed_token_opens_nothing_without_asking_the_database(
    clock: FakeClock, token: str
) -> None:
    def no_database(actor: Actor) -> UnitOfWork:
        raise AssertionError("the database was asked")

    found = feed_for_token(no_database, clock, token=token, meeting_template=None)
    assert found is None


def test_an_unknown_well_formed_token_opens_nothing(
    store: Store, clock: FakeClock, people: People
) -> None:
    assert _feed(store, clock, "A" * 43) is None


def test_the_feed_shows_held_sessions_and_sent_changes_in_its_window(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    maya, ben, cara = people.maya, people.ben, people.cara
    day = timedelta(days=1)
    confirmed = [
        _session(store, maya, ben, 2 * day).id,
        _session(store, maya, ben, -3 * day, S.COMPLETED).id,
        _session(store, maya, ben, -2 * day, S.NO_SHOW).id,
        _session(store, maya, ben, FEED_AHEAD - day).id,
        # Scheduled before calendars existed: never sent, still held.
        _session(store, maya, ben, 3 * day, sequence=None).id,
    ]
    tentative = _session(store, maya, ben, 4 * day, S.REQUESTED, sequence=1).id
    cancelled = _session(store, maya, ben, -FEED_PAST + day, S.CANCELLED, sequence=1).id
    # Never in a calendar, outside the window, or someone else's.
    _session(store, maya, ben, 5 * day, S.REQUESTED, sequence=None)
    _session(store, maya, ben, 6 * day, S.DECLINED, sequence=None)
    _session(store, maya, ben, -FEED_PAST - day, S.CANCELLED, sequence=1)
    _session(store, maya, ben, -FEED_PAST - day, S.COMPLETED)
    _session(store, maya, ben, FEED_AHEAD + day)
    _session(store, maya, cara, 2 * day + timedelta(hours=2))
    token = open_feed(uow_for(ben), clock).token
    assert token is not None

    shown = dict(_feed(store, clock, token) or [])
    assert shown == {
        **dict.fromkeys(confirmed, EventStatus.CONFIRMED),
        tentative: EventStatus.TENTATIVE,
        cancelled: EventStatus.CANCELLED,
    }


def test_each_event_names_both_people_and_the_session_s_meeting_link(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    with_room = _session(store, people.maya, people.ben, timedelta(days=1))
    token = open_feed(uow_for(people.ben), clock).token
    assert token is not None
    maker = lambda actor: FakeUnitOfWork(store, actor)  # noqa: E731

    (event,) = _events(maker, clock, token)
    assert (event.mentor, event.mentee) == ("Maya Patel", "Ben Okafor")
    assert event.link == f"https://meet.example.com/mentoring-{with_room.meeting_token}"
    assert event.session.topic == with_room.topic

    store.users[people.maya.id] = replace(people.maya, meeting_link="https://zoom.us/j/42")
    (event,) = _events(maker, clock, token)
    assert event.link == "https://zoom.us/j/42"


def test_a_person_with_more_sessions_than_a_feed_holds_gets_those_nearest_to_now(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    """Every half hour from 29 days back to 29 days ahead: more than a feed
    holds, and both ends must give way (neither the earliest nor the latest
    are what a calendar is looked at for)."""
    step = timedelta(minutes=30)
    count = int(2 * timedelta(days=29) / step) + 1
    assert count > MAX_FEED_EVENTS
    for n in range(count):
        _session(store, people.maya, people.ben, -timedelta(days=29) + n * step)
    token = open_feed(uow_for(people.ben), clock).token
    assert token is not None

    shown = _feed(store, clock, token) or []
    assert len(shown) == MAX_FEED_EVENTS
    starts = [store.sessions[session_id].starts_at for session_id, _ in shown]
    assert starts == sorted(starts)
    kept = max(abs(moment - NOW) for moment in starts)
    left = [s.starts_at for s in store.sessions.values() if s.starts_at not in set(starts)]
    assert all(abs(moment - NOW) >= kept for moment in left)
    assert starts[0] > NOW - timedelta(days=29)
    assert starts[-1] < NOW + timedelta(days=29)
    assert NOW in starts


def test_someone_who_left_the_programme_has_an_empty_feed(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    _session(store, people.maya, people.ben, -timedelta(days=2), S.COMPLETED)
    token = open_feed(uow_for(people.ben), clock).token
    assert token is not None
    leave_programme(uow_for(people.ben), clock)

    assert _feed(store, clock, token) == []
    with pytest.raises(NotAllowed):
        reset_feed(uow_for(people.ben), clock)


def test_a_version_the_caller_knows_is_answered_without_the_events_and_changes_with_them(
    store: Store, clock: FakeClock, people: People, uow_for: UowFor
) -> None:
    session = _session(store, people.maya, people.ben, timedelta(days=1))
    bens, mayas = (open_feed(uow_for(person), clock).token for person in (people.ben, people.maya))
    assert bens is not None
    assert mayas is not None
    maker = lambda actor: FakeUnitOfWork(store, actor)  # noqa: E731

    def feed(token: str, known: Callable[[str], bool] = lambda _: False) -> Feed:
        found = feed_for_token(maker, clock, token=token, meeting_template=TEMPLATE, known=known)
        assert found is not None
        return found

    first = feed(bens)
    again = feed(bens, known=lambda version: version == first.version)
    assert (again.version, again.events) == (first.version, None)
    # The same session in Maya's feed: her own version, never Ben's.
    assert feed(mayas).version != first.version

    store.users[people.maya.id] = replace(people.maya, display_name="Maya P.")
    renamed = feed(bens, known=lambda version: version == first.version)
    assert renamed.version != first.version
    assert renamed.events is not None

    store.sessions[session.id] = replace(session, status=S.CANCELLED, calendar_sequence=1)
    assert feed(bens).version != renamed.version
    with_another_template = feed_for_token(
        maker, clock, token=bens, meeting_template="https://rooms.example.com/{session_token}"
    )
    assert with_another_template is not None
    assert with_another_template.version != feed(bens).version
