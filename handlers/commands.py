"""`/mentor` and its sub-commands. Text arguments are shortcuts; the modals are
the main path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.availability import add_time_off, add_weekly_slots, clear_weekly
from domain.errors import DomainError, InvalidInput, NotAllowed
from domain.introductions import require_group_manager
from domain.settings import require_manager
from domain.workspace import CHANNEL_ID, Setting, SettingsEdit, WorkspaceSettings
from handlers import forms, outcome, screens
from handlers.context import Acting, HandlerDeps
from handlers.listen import BUSY, BUSY_OUTCOME
from handlers.modals import open_modal
from handlers.render.group_match import group_modal
from handlers.render.help import days_off_example, help_blocks, help_text
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)
from handlers.settings_actions import save_settings
from handlers.views import THEN_MENTEE


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
        self,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        deps: HandlerDeps,
        acting: Acting,
    ) -> None:
        self.body, self.client, self.respond, self.deps = body, client, respond, deps
        self.acting = acting

    def uow(self) -> Any:
        return self.acting.uow()

    def say(self, text: str, blocks: Sequence[Block | dict[str, Any]] | None = None) -> None:
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def open(self, build: Callable[[], View]) -> None:
        open_modal(self.client, self.body["trigger_id"], build)


def _signup(request: Request, rest: str) -> None:
    choice = rest.lower()
    if choice not in ("", "mentor", "mentee", "both"):
        request.say(
            "Use `/mentor signup mentor`, `/mentor signup mentee` or `/mentor signup both`."
        )
        return

    def build() -> View:
        me = request.acting.get()
        wanted = choice or ("mentee" if me.profile.is_mentor else "mentor")
        if wanted == "mentee":
            return screens.profile_form(request.acting, mentee_signup_modal)
        view = screens.profile_form(request.acting, mentor_signup_modal)
        # After the mentor form, the mentee form follows (see views.py).
        view.private_metadata = THEN_MENTEE if wanted == "both" else None
        return view

    request.open(build)


def _profile(request: Request, rest: str) -> None:
    request.open(lambda: screens.profile_form(request.acting, edit_profile_modal))


def _availability(request: Request, rest: str) -> None:
    me = request.acting.get()
    action, _, args = rest.partition(" ")
    action = action.lower()
    if not action:
        if not me.profile.is_mentor:
            raise NotAllowed("Only mentors keep availability. Run `/mentor signup mentor` first.")
        request.open(lambda: screens.availability(request.acting))
        return
    if action == "add":
        days, _, hours = args.strip().partition(" ")
        start, end = forms.time_range(hours)
        add_weekly_slots(request.uow(), weekdays=forms.weekdays(days), start=start, end=end)
        request.say(f"Added: {days} {start:%H:%M}–{end:%H:%M} ({me.zone}).")
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
    request.say(*screens.search(request.acting, request.deps, query=rest))


def _match(request: Request, rest: str) -> None:
    if rest.strip().lower() == "group":
        # Managers only: refused before any modal opens.
        require_group_manager(request.acting.actor)
        request.open(group_modal)
        return
    request.say(*screens.match(request.acting, request.deps))


def _book(request: Request, rest: str) -> None:
    slack_id = forms.mention(rest)
    request.open(lambda: screens.booking(request.acting, request.deps, mentor_slack_id=slack_id))


def _sessions(request: Request, rest: str) -> None:
    request.say(*screens.sessions(request.acting, request.deps))


def _goals(request: Request, rest: str) -> None:
    request.say(*screens.goals(request.acting, request.deps))


def _notifications(request: Request, rest: str) -> None:
    request.say(*screens.notifications(request.acting))


def _stats(request: Request, rest: str) -> None:
    request.say(*screens.stats(request.acting, request.deps))


def _calendar(request: Request, rest: str) -> None:
    request.say(*screens.calendar(request.acting, request.deps))


def _digest(request: Request, rest: str) -> None:
    """A shortcut to one of the settings (`/mentor settings`)."""
    require_manager(request.acting.actor)
    channel = forms.channel(rest)
    if not CHANNEL_ID.match(channel):
        raise InvalidInput("Name the channel, for example `/mentor digest #mentoring`.")
    edit = SettingsEdit(
        WorkspaceSettings(digest_channel=channel), frozenset({Setting.DIGEST_CHANNEL})
    )
    save_settings(request.acting, request.deps, request.client, edit)
    request.say(f"This workspace's weekly digest now goes to <#{channel}>.")


def _settings(request: Request, rest: str) -> None:
    request.open(lambda: screens.settings(request.acting, request.deps))


def _help(request: Request, rest: str) -> None:
    today = request.deps.clock.now().date()
    request.say(help_text(today), help_blocks(today))


SUBCOMMANDS: dict[str, Callable[[Request, str], None]] = {
    "signup": _signup,
    "profile": _profile,
    "availability": _availability,
    "find": _find,
    "search": _find,
    "match": _match,
    "book": _book,
    "sessions": _sessions,
    "goals": _goals,
    "notifications": _notifications,
    "stats": _stats,
    "calendar": _calendar,
    "digest": _digest,
    "settings": _settings,
    "help": _help,
}


def _mentor(request: Request) -> None:
    """Run the sub-command typed; a refusal becomes an ephemeral message."""
    try:
        word, rest = forms.command_words(str(request.body.get("text") or ""))
        SUBCOMMANDS.get(word, _help)(request, rest)
    except DomainError as error:
        outcome.refused(error)
        request.say(error.message)


def handle_command_mentor(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]
) -> None:
    """Ack at once; the sub-command runs after the ack, or the person is told
    that the bot is busy."""
    deps: HandlerDeps = context["deps"]
    slot = deps.work.reserve(body, context, client)
    if not slot.granted:
        outcome.set(BUSY_OUTCOME)
        ack(text=BUSY, response_type="ephemeral")
        slot.acked()
        slot.finish()
        return
    ack()
    slot.acked()
    request = Request(body, client, respond, deps, context["person"])
    slot.run(lambda: _mentor(request))


def register(app: App) -> None:
    app.command("/mentor")(handle_command_mentor)
