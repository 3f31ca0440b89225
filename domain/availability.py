"""Availability: a mentor's recurring weekly slots, time off and one-off extra
slots, and the free slots offered to a mentee."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.model import ExtraSlot, Profile, Schedule, Session, Slot, TimeOff, WeeklySlot
from domain.policy import BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.slots import free_slots

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_TIME_OFF_DAYS = 366


def _mentor(uow: UnitOfWork) -> Profile:
    me = current_profile(uow)
    if not me.is_mentor:
        raise NotAllowed("Only mentors keep availability. Run `/mentor signup mentor` first.")
    return me


def my_schedule(uow: UnitOfWork) -> Schedule:
    with uow:
        return uow.availability.schedule(current_profile(uow).id)


def add_weekly_slots(
    uow: UnitOfWork, *, weekdays: Iterable[int], start: time, end: time
) -> Schedule:
    """Add the same window on several weekdays; refuses overlaps with existing ones."""
    return _change(uow, lambda me: _add_weekly(uow, me, weekdays, start, end))


def remove_weekly_slot(uow: UnitOfWork, *, slot_id: int) -> Schedule:
    return _remove(
        uow,
        lambda user_id: uow.availability.remove_weekly(user_id, slot_id),
        "That slot was already removed.",
    )


def clear_weekly(uow: UnitOfWork) -> int:
    with uow:
        removed = uow.availability.clear_weekly(_mentor(uow).id)
        uow.commit()
        return removed


def add_time_off(uow: UnitOfWork, clock: Clock, *, first_day: date, last_day: date) -> Schedule:
    return _change(uow, lambda me: _add_time_off(uow, clock, me, first_day, last_day))


def remove_time_off(uow: UnitOfWork, *, time_off_id: int) -> Schedule:
    return _remove(
        uow,
        lambda user_id: uow.availability.remove_time_off(user_id, time_off_id),
        "That time off was already removed.",
    )


@dataclass(frozen=True)
class AvailabilityChanges:
    """Several additions made together (the availability editor), all or nothing."""

    weekdays: tuple[int, ...] = ()
    start: time | None = None
    end: time | None = None
    time_off: tuple[date, date] | None = None
    extra_day: date | None = None


def change_availability(uow: UnitOfWork, clock: Clock, *, changes: AvailabilityChanges) -> Schedule:
    def apply(me: Profile) -> None:
        if changes.weekdays or changes.extra_day:
            if changes.start is None or changes.end is None:
                raise InvalidInput("Pick a start and an end time.", field="start")
            if changes.weekdays:
                _add_weekly(uow, me, changes.weekdays, changes.start, changes.end)
            if changes.extra_day:
                _add_extra(uow, clock, me, changes.extra_day, changes.start, changes.end)
        if changes.time_off:
            _add_time_off(uow, clock, me, *changes.time_off)

    return _change(uow, apply)


def remove_extra_slot(uow: UnitOfWork, *, extra_id: int) -> Schedule:
    return _remove(
        uow,
        lambda user_id: uow.availability.remove_extra(user_id, extra_id),
        "That extra slot was already removed.",
    )


def bookable_mentor(uow: UnitOfWork, mentor_id: int, me: Profile) -> Profile:
    mentor = uow.users.get(mentor_id)
    if mentor is None or mentor.workspace_id != me.workspace_id:
        raise NotFound("That mentor no longer exists.")
    if mentor.id == me.id:
        raise NotAllowed("You cannot book a session with yourself.")
    if not (mentor.is_mentor and mentor.is_active):
        raise NotAllowed(f"{mentor.display_name} is not taking mentees at the moment.")
    return mentor


def slots_between(
    uow: UnitOfWork,
    mentor: Profile,
    mentee: Profile,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    policy: BookingPolicy,
    ignoring: Session | None = None,
) -> list[Slot]:
    """Free slots in [start, end); `ignoring` is a session being moved, whose own
    time must not block its new one."""
    # Whole weeks around the window, so the weekly cap counts every session.
    busy = uow.sessions.busy_periods(
        {mentor.id, mentee.id}, start - timedelta(days=8), end + timedelta(days=8)
    )
    if ignoring is not None:
        busy = [
            period
            for period in busy
            if not (
                period.user_id in (ignoring.mentor_id, ignoring.mentee_id)
                and period.starts_at == ignoring.starts_at
                and period.ends_at == ignoring.ends_at
            )
        ]
    return free_slots(
        schedule=uow.availability.schedule(mentor.id),
        zone=mentor.time_zone,
        mentor_id=mentor.id,
        slot_minutes=mentor.session_minutes,
        window_start=start,
        window_end=end,
        not_before=now + policy.minimum_notice,
        busy=busy,
        weekly_cap=mentor.max_sessions_per_week,
    )


def _change(uow: UnitOfWork, apply: Callable[[Profile], object]) -> Schedule:
    """Run `apply` for the acting mentor in one transaction; the new schedule."""
    with uow:
        me = _mentor(uow)
        apply(me)
        schedule = uow.availability.schedule(me.id)
        uow.commit()
        return schedule


def _add_weekly(
    uow: UnitOfWork, me: Profile, weekdays: Iterable[int], start: time, end: time
) -> None:
    days = sorted(set(weekdays))
    if not days:
        raise InvalidInput("Pick at least one day.", field="weekdays")
    if any(not 0 <= day <= 6 for day in days):
        raise InvalidInput("Days are Monday to Sunday.", field="weekdays")
    _check_window(start, end, me.session_minutes)
    existing = uow.availability.schedule(me.id).weekly
    for day in days:
        for slot in existing:
            if slot.weekday == day and start < slot.end and slot.start < end:
                raise InvalidInput(
                    f"That overlaps your {WEEKDAY_NAMES[day]}"
                    f" {slot.start:%H:%M}–{slot.end:%H:%M} slot.",
                    field="start",
                )
        uow.availability.add_weekly(me.workspace_id, me.id, WeeklySlot(day, start, end))


def _add_time_off(
    uow: UnitOfWork, clock: Clock, me: Profile, first_day: date, last_day: date
) -> None:
    today = clock.now().astimezone(ZoneInfo(me.time_zone)).date()
    if last_day < first_day:
        raise InvalidInput("Time off must end on or after its first day.", field="last_day")
    if last_day < today:
        raise InvalidInput("That time off is already over.", field="last_day")
    if (last_day - first_day).days >= MAX_TIME_OFF_DAYS:
        raise InvalidInput("Time off can last at most a year.", field="last_day")
    uow.availability.add_time_off(me.workspace_id, me.id, TimeOff(first_day, last_day))


def _add_extra(
    uow: UnitOfWork, clock: Clock, me: Profile, day: date, start: time, end: time
) -> None:
    _check_window(start, end, me.session_minutes)
    today = clock.now().astimezone(ZoneInfo(me.time_zone)).date()
    if day < today:
        raise InvalidInput("That day is in the past.", field="day")
    uow.availability.add_extra(me.workspace_id, me.id, ExtraSlot(day, start, end))


def _remove(uow: UnitOfWork, remove: Callable[[int], bool], gone: str) -> Schedule:
    with uow:
        me = _mentor(uow)
        if not remove(me.id):
            raise NotFound(gone)
        schedule = uow.availability.schedule(me.id)
        uow.commit()
        return schedule


def _check_window(start: time, end: time, session_minutes: int) -> None:
    if start >= end:
        raise InvalidInput("A slot must end after it starts.", field="end")
    length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if length < session_minutes:
        raise InvalidInput(
            f"A slot must be at least as long as your sessions ({session_minutes} minutes).",
            field="end",
        )
