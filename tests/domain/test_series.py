"""Recurring sessions: a booking repeated every 1, 2 or 4 weeks, 2 to 12 times,
each session holding its own slot; the mentor answers the series with one
click; a session of it is cancelled on its own.

The clock stands at the conftest's Monday, 08:00 UTC; Maya (London, on GMT
through these weeks) offers weekdays 09:00-12:00 and 14:00-17:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.availability import add_time_off
from domain.errors import InvalidInput, NotAllowed, OccurrenceTaken
from domain.model import Notification, NotificationKind, Repeat, Session, Slot
from domain.outbox import claim_deliveries
from domain.policy import DEFAULT_POLICY
from domain.recurrence import nearest_free, occurrence_starts
from domain.series import accept_series, decline_series
from domain.sessions import book, cancel, expire_overdue_requests, reschedule
from tests.dates import dst_changes, on
from tests.domain.anchors import TUE
from tests.domain.conftest import People, UowFor
from tests.domain.sessions_data import TUESDAY_9, S, notice_kinds
from tests.fakes.uow import FakeClock, Store

K = NotificationKind
WEEK = timedelta(weeks=1)


def _book_series(
    uow_for: UowFor, clock: FakeClock, people: People, repeat: Repeat, starts_at=TUESDAY_9
) -> tuple[Session, ...]:
    booked = book(
        uow_for(people.ben),
        clock,
        mentor_id=people.maya.id,
        starts_at=starts_at,
        topic="Weekly pairing",
        repeat=repeat,
    )
    return booked.series


def _notices(store: Store, recipient_id: int, kind: NotificationKind) -> list[Notification]:
    return [n for n in store.notifications if n.recipient_id == recipient_id and n.kind is kind]


def test_a_series_holds_every_session_and_tells_the_mentor_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=2, times=3))

    assert [s.starts_at for s in series] == [TUESDAY_9 + n * 2 * WEEK for n in range(3)]
    assert {s.status for s in series} == {S.REQUESTED}
    assert {s.topic for s in series} == {"Weekly pairing"}
    (series_id,) = {s.series_id for s in series}
    assert series_id is not None
    assert store.sessions == {s.id: s for s in series}
    assert len(store.history) == 3
    (told,) = _notices(store, people.maya.id, K.REQUEST_RECEIVED)
    assert told.session_id == series[0].id
    assert told.payload["series_id"] == series_id
    assert told.payload["every_weeks"] == 2
    assert told.payload["starts"] == " ".join(s.starts_at.isoformat() for s in series)


@pytest.mark.parametrize(
    ("repeat", "field"),
    [
        (Repeat(every_weeks=3, times=4), "repeat"),
        (Repeat(every_weeks=0, times=4), "repeat"),
        (Repeat(every_weeks=1, times=1), "repeat_times"),
        (Repeat(every_weeks=1, times=13), "repeat_times"),
    ],
)
def test_a_repeat_outside_the_modals_choices_is_refused_and_nothing_is_written(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, repeat: Repeat, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _book_series(uow_for, clock, people, repeat)
    assert refused.value.field == field
    assert (store.sessions, store.series, store.notifications) == ({}, {}, [])


def test_a_session_that_is_not_free_is_named_with_the_nearest_free_time_and_nothing_is_written(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    taken = TUESDAY_9 + WEEK
    book(uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=taken)
    before = (dict(store.sessions), dict(store.series), list(store.notifications))

    with pytest.raises(OccurrenceTaken) as refused:
        _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=4))

    error = refused.value
    assert (error.number, error.times, error.starts_at) == (2, 4, taken)
    # Maya's availability starts at 09:00: the next half hour is the nearest.
    assert error.nearest == taken + timedelta(minutes=30)
    assert error.field == "repeat"
    assert "Session 2 of 4" in error.message
    assert (dict(store.sessions), dict(store.series), list(store.notifications)) == before


def test_a_session_on_the_mentors_time_off_offers_the_nearest_day_she_works(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    away = TUE + timedelta(weeks=2)
    add_time_off(uow_for(people.maya), clock, first_day=away, last_day=away)

    with pytest.raises(OccurrenceTaken) as refused:
        _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))

    assert refused.value.number == 3
    # The Monday's last session (16:30) is nearer than Wednesday's first (09:00).
    assert refused.value.nearest == on(away - timedelta(days=1), 16, 30)
    assert store.sessions == {}


def test_the_mentor_accepts_every_session_with_one_click_and_each_side_hears_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    history_before = len(store.history)

    accepted = accept_series(
        uow_for(people.maya),
        clock,
        series_id=series[0].series_id or 0,
        seen=[s.starts_at for s in series],
    )

    assert not accepted.already
    assert [s.status for s in accepted.series] == [S.SCHEDULED] * 3
    assert {store.sessions[s.id].status for s in series} == {S.SCHEDULED}
    # One history row per session: each changed as it would on its own.
    assert len(store.history) == history_before + 3
    # Each session enters calendars with SEQUENCE 0; one file per person lists them.
    assert {store.sessions[s.id].calendar_sequence for s in series} == {0}
    assert notice_kinds(store, people.ben.id) == [K.REQUEST_ACCEPTED]
    updates = [n for n in store.notifications if n.kind is K.CALENDAR_UPDATE]
    assert sorted(n.recipient_id for n in updates) == sorted([people.maya.id, people.ben.id])
    assert all(n.payload["series_id"] == series[0].series_id for n in updates)
    deliveries = [d for d in accepted.notices if d.notification.kind is K.CALENDAR_UPDATE]
    assert [len(d.series) for d in deliveries] == [3, 3]

    again = accept_series(
        uow_for(people.maya),
        clock,
        series_id=series[0].series_id or 0,
        seen=[s.starts_at for s in series],
    )
    assert again.already
    assert len(store.history) == history_before + 3


def test_accept_all_leaves_a_session_moved_since_the_message_for_its_own_answer(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    shown = [s.starts_at for s in series]
    moved_to = series[1].starts_at + timedelta(hours=1)
    reschedule(uow_for(people.ben), clock, session_id=series[1].id, starts_at=moved_to)

    accepted = accept_series(
        uow_for(people.maya), clock, series_id=series[0].series_id or 0, seen=shown
    )

    statuses = {s.starts_at: s.status for s in accepted.series}
    assert statuses == {shown[0]: S.SCHEDULED, moved_to: S.REQUESTED, shown[2]: S.SCHEDULED}


def test_the_mentor_declines_the_series_with_one_click(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=4, times=2))

    declined = decline_series(uow_for(people.maya), clock, series_id=series[0].series_id or 0)

    assert [s.status for s in declined.series] == [S.DECLINED, S.DECLINED]
    (told,) = _notices(store, people.ben.id, K.REQUEST_DECLINED)
    assert told.payload["starts"] == " ".join(s.starts_at.isoformat() for s in series)
    # Never scheduled, so never in a calendar: nothing to take out of one.
    assert not [n for n in store.notifications if n.kind is K.CALENDAR_UPDATE]
    assert decline_series(uow_for(people.maya), clock, series_id=series[0].series_id or 0).already


def test_only_the_mentor_answers_a_series(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=2))
    series_id = series[0].series_id or 0

    with pytest.raises(NotAllowed):
        accept_series(uow_for(people.ben), clock, series_id=series_id, seen=[TUESDAY_9])
    with pytest.raises(NotAllowed):
        decline_series(uow_for(people.ben), clock, series_id=series_id)
    assert {s.status for s in store.sessions.values()} == {S.REQUESTED}


def test_cancelling_one_session_of_a_series_leaves_the_others(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    accept_series(
        uow_for(people.maya),
        clock,
        series_id=series[0].series_id or 0,
        seen=[s.starts_at for s in series],
    )

    cancel(uow_for(people.ben), clock, session_id=series[1].id, reason="Travelling")

    assert [store.sessions[s.id].status for s in series] == [
        S.SCHEDULED,
        S.CANCELLED,
        S.SCHEDULED,
    ]


def test_a_series_calendar_update_sent_from_the_outbox_shows_the_series_as_it_is_then(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """A retried file lists the sessions as stored when it goes, like one
    session's file: a session cancelled since shows as cancelled."""
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    accept_series(
        uow_for(people.maya),
        clock,
        series_id=series[0].series_id or 0,
        seen=[s.starts_at for s in series],
    )
    cancel(uow_for(people.ben), clock, session_id=series[1].id, reason="Travelling")
    updates = [
        n.id
        for n in store.notifications
        if n.kind is K.CALENDAR_UPDATE and "series_id" in n.payload
    ]

    # The request that wrote them never sent them: their claim runs out.
    clock.advance(minutes=5)
    deliveries = claim_deliveries(uow_for(), clock, ids=updates)

    assert len(deliveries) == 2
    for delivery in deliveries:
        assert [s.status for s in delivery.series] == [S.SCHEDULED, S.CANCELLED, S.SCHEDULED]


