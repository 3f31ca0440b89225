"""Properties every list of free slots keeps, whatever the schedule, zone and bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import (
    ACTIVE_STATUSES,
    BusyPeriod,
    ExtraSlot,
    Schedule,
    SessionStatus,
    Slot,
    TimeOff,
    WeeklySlot,
)
from domain.slots import CAPPED_STATUSES, first_free_slot, free_slots
from tests.dates import NEXT_YEAR, dst_changes

MENTOR, MENTEE, SOMEONE_ELSE = 1, 2, 3
SATURDAY, SUNDAY = 5, 6
ZONES = (
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
YEAR_START = datetime(NEXT_YEAR, 1, 1, tzinfo=UTC)
YEAR_DAYS = (datetime(NEXT_YEAR + 1, 1, 1, tzinfo=UTC) - YEAR_START).days


def saturdays_before_clock_changes(zone: str) -> tuple[date, ...]:
    """The local Saturday before each of `zone`'s clock changes next year."""
    tz = ZoneInfo(zone)
    saturdays = tuple(
        (change - timedelta(minutes=1)).astimezone(tz).date() - timedelta(days=1)
        for change in dst_changes(zone, NEXT_YEAR)
    )
    assert len(saturdays) == 2, (zone, saturdays)
    assert all(day.weekday() == SATURDAY for day in saturdays), (zone, saturdays)
    return saturdays


# The Saturdays before each of next year's clock changes (all of them on a Sunday,
# local time), so that DST nights are drawn far more often than one day in 180.
SATURDAYS_BEFORE_CLOCK_CHANGES = {
    zone: saturdays_before_clock_changes(zone)
    for zone in (
        "America/New_York",
        "America/Los_Angeles",
        "Europe/London",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
    )
}


@st.composite
def quarter_hour_windows(draw: st.DrawFn, last_quarter: int = 95) -> tuple[time, time]:
    # Quarter hours from midnight; at most 23:45, so a window never reaches midnight.
    first = draw(st.integers(0, last_quarter - 1))
    last = draw(st.integers(first + 1, last_quarter))
    return time(*divmod(first * 15, 60)), time(*divmod(last * 15, 60))


@st.composite
def schedules(
    draw: st.DrawFn, days: st.SearchStrategy[date], weekdays: list[int], last_quarter: int
) -> Schedule:
    windows = quarter_hour_windows(last_quarter)
    weekly = draw(st.lists(st.tuples(st.sampled_from(weekdays), windows), max_size=8))
    extra = draw(st.lists(st.tuples(days, windows), max_size=4))
    time_off = draw(st.lists(st.tuples(days, st.integers(0, 6)), max_size=3))
    return Schedule(
        weekly=tuple(WeeklySlot(day, start, end) for day, (start, end) in weekly),
        time_off=tuple(TimeOff(day, day + timedelta(days=n)) for day, n in time_off),
        extra=tuple(ExtraSlot(day, start, end) for day, (start, end) in extra),
    )


@st.composite
def busy_periods(draw: st.DrawFn, around: datetime) -> BusyPeriod:
    # Expressed in a random zone, as a mentee abroad would have booked it.
    start = around + timedelta(minutes=15 * draw(st.integers(-4 * 24 * 2, 4 * 24 * 16)))
    length = timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120])))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    return BusyPeriod(
        user_id=draw(st.sampled_from([MENTOR, MENTEE, SOMEONE_ELSE])),
        starts_at=start.astimezone(zone),
        ends_at=(start + length).astimezone(zone),
        status=draw(st.sampled_from(list(SessionStatus))),
        as_mentor=draw(st.booleans()),
    )


@dataclass(frozen=True)
class Case:
    schedule: Schedule
    zone: str
    slot_minutes: int
    window_start: datetime
    window_end: datetime
    not_before: datetime
    busy: tuple[BusyPeriod, ...]
    weekly_cap: int | None

    def free(self) -> list[Slot]:
        return free_slots(**self.arguments())

    def first_free(self) -> Slot | None:
        return first_free_slot(**self.arguments())

    def arguments(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "zone": self.zone,
            "mentor_id": MENTOR,
            "slot_minutes": self.slot_minutes,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "not_before": self.not_before,
            "busy": self.busy,
            "weekly_cap": self.weekly_cap,
        }


