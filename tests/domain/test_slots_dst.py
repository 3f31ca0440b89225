"""Wall-clock availability across DST changes, pinned to exact UTC instants.

Each test takes its zone's change in a year after today (`tests/domain/dst.py`
checks it is the change the test describes: offsets, weekday and local time) and
states it in its comment, so a reader can check the expected instants by hand:
they are UTC times on the day of the change, from the fixed offsets named there.
Afternoon and evening slots are pinned beside the night ones: a scheduler bug once
hit only starts after 13:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from domain.model import BusyPeriod, ExtraSlot, Schedule, SessionStatus, Slot, WeeklySlot
from domain.slots import candidate_slots, free_slots
from tests import dates
from tests.dates import on
from tests.domain.dst import (
    BST,
    CEST,
    CET,
    EDT,
    EST,
    GMT,
    LHDT,
    LHST,
    PDT,
    PST,
    change,
)

SUNDAY = 6
SATURDAY = 5
MONDAY = 0
MENTOR, MENTEE = 7, 8
A_DAY = timedelta(days=1)

# Sunday: at 02:00 EST (-05:00) clocks jump to 03:00 EDT (-04:00), 07:00 UTC.
NY_SPRING = change("America/New_York", EST, EDT, wall=time(2))
# Sunday: at 02:00 EDT (-04:00) clocks go back to 01:00 EST (-05:00), 06:00 UTC.
NY_FALL = change("America/New_York", EDT, EST, wall=time(2))
# Sunday: at 01:00 GMT clocks jump to 02:00 BST (+01:00), 01:00 UTC.
LONDON_SPRING = change("Europe/London", GMT, BST, wall=time(1))
# Sunday: at 02:00 BST clocks go back to 01:00 GMT, 01:00 UTC.
LONDON_FALL = change("Europe/London", BST, GMT, wall=time(2))
# Sunday: at 02:00 (+11:00) clocks go back to 01:30 (+10:30), Saturday 15:00 UTC.
LORD_HOWE_FALL = change("Australia/Lord_Howe", LHDT, LHST, wall=time(2))
# Sunday: at 02:00 (+10:30) clocks jump to 02:30 (+11:00), Saturday 15:30 UTC.
LORD_HOWE_SPRING = change("Australia/Lord_Howe", LHST, LHDT, wall=time(2))


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
    # NY_SPRING: at 02:00 EST (-05:00) clocks jump to 03:00 EDT (-04:00).
    sunday = NY_SPRING.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(4)), *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY, 4), 30)
    assert starts(slots) == [
        on(sunday, 6, 0),  # 01:00 EST
        on(sunday, 6, 30),  # 01:30 EST, ends at the jump (03:00 EDT)
        # 02:00 and 02:30 never happen
        on(sunday, 7, 0),  # 03:00 EDT
        on(sunday, 7, 30),  # 03:30 EDT, ends exactly at 04:00
        on(sunday, 13, 0),  # 09:00 EDT
        on(sunday, 18, 0),  # 14:00 EDT
        on(sunday, 21, 30),  # 17:30 EDT
        on(sunday + A_DAY, 0, 0),  # 20:00 EDT
    ]
    assert_thirty_minutes_each(slots)


def test_daytime_slots_move_by_an_hour_in_utc_across_the_new_york_spring_forward() -> None:
    saturday, monday = NY_SPRING.day - A_DAY, NY_SPRING.day + A_DAY
    schedule = Schedule(weekly=day_windows(SATURDAY, *DAYTIME) + day_windows(MONDAY, *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", on(saturday), on(monday + A_DAY, 5), 30)
    assert starts(slots) == [
        on(saturday, 14, 0),  # Saturday 09:00 EST
        on(saturday, 19, 0),  # 14:00 EST
        on(saturday, 22, 30),  # 17:30 EST
        on(NY_SPRING.day, 1, 0),  # 20:00 EST, already Sunday in UTC
        on(monday, 13, 0),  # Monday 09:00 EDT
        on(monday, 18, 0),  # 14:00 EDT
        on(monday, 21, 30),  # 17:30 EDT
        on(monday + A_DAY, 0, 0),  # 20:00 EDT
    ]


def test_a_window_ending_inside_the_gap_ends_at_its_earlier_reading() -> None:
    # 02:30 does not exist on NY_SPRING's Sunday; fold=1 reads it as 02:30 EDT = 06:30Z
    # (=01:30 EST), so the 01:30 slot, which would end at 03:00 on the wall, is not offered.
    sunday = NY_SPRING.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0), time(2, 30))))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY), 30)
    assert starts(slots) == [on(sunday, 5, 0), on(sunday, 5, 30), on(sunday, 6, 0)]


def test_a_window_starting_inside_the_gap_begins_at_the_first_real_step() -> None:
    sunday = NY_SPRING.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(2, 30), time(4))))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY), 30)
    assert starts(slots) == [on(sunday, 7, 0), on(sunday, 7, 30)]


def test_an_ambiguous_fall_back_slot_is_offered_once_in_new_york() -> None:
    # NY_FALL: at 02:00 EDT (-04:00) clocks go back to 01:00 EST (-05:00).
    sunday = NY_FALL.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0, 30), time(3)), *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY, 5), 30)
    assert starts(slots) == [
        on(sunday, 4, 30),  # 00:30 EDT
        on(sunday, 5, 0),  # 01:00 EDT, the first 01:00
        on(sunday, 5, 30),  # 01:30 EDT, ends at the second 01:00
        # 06:00Z and 06:30Z (the second 01:00 and 01:30, EST) are not offered again
        on(sunday, 7, 0),  # 02:00 EST
        on(sunday, 7, 30),  # 02:30 EST, ends exactly at 03:00
        on(sunday, 14, 0),  # 09:00 EST
        on(sunday, 19, 0),  # 14:00 EST
        on(sunday, 22, 30),  # 17:30 EST
        on(sunday + A_DAY, 1, 0),  # 20:00 EST
    ]
    assert_thirty_minutes_each(slots)


def test_daytime_slots_move_back_in_utc_across_the_new_york_fall_back() -> None:
    saturday, monday = NY_FALL.day - A_DAY, NY_FALL.day + A_DAY
    schedule = Schedule(weekly=day_windows(SATURDAY, *DAYTIME) + day_windows(MONDAY, *DAYTIME))
    slots = candidate_slots(schedule, "America/New_York", on(saturday), on(monday + A_DAY, 5), 30)
    assert starts(slots) == [
        on(saturday, 13, 0),  # Saturday 09:00 EDT
        on(saturday, 18, 0),  # 14:00 EDT
        on(saturday, 21, 30),  # 17:30 EDT
        on(NY_FALL.day, 0, 0),  # 20:00 EDT
        on(monday, 14, 0),  # Monday 09:00 EST
        on(monday, 19, 0),  # 14:00 EST
        on(monday, 22, 30),  # 17:30 EST
        on(monday + A_DAY, 1, 0),  # 20:00 EST
    ]


def test_an_hour_long_slot_across_the_fall_back_lasts_one_real_hour() -> None:
    sunday = NY_FALL.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(2))))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY), 60)
    assert slots == [Slot(on(sunday, 5), on(sunday, 6))]  # 01:00 EDT to the second 01:00


# --- Europe/London ----------------------------------------------------------


def test_the_london_spring_forward_skips_one_and_two_in_the_night() -> None:
    # LONDON_SPRING: at 01:00 GMT clocks jump to 02:00 BST (+01:00).
    sunday = LONDON_SPRING.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0), time(3)), *DAYTIME[:3]))
    slots = candidate_slots(schedule, "Europe/London", on(sunday), on(sunday + A_DAY), 30)
    assert starts(slots) == [
        on(sunday, 0, 0),  # 00:00 GMT
        on(sunday, 0, 30),  # 00:30 GMT
        on(sunday, 1, 0),  # 02:00 BST
        on(sunday, 1, 30),  # 02:30 BST
        on(sunday, 8, 0),  # 09:00 BST
        on(sunday, 13, 0),  # 14:00 BST
        on(sunday, 16, 30),  # 17:30 BST
    ]


def test_the_london_fall_back_offers_the_repeated_hour_once() -> None:
    # LONDON_FALL: at 02:00 BST clocks go back to 01:00 GMT.
    sunday = LONDON_FALL.day
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(0, 30), time(2, 30)), *DAYTIME[:3]))
    slots = candidate_slots(schedule, "Europe/London", on(sunday - A_DAY), on(sunday + A_DAY), 30)
    assert starts(slots) == [
        on(sunday - A_DAY, 23, 30),  # 00:30 BST, still Saturday in UTC
        on(sunday, 0, 0),  # 01:00 BST
        on(sunday, 0, 30),  # 01:30 BST
        on(sunday, 2, 0),  # 02:00 GMT
        on(sunday, 9, 0),  # 09:00 GMT
        on(sunday, 14, 0),  # 14:00 GMT
        on(sunday, 17, 30),  # 17:30 GMT
    ]


# --- Asia/Kolkata (+05:30 all year) ----------------------------------------


def test_kolkata_slots_are_five_and_a_half_hours_ahead_all_year() -> None:
    schedule = Schedule(weekly=day_windows(MONDAY, (time(9), time(10)), (time(20), time(20, 30))))
    # Two Mondays half a year apart: one of them in each half of the year.
    for monday in (dates.MONDAY.date(), dates.MONDAY.date() + timedelta(weeks=26)):
        start = datetime.combine(monday, time(), UTC) - timedelta(days=1)
        slots = candidate_slots(schedule, "Asia/Kolkata", start, start + timedelta(days=2), 30)
        assert [s.starts_at.time() for s in slots] == [time(3, 30), time(4), time(14, 30)]
        assert all(s.starts_at.date() == monday for s in slots)


def test_a_local_window_on_the_next_date_is_found_from_an_evening_utc_range() -> None:
    # Tuesday 02:00-03:00 in Kolkata is Monday 20:30-21:30 UTC.
    monday = dates.MONDAY.date()
    schedule = Schedule(weekly=day_windows(1, (time(2), time(3))))
    slots = candidate_slots(schedule, "Asia/Kolkata", on(monday, 20), on(monday, 21, 1), 30)
    assert starts(slots) == [on(monday, 20, 30), on(monday, 21, 0)]


# --- Australia/Lord_Howe (a 30-minute DST shift) ---------------------------


def test_the_lord_howe_half_hour_fall_back_offers_the_repeated_half_hour_once() -> None:
    # LORD_HOWE_FALL: at 02:00 (+11:00) clocks go back to 01:30 (+10:30).
    sunday = LORD_HOWE_FALL.day
    saturday = sunday - A_DAY  # the UTC date of Sunday's small hours
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(3)), *DAYTIME[:2]))
    slots = candidate_slots(schedule, "Australia/Lord_Howe", on(saturday), on(sunday + A_DAY), 30)
    assert starts(slots) == [
        on(saturday, 14, 0),  # 01:00 +11:00
        on(saturday, 14, 30),  # the first 01:30 (+11:00), ends at the second 01:30
        # 15:00Z, the second 01:30 (+10:30), is not offered again
        on(saturday, 15, 30),  # 02:00 +10:30
        on(saturday, 16, 0),  # 02:30 +10:30, ends exactly at 03:00
        on(saturday, 22, 30),  # 09:00 +10:30
        on(sunday, 3, 30),  # 14:00 +10:30
    ]
    assert_thirty_minutes_each(slots)


def test_the_lord_howe_half_hour_spring_forward_skips_two_oclock() -> None:
    # LORD_HOWE_SPRING: at 02:00 (+10:30) clocks jump to 02:30 (+11:00).
    sunday = LORD_HOWE_SPRING.day
    saturday = sunday - A_DAY  # the UTC date of Sunday's small hours
    schedule = Schedule(weekly=day_windows(SUNDAY, (time(1), time(3, 30)), *DAYTIME[:2]))
    slots = candidate_slots(schedule, "Australia/Lord_Howe", on(saturday), on(sunday + A_DAY), 30)
    assert starts(slots) == [
        on(saturday, 14, 30),  # 01:00 +10:30
        on(saturday, 15, 0),  # 01:30 +10:30, ends at the jump (02:30 +11:00)
        # 02:00 never happens
        on(saturday, 15, 30),  # 02:30 +11:00
        on(saturday, 16, 0),  # 03:00 +11:00, ends exactly at 03:30
        on(saturday, 22, 0),  # 09:00 +11:00
        on(sunday, 3, 0),  # 14:00 +11:00
    ]
    assert_thirty_minutes_each(slots)


# --- a mentor in Los Angeles, a mentee in Berlin ----------------------------

# Los Angeles springs forward (PST -> PDT) on the second Sunday of March, Berlin
# (CET -> CEST) on the last one: the Monday eight days after the first change is
# between the two; thirteen weeks later both are on summer time.
LA_SPRING = change("America/Los_Angeles", PST, PDT, wall=time(2))
LA_FALL = change("America/Los_Angeles", PDT, PST, wall=time(2))
BERLIN_SPRING = change("Europe/Berlin", CET, CEST, wall=time(2))
BERLIN_FALL = change("Europe/Berlin", CEST, CET, wall=time(3))
BETWEEN = LA_SPRING.day + timedelta(days=8)
SUMMER = BETWEEN + timedelta(weeks=13)


def berlin(day: date, hour: int, minute: int, offset: timedelta) -> datetime:
    """A wall-clock time in Berlin at the given fixed UTC offset."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone(offset))


