"""A mentor's availability: what is set, each with Remove, and inputs to add more."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time
from typing import TypeVar

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    Option,
    TimePickerElement,
)
from slack_sdk.models.views import View

from domain.availability import WEEKDAY_NAMES
from domain.model import ExtraSlot, Schedule, TimeOff, WeeklySlot
from handlers.ids import Action, Field, Modal
from handlers.metadata import SlotRef
from handlers.render.common import (
    MAX_VIEW_BLOCKS,
    button,
    context,
    divider,
    input_block,
    section,
    zone,
)

R = TypeVar("R", WeeklySlot, TimeOff, ExtraSlot)


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def weekly_text(slot: WeeklySlot) -> str:
    return f"{WEEKDAY_NAMES[slot.weekday]} {_clock(slot.start)}–{_clock(slot.end)}"


def time_off_text(off: TimeOff) -> str:
    if off.first_day == off.last_day:
        return _day(off.first_day)
    return f"{_day(off.first_day)} – {_day(off.last_day)}"


def extra_text(extra: ExtraSlot) -> str:
    return f"{_day(extra.day)}, {_clock(extra.start)}–{_clock(extra.end)}"


def mentor_welcome_text(kept: Schedule | None) -> str:
    """The DM after a mentor's sign-up; one coming back is asked to confirm the
    availability they left, which mentees can book again."""
    if kept is None:
        return "You're a mentor now. Add the times you can meet with `/mentor availability`."
    times = "; ".join(
        [weekly_text(slot) for slot in kept.weekly] + [extra_text(extra) for extra in kept.extra]
    )
    return (
        f"Welcome back! Your availability from before is still set: {times} (your time)."
        " Mentees can book these times again, so please confirm they are still right:"
        " open `/mentor availability` and remove any you can no longer keep."
    )


def _row(text: str, row_id: int | None, action: Action) -> Block:
    """One entry, with a Remove button when it has been saved."""
    if row_id is None or row_id <= 0:
        return section(text)
    return section(text, accessory=button("Remove", action, SlotRef(row_id=row_id).encode()))


def _shares(budget: int, counts: Sequence[int]) -> list[int]:
    """How many of each list to show: an even split of `budget`, unused room passed on."""
    shown = [0] * len(counts)
    remaining = max(budget, 0)
    while remaining:
        wanting = [i for i, count in enumerate(counts) if shown[i] < count]
        if not wanting:
            break
        share = max(remaining // len(wanting), 1)
        for i in wanting:
            take = min(share, counts[i] - shown[i], remaining)
            shown[i] += take
            remaining -= take
    return shown


def _entries(
    title: str,
    rows: Sequence[R],
    limit: int,
    render: Callable[[R], Block],
    empty: str,
) -> list[Block]:
    if not rows:
        return [section(f"*{title}*"), context(empty)]
    return [section(f"*{title}*"), *(render(row) for row in rows[:limit])]


def _add_inputs() -> list[Block]:
    weekdays = CheckboxesElement(
        options=[Option(value=str(i), text=name) for i, name in enumerate(WEEKDAY_NAMES)]
    )
    return [
        divider(),
        section(
            "*Add hours*\nTick days to repeat every week, or pick one date for a one-off time."
        ),
        input_block(Field.WEEKDAYS, "Every week on", weekdays, optional=True),
        input_block(
            Field.DAY,
            "Or just once, on",
            DatePickerElement(placeholder="Pick a date"),
            optional=True,
        ),
        input_block(Field.START, "From", TimePickerElement(placeholder="09:00"), optional=True),
        input_block(Field.END, "Until", TimePickerElement(placeholder="12:00"), optional=True),
        section("*Add time off*\nNobody can book you on these days, from the first to the last."),
        input_block(
            Field.FIRST_DAY,
            "First day off",
            DatePickerElement(placeholder="Pick a date"),
            optional=True,
        ),
        input_block(
            Field.LAST_DAY,
            "Last day off",
            DatePickerElement(placeholder="Pick a date"),
            optional=True,
        ),
    ]


def availability_modal(schedule: Schedule, zone_name: str, session_minutes: int) -> View:
    """At most 100 blocks, however many entries the mentor has: a note says when some are hidden."""
    weekly = sorted(schedule.weekly, key=lambda slot: (slot.weekday, slot.start, slot.end))
    time_off = sorted(schedule.time_off, key=lambda off: (off.first_day, off.last_day))
    extra = sorted(schedule.extra, key=lambda slot: (slot.day, slot.start, slot.end))
    intro = context(
        f"Times are in *{zone(zone_name).key}*, sessions last {session_minutes} minutes."
        " Mentees see your free times in their own zone."
    )
    inputs = _add_inputs()
    counts = (len(weekly), len(time_off), len(extra))
    # Intro, three headings, one empty-state line per empty list, a note, the inputs.
    fixed = 1 + 3 + counts.count(0) + 1 + len(inputs)
    limits = _shares(MAX_VIEW_BLOCKS - fixed, counts)
    blocks: list[Block] = [
        intro,
        *_entries(
            "Every week",
            weekly,
            limits[0],
            lambda slot: _row(weekly_text(slot), slot.id, Action.REMOVE_WEEKLY),
            "No weekly hours yet. Add some below so mentees can book you.",
        ),
        *_entries(
            "Time off",
            time_off,
            limits[1],
            lambda off: _row(time_off_text(off), off.id, Action.REMOVE_TIME_OFF),
            "No time off planned.",
        ),
        *_entries(
            "Extra one-off times",
            extra,
            limits[2],
            lambda slot: _row(extra_text(slot), slot.id, Action.REMOVE_EXTRA),
            "No one-off times. Add one below for a day outside your usual hours.",
        ),
    ]
    hidden = sum(counts) - sum(limits)
    if hidden:
        blocks.append(
            context(
                f"{hidden} more {'entry is' if hidden == 1 else 'entries are'} not shown"
                " here. Remove a few to see the rest."
            )
        )
    blocks += inputs
    return View(
        type="modal",
        callback_id=Modal.AVAILABILITY,
        title="Your availability",
        submit="Save",
        close="Close",
        blocks=blocks,
    )
