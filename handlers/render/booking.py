"""Booking and rescheduling: a mentor's free times, grouped by the viewer's days.

Times outside the viewer's working day (domain.working_hours) come after the
others and say why ("early for you"); when the other person's clock reads
differently, each time shows theirs too ("09:00–09:30 (15:00 for Ana)")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from domain import limits
from domain.errors import OccurrenceTaken
from domain.model import Goal, Profile, Session, Slot
from domain.policy import DEFAULT_POLICY
from domain.working_hours import OffHours, off_hours
from handlers.forms import NO_REPEAT, encode_moves
from handlers.ids import Field, Modal
from handlers.render.common import (
    MAX_OPTION_TEXT,
    context,
    escape,
    input_block,
    plain_time,
    section,
    slack_time,
    truncate,
    zone,
)
from handlers.render.goals import goal_picker

MAX_SLOT_OPTIONS = 100  # Slack's limit for one select, across all its groups
_TOPIC_MAX = limits.TOPIC
_HORIZON_DAYS = DEFAULT_POLICY.horizon.days
_TIMES_SHOWN = 4  # sessions in a series, picked at first
_NAME_SHOWN = 20  # of the other person's first name, beside their clock
# "For you": the viewer's working day (the mentee booking, either person moving).
_MARKS = {
    OffHours.EARLY: "early for you",
    OffHours.LATE: "late for you",
    OffHours.WEEKEND: "weekend for you",
}


def slot_value(slot: Slot) -> str:
    """What a picked slot submits: its start as epoch seconds."""
    return str(int(slot.starts_at.timestamp()))


def _day_label(moment: datetime, viewer_zone: str) -> str:
    local = moment.astimezone(zone(viewer_zone))
    return f"{local:%a} {local.day} {local:%b}"


def _off_hours(slot: Slot, viewer_zone: str) -> OffHours | None:
    return off_hours(slot.starts_at, slot.ends_at, zone(viewer_zone))


def _first_name(person: Profile) -> str:
    words = person.display_name.split()
    return truncate(words[0], _NAME_SHOWN) if words else "them"


def _their_time(slot: Slot, viewer_zone: str, other: Profile) -> str:
    """' (15:00 for Ana)': the other person's clock at the start, when it reads
    differently from the viewer's (offsets compared at that instant, not zone
    names); with their weekday when it is another day for them."""
    mine = slot.starts_at.astimezone(zone(viewer_zone))
    theirs = slot.starts_at.astimezone(zone(other.time_zone))
    if mine.utcoffset() == theirs.utcoffset():
        return ""
    day = f"{theirs:%a} " if theirs.date() != mine.date() else ""
    return f" ({day}{theirs:%H:%M} for {_first_name(other)})"


def _slot_option(slot: Slot, viewer_zone: str, other: Profile) -> Option:
    start = plain_time(slot.starts_at, viewer_zone, with_day=False)
    end = plain_time(slot.ends_at, viewer_zone, with_day=False)
    text = f"{start}–{end}{_their_time(slot, viewer_zone, other)}"
    mark = _off_hours(slot, viewer_zone)
    if mark is not None:
        text += f" · {_MARKS[mark]}"
    return Option(value=slot_value(slot), text=truncate(text, MAX_OPTION_TEXT))


def shown_slots(slots: Sequence[Slot], viewer_zone: str) -> list[Slot]:
    """The slots a picker offers, one per start time, at most 100: those inside
    the viewer's working day first, then the others, each part in time order."""
    unique: list[Slot] = []
    for slot in sorted(slots):
        if not unique or slot.starts_at != unique[-1].starts_at:
            unique.append(slot)
    # A stable sort: time order is kept within each part.
    unique.sort(key=lambda slot: _off_hours(slot, viewer_zone) is not None)
    return unique[:MAX_SLOT_OPTIONS]


def slot_option_groups(
    slots: Sequence[Slot], viewer_zone: str, other: Profile
) -> list[OptionGroup]:
    """One group per day in the viewer's zone ("Wed 2 Dec"), times within it: the
    days' times inside the viewer's working day first, then the days' other times
    ("Wed 2 Dec · outside your working day"), each marked why."""

    def key(slot: Slot) -> tuple[bool, str]:
        outside = _off_hours(slot, viewer_zone) is not None
        return outside, _day_label(slot.starts_at, viewer_zone)

    return [
        OptionGroup(
            label=f"{day} · outside your working day" if outside else day,
            options=[_slot_option(slot, viewer_zone, other) for slot in group],
        )
        for (outside, day), group in groupby(shown_slots(slots, viewer_zone), key=key)
    ]


def slot_picker(
    slots: Sequence[Slot],
    viewer_zone: str,
    other: Profile,
    *,
    label: str,
    chosen: datetime | None = None,
) -> list[Block]:
    """The Field.SLOT select for a session with `other`, with a note when some
    free times did not fit; `chosen` (a time a message offered) picked already
    when it is still free and shown."""
    picked = next((s for s in shown_slots(slots, viewer_zone) if s.starts_at == chosen), None)
    element = StaticSelectElement(
        placeholder="Pick a time",
        option_groups=slot_option_groups(slots, viewer_zone, other),
        initial_option=None if picked is None else _slot_option(picked, viewer_zone, other),
    )
    blocks: list[Block] = [input_block(Field.SLOT, label, element)]
    free = len({slot.starts_at for slot in slots})
    if free > MAX_SLOT_OPTIONS:
        blocks.append(
            context(
                f"Showing {MAX_SLOT_OPTIONS} of {free} free times, those in your working day first."
            )
        )
    return blocks


def _modal(
    callback_id: Modal, title: str, submit: str | None, blocks: list[Block], private_metadata: str
) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel" if submit else "Close",
        blocks=blocks,
        private_metadata=private_metadata,
    )


