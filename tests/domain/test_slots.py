"""The rules that turn availability into free slots: time off, extra slots, notice,
busy people and the weekly cap. The mentor is in London, where winter time is UTC,
so the expected instants read the same as the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.model import BusyPeriod, ExtraSlot, Schedule, SessionStatus, Slot, TimeOff, WeeklySlot
from domain.slots import (
    candidate_slots,
    first_free_slot,
    free_slots,
    local_wall_clock,
    validate_zone,
)
from tests.dates import NEXT_YEAR, on
from tests.domain.anchors import MON, NEXT_MON, SAT, SUN, TUE, WED, WINTER_MONDAY

MENTOR, MENTEE, SOMEONE_ELSE = 1, 2, 3
# Weekdays 14:00-15:00 in London, 30-minute sessions.
AFTERNOONS = Schedule(weekly=tuple(WeeklySlot(day, time(14), time(15)) for day in range(5)))
# A Monday in December or January (London on GMT) and the two weeks from it.
MONDAY = WINTER_MONDAY


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.starts_at for slot in slots]


def session(
    user_id: int,
    start: datetime,
    status: SessionStatus,
    minutes: int = 30,
    *,
    as_mentor: bool | None = None,
) -> BusyPeriod:
    """A session of `user_id`; the mentor's own are mentored unless `as_mentor` says not."""
    mentoring = user_id == MENTOR if as_mentor is None else as_mentor
    return BusyPeriod(user_id, start, start + timedelta(minutes=minutes), status, mentoring)


def free(**overrides: Any) -> list[Slot]:
    arguments: dict[str, Any] = {
        "schedule": AFTERNOONS,
        "zone": "Europe/London",
        "mentor_id": MENTOR,
        "slot_minutes": 30,
        "window_start": MONDAY,
        "window_end": MONDAY + timedelta(days=14),
        "not_before": MONDAY,
        "busy": [],
        "weekly_cap": None,
    }
    return free_slots(**(arguments | overrides))


# --- candidates -------------------------------------------------------------


def test_time_off_beats_weekly_and_extra_slots() -> None:
    schedule = Schedule(
        weekly=(WeeklySlot(0, time(9), time(10)), WeeklySlot(1, time(9), time(10))),
        extra=(
            ExtraSlot(MON, time(16), time(16, 30)),
            ExtraSlot(WED, time(16), time(16, 30)),
        ),
        time_off=(TimeOff(MON, TUE),),
    )
    slots = candidate_slots(schedule, "Europe/London", MONDAY, MONDAY + timedelta(days=8), 30)
    assert starts(slots) == [on(WED, 16), on(NEXT_MON, 9), on(NEXT_MON, 9, 30)]


def test_time_off_is_judged_by_the_date_on_the_mentors_own_calendar() -> None:
    # Tuesday 02:00 in Kolkata is still Monday in UTC; Tuesday off removes it anyway.
    schedule = Schedule(
        weekly=(WeeklySlot(0, time(20), time(20, 30)), WeeklySlot(1, time(2), time(2, 30))),
        time_off=(TimeOff(TUE, TUE),),
    )
    slots = candidate_slots(schedule, "Asia/Kolkata", MONDAY, MONDAY + timedelta(days=1), 30)
    assert starts(slots) == [on(MON, 14, 30)]


def test_extra_slots_appear_beside_weekly_ones_without_duplicates() -> None:
    schedule = Schedule(
        weekly=(WeeklySlot(0, time(9), time(10)),),
        extra=(
            ExtraSlot(MON, time(9), time(10, 30)),
            ExtraSlot(SAT, time(10), time(11)),
        ),
    )
    slots = candidate_slots(schedule, "Europe/London", MONDAY, MONDAY + timedelta(days=7), 30)
    assert starts(slots) == [
        on(MON, 9),
        on(MON, 9, 30),
        on(MON, 10),
        on(SAT, 10),
        on(SAT, 10, 30),
    ]


