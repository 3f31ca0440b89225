"""Small pieces every view uses: times, stars, bars, safe text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    BlockElement,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    InteractiveElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from domain.metrics import MIN_RATINGS_SHOWN
from handlers.ids import VALUE, Field

# Slack's own limits, checked again here so a long list is cut with a note
# instead of being refused by Slack.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
# How people find the bot to invite it to a channel: manifest.yml's `bot_user.display_name`.
BOT_NAME = "Mentorship"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text a person typed, made inert in mrkdwn (no mentions, links or markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def plain_time(moment: datetime, zone_name: str, *, with_day: bool = True) -> str:
    """For plain-text places (select options, fallbacks): 'Tue 1 Dec, 09:00'."""
    local = moment.astimezone(zone(zone_name))
    clock = local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b}, {clock}" if with_day else clock


def slack_time(moment: datetime, fallback_zone: str) -> str:
    """Rendered by Slack in each reader's own zone; the fallback in `fallback_zone`."""
    fallback = f"{plain_time(moment, fallback_zone)} ({zone(fallback_zone).key})"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def place(number: int | None, times: int | None) -> str:
    """A session's place in its series ("2 of 6"); empty for a single session."""
    return f"{number} of {times}" if number and times else ""


def stars(average: float | None, count: int) -> str:
    """A mentor's average rating as anyone may see it. Below the threshold it is
    withheld from everyone, the mentor too: one or two ratings would tell who
    gave which."""
    if not count:
        return "No ratings yet"
    if average is None or count < MIN_RATINGS_SHOWN:
        return f"{count} rating{'' if count == 1 else 's'} (too few to show an average)"
    full = round(average)
    return f"{'★' * full}{'☆' * (5 - full)} {average:.1f} ({count})"


def bar(fraction: float, width: int = 10) -> str:
    """A text bar that reads the same on desktop and mobile: '▓▓▓▓░░░░░░'; it
    stops at full (and at empty) whatever the fraction."""
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return f"{'▓' * filled}{'░' * (width - filled)}"


def progress_bar(fraction: float, width: int = 10) -> str:
    """The bar and its percentage: '▓▓▓▓░░░░░░ 40%'; above 100% the bar is full
    and the figure says by how much it overflowed."""
    return f"{bar(fraction, width)} {max(fraction, 0.0):.0%}"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=truncate(text, 150), emoji=True))


def section(
    text: str, *, block_id: str | None = None, accessory: BlockElement | None = None
) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, MAX_SECTION_TEXT)),
        block_id=block_id,
        accessory=accessory,
    )


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2000))])


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    url: str | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=truncate(text, MAX_BUTTON_TEXT),
        action_id=action_id,
        value=value,
        style=style,
        url=url,
    )


def actions(*elements: InteractiveElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements), block_id=block_id)


def input_block(
    field: Field,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    """A modal input: its block_id is `field`, its element's action_id is `VALUE`."""
    element.action_id = VALUE
    return InputBlock(block_id=field, label=label, element=element, optional=optional, hint=hint)
