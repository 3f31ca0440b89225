"""Events API listeners. Slack retries events (and may send a retry while the
first attempt still runs), so each event acts once: `app_home_opened` keyed by
its event_id; the others change nothing when applied again.

Slack's lifecycle events: `user_change` (a deactivated or deleted account
leaves the programme; a new name, time zone or title is taken),
`app_uninstalled` and `tokens_revoked` (sending to the workspace stops; its
data is kept). They may come from a workspace the bot has never seen (nothing
to do then). Any other signed request from a paused workspace shows that the
app is installed there again, and resumes sending (see domain.installs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from domain.inbox import first_delivery
from domain.installs import app_removed
from domain.membership import slack_account_changed
from domain.model import Actor
from handlers.context import HandlerDeps, ensure_known, who

# The events that say the app is gone: they must not count as hearing from it.
REMOVALS = frozenset({"app_uninstalled", "tokens_revoked"})


def handle_event_app_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    if event.get("tab") != "home":
        return
    deps = context["deps"]
    person = who(body)
    # First sight also records the workspace the event id belongs to.
    ensure_known(deps, client, person)
    event_id = str(body.get("event_id") or "")
    if event_id and not first_delivery(
        deps.uow(person.team_id, person.user_id), deps.clock, event_id=event_id
    ):
        return
    deps.notifier.refresh_home(person.team_id, person.user_id)


def resume_sending(
    body: dict[str, Any], req: BoltRequest, context: dict[str, Any], next: Callable[[], None]
) -> None:
    """Middleware: a signed request from a workspace resumes sending there. Not a
    retry (Slack retries what it sent before, perhaps before the uninstall)."""
    event = body.get("event")
    removal = isinstance(event, dict) and event.get("type") in REMOVALS
    retry = bool(req.headers.get("x-slack-retry-num"))
    team_id = context.get("team_id")
    if team_id and not removal and not retry:
        context["deps"].notifier.heard_from(str(team_id))
    next()


def handle_event_user_change(
    body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
) -> None:
    deps: HandlerDeps = context["deps"]
    user = event.get("user") or {}
    # The workspace the event came from, where the profile lives; a user's own
    # team_id differs in Enterprise Grid and Slack Connect.
    team_id = str(body.get("team_id") or user.get("team_id") or "")
    if not team_id or not user.get("id"):
        return
    profile = user.get("profile") or {}
    uow = deps.unit_of_work(Actor.system(team_id))
    cancelled = slack_account_changed(
        uow,
        deps.clock,
        slack_user_id=str(user["id"]),
        deleted=bool(user.get("deleted")),
        display_name=str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        ),
        time_zone=str(user.get("tz") or ""),
        title=str(profile.get("title") or ""),
    )
    if cancelled:
        deps.notifier.deliver(list(uow.new_notifications))


def handle_event_app_uninstalled(body: dict[str, Any], context: dict[str, Any]) -> None:
    _removed(context["deps"], body, "app_uninstalled")


def handle_event_tokens_revoked(
    body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
) -> None:
    # Only the bot's token matters: the app holds no user tokens.
    if (event.get("tokens") or {}).get("bot"):
        _removed(context["deps"], body, "tokens_revoked")


def _removed(deps: HandlerDeps, body: dict[str, Any], because: str) -> None:
    team_id = str(body.get("team_id") or "")
    if team_id:
        app_removed(deps.unit_of_work(Actor.system(team_id)), deps.clock, because=because)
        deps.notifier.forget_heard_from(team_id)


def register(app: App) -> None:
    app.middleware(resume_sending)
    app.event("app_home_opened")(handle_event_app_home_opened)
    app.event("user_change")(handle_event_user_change)
    app.event("app_uninstalled")(handle_event_app_uninstalled)
    app.event("tokens_revoked")(handle_event_tokens_revoked)
