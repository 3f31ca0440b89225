"""The calendar feed's Reset link button, on the message `/mentor calendar`
showed: a new address replaces that message, and the old one stops working."""

from __future__ import annotations

from handlers import screens
from handlers.click import Click, action
from handlers.ids import Action


@action(Action.RESET_CALENDAR)
def handle_action_reset_calendar(click: Click) -> None:
    text, blocks = screens.calendar(click.acting, click.deps, reset=True)
    click.respond(text=text, blocks=blocks, replace_original=True)