def booking_modal(
    mentor: Profile,
    slots: list[Slot],
    viewer_zone: str,
    private_metadata: str,
    *,
    goals: Sequence[Goal] = (),
    chosen: datetime | None = None,
    note: str | None = None,
    offer: MoveOffer | None = None,
) -> View:
    """The slot picker (with `chosen` picked, when still free), a topic and,
    when the mentee has open goals, which of them the session is about;
    `note` says how the picked time was chosen (Book again). With `offer`, a
    session of the series was not free: the modal says which, and offers
    its nearest free time as a box to tick."""
    name = escape(mentor.display_name)
    blocks: list[Block] = [context(f"With *{name}* · times shown in {zone(viewer_zone).key}")]
    if note:
        blocks.append(section(note))
    if not slots:
        blocks.append(
            section(
                f"*{name}* has no free time in the next {_HORIZON_DAYS} days."
                " Please check back later, or try another mentor with `/mentor find`."
            )
        )
        return _modal(Modal.BOOK, "Book a session", None, blocks, private_metadata)
    blocks += slot_picker(slots, viewer_zone, mentor, label="When", chosen=chosen)
    topic = PlainTextInputElement(
        multiline=True,
        max_length=_TOPIC_MAX,
        placeholder="e.g. Preparing for my first design review",
    )
    blocks.append(
        input_block(
            Field.TOPIC,
            "What would you like to talk about?",
            topic,
            optional=True,
            hint=f"{mentor.display_name} sees this with your request.",
        )
    )
    blocks += goal_picker(goals, mentor.display_name)
    blocks += repeat_inputs()
    if offer is not None:
        blocks += offer.blocks(viewer_zone)
    return _modal(Modal.BOOK, "Book a session", "Book", blocks, private_metadata)


def _often(every_weeks: int) -> str:
    return "Every week" if every_weeks == 1 else f"Every {every_weeks} weeks"


def repeat_inputs() -> list[Block]:
    """How often the session repeats ("Does not repeat" picked: a single
    session, as before) and how many sessions the series holds in all; the
    numbers are the domain's (`domain.limits`)."""
    once = Option(value=NO_REPEAT, text="Does not repeat")
    often = StaticSelectElement(
        options=[once] + [Option(value=str(n), text=_often(n)) for n in limits.REPEAT_EVERY_WEEKS],
        initial_option=once,
    )
    fewest, most = limits.REPEAT_TIMES
    counts = [Option(value=str(n), text=f"{n} sessions") for n in range(fewest, most + 1)]
    times = StaticSelectElement(options=counts, initial_option=counts[_TIMES_SHOWN - fewest])
    return [
        input_block(
            Field.REPEAT,
            "Repeat",
            often,
            hint="Each session of a series holds its own time; the mentor answers them at once.",
        ),
        input_block(
            Field.REPEAT_TIMES,
            "How many sessions in all",
            times,
            optional=True,
            hint="Counting the first. Used only when the session repeats.",
        ),
    ]


@dataclass(frozen=True)
class MoveOffer:
    """A session of the series that is not free (`taken`, which names the
    free time nearest to it) and the moves already agreed (`moves`)."""

    taken: OccurrenceTaken
    moves: Mapping[int, timedelta]

    def agreed(self) -> dict[int, timedelta]:
        """The moves with this one: the session moves to its nearest free time."""
        assert self.taken.nearest is not None
        number = self.taken.number
        shift = self.moves.get(number, timedelta(0)) + self.taken.nearest - self.taken.starts_at
        return {**self.moves, number: shift}

    def blocks(self, viewer_zone: str) -> list[Block]:
        assert self.taken.nearest is not None
        number, times = self.taken.number, self.taken.times
        to = plain_time(self.taken.nearest, viewer_zone)
        move = Option(
            value=encode_moves(self.agreed()), text=f"Move session {number} of {times} to {to}"
        )
        return [
            section(f":warning: {occurrence_taken_text(self.taken, viewer_zone)}"),
            input_block(
                Field.REPEAT_MOVES,
                "Take the nearest free time",
                CheckboxesElement(options=[move], initial_options=[move]),
                optional=True,
                hint="Untick it to keep the series as it is and pick another time.",
            ),
        ]


def occurrence_taken_text(error: OccurrenceTaken, viewer_zone: str) -> str:
    """Which session of the series is not free and the free time nearest to
    it, in the viewer's zone (a modal's field error is plain text)."""
    when = plain_time(error.starts_at, viewer_zone)
    said = f"Session {error.number} of {error.times}, {when}, is not free."
    if error.nearest is None:
        return (
            said
            + " There is no free time within a week of it: pick another time or fewer sessions."
        )
    nearest = plain_time(error.nearest, viewer_zone)
    return (
        f"{said} The nearest free time is {nearest}: pick another time or fewer sessions,"
        " or book that one on its own."
    )


def reschedule_modal(
    session: Session, other: Profile, slots: list[Slot], viewer_zone: str, private_metadata: str
) -> View:
    name = escape(other.display_name)
    blocks: list[Block] = [
        section(f"Your session with *{name}* is at {slack_time(session.starts_at, viewer_zone)}."),
        context(f"Times shown in {zone(viewer_zone).key}"),
    ]
    if not slots:
        blocks.append(
            section(
                f"There is no other free time in the next {_HORIZON_DAYS} days."
                " You can keep the current time, or cancel and book again later."
            )
        )
        return _modal(Modal.RESCHEDULE, "Reschedule", None, blocks, private_metadata)
    blocks += slot_picker(slots, viewer_zone, other, label="New time")
    return _modal(Modal.RESCHEDULE, "Reschedule", "Move", blocks, private_metadata)