def test_a_slot_that_would_run_past_the_window_is_not_offered() -> None:
    schedule = Schedule(weekly=(WeeklySlot(0, time(9), time(10, 15)),))
    slots = candidate_slots(schedule, "Europe/London", MONDAY, MONDAY + timedelta(days=1), 30)
    assert slots == [
        Slot(on(MON, 9), on(MON, 9, 30)),
        Slot(on(MON, 9, 30), on(MON, 10)),
    ]


def test_candidates_start_inside_the_half_open_range() -> None:
    slots = candidate_slots(AFTERNOONS, "Europe/London", on(MON, 14, 30), on(TUE, 14, 30), 30)
    assert starts(slots) == [on(MON, 14, 30), on(TUE, 14)]


def test_the_range_may_be_given_in_any_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    in_utc = candidate_slots(AFTERNOONS, "Europe/London", MONDAY, MONDAY + timedelta(days=3), 30)
    in_new_york = candidate_slots(
        AFTERNOONS,
        "Europe/London",
        MONDAY.astimezone(new_york),
        (MONDAY + timedelta(days=3)).astimezone(new_york),
        30,
    )
    assert in_new_york == in_utc


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        candidate_slots(AFTERNOONS, "Europe/London", MONDAY.replace(tzinfo=None), MONDAY, 30)


# --- notice and busy people -------------------------------------------------


def test_slots_before_the_minimum_notice_are_hidden() -> None:
    slots = free(window_end=MONDAY + timedelta(days=2), not_before=on(MON, 14, 30))
    assert starts(slots) == [
        on(MON, 14, 30),  # exactly at the notice: still offered
        on(TUE, 14),
        on(TUE, 14, 30),
    ]


@pytest.mark.parametrize("user_id", [MENTOR, MENTEE])
@pytest.mark.parametrize(
    "status", [SessionStatus.REQUESTED, SessionStatus.SCHEDULED, SessionStatus.ONGOING]
)
def test_an_active_session_of_either_person_blocks_the_slots_it_overlaps(
    user_id: int, status: SessionStatus
) -> None:
    busy = [session(user_id, on(MON, 14, 15), status)]
    slots = free(window_end=MONDAY + timedelta(days=1), busy=busy)
    assert slots == []


@pytest.mark.parametrize(
    "status",
    [
        SessionStatus.CANCELLED,
        SessionStatus.DECLINED,
        SessionStatus.EXPIRED,
        SessionStatus.NO_SHOW,
        SessionStatus.COMPLETED,
    ],
)
def test_sessions_that_no_longer_hold_their_time_do_not_block(status: SessionStatus) -> None:
    busy = [session(MENTOR, on(MON, 14), status, minutes=60)]
    slots = free(window_end=MONDAY + timedelta(days=1), busy=busy)
    assert starts(slots) == [on(MON, 14), on(MON, 14, 30)]


def test_a_session_that_only_touches_a_slot_does_not_block_it() -> None:
    busy = [
        session(MENTEE, on(MON, 13, 30), SessionStatus.SCHEDULED),
        session(MENTOR, on(MON, 15), SessionStatus.SCHEDULED),
    ]
    slots = free(window_end=MONDAY + timedelta(days=1), busy=busy)
    assert starts(slots) == [on(MON, 14), on(MON, 14, 30)]


# --- the weekly cap ---------------------------------------------------------


def test_the_weekly_cap_closes_the_whole_week_once_reached_counting_completed_sessions() -> None:
    busy = [
        session(MENTOR, on(MON, 9), SessionStatus.COMPLETED),
        session(MENTOR, on(SUN, 11), SessionStatus.REQUESTED),  # Sunday
    ]
    slots = free(busy=busy, weekly_cap=2)
    assert slots
    assert all(slot.starts_at >= on(NEXT_MON) for slot in slots)
    assert len(slots) == 10  # the next week is untouched


def test_the_weekly_cap_leaves_a_week_open_below_the_cap() -> None:
    busy = [session(MENTOR, on(MON, 9), SessionStatus.SCHEDULED)]
    assert len(free(busy=busy, weekly_cap=2)) == 20


