"""One builder per screen, whichever surface asks for it (the command, a
button, a submission): each reads what the screen shows with one use case, as
the acting person, and renders it for their time zone. The App Home's is the
notifier's (it is published for other people too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.analytics import charted_dashboard
from domain.availability import my_schedule
from domain.calendar_feed import FeedAccess, open_feed, reset_feed
from domain.follow_ups import follow_up_options
from domain.goals import goal_to_change, my_goals, session_goals
from domain.home import my_sessions
from domain.lookups import booking_options, mentor_card
from domain.matching import suggest_mentors
from domain.model import Schedule, SearchPage
from domain.notifications import Inbox, inbox
from domain.search import find_mentors
from domain.settings import settings_page
from handlers.context import Acting, HandlerDeps
from handlers.metadata import FollowUpRef, MentorRef, ShownSettings
from handlers.render.availability import availability_modal
from handlers.render.booking import MoveOffer, booking_modal
from handlers.render.calendar import calendar_message, calendar_unavailable
from handlers.render.follow_ups import nothing_near, picked_note
from handlers.render.goals import goals_message, session_goals_modal, update_goal_modal
from handlers.render.match import match_message
from handlers.render.notifications import notifications_blocks
from handlers.render.profile import profile_modal
from handlers.render.search import search_results, search_text
from handlers.render.sessions import sessions_message
from handlers.render.settings import settings_modal
from handlers.render.stats import dashboard_blocks, dashboard_text
from handlers.zones import zone_options

# The blocks as slack_sdk's objects, or already as the JSON objects Slack reads.
Message = tuple[str, Sequence[Block | dict[str, Any]]]


def booking(
    acting: Acting,
    deps: HandlerDeps,
    *,
    mentor_id: int | None = None,
    mentor_slack_id: str | None = None,
    chosen: datetime | None = None,
    offer: MoveOffer | None = None,
    metadata: str | None = None,
) -> View:
    """The booking modal: a mentor's free slots for the acting mentee (`chosen`,
    a time the clicked button offered, picked already); again, with `offer`,
    once a series was submitted with a session that is not free (keeping the
    modal's `metadata`)."""
    me = acting.get()
    options = booking_options(
        acting.uow(),
        deps.clock,
        mentor_id=mentor_id,
        mentor_slack_id=mentor_slack_id,
        policy=acting.policy,
    )
    return booking_modal(
        options.mentor,
        options.slots,
        me.zone,
        metadata or MentorRef(mentor_id=options.mentor.id).encode(),
        goals=options.goals,
        chosen=chosen,
        offer=offer,
    )


def book_again(acting: Acting, deps: HandlerDeps, ref: FollowUpRef) -> View:
    """The booking modal for the acting mentee's completed session `weeks`
    on: its mentor's free times near the same time, the nearest picked."""
    me = acting.get()
    found = follow_up_options(
        acting.uow(), deps.clock, follow_up=ref.follow_up(), policy=acting.policy
    )
    if found.picked is None:
        return nothing_near(found, me.zone)
    return booking_modal(
        found.mentor,
        found.slots,
        me.zone,
        MentorRef(mentor_id=found.mentor.id, again=ref).encode(),
        goals=found.goals,
        chosen=found.picked.starts_at,
        note=picked_note(found, found.picked, me.zone),
    )


def search(acting: Acting, deps: HandlerDeps, *, query: str, page: int = 1) -> Message:
    found = acting.known(
        lambda: find_mentors(
            acting.uow(),
            deps.clock,
            query=query,
            page=page,
            policy=acting.policy,
            listings=deps.listings,
        )
    )
    return search_message(found)


# A crowd searching the same words mostly sees the same page (the same
# mentors and free times, in the same zone): it is built, and turned into
# Slack's JSON objects, once for them all.
@lru_cache(maxsize=128)
def search_message(found: SearchPage) -> Message:
    blocks = search_results(found.query, found, found.zone)
    return search_text(found.query, found), tuple(block.to_dict() for block in blocks)


def match(acting: Acting, deps: HandlerDeps) -> Message:
    """Mentors suggested for the acting mentee, with reasons."""
    found = acting.known(
        lambda: suggest_mentors(
            acting.uow(), deps.clock, policy=acting.policy, matching=deps.matching
        )
    )
    return match_message(found)


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
        more_feedback=card.more_feedback,
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
        earlier=overview.earlier,
        later=overview.later,
        viewer=me,
        people=overview.people,
        feedback=overview.feedback,
        viewer_zone=me.time_zone,
        now=deps.clock.now(),
        meeting_links=overview.meeting_links(deps.meeting_template),
    )


def goals(acting: Acting, deps: HandlerDeps) -> Message:
    """The acting mentee's goals and their progress."""
    return goals_message(my_goals(acting.uow(), deps.clock), deps.clock.now())


def goal_form(acting: Acting, *, goal_id: int) -> View:
    """The Update form of one of the acting person's goals."""
    return update_goal_modal(goal_to_change(acting.uow(), goal_id=goal_id))


def goals_of_session(acting: Acting, deps: HandlerDeps, *, session_id: int) -> View:
    """A session's mentee's goals, read only."""
    return session_goals_modal(session_goals(acting.uow(), session_id=session_id), deps.clock.now())


def notifications(acting: Acting, *, page: int = 1, read: Inbox | None = None) -> Message:
    """A page of the person's notices (`read` when a change just returned it)."""
    me = acting.get()
    shown = read if read is not None else inbox(acting.uow(), page=page)
    return (
        f"You have {shown.unread} unread notifications.",
        notifications_blocks(shown.page, shown.unread, me.zone),
    )


def stats(acting: Acting, deps: HandlerDeps, *, period_days: int | None = 30) -> Message:
    """The programme's dashboard (managers), with the charts the admin's Home shows."""
    me = acting.get()
    board = charted_dashboard(acting.uow(), deps.clock, period_days=period_days)
    return dashboard_text(board.figures), dashboard_blocks(
        board.figures, me.zone, charts=board.charts
    )


def calendar(acting: Acting, deps: HandlerDeps, *, reset: bool = False) -> Message:
    """The person's calendar feed: made on first sight, shown with its address
    then; with `reset`, given a new address (the old one stops working)."""
    if deps.public_url is None:
        return calendar_unavailable()
    me = acting.get()
    if reset:
        access = FeedAccess(deps.clock.now(), reset_feed(acting.uow(), deps.clock))
    else:
        access = open_feed(acting.uow(), deps.clock)
    return calendar_message(access, deps.public_url, me.zone)


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
