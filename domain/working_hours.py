"""A person's working day, and how a time falls outside it.

The working day is Monday to Friday, 08:00 to 18:00 on the wall clock of the
person's own zone. A time is inside it when it starts at or after 08:00 and ends
at or before 18:00 on a weekday, both read on that zone's wall clock at their own
instants (so a clock change between them is taken into account). Outside, it is
marked by what is wrong with it, in this order: it starts on a Saturday or Sunday
(weekend), it starts before 08:00 (early), it ends after 18:00 or on a later day
(late).

Pure: the booking picker marks and orders times with it, and matching can ask
whether a time is inside the working day of everyone concerned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

WORKDAY_START = time(8)
WORKDAY_END = time(18)
WORKDAYS = frozenset(range(5))  # Monday to Friday, as datetime.weekday() numbers them


class OffHours(StrEnum):
    """Why a time is outside someone's working day."""

    EARLY = "early"  # starts before WORKDAY_START
    LATE = "late"  # ends after WORKDAY_END (or on a later day)
    WEEKEND = "weekend"  # starts on a Saturday or Sunday


def off_hours(starts_at: datetime, ends_at: datetime, zone: tzinfo) -> OffHours | None:
    """What is wrong with [starts_at, ends_at) for a person in `zone`, or None
    when it lies inside their working day."""
    if _naive(starts_at) or _naive(ends_at):
        raise ValueError(f"times must be timezone-aware, got {starts_at!r} and {ends_at!r}")
    if ends_at < starts_at:
        raise ValueError(f"{ends_at!r} is before {starts_at!r}")
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.weekday() not in WORKDAYS:
        return OffHours.WEEKEND
    if start.time() < WORKDAY_START:
        return OffHours.EARLY
    if (end.date(), end.time()) > (start.date(), WORKDAY_END):
        return OffHours.LATE
    return None


def in_working_day(starts_at: datetime, ends_at: datetime, zone: tzinfo) -> bool:
    """Whether [starts_at, ends_at) lies inside the working day in `zone`."""
    return off_hours(starts_at, ends_at, zone) is None


def in_shared_working_day(starts_at: datetime, ends_at: datetime, zones: Iterable[tzinfo]) -> bool:
    """Whether [starts_at, ends_at) lies inside the working day in every zone."""
    return all(in_working_day(starts_at, ends_at, zone) for zone in zones)


def _naive(moment: datetime) -> bool:
    # A naive datetime would silently be read in the server's zone by astimezone().
    return moment.tzinfo is None or moment.utcoffset() is None


def shared_working_hours(zones: Sequence[tzinfo], monday: date) -> float:
    """How many hours of the working day the people of `zones` share, on
    average over the five workdays of the week starting `monday` (read in the
    first zone). Exact, DST included: each person's working day is turned
    into an interval of instants and the intervals are intersected."""
    first, others = zones[0], zones[1:]
    shared = timedelta()
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if day.weekday() not in WORKDAYS:
            continue
        start, end = _working_day(day, first)
        for zone in others:
            start, end = _overlap((start, end), _days_around(start, zone))
        shared += max(end - start, timedelta())
    return shared / timedelta(hours=1) / len(WORKDAYS)


def _working_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, WORKDAY_START, tzinfo=zone),
        datetime.combine(day, WORKDAY_END, tzinfo=zone),
    )


def _days_around(moment: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The working days in `zone` of the local dates a day either side of `moment`."""
    local = moment.astimezone(zone).date()
    days = (local + timedelta(days=step) for step in (-1, 0, 1))
    return [_working_day(day, zone) for day in days if day.weekday() in WORKDAYS]


def _overlap(
    span: tuple[datetime, datetime], others: Sequence[tuple[datetime, datetime]]
) -> tuple[datetime, datetime]:
    """The part of `span` inside one of `others` (a working day is shorter than
    the gap between two, so at most one of them overlaps it)."""
    for start, end in others:
        if start < span[1] and span[0] < end:
            return max(span[0], start), min(span[1], end)
    return span[0], span[0]
