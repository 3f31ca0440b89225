"""Whether the bot can post in a channel, asked of Slack before a manager's
choice of digest channel is stored (and never while a transaction is open)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import InvalidInput
from handlers.render.common import BOT_NAME

UNCHECKED = "I could not check that channel just now. Please try again in a moment."


def invite_first(name: str) -> str:
    return f"Invite the bot first: /invite @{BOT_NAME} in {name}"


def require_postable(client: WebClient, channel: str, *, field: str) -> None:
    """Refuse (on `field`) a channel the bot is not a member of, or cannot see."""
    try:
        found = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as error:
        # A private channel is invisible to the bot until someone invites it.
        if error.response.get("error") == "channel_not_found":
            raise InvalidInput(invite_first("that channel"), field=field) from None
        raise InvalidInput(UNCHECKED, field=field) from None
    except OSError:  # Slack could not be reached: nothing is stored either way
        raise InvalidInput(UNCHECKED, field=field) from None
    name = f"#{found['name']}" if found.get("name") else "that channel"
    if found.get("is_archived"):
        raise InvalidInput(f"{name} is archived. Pick another channel.", field=field)
    if not found.get("is_member"):
        raise InvalidInput(invite_first(name), field=field)
