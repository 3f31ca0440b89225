"""Events API listeners. Slack retries events (and may send a retry while the
first attempt still runs), so each event acts once, keyed by its event_id."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from domain.inbox import first_delivery
from handlers.context import ensure_known, who


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


def register(app: App) -> None:
    app.event("app_home_opened")(handle_event_app_home_opened)
