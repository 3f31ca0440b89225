"""Booking and rescheduling: a mentor's free times, grouped by the viewer's days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby

from slack_sdk.models.blocks import (
    Block,
    Option,
    OptionGroup,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from domain import limits
from domain.model import Profile, Session, Slot
from domain.policy import DEFAULT_POLICY
from handlers.ids import Field, Modal
from handlers.render.common import (
    context,
    escape,
    input_block,
    plain_time,
    section,
    slack_time,
    zone,
)

MAX_SLOT_OPTIONS = 100  # Slack's limit for one select, across all its groups
_TOPIC_MAX = limits.TOPIC
_HORIZON_DAYS = DEFAULT_POLICY.horizon.days


def slot_value(slot: Slot) -> str:
    """What a picked slot submits: its start as epoch seconds."""
    return str(int(slot.starts_at.timestamp()))


def _day_label(moment: datetime, viewer_zone: str) -> str:
    local = moment.astimezone(zone(viewer_zone))
    return f"{local:%a} {local.day} {local:%b}"


def _slot_option(slot: Slot, viewer_zone: str) -> Option:
    start = plain_time(slot.starts_at, viewer_zone, with_day=False)
    end = plain_time(slot.ends_at, viewer_zone, with_day=False)
    return Option(value=slot_value(slot), text=f"{start}–{end}")


def shown_slots(slots: Sequence[Slot]) -> list[Slot]:
    """The slots a picker offers: in order, one per start time, at most 100."""
    shown: list[Slot] = []
    for slot in sorted(slots):
        if not shown or slot.starts_at != shown[-1].starts_at:
            shown.append(slot)
    return shown[:MAX_SLOT_OPTIONS]


def slot_option_groups(slots: Sequence[Slot], viewer_zone: str) -> list[OptionGroup]:
    """One group per day in the viewer's zone ("Wed 2 Dec"), times within it."""
    return [
        OptionGroup(label=label, options=[_slot_option(slot, viewer_zone) for slot in day])
        for label, day in groupby(
            shown_slots(slots), key=lambda slot: _day_label(slot.starts_at, viewer_zone)
        )
    ]


def slot_picker(slots: Sequence[Slot], viewer_zone: str, *, label: str) -> list[Block]:
    """The Field.SLOT select, with a note when some free times did not fit."""
    element = StaticSelectElement(
        placeholder="Pick a time", option_groups=slot_option_groups(slots, viewer_zone)
    )
    blocks: list[Block] = [input_block(Field.SLOT, label, element)]
    if len({slot.starts_at for slot in slots}) > MAX_SLOT_OPTIONS:
        blocks.append(context(f"Showing the first {MAX_SLOT_OPTIONS} free times."))
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
    mentor: Profile, slots: list[Slot], viewer_zone: str, private_metadata: str
) -> View:
    name = escape(mentor.display_name)
    blocks: list[Block] = [context(f"With *{name}* · times shown in {zone(viewer_zone).key}")]
    if not slots:
        blocks.append(
            section(
                f"*{name}* has no free time in the next {_HORIZON_DAYS} days."
                " Please check back later, or try another mentor with `/mentor find`."
            )
        )
        return _modal(Modal.BOOK, "Book a session", None, blocks, private_metadata)
    blocks += slot_picker(slots, viewer_zone, label="When")
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
    return _modal(Modal.BOOK, "Book a session", "Book", blocks, private_metadata)


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
    blocks += slot_picker(slots, viewer_zone, label="New time")
    return _modal(Modal.RESCHEDULE, "Reschedule", "Move", blocks, private_metadata)