@pytest.mark.parametrize(
    "status",
    [SessionStatus.CANCELLED, SessionStatus.DECLINED, SessionStatus.EXPIRED, SessionStatus.NO_SHOW],
)
def test_sessions_given_back_do_not_count_towards_the_weekly_cap(status: SessionStatus) -> None:
    busy = [session(MENTOR, on(MON, 9), status)]
    assert len(free(busy=busy, weekly_cap=1)) == 20


def test_other_peoples_sessions_do_not_count_towards_the_mentors_weekly_cap() -> None:
    busy = [
        session(MENTEE, on(MON, 9), SessionStatus.SCHEDULED),
        session(SOMEONE_ELSE, on(TUE, 9), SessionStatus.COMPLETED),
    ]
    assert len(free(busy=busy, weekly_cap=1)) == 20


def test_the_mentors_own_sessions_as_a_mentee_do_not_use_up_the_weekly_cap() -> None:
    busy = [session(MENTOR, on(MON, 9), SessionStatus.SCHEDULED, as_mentor=False)]
    assert len(free(busy=busy, weekly_cap=1)) == 20


def test_the_weekly_cap_counts_weeks_on_the_mentors_calendar() -> None:
    # Mentor in Kolkata (+05:30). The session, Sunday 20:00 UTC, is Monday 01:30 there:
    # it fills the next ISO week, closing Monday 01:00 (Sunday 19:30 UTC) but not Sunday
    # 23:00 (17:30 UTC), still this week in Kolkata; in UTC, both are this week.
    schedule = Schedule(
        weekly=(WeeklySlot(6, time(23), time(23, 30)), WeeklySlot(0, time(1), time(1, 30)))
    )
    slots = free(
        schedule=schedule,
        zone="Asia/Kolkata",
        window_start=on(SUN),
        window_end=on(NEXT_MON),
        not_before=on(SUN),
        busy=[session(MENTOR, on(SUN, 20), SessionStatus.SCHEDULED)],
        weekly_cap=1,
    )
    assert starts(slots) == [on(SUN, 17, 30)]


def test_a_weekly_cap_of_zero_offers_nothing() -> None:
    assert free(weekly_cap=0) == []


# --- first free slot --------------------------------------------------------


def test_the_first_free_slot_is_the_earliest_free_one() -> None:
    busy = [session(MENTEE, on(MON, 14), SessionStatus.SCHEDULED)]
    kwargs: dict[str, Any] = {
        "schedule": AFTERNOONS,
        "zone": "Europe/London",
        "mentor_id": MENTOR,
        "slot_minutes": 30,
        "window_start": MONDAY,
        "window_end": MONDAY + timedelta(days=7),
        "not_before": MONDAY,
        "busy": busy,
        "weekly_cap": None,
    }
    assert first_free_slot(**kwargs) == Slot(on(MON, 14, 30), on(MON, 15))
    assert first_free_slot(**(kwargs | {"schedule": Schedule()})) is None


# --- zones ------------------------------------------------------------------


def test_a_known_zone_is_accepted() -> None:
    assert validate_zone("Asia/Kolkata") == ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "zone", ["Mars/Base", "", "../etc/passwd", "/etc/passwd", "America", "x" * 5000]
)
def test_an_unknown_zone_is_refused_as_a_field_error(zone: str) -> None:
    with pytest.raises(InvalidInput, match="is not a known time zone") as refused:
        validate_zone(zone)
    assert refused.value.field == "time_zone"
    assert len(refused.value.message) < 100


def test_the_wall_clock_is_read_in_the_given_zone() -> None:
    # 1 July: mid-summer, Pacific daylight time (-07:00) whatever the year.
    moment = local_wall_clock(datetime(NEXT_YEAR, 7, 1, 12, tzinfo=UTC), "America/Los_Angeles")
    assert (moment.hour, moment.utcoffset()) == (5, timedelta(hours=-7))
