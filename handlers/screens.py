"""One builder per screen, whichever surface asks for it (the command, a
button, a submission): each reads what the screen shows with one use case, as
the acting person, and renders it for their time zone. The App Home's is the
notifier's (it is published for other people too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.analytics import dashboard
from domain.availability import my_schedule
from domain.home import my_sessions
from domain.lookups import booking_options, mentor_card
from domain.model import Schedule
from domain.notifications import Inbox, inbox
from domain.search import find_mentors
from domain.settings import settings_page
from handlers.context import Acting, HandlerDeps
from handlers.metadata import MentorRef, ShownSettings
from handlers.render.availability import availability_modal
from handlers.render.booking import booking_modal
from handlers.render.notifications import notifications_blocks
from handlers.render.profile import profile_modal
from handlers.render.search import search_results, search_text
from handlers.render.sessions import sessions_message
from handlers.render.settings import settings_modal
from handlers.render.stats import dashboard_blocks, dashboard_text
from handlers.zones import zone_options

Message = tuple[str, list[Block]]


def booking(
    acting: Acting,
    deps: HandlerDeps,
    *,
    mentor_id: int | None = None,
    mentor_slack_id: str | None = None,
) -> View:
    """The booking modal: a mentor's free slots for the acting mentee."""
    me = acting.get()
    mentor, slots = booking_options(
        acting.uow(),
        deps.clock,
        mentor_id=mentor_id,
        mentor_slack_id=mentor_slack_id,
        policy=acting.policy,
    )
    return booking_modal(mentor, slots, me.zone, MentorRef(mentor_id=mentor.id).encode())


def search(acting: Acting, deps: HandlerDeps, *, query: str, page: int = 1) -> Message:
    me = acting.get()
    found = find_mentors(acting.uow(), deps.clock, query=query, page=page, policy=acting.policy)
    return search_text(query, found), search_results(query, found, me.zone)


def mentor_profile(acting: Acting, *, mentor_id: int) -> View:
    """A mentor's card, as a modal."""
    me = acting.get()
    card = mentor_card(acting.uow(), mentor_id=mentor_id)
    return profile_modal(
        card.profile,
        card.rating,
        card.completed,
        card.feedback,
        card.authors,
        me.zone,
        can_book=card.can_book,
    )


def profile_form(acting: Acting, render: Callable[..., View]) -> View:
    """A form about the acting person's own profile (sign-up or edit)."""
    me = acting.get()
    return render(me.profile, zone_options=zone_options(me.zone))


def availability(acting: Acting, schedule: Schedule | None = None) -> View:
    """The availability editor (with `schedule` when a change just returned it)."""
    me = acting.get()
    schedule = schedule if schedule is not None else my_schedule(acting.uow())
    return availability_modal(schedule, me.zone, me.profile.session_minutes)


def sessions(acting: Acting, deps: HandlerDeps) -> Message:
    me, overview = my_sessions(acting.uow(), deps.clock)
    return sessions_message(
        upcoming=[*overview.pending, *overview.upcoming],
        past=overview.past,
        viewer=me,
        people=overview.people,
        feedback=overview.feedback,
        viewer_zone=me.time_zone,
        now=deps.clock.now(),
        meeting_links=overview.meeting_links,
    )


def notifications(acting: Acting, *, page: int = 1, read: Inbox | None = None) -> Message:
    """A page of the person's notices (`read` when a change just returned it)."""
    me = acting.get()
    shown = read if read is not None else inbox(acting.uow(), page=page)
    return (
        f"You have {shown.unread} unread notifications.",
        notifications_blocks(shown.page, shown.unread, me.zone),
    )


def stats(acting: Acting, deps: HandlerDeps, *, period_days: int | None = 30) -> Message:
    """The programme's dashboard (managers)."""
    me = acting.get()
    figures = dashboard(acting.uow(), deps.clock, period_days=period_days)
    return dashboard_text(figures), dashboard_blocks(figures, me.zone)


def settings(acting: Acting, deps: HandlerDeps) -> View:
    """The programme's settings (managers), as they apply: the environment's
    defaults where the workspace set none."""
    me = acting.get()
    page = settings_page(acting.uow())
    defaults = deps.workspaces.defaults
    shown = defaults.applied(page.settings)
    return settings_modal(
        shown, defaults.managers, page.changes, me.zone, ShownSettings.of(shown).encode()
    )


def blocks_of(message: Message) -> dict[str, Any]:
    """`text=` and `blocks=` for a message."""
    text, blocks = message
    return {"text": text, "blocks": blocks}
