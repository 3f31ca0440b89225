"""Book again: the menu on the mentee's feedback DM (the same time 1, 2 or 4
weeks on), and what the booking modal it opens says of the time it picked
and, when that is not the same time, why (the modal itself is the booking
screen's one builder, `handlers.render.booking.booking_modal`)."""

from __future__ import annotations

from slack_sdk.models.blocks import Option, StaticSelectElement
from slack_sdk.models.views import View

from domain.follow_ups import FOLLOW_UP_WEEKS, FollowUp, Moved
from domain.model import Session, Slot
from handlers.ids import Action
from handlers.metadata import FollowUpRef
from handlers.render.breakdowns import plural
from handlers.render.common import context, escape, section, slack_time, zone

TITLE = "Book again"


def book_again_menu(session: Session) -> StaticSelectElement:
    """One choice per follow-up (a message's actions block takes an action id
    once, so three buttons would need three ids)."""
    return StaticSelectElement(
        action_id=Action.BOOK_AGAIN,
        placeholder=f"{TITLE}…",
        options=[
            Option(
                value=FollowUpRef(session_id=session.id, weeks=weeks).encode(),
                label=f"Same time in {plural(weeks, 'week')}",
            )
            for weeks in FOLLOW_UP_WEEKS
        ],
    )


def _reason(moved: Moved, mentor: str) -> str:
    match moved:
        case Moved.TOO_SOON:
            return "it is too soon to book"
        case Moved.NOT_OFFERED:
            return f"it is outside {mentor}'s availability"
        case Moved.TAKEN:
            return f"{mentor} or you already have a session then"
        case Moved.WEEK_FULL:
            return f"{mentor}'s sessions for that week are all booked"


def picked_note(found: FollowUp, picked: Slot, viewer_zone: str) -> str:
    """What the booking modal says of the time it picked, and why when that
    is not the same time."""
    same = f"the same time in {plural(found.weeks, 'week')}"
    target = slack_time(found.target, viewer_zone)
    if found.moved is None:
        return f"🔁 {same.capitalize()}: {target} — picked below."
    mentor = escape(found.mentor.display_name)
    nearest = slack_time(picked.starts_at, viewer_zone)
    return (
        f"🔁 {target}, {same}, is not free: {_reason(found.moved, mentor)}."
        f" Picked below instead: the nearest free time, {nearest}."
    )


def nothing_near(found: FollowUp, viewer_zone: str) -> View:
    """In place of the booking modal when nothing is free near the same time."""
    name = escape(found.mentor.display_name)
    return View(
        type="modal",
        title=TITLE,
        close="Close",
        blocks=[
            context(f"With *{name}* · times shown in {zone(viewer_zone).key}"),
            section(
                f"*{name}* has no free time within a week of"
                f" {slack_time(found.target, viewer_zone)},"
                f" the same time in {plural(found.weeks, 'week')}. Try another week from"
                " the Book again menu, or other mentors with `/mentor find`."
            ),
        ],
    )
