"""Buttons and selects: in DMs, ephemeral messages, the App Home and modals.

Each listener is acked at once; after the ack it decodes the identifiers the
element carries (anything tampered with gets a polite refusal), runs one use
case as the person who clicked, and shows the result where the click happened
(`handlers.click`). The listeners live by what they act on; importing them
lists them in `LISTENERS`, and this module registers them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    booking_actions,
    calendar_actions,
    goal_actions,
    group_actions,
    home_actions,
    profile_actions,
    series_actions,
    session_actions,
    settings_actions,
)
from handlers.click import LISTENERS

MODULES = (
    booking_actions,
    calendar_actions,
    goal_actions,
    group_actions,
    home_actions,
    profile_actions,
    series_actions,
    session_actions,
    settings_actions,
)


def register(app: App) -> None:
    for action_id, handle in LISTENERS.items():
        app.action(action_id.value)(handle)
