"""What `/mentor calendar` shows: the person's private calendar feed, how to
subscribe to it, and the button that gives it a new address."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject

from domain.calendar_feed import FeedAccess
from handlers.ids import Action
from handlers.render.common import actions, context, header, section, slack_time

TITLE = "Your calendar feed"
HOW_TO = (
    "• *Google Calendar*: Other calendars → + → From URL, then paste it\n"
    "• *Outlook*: Add calendar → Subscribe from web, then paste it\n"
    "• *Apple Calendar*: File → New Calendar Subscription, then paste it"
)
PRIVATE = (
    ":lock: This link is private: anyone who has it sees your sessions. Don't share it;"
    " if it gets out, reset it."
)
NOT_CONFIGURED = (
    "Calendar feeds aren't set up here yet. Ask whoever runs the bot to set"
    " `MENTORSHIP_PUBLIC_URL`: the bot's public https address, the one Slack sends"
    " its requests to without `/slack/events` (for example"
    " `https://mentorship.example.com`). Calendar apps fetch each person's feed from"
    " under it."
)


def calendar_unavailable() -> tuple[str, list[Block]]:
    return NOT_CONFIGURED, [section(NOT_CONFIGURED)]


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url}/calendar/{token}.ics"


def calendar_message(
    access: FeedAccess, public_url: str, viewer_zone: str
) -> tuple[str, list[Block]]:
    """The feed's address when it was just made (the only time it can be
    shown), else since when the feed works and how to get a new address."""
    if access.token is None:
        since = slack_time(access.since, viewer_zone)
        return (
            "Your calendar feed is active. Its link can't be shown again: Reset link gives"
            " you a new one.",
            [
                header(TITLE),
                section(
                    f"Your calendar feed is active since {since}. Its link was shown when it"
                    " was made and isn't kept here (only a fingerprint of it is), so it can't"
                    " be shown again.\nLost it? *Reset link* gives you a new link and stops"
                    " the old one at once."
                ),
                actions(_reset_button()),
            ],
        )
    url = feed_url(public_url, access.token)
    return (
        f"Your private calendar feed: {url}",
        [
            header(TITLE),
            section(
                "Subscribe to this link in your calendar app to see your mentoring"
                f" sessions there:\n```{url}```"
            ),
            section(HOW_TO),
            context(PRIVATE),
            actions(_reset_button()),
        ],
    )


def _reset_button() -> ButtonElement:
    return ButtonElement(
        text="Reset link",
        action_id=Action.RESET_CALENDAR,
        confirm=ConfirmObject(
            title="Reset your calendar link?",
            text="You'll get a new link. The old one stops working at once: calendars"
            " subscribed to it stop showing your sessions until you subscribe again.",
            confirm="Reset link",
            deny="Keep it",
        ),
    )
