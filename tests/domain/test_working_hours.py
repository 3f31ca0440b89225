"""A person's working day (weekdays 08:00-18:00 on their own wall clock) and why a
time falls outside it. Instants are written in UTC with the fixed offsets named
beside them, so a reader can check each case by hand."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.working_hours import (
    OffHours,
    in_shared_working_day,
    in_working_day,
    off_hours,
)
from tests.dates import MONDAY, on
from tests.domain import anchors
from tests.domain.dst import EDT, EST, change

KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30 all year
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)

MON = MONDAY.date()
FRI = MON + timedelta(days=4)
SUN = MON + timedelta(days=6)

# Sunday: at 02:00 EST (-05:00) clocks jump to 03:00 EDT (-04:00).
NY_SPRING = change("America/New_York", EST, EDT, wall=time(2))
# Sunday: at 02:00 EDT (-04:00) clocks go back to 01:00 EST (-05:00).
NY_FALL = change("America/New_York", EDT, EST, wall=time(2))


def mark(start: datetime, zone: ZoneInfo, length: timedelta = HALF_HOUR) -> OffHours | None:
    return off_hours(start, start + length, zone)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (on(MON, 2, 30), None),  # Monday 08:00-08:30: starts at the very start
        (on(MON, 2, 0), OffHours.EARLY),  # 07:30-08:00
        (on(MON, 2, 29), OffHours.EARLY),  # 07:59
        (on(MON, 12, 0), None),  # 17:30-18:00: ends at the very end
        (on(MON, 12, 15), OffHours.LATE),  # 17:45-18:15
        (on(MON, 12, 30), OffHours.LATE),  # 18:00
        (on(FRI, 18, 15), OffHours.LATE),  # Friday 23:45 - Saturday 00:15
        (on(FRI, 18, 30), OffHours.WEEKEND),  # Saturday 00:00
        (on(SUN, 2, 30), OffHours.WEEKEND),  # Sunday 08:00, a weekday's working time
        (on(SUN, 18, 30), OffHours.EARLY),  # Monday 00:00
        (on(SUN, 20, 0), OffHours.EARLY),  # Monday 01:30
    ],
)
def test_a_half_hour_zone_reads_each_time_on_its_own_wall_clock(
    start: datetime, expected: OffHours | None
) -> None:
    # Kolkata is UTC+05:30: 02:30 UTC is 08:00 there, 12:30 UTC is 18:00.
    assert mark(start, KOLKATA) is expected
    assert in_working_day(start, start + HALF_HOUR, KOLKATA) is (expected is None)


def test_a_long_time_that_starts_early_and_ends_late_is_early() -> None:
    # Kolkata 07:30 to 18:30.
    assert mark(on(MON, 2, 0), KOLKATA, timedelta(hours=11)) is OffHours.EARLY


def test_the_whole_working_day_is_inside_it() -> None:
    # Kolkata 08:00 to 18:00.
    assert mark(on(MON, 2, 30), KOLKATA, timedelta(hours=10)) is None


def test_the_same_utc_time_moves_into_new_yorks_day_when_its_clocks_spring_forward() -> None:
    friday, sunday, monday = (NY_SPRING.day + timedelta(days=n) for n in (-2, 0, 1))
    # Friday before: 12:00 UTC is 07:00 EST, 22:00 UTC is 17:00 EST.
    assert mark(on(friday, 12), NEW_YORK) is OffHours.EARLY
    assert mark(on(friday, 22), NEW_YORK) is None
    # The day of the change is a Sunday, whatever the time.
    assert mark(on(sunday, 12), NEW_YORK) is OffHours.WEEKEND
    # Monday after: 12:00 UTC is 08:00 EDT, 22:00 UTC is 18:00 EDT.
    assert mark(on(monday, 12), NEW_YORK) is None
    assert mark(on(monday, 21, 30), NEW_YORK) is None  # 17:30-18:00 EDT
    assert mark(on(monday, 22), NEW_YORK) is OffHours.LATE


def test_the_same_utc_time_moves_out_of_new_yorks_day_when_its_clocks_fall_back() -> None:
    friday, sunday, monday = (NY_FALL.day + timedelta(days=n) for n in (-2, 0, 1))
    # Friday before: 12:00 UTC is 08:00 EDT, 22:00 UTC is 18:00 EDT.
    assert mark(on(friday, 12), NEW_YORK) is None
    assert mark(on(friday, 22), NEW_YORK) is OffHours.LATE
    # Sunday, 05:30-06:30 UTC: 01:30 EDT to 01:30 EST, the hour that happens twice.
    assert mark(on(sunday, 5, 30), NEW_YORK, timedelta(hours=1)) is OffHours.WEEKEND
    # Monday after: 12:00 UTC is 07:00 EST, 22:30 UTC is 17:30 EST.
    assert mark(on(monday, 12), NEW_YORK) is OffHours.EARLY
    assert mark(on(monday, 13), NEW_YORK) is None
    assert mark(on(monday, 22, 30), NEW_YORK) is None


def test_a_time_suits_several_people_only_inside_each_ones_working_day() -> None:
    # A winter Monday, 13:00-13:30 UTC: 13:00 GMT in London, 08:00 EST in New York,
    # 18:30 in Kolkata.
    start = on(anchors.MON, 13)
    assert in_shared_working_day(start, start + HALF_HOUR, [LONDON, NEW_YORK])
    assert not in_shared_working_day(start, start + HALF_HOUR, [LONDON, NEW_YORK, KOLKATA])
    assert in_shared_working_day(start, start + HALF_HOUR, [])


def test_naive_or_backward_times_are_refused() -> None:
    start = on(MON, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        off_hours(start.replace(tzinfo=None), start + HALF_HOUR, KOLKATA)
    with pytest.raises(ValueError, match="before"):
        off_hours(start, start - HALF_HOUR, KOLKATA)
