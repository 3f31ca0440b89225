"""Wall-clock availability across DST changes, pinned to exact UTC instants.

Each test states the zone's transition in its comment, so a reader can check the
expected instants by hand. Afternoon and evening slots are pinned beside the night
ones: a scheduler bug once hit only starts after 13:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.model import BusyPeriod, ExtraSlot, Schedule, SessionStatus, Slot, WeeklySlot
from domain.slots import candidate_slots, free_slots

SUNDAY = 6
SATURDAY = 5
MONDAY = 0
MENTOR, MENTEE = 7, 8


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.starts_at for slot in slots]


def day_windows(weekday: int, *windows: tuple[time, time]) -> tuple[WeeklySlot, ...]:
    return tuple(WeeklySlot(weekday, start, end) for start, end in windows)


# Morning, afternoon and evening windows, one slot of 30 minutes each.
DAYTIME = (
    (time(9), time(9, 30)),
    (time(14), time(14, 30)),
    (time(17, 30), time(18)),
    (time(20), time(20, 30)),
)


def assert_thirty_minutes_each(slots: list[Slot]) -> None:
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)
    assert all(slot.starts_at.utcoffset() == timedelta(0) for slot in slots)


# --- America/New_York -------------------------------------------------------


def test_a_spring_forward_gap_slot_is_skipped_in_new_york() -> None:
    # Sunday 2026-03-08: at 02:00 EST (-05:00) clocks jump to 03:00 EDT (-04:00).
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(4)), *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 3, 8), utc(2026, 3, 9, 4), 30)
    assert starts(slots) == [
        utc(2026, 3, 8, 6, 0),  # 01:00 EST
        utc(2026, 3, 8, 6, 30),  # 01:30 EST, ends at the jump (03:00 EDT)
        # 02:00 and 02:30 never happen
        utc(2026, 3, 8, 7, 0),  # 03:00 EDT
        utc(2026, 3, 8, 7, 30),  # 03:30 EDT, ends exactly at 04:00
        utc(2026, 3, 8, 13, 0),  # 09:00 EDT
        utc(2026, 3, 8, 18, 0),  # 14:00 EDT
        utc(2026, 3, 8, 21, 30),  # 17:30 EDT
        utc(2026, 3, 9, 0, 0),  # 20:00 EDT
    ]
    assert_thirty_minutes_each(slots)


def test_daytime_slots_move_by_an_hour_in_utc_across_the_new_york_spring_forward() -> None:
    schedule = Schedule(weekly=day_windows(SATURDAY, *DAYTIME) + day_windows(MONDAY, *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 3, 7), utc(2026, 3, 10, 5), 30)
    assert starts(slots) == [
        utc(2026, 3, 7, 14, 0),  # Saturday 09:00 EST
        utc(2026, 3, 7, 19, 0),  # 14:00 EST
        utc(2026, 3, 7, 22, 30),  # 17:30 EST
        utc(2026, 3, 8, 1, 0),  # 20:00 EST, already Sunday in UTC
        utc(2026, 3, 9, 13, 0),  # Monday 09:00 EDT
        utc(2026, 3, 9, 18, 0),  # 14:00 EDT
        utc(2026, 3, 9, 21, 30),  # 17:30 EDT
        utc(2026, 3, 10, 0, 0),  # 20:00 EDT
    ]


def test_a_window_ending_inside_the_gap_ends_at_its_earlier_reading() -> None:
    # 02:30 does not exist on 2026-03-08; fold=1 reads it as 02:30 EDT = 06:30Z (=01:30
    # EST), so the 01:30 slot, which would end at 03:00 on the wall, is not offered.
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0), time(2, 30))))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 3, 8), utc(2026, 3, 9), 30)
    assert starts(slots) == [utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 5, 30), utc(2026, 3, 8, 6, 0)]


def test_a_window_starting_inside_the_gap_begins_at_the_first_real_step() -> None:
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(2, 30), time(4))))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 3, 8), utc(2026, 3, 9), 30)
    assert starts(slots) == [utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 30)]


def test_an_ambiguous_fall_back_slot_is_offered_once_in_new_york() -> None:
    # Sunday 2026-11-01: at 02:00 EDT (-04:00) clocks go back to 01:00 EST (-05:00).
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0, 30), time(3)), *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 11, 1), utc(2026, 11, 2, 5), 30)
    assert starts(slots) == [
        utc(2026, 11, 1, 4, 30),  # 00:30 EDT
        utc(2026, 11, 1, 5, 0),  # 01:00 EDT, the first 01:00
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT, ends at the second 01:00
        # 06:00Z and 06:30Z (the second 01:00 and 01:30, EST) are not offered again
        utc(2026, 11, 1, 7, 0),  # 02:00 EST
        utc(2026, 11, 1, 7, 30),  # 02:30 EST, ends exactly at 03:00
        utc(2026, 11, 1, 14, 0),  # 09:00 EST
        utc(2026, 11, 1, 19, 0),  # 14:00 EST
        utc(2026, 11, 1, 22, 30),  # 17:30 EST
        utc(2026, 11, 2, 1, 0),  # 20:00 EST
    ]
    assert_thirty_minutes_each(slots)


def test_daytime_slots_move_back_in_utc_across_the_new_york_fall_back() -> None:
    schedule = Schedule(weekly=day_windows(SATURDAY, *DAYTIME) + day_windows(MONDAY, *DAYTIME))
    slots = candidate_slots(
        schedule, "America/New_York", utc(2026, 10, 31), utc(2026, 11, 3, 5), 30
    )
    assert starts(slots) == [
        utc(2026, 10, 31, 13, 0),  # Saturday 09:00 EDT
        utc(2026, 10, 31, 18, 0),  # 14:00 EDT
        utc(2026, 10, 31, 21, 30),  # 17:30 EDT
        utc(2026, 11, 1, 0, 0),  # 20:00 EDT
        utc(2026, 11, 2, 14, 0),  # Monday 09:00 EST
        utc(2026, 11, 2, 19, 0),  # 14:00 EST
        utc(2026, 11, 2, 22, 30),  # 17:30 EST
        utc(2026, 11, 3, 1, 0),  # 20:00 EST
    ]


def test_an_hour_long_slot_across_the_fall_back_lasts_one_real_hour() -> None:
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(2))))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 11, 1), utc(2026, 11, 2), 60)
    assert slots == [Slot(utc(2026, 11, 1, 5), utc(2026, 11, 1, 6))]


# --- Europe/London ----------------------------------------------------------


def test_the_london_spring_forward_skips_one_and_two_in_the_night() -> None:
    # Sunday 2026-03-29: at 01:00 GMT clocks jump to 02:00 BST (+01:00).
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0), time(3)), *DAYTIME[:3]))
    slots = candidate_slots(schedule, "Europe/London", utc(2026, 3, 29), utc(2026, 3, 30), 30)
    assert starts(slots) == [
        utc(2026, 3, 29, 0, 0),  # 00:00 GMT
        utc(2026, 3, 29, 0, 30),  # 00:30 GMT
        utc(2026, 3, 29, 1, 0),  # 02:00 BST
        utc(2026, 3, 29, 1, 30),  # 02:30 BST
        utc(2026, 3, 29, 8, 0),  # 09:00 BST
        utc(2026, 3, 29, 13, 0),  # 14:00 BST
        utc(2026, 3, 29, 16, 30),  # 17:30 BST
    ]


def test_the_london_fall_back_offers_the_repeated_hour_once() -> None:
    # Sunday 2026-10-25: at 02:00 BST clocks go back to 01:00 GMT.
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0, 30), time(2, 30)), *DAYTIME[:3]))
    slots = candidate_slots(schedule, "Europe/London", utc(2026, 10, 24), utc(2026, 10, 26), 30)
    assert starts(slots) == [
        utc(2026, 10, 24, 23, 30),  # 00:30 BST, still Saturday in UTC
        utc(2026, 10, 25, 0, 0),  # 01:00 BST
        utc(2026, 10, 25, 0, 30),  # 01:30 BST
        utc(2026, 10, 25, 2, 0),  # 02:00 GMT
        utc(2026, 10, 25, 9, 0),  # 09:00 GMT
        utc(2026, 10, 25, 14, 0),  # 14:00 GMT
        utc(2026, 10, 25, 17, 30),  # 17:30 GMT
    ]


# --- Asia/Kolkata (+05:30 all year) ----------------------------------------


def test_kolkata_slots_are_five_and_a_half_hours_ahead_all_year() -> None:
    schedule = Schedule(weekly=day_windows(MONDAY, (time(9), time(10)), (time(20), time(20, 30))))
    for monday in (date(2026, 1, 5), date(2026, 7, 6)):
        start = datetime.combine(monday, time(), UTC) - timedelta(days=1)
        slots = candidate_slots(schedule, "Asia/Kolkata", start, start + timedelta(days=2), 30)
        assert [s.starts_at.time() for s in slots] == [time(3, 30), time(4), time(14, 30)]
        assert all(s.starts_at.date() == monday for s in slots)


def test_a_local_window_on_the_next_date_is_found_from_an_evening_utc_range() -> None:
    # Tuesday 02:00-03:00 in Kolkata is Monday 20:30-21:30 UTC.
    schedule = Schedule(weekly=day_windows(1, (time(2), time(3))))
    slots = candidate_slots(
        schedule, "Asia/Kolkata", utc(2026, 6, 1, 20), utc(2026, 6, 1, 21, 1), 30
    )
    assert starts(slots) == [utc(2026, 6, 1, 20, 30), utc(2026, 6, 1, 21, 0)]


# --- Australia/Lord_Howe (a 30-minute DST shift) ---------------------------


def test_the_lord_howe_half_hour_fall_back_offers_the_repeated_half_hour_once() -> None:
    # Sunday 2026-04-05: at 02:00 (+11:00) clocks go back to 01:30 (+10:30).
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(3)), *DAYTIME[:2]))
    slots = candidate_slots(schedule, "Australia/Lord_Howe", utc(2026, 4, 4), utc(2026, 4, 6), 30)
    assert starts(slots) == [
        utc(2026, 4, 4, 14, 0),  # 01:00 +11:00
        utc(2026, 4, 4, 14, 30),  # the first 01:30 (+11:00), ends at the second 01:30
        # 15:00Z, the second 01:30 (+10:30), is not offered again
        utc(2026, 4, 4, 15, 30),  # 02:00 +10:30
        utc(2026, 4, 4, 16, 0),  # 02:30 +10:30, ends exactly at 03:00
        utc(2026, 4, 4, 22, 30),  # 09:00 +10:30
        utc(2026, 4, 5, 3, 30),  # 14:00 +10:30
    ]
    assert_thirty_minutes_each(slots)


def test_the_lord_howe_half_hour_spring_forward_skips_two_oclock() -> None:
    # Sunday 2026-10-04: at 02:00 (+10:30) clocks jump to 02:30 (+11:00).
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(3, 30)), *DAYTIME[:2]))
    slots = candidate_slots(schedule, "Australia/Lord_Howe", utc(2026, 10, 3), utc(2026, 10, 5), 30)
    assert starts(slots) == [
        utc(2026, 10, 3, 14, 30),  # 01:00 +10:30
        utc(2026, 10, 3, 15, 0),  # 01:30 +10:30, ends at the jump (02:30 +11:00)
        # 02:00 never happens
        utc(2026, 10, 3, 15, 30),  # 02:30 +11:00
        utc(2026, 10, 3, 16, 0),  # 03:00 +11:00, ends exactly at 03:30
        utc(2026, 10, 3, 22, 0),  # 09:00 +11:00
        utc(2026, 10, 4, 3, 0),  # 14:00 +11:00
    ]
    assert_thirty_minutes_each(slots)


# --- a mentor in Los Angeles, a mentee in Berlin ----------------------------


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Berlin"))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("monday", "mentee_busy", "expected"),
    [
        pytest.param(
            # US already on summer time, Europe not yet: eight hours apart.
            date(2026, 3, 16),
            (berlin(2026, 3, 16, 17, 30), berlin(2026, 3, 16, 18)),
            [utc(2026, 3, 16, 16), utc(2026, 3, 16, 17), utc(2026, 3, 16, 17, 30)],
            id="eight-hours-apart",
        ),
        pytest.param(
            # Both on summer time: nine hours apart.
            date(2026, 6, 15),
            (berlin(2026, 6, 15, 18, 30), berlin(2026, 6, 15, 19, 30)),
            [utc(2026, 6, 15, 16), utc(2026, 6, 15, 17, 30)],
            id="nine-hours-apart",
        ),
    ],
)
def test_a_berlin_mentees_session_blocks_the_right_los_angeles_slot(
    monday: date, mentee_busy: tuple[datetime, datetime], expected: list[datetime]
) -> None:
    # The mentor offers Monday 09:00-11:00 Los Angeles time, which is 16:00-18:00 UTC.
    schedule = Schedule(weekly=day_windows(MONDAY, (time(9), time(11))))
    window_start = datetime.combine(monday, time(), UTC)
    slots = free_slots(
        schedule=schedule,
        zone="America/Los_Angeles",
        mentor_id=MENTOR,
        slot_minutes=30,
        window_start=window_start,
        window_end=window_start + timedelta(days=1),
        not_before=window_start,
        busy=[BusyPeriod(MENTEE, *mentee_busy, SessionStatus.SCHEDULED, as_mentor=False)],
        weekly_cap=None,
    )
    assert starts(slots) == expected
    assert all(slot.starts_at.tzinfo is UTC and slot.ends_at.tzinfo is UTC for slot in slots)


def test_an_extra_slot_on_a_dst_night_follows_the_same_rules() -> None:
    schedule = Schedule(extra=(ExtraSlot(date(2026, 3, 8), time(1, 30), time(3, 30)),))
    slots = candidate_slots(schedule, "America/New_York", utc(2026, 3, 8), utc(2026, 3, 9), 30)
    assert starts(slots) == [utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7, 0)]
