"""Turning a mentor's wall-clock availability into concrete, bookable UTC slots.

Availability is kept as wall-clock time in the mentor's zone because that is what
the mentor means ("Mondays 09:00–12:00" stays 09:00 across DST). Each window is
therefore cut in wall-clock steps and every step converted to UTC with `zoneinfo`
on its own; the length of a slot is then added in UTC, so a slot is always exactly
`slot_minutes` long, even when it straddles a DST change.

DST rules (pinned by tests/domain/test_slots_dst.py):
- a wall-clock start that does not exist (spring-forward gap) is skipped;
- an ambiguous one (fall-back overlap) is offered once, at its first occurrence
  (fold=0);
- a window end inside a gap is taken at its fold=1 conversion, the earlier of the
  two readings, so no slot ever ends after the window's end on the wall clock;
- an ambiguous window end is taken at its first occurrence (fold=0), likewise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import TypedDict, Unpack
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput
from domain.model import ACTIVE_STATUSES, BusyPeriod, Schedule, SessionStatus, Slot

# Sessions that use up one of the mentor's weekly places: the ones that will happen
# or did happen. Declined, cancelled, expired and no-show sessions give theirs back.
CAPPED_STATUSES: frozenset[SessionStatus] = ACTIVE_STATUSES | {SessionStatus.COMPLETED}


# The one zone of the tz database that is no place's clock: its placeholder for
# a zone not set yet (its abbreviation is "-00").
NOT_A_PLACE = "Factory"


def _shown(zone: str) -> str:
    # Shortened so that pasted garbage cannot overflow a modal's error text.
    return repr(zone if len(zone) <= 60 else zone[:57] + "...")


def validate_zone(zone: str) -> ZoneInfo:
    """The zone named `zone`, or InvalidInput for a name zoneinfo does not know."""
    try:
        return _zone(zone)
    # ValueError: empty, absolute or escaping names ("../etc/passwd"); OSError: a
    # folder of the database such as "America".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"{_shown(zone)} is not a known time zone", field="time_zone") from None


@cache
def _place_zones() -> frozenset[str]:
    """The tz database's zones (the `tzdata` package's list), less its
    placeholder. Not `zoneinfo.available_timezones()`: it also lists what the
    server's zoneinfo folder holds, such as the link to the server's own zone."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split()) - {NOT_A_PLACE}


def chosen_zone(zone: str) -> str:
    """`zone` as someone picks it for themselves or the digest: a zone
    zoneinfo knows that is a place's clock (UTC and Etc/GMT±n included), else
    InvalidInput. Stored zones are only loaded (`validate_zone`): one picked
    before this rule keeps working until its owner picks again."""
    validate_zone(zone)
    if zone not in _place_zones():
        raise InvalidInput(
            f"{_shown(zone)} is not the time zone of a place: pick one such as Europe/Paris.",
            field="time_zone",
        )
    return zone


@cache
def _zone(name: str) -> ZoneInfo:
    # zoneinfo holds only its last 8 zones for sure: a page of mentors in more
    # zones than that read their zone files from disk again on every search
    # (seen in a profile of a burst of `/mentor find`). Only names that exist
    # are kept (a failed lookup raises), so this holds at most the tz database.
    return ZoneInfo(name)


def local_wall_clock(moment: datetime, zone: str) -> datetime:
    """`moment` as the clock on the wall in `zone` shows it (aware, in that zone)."""
    return _aware(moment, "moment").astimezone(validate_zone(zone))


def candidate_slots(
    schedule: Schedule, zone: str, start: datetime, end: datetime, slot_minutes: int
) -> list[Slot]:
    """Every slot of the weekly and extra windows that starts in [start, end), in UTC,
    sorted and without duplicates; days off yield nothing."""
    return list(_candidates(schedule, zone, start, end, slot_minutes))


def _candidates(
    schedule: Schedule, zone: str, start: datetime, end: datetime, slot_minutes: int
) -> Iterator[Slot]:
    """`candidate_slots`, one local date at a time, so that a caller who needs
    only the first few does not expand the whole window. In order: a slot's
    start is the first instant its wall-clock time is shown, and that instant
    grows with the wall-clock time (gaps are skipped), so every slot of a local
    date starts before any slot of the next one, and no slot belongs to two."""
    if slot_minutes <= 0:
        raise ValueError(f"slot_minutes must be positive, got {slot_minutes}")
    tz = validate_zone(zone)
    start, end = _aware(start, "start"), _aware(end, "end")
    length = timedelta(minutes=slot_minutes)
    # A window's local date may differ from the UTC date of its slots by a day either
    # way, so look one local date beyond each edge and let the filter below decide.
    day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last_day:
        if not _is_off(schedule, day):
            found: set[Slot] = set()
            for window_start, window_end in _windows_on(schedule, day):
                for slot in _cut(day, window_start, window_end, tz, length):
                    if start <= slot.starts_at < end:
                        found.add(slot)
            yield from sorted(found)
        day += timedelta(days=1)


class SlotQuery(TypedDict):
    """Which free slots: a mentor's `schedule` in their `zone`, cut into
    `slot_minutes`, starting in [window_start, window_end), not before
    `not_before`, clear of `busy`, in weeks under the mentor's `weekly_cap`."""

    schedule: Schedule
    zone: str
    mentor_id: int
    slot_minutes: int
    window_start: datetime
    window_end: datetime
    not_before: datetime
    busy: Iterable[BusyPeriod]
    weekly_cap: int | None


