"""`/mentor` and its sub-commands. Text arguments are shortcuts; the modals are
the main path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.analytics import dashboard
from domain.availability import add_time_off, add_weekly_slots, clear_weekly, my_schedule
from domain.digest import set_digest_channel
from domain.errors import DomainError, NotAllowed
from domain.home import my_sessions
from domain.lookups import booking_options, person_by_slack_id
from domain.notifications import notifications_page, unread_count
from domain.search import find_mentors
from handlers import forms, outcome
from handlers.context import HandlerDeps, Who, ensure_known, who
from handlers.metadata import MentorRef
from handlers.modals import open_modal
from handlers.render.availability import availability_modal
from handlers.render.booking import booking_modal
from handlers.render.help import days_off_example, help_blocks, help_text
from handlers.render.notifications import notifications_blocks
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)
from handlers.render.search import search_results, search_text
from handlers.render.sessions import sessions_message
from handlers.render.stats import dashboard_blocks, dashboard_text
from handlers.views import THEN_MENTEE
from handlers.zones import zone_options


def availability_usage(today: date) -> str:
    return (
        "Use `/mentor availability` to open the editor, or a shortcut:\n"
        "• `/mentor availability add mon,wed 09:00-12:00`\n"
        f"• `/mentor availability off {days_off_example(today)}`\n"
        "• `/mentor availability clear`"
    )


class Request:
    """One `/mentor` invocation: who, what they typed, and how to answer."""

    def __init__(
        self, body: dict[str, Any], client: WebClient, respond: Respond, deps: HandlerDeps
    ) -> None:
        self.body, self.client, self.respond, self.deps = body, client, respond, deps
        self.person: Who = who(body)

    def uow(self) -> Any:
        return self.deps.uow(self.person.team_id, self.person.user_id)

    def say(self, text: str, blocks: list[Any] | None = None) -> None:
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def open(self, build: Callable[[], Any]) -> None:
        open_modal(self.client, self.body["trigger_id"], build)


def _signup(request: Request, rest: str) -> None:
    choice = rest.lower()
    if choice not in ("", "mentor", "mentee", "both"):
        request.say(
            "Use `/mentor signup mentor`, `/mentor signup mentee` or `/mentor signup both`."
        )
        return

    def build() -> Any:
        me = ensure_known(request.deps, request.client, request.person)
        zones = zone_options(me.time_zone)
        wanted = choice or ("mentee" if me.is_mentor else "mentor")
        if wanted == "mentee":
            return mentee_signup_modal(me, zone_options=zones)
        view = mentor_signup_modal(me, zone_options=zones)
        # After the mentor form, the mentee form follows (see views.py).
        view.private_metadata = THEN_MENTEE if wanted == "both" else None
        return view

    request.open(build)


def _profile(request: Request, rest: str) -> None:
    def build() -> Any:
        me = ensure_known(request.deps, request.client, request.person)
        return edit_profile_modal(me, zone_options=zone_options(me.time_zone))

    request.open(build)


def _availability(request: Request, rest: str) -> None:
    me = ensure_known(request.deps, request.client, request.person)
    action, _, args = rest.partition(" ")
    action = action.lower()
    if not action:
        if not me.is_mentor:
            raise NotAllowed("Only mentors keep availability. Run `/mentor signup mentor` first.")
        request.open(
            lambda: availability_modal(my_schedule(request.uow()), me.time_zone, me.session_minutes)
        )
        return
    if action == "add":
        days, _, hours = args.strip().partition(" ")
        start, end = forms.time_range(hours)
        add_weekly_slots(request.uow(), weekdays=forms.weekdays(days), start=start, end=end)
        request.say(f"Added: {days} {start:%H:%M}–{end:%H:%M} ({me.time_zone}).")
    elif action == "clear":
        removed = clear_weekly(request.uow())
        request.say(f"Removed all {removed} weekly slots. Booked sessions stay as they are.")
    elif action == "off":
        first, _, last = args.strip().partition(" ")
        first_day = forms.iso_day(first)
        last_day = forms.iso_day(last, field="last_day") if last.strip() else first_day
        add_time_off(request.uow(), request.deps.clock, first_day=first_day, last_day=last_day)
        request.say(f"Time off saved: {first_day:%a %d %b %Y} to {last_day:%a %d %b %Y}.")
    else:
        request.say(availability_usage(request.deps.clock.now().date()))


def _find(request: Request, rest: str) -> None:
    me = ensure_known(request.deps, request.client, request.person)
    page = find_mentors(request.uow(), request.deps.clock, query=rest, policy=request.deps.policy)
    request.say(search_text(rest, page), search_results(rest, page, me.time_zone))


def _book(request: Request, rest: str) -> None:
    slack_id = forms.mention(rest)

    def build() -> Any:
        me = ensure_known(request.deps, request.client, request.person)
        mentor = person_by_slack_id(request.uow(), slack_user_id=slack_id)
        mentor, slots = booking_options(
            request.uow(), request.deps.clock, mentor_id=mentor.id, policy=request.deps.policy
        )
        return booking_modal(mentor, slots, me.time_zone, MentorRef(mentor_id=mentor.id).encode())

    request.open(build)


def _sessions(request: Request, rest: str) -> None:
    me, overview = my_sessions(request.uow(), request.deps.clock)
    text, blocks = sessions_message(
        upcoming=[*overview.pending, *overview.upcoming],
        past=overview.past,
        viewer=me,
        people=overview.people,
        feedback=overview.feedback,
        viewer_zone=me.time_zone,
        now=request.deps.clock.now(),
        meeting_links=overview.meeting_links,
    )
    request.say(text, blocks)


def _notifications(request: Request, rest: str) -> None:
    me = ensure_known(request.deps, request.client, request.person)
    page = notifications_page(request.uow())
    unread = unread_count(request.uow())
    request.say(
        f"You have {unread} unread notifications.", notifications_blocks(page, unread, me.time_zone)
    )


def _stats(request: Request, rest: str) -> None:
    me = ensure_known(request.deps, request.client, request.person)
    figures = dashboard(request.uow(), request.deps.clock)
    request.say(dashboard_text(figures), dashboard_blocks(figures, me.time_zone))


def _digest(request: Request, rest: str) -> None:
    ensure_known(request.deps, request.client, request.person)
    channel = set_digest_channel(request.uow(), channel=forms.channel(rest))
    request.say(
        f"This workspace's weekly digest now goes to <#{channel}>. Invite the app there"
        " (`/invite @Mentorship`) if it is not a member yet."
    )


def _help(request: Request, rest: str) -> None:
    today = request.deps.clock.now().date()
    request.say(help_text(today), help_blocks(today))


SUBCOMMANDS: dict[str, Callable[[Request, str], None]] = {
    "signup": _signup,
    "profile": _profile,
    "availability": _availability,
    "find": _find,
    "search": _find,
    "book": _book,
    "sessions": _sessions,
    "notifications": _notifications,
    "stats": _stats,
    "digest": _digest,
    "help": _help,
}


def handle_command_mentor(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]
) -> None:
    ack()
    request = Request(body, client, respond, context["deps"])
    try:
        word, rest = forms.command_words(str(body.get("text") or ""))
        SUBCOMMANDS.get(word, _help)(request, rest)
    except DomainError as error:
        outcome.refused(error)
        request.say(error.message)


def register(app: App) -> None:
    app.command("/mentor")(handle_command_mentor)