def test_the_mondays_fall_between_and_after_the_clock_changes() -> None:
    assert LA_SPRING.at < on(BETWEEN) < on(BETWEEN + A_DAY) < BERLIN_SPRING.at
    assert BERLIN_SPRING.at < on(SUMMER) < on(SUMMER + A_DAY) < BERLIN_FALL.at < LA_FALL.at


@pytest.mark.parametrize(
    ("monday", "mentee_busy", "expected"),
    [
        pytest.param(
            # US already on summer time, Europe not yet: eight hours apart.
            BETWEEN,
            (berlin(BETWEEN, 17, 30, CET), berlin(BETWEEN, 18, 0, CET)),
            [on(BETWEEN, 16), on(BETWEEN, 17), on(BETWEEN, 17, 30)],
            id="eight-hours-apart",
        ),
        pytest.param(
            # Both on summer time: nine hours apart.
            SUMMER,
            (berlin(SUMMER, 18, 30, CEST), berlin(SUMMER, 19, 30, CEST)),
            [on(SUMMER, 16), on(SUMMER, 17, 30)],
            id="nine-hours-apart",
        ),
    ],
)
def test_a_berlin_mentees_session_blocks_the_right_los_angeles_slot(
    monday: date, mentee_busy: tuple[datetime, datetime], expected: list[datetime]
) -> None:
    # The mentor offers Monday 09:00-11:00 Los Angeles time (PDT), which is 16:00-18:00 UTC.
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
    sunday = NY_SPRING.day
    schedule = Schedule(extra=(ExtraSlot(sunday, time(1, 30), time(3, 30)),))
    slots = candidate_slots(schedule, "America/New_York", on(sunday), on(sunday + A_DAY), 30)
    assert starts(slots) == [on(sunday, 6, 30), on(sunday, 7, 0)]  # 01:30 EST, 03:00 EDT