@st.composite
def cases(draw: st.DrawFn) -> Case:
    if draw(st.booleans()):
        # Any time of next year, any window of up to two weeks.
        zone = draw(st.sampled_from(ZONES))
        window_start = YEAR_START + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 350)))
        window_end = window_start + timedelta(hours=draw(st.integers(1, 24 * 14)))
        days = st.integers(0, YEAR_DAYS - 1).map(lambda n: YEAR_START.date() + timedelta(days=n))
        schedule = draw(schedules(days, list(range(7)), last_quarter=95))
    else:
        # The weekend of one of the zone's clock changes, with windows in the small
        # hours (weekly ones on the Sunday of the change, extra ones Saturday to Monday):
        # the nights a slot can fall into a gap or an overlap.
        zone = draw(st.sampled_from(sorted(SATURDAYS_BEFORE_CLOCK_CHANGES)))
        saturday = draw(st.sampled_from(SATURDAYS_BEFORE_CLOCK_CHANGES[zone]))
        window_start = datetime.combine(saturday, time(), UTC) + timedelta(
            minutes=15 * draw(st.integers(0, 4 * 24))
        )
        window_end = window_start + timedelta(hours=draw(st.integers(1, 24 * 3)))
        days = st.integers(0, 2).map(lambda n: saturday + timedelta(days=n))
        schedule = draw(schedules(days, [SUNDAY], last_quarter=4 * 6))
    quarters = (window_end - window_start) // timedelta(minutes=15)
    not_before = window_start + timedelta(minutes=15 * draw(st.just(0) | st.integers(0, quarters)))
    return Case(
        schedule=schedule,
        zone=zone,
        slot_minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
        window_start=window_start,
        window_end=window_end,
        not_before=not_before,
        busy=tuple(draw(st.lists(busy_periods(window_start), max_size=25))),
        weekly_cap=draw(st.none() | st.integers(1, 4)),
    )


def windows_on(schedule: Schedule, day: date) -> list[tuple[time, time]]:
    return [(w.start, w.end) for w in schedule.weekly if w.weekday == day.weekday()] + [
        (e.start, e.end) for e in schedule.extra if e.day == day
    ]


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(cases())
def test_a_free_slot_never_overlaps_anyones_active_session(case: Case) -> None:
    for slot in case.free():
        for period in case.busy:
            if period.status in ACTIVE_STATUSES:
                assert not (slot.starts_at < period.ends_at and period.starts_at < slot.ends_at)


@PROPERTY
@given(cases())
def test_a_free_slot_lies_inside_a_window_on_the_mentors_wall_clock(case: Case) -> None:
    tz = ZoneInfo(case.zone)
    for slot in case.free():
        start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        day = start.date()
        assert end.date() == day
        assert start.fold == 0, "an ambiguous wall time is offered at its first occurrence"
        assert any(
            first <= start.time() < last
            and end.time() <= last
            # Wall-clock steps of the session length from the window's start.
            and (minutes(start.time()) - minutes(first)) % case.slot_minutes == 0
            for first, last in windows_on(case.schedule, day)
        ), f"{slot} is {start:%a %H:%M}-{end:%H:%M} in {case.zone}"


@PROPERTY
@given(cases())
def test_a_free_slot_is_never_on_a_day_off(case: Case) -> None:
    tz = ZoneInfo(case.zone)
    for slot in case.free():
        day = slot.starts_at.astimezone(tz).date()
        assert not any(off.first_day <= day <= off.last_day for off in case.schedule.time_off)


@PROPERTY
@given(cases())
def test_a_free_slot_is_never_sooner_than_the_notice_allows(case: Case) -> None:
    assert all(case.not_before <= slot.starts_at for slot in case.free())
    assert all(case.window_start <= slot.starts_at < case.window_end for slot in case.free())


@PROPERTY
@given(cases())
def test_a_free_slot_lasts_exactly_the_session_length_in_utc(case: Case) -> None:
    for slot in case.free():
        assert slot.starts_at.utcoffset() == timedelta(0)
        assert slot.ends_at - slot.starts_at == timedelta(minutes=case.slot_minutes)


@PROPERTY
@given(cases())
def test_free_slots_are_sorted_and_free_of_duplicates(case: Case) -> None:
    slots = case.free()
    assert slots == sorted(set(slots))


@PROPERTY
@given(cases())
def test_a_free_slot_is_never_in_a_week_the_mentor_has_filled(case: Case) -> None:
    tz = ZoneInfo(case.zone)

    def week(moment: datetime) -> tuple[int, int]:
        iso = moment.astimezone(tz).isocalendar()
        return iso.year, iso.week

    for slot in case.free():
        taken = sum(
            1
            for period in case.busy
            if period.user_id == MENTOR
            and period.as_mentor
            and period.status in CAPPED_STATUSES
            and week(period.starts_at) == week(slot.starts_at)
        )
        assert case.weekly_cap is None or taken < case.weekly_cap


@PROPERTY
@given(cases())
def test_the_first_free_slot_is_the_earliest_of_the_free_slots(case: Case) -> None:
    free = case.free()
    assert case.first_free() == (free[0] if free else None)