def test_a_series_is_one_booking_for_the_open_and_hourly_limits(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    policy = replace(DEFAULT_POLICY, max_open_per_pair=2, max_requests_per_hour=2)
    book(
        uow_for(people.ben),
        clock,
        mentor_id=people.maya.id,
        starts_at=TUESDAY_9,
        repeat=Repeat(every_weeks=1, times=6),
        policy=policy,
    )
    assert uow_for(people.ben).sessions.slot_requests_since(people.ben.id, clock.now()) == 1

    # Six sessions held, but one booking: a second one with Maya is allowed.
    book(
        uow_for(people.ben),
        clock,
        mentor_id=people.maya.id,
        starts_at=TUESDAY_9 + timedelta(hours=1),
        policy=policy,
    )
    with pytest.raises(NotAllowed, match=r"2 sessions requested or coming up with Maya Patel \("):
        book(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=TUESDAY_9 + timedelta(hours=2),
            policy=replace(policy, max_requests_per_hour=10),
        )


def test_a_series_keeps_the_mentors_wall_clock_time_across_a_clock_change() -> None:
    london = ZoneInfo("Europe/London")
    spring = dst_changes("Europe/London")[0]
    # The Tuesday before the clocks go forward, 09:00 in London (GMT).
    tuesday = spring.date() - timedelta(days=(spring.weekday() - 1) % 7 or 7)
    first = on(tuesday, 9)

    starts = occurrence_starts(first, "Europe/London", Repeat(every_weeks=1, times=3))

    assert [s.astimezone(london).hour for s in starts] == [9, 9, 9]
    assert [s.hour for s in starts] == [9, 8, 8]  # BST is UTC+1
    assert all(s.tzinfo is UTC for s in starts)


def test_the_nearest_free_time_is_the_earlier_of_two_as_near_and_within_a_week() -> None:
    around = TUESDAY_9
    half_hour = timedelta(minutes=30)
    before = Slot(around - half_hour, around)
    after = Slot(around + half_hour, around + 2 * half_hour)
    far = Slot(around + 8 * 24 * 2 * half_hour, around + 8 * 24 * 2 * half_hour + half_hour)

    assert nearest_free([after, before, far], around) == before
    assert nearest_free([far], around) is None


def test_an_unanswered_series_expires_as_one_and_each_person_hears_once(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=4))
    clock.set(series[0].starts_at)

    expired = expire_overdue_requests(uow_for(), clock)

    assert [s.id for s in expired] == [s.id for s in series]
    assert {s.status for s in store.sessions.values()} == {S.EXPIRED}
    for person, other in ((people.ben, people.maya), (people.maya, people.ben)):
        (told,) = _notices(store, person.id, K.REQUEST_EXPIRED)
        assert told.payload["series_id"] == series[0].series_id
        assert told.payload["times"] == 4
        assert told.payload["places"] == "1 2 3 4"
        assert told.payload["other_name"] == other.display_name
    assert expire_overdue_requests(uow_for(), clock) == []