def free_slots(**query: Unpack[SlotQuery]) -> list[Slot]:
    """The candidate slots nobody involved is busy in, not too soon, and not in a week
    where the mentor has reached `weekly_cap` sessions.

    `busy` holds the sessions of everyone the slot concerns (mentor and mentee): any
    active one blocks an overlapping slot, whoever it belongs to.
    """
    return list(_free(**query))


def first_free_slot(**query: Unpack[SlotQuery]) -> Slot | None:
    """The earliest of `free_slots(...)`, or None when there is none. A search
    shows it on every card: only the days up to it are expanded, not the
    whole window (that took a quarter of the CPU of a `/mentor find`)."""
    return next(_free(**query), None)


def each_free_slot(**query: Unpack[SlotQuery]) -> Iterator[Slot]:
    """`free_slots(...)` in order, each day expanded only when it is reached:
    for a caller that stops at the first slot it likes."""
    return _free(**query)


def _free(
    *,
    schedule: Schedule,
    zone: str,
    mentor_id: int,
    slot_minutes: int,
    window_start: datetime,
    window_end: datetime,
    not_before: datetime,
    busy: Iterable[BusyPeriod],
    weekly_cap: int | None,
) -> Iterator[Slot]:
    tz = validate_zone(zone)
    not_before = _aware(not_before, "not_before")
    if weekly_cap is not None and weekly_cap <= 0:
        return  # a cap of zero closes every week, even one without sessions yet
    periods = list(busy)
    blocking = [
        (_aware(p.starts_at, "busy start"), _aware(p.ends_at, "busy end"))
        for p in periods
        if p.status in ACTIVE_STATUSES
    ]
    full_weeks = _full_weeks(periods, mentor_id, tz, weekly_cap)
    for slot in _candidates(schedule, zone, window_start, window_end, slot_minutes):
        if (
            slot.starts_at >= not_before
            and iso_week(slot.starts_at, tz) not in full_weeks
            and not any(_overlaps(slot, b_start, b_end) for b_start, b_end in blocking)
        ):
            yield slot


def taken(slot: Slot, busy: Iterable[BusyPeriod]) -> bool:
    """Whether a session still on takes up part of the slot."""
    return any(
        p.status in ACTIVE_STATUSES and _overlaps(slot, p.starts_at, p.ends_at) for p in busy
    )


def _overlaps(slot: Slot, start: datetime, end: datetime) -> bool:
    return slot.starts_at < end and start < slot.ends_at


# --- helpers ----------------------------------------------------------------


def _aware(moment: datetime, name: str) -> datetime:
    # A naive datetime would silently be read in the server's zone by astimezone().
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment


def _is_off(schedule: Schedule, day: date) -> bool:
    return any(off.first_day <= day <= off.last_day for off in schedule.time_off)


def _windows_on(schedule: Schedule, day: date) -> Iterator[tuple[time, time]]:
    for weekly in schedule.weekly:
        if weekly.weekday == day.weekday():
            yield weekly.start, weekly.end
    for extra in schedule.extra:
        if extra.day == day:
            yield extra.start, extra.end


def _cut(day: date, start: time, end: time, tz: ZoneInfo, length: timedelta) -> Iterator[Slot]:
    """The slots of one window on one local date, stepping the wall clock by `length`."""
    wall_end = datetime.combine(day, end)
    end_utc = _window_end_utc(wall_end, tz)
    wall = datetime.combine(day, start)
    while wall < wall_end:
        starts_at = _to_utc(wall, tz)
        if starts_at is not None and starts_at + length <= end_utc:
            yield Slot(starts_at, starts_at + length)
        wall += length


def _to_utc(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The first instant the wall clock in `tz` shows `wall`; None if it never does."""
    moment = wall.replace(tzinfo=tz, fold=0)
    as_utc = moment.astimezone(UTC)
    # zoneinfo happily converts a time in a gap; a round trip exposes it.
    if as_utc.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return as_utc


def _window_end_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    exact = _to_utc(wall, tz)
    if exact is not None:
        return exact
    # In a gap, fold=1 reads the time with the offset in force after the gap, which
    # is the earlier instant: a slot then never ends past the window's wall-clock end.
    return wall.replace(tzinfo=tz, fold=1).astimezone(UTC)


def iso_week(moment: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """The week, in `tz`, the mentor's weekly cap counts `moment` in."""
    year, week, _ = moment.astimezone(tz).isocalendar()
    return year, week


def _full_weeks(
    periods: Iterable[BusyPeriod], mentor_id: int, tz: ZoneInfo, cap: int | None
) -> set[tuple[int, int]]:
    """The mentor-zone ISO weeks in which the mentor already mentors `cap` sessions
    (their own sessions as a mentee take time, not mentoring places)."""
    if cap is None:
        return set()
    counts: dict[tuple[int, int], int] = {}
    for period in periods:
        if period.user_id == mentor_id and period.as_mentor and period.status in CAPPED_STATUSES:
            week = iso_week(_aware(period.starts_at, "busy start"), tz)
            counts[week] = counts.get(week, 0) + 1
    return {week for week, count in counts.items() if count >= cap}
