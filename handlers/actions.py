"""Buttons and selects: in DMs, ephemeral messages, the App Home and modals.

Each listener acks first, decodes the identifiers the element carries (anything
tampered with gets a polite refusal), runs one use case as the person who
clicked, and shows the result where the click happened (`handlers.click`). The
listeners live by what they act on; this module registers them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import booking_actions, home_actions, profile_actions, session_actions
from handlers.click import Handler
from handlers.ids import Action

LISTENERS: dict[Action, Handler] = {
    **session_actions.LISTENERS,
    **booking_actions.LISTENERS,
    **profile_actions.LISTENERS,
    **home_actions.LISTENERS,
}


def register(app: App) -> None:
    for action_id, handle in LISTENERS.items():
        app.action(action_id.value)(handle)