def test_a_session_of_an_answered_series_that_waits_again_expires_on_its_own(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """Accepted, then Ben moved the second session: it waits for Maya again,
    and expires alone when its time comes unanswered."""
    series = _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    accept_series(
        uow_for(people.maya),
        clock,
        series_id=series[0].series_id or 0,
        seen=[s.starts_at for s in series],
    )
    moved_to = series[1].starts_at + timedelta(hours=1)
    reschedule(uow_for(people.ben), clock, session_id=series[1].id, starts_at=moved_to)
    clock.set(moved_to)

    expired = expire_overdue_requests(uow_for(), clock)

    assert [s.id for s in expired] == [series[1].id]
    assert [store.sessions[s.id].status for s in series] == [S.SCHEDULED, S.EXPIRED, S.SCHEDULED]
    (told,) = _notices(store, people.ben.id, K.REQUEST_EXPIRED)
    assert "series_id" not in told.payload
    assert _notices(store, people.maya.id, K.REQUEST_EXPIRED) == []


def test_with_a_weekly_cap_a_move_never_puts_two_sessions_of_the_series_in_one_week(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """Maya takes one session a week: each free slot has room for one, so a
    moved session may not join another of the series in its week, and the
    nearest free time offered never does."""
    store.users[people.maya.id] = replace(people.maya, max_sessions_per_week=1)
    away = TUE + WEEK
    add_time_off(uow_for(people.maya), clock, first_day=away, last_day=away)

    with pytest.raises(OccurrenceTaken) as refused:
        _book_series(uow_for, clock, people, Repeat(every_weeks=1, times=3))
    # Monday's 16:30 is the nearest (as without a cap), in the second's own week.
    assert refused.value.nearest == on(away - timedelta(days=1), 16, 30)

    with pytest.raises(InvalidInput) as forged:
        book(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=TUESDAY_9,
            repeat=Repeat(every_weeks=1, times=3),
            moves={2: timedelta(days=-6)},
        )
    assert forged.value.field == "repeat_moves"
    assert store.sessions == {}


@pytest.mark.parametrize(
    ("repeat", "moves"),
    [
        (None, {2: timedelta(minutes=30)}),
        (Repeat(every_weeks=1, times=3), {1: timedelta(minutes=30)}),
        (Repeat(every_weeks=1, times=3), {4: timedelta(minutes=30)}),
        (Repeat(every_weeks=1, times=3), {2: timedelta(days=7, minutes=30)}),
        # The second after the third: "2 of 3" would come after "3 of 3".
        (Repeat(every_weeks=1, times=3), {2: timedelta(days=6), 3: timedelta(days=-6)}),
    ],
)
def test_a_move_the_modal_never_offers_is_refused_and_nothing_is_written(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, repeat, moves
) -> None:
    with pytest.raises(InvalidInput) as refused:
        book(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=TUESDAY_9,
            repeat=repeat,
            moves=moves,
        )
    assert refused.value.field == "repeat_moves"
    assert store.sessions == {}


def test_the_nearest_free_time_offered_keeps_a_session_after_the_one_moved_before_it(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    """The second session moved to Monday 16:30 of the third's week; the third
    (Tuesday) is not free, and the nearest free time to it, Monday 16:00,
    lies before the second: it is not offered (it could not be booked)."""
    third = TUE + 2 * WEEK
    add_time_off(uow_for(people.maya), clock, first_day=third, last_day=third + WEEK)

    with pytest.raises(OccurrenceTaken) as refused:
        book(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=TUESDAY_9,
            repeat=Repeat(every_weeks=1, times=3),
            moves={2: timedelta(days=6, hours=7, minutes=30)},
        )
    assert refused.value.number == 3
    assert refused.value.nearest is None
    assert store.sessions == {}
