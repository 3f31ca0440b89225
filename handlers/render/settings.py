"""The programme's settings, a modal for its managers: who else manages the
programme, where and when the weekly digest goes, the booking policy, and the
latest changes with who made them."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    NumberInputElement,
    Option,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from domain import workspace
from domain.workspace import Setting, SettingChange, WorkspaceSettings
from handlers.ids import Field, Modal
from handlers.render.common import (
    BOT_NAME,
    context,
    divider,
    escape,
    input_block,
    slack_time,
)
from handlers.render.sessions import plural
from handlers.zones import zone_options

TITLE = "Programme settings"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# What each setting is called in the list of changes.
NAMES = {
    Setting.MANAGERS: "the managers",
    Setting.DIGEST_CHANNEL: "the digest channel",
    Setting.DIGEST_WEEKDAY: "the digest day",
    Setting.DIGEST_TIME: "the digest time",
    Setting.DIGEST_ZONE: "the digest time zone",
    Setting.MIN_NOTICE: "the minimum notice",
    Setting.MAX_OPEN: "open requests per mentee",
}


def _weekday_option(day: int) -> Option:
    return Option(value=str(day), label=WEEKDAYS[day])


def _floor(floor: frozenset[str]) -> list[Block]:
    if not floor:
        return []
    people = ", ".join(f"<@{user}>" for user in sorted(floor))
    return [
        context(f"Always programme managers (set where the bot runs, not changed here): {people}")
    ]


def _hours(minutes: int | None) -> int | None:
    return None if minutes is None else minutes // 60


def _inputs(shown: WorkspaceSettings) -> list[Block]:
    """One input per setting, showing `shown` (a setting it lacks shows empty)."""
    weekday, zone = shown.digest_weekday, shown.digest_zone
    return [
        input_block(
            Field.MANAGERS,
            "Programme managers added here",
            UserMultiSelectElement(
                placeholder="Add people",
                initial_users=sorted(shown.managers) or None,
                max_selected_items=workspace.MAX_MANAGERS,
            ),
            optional=True,
            hint="They see the dashboard and can change these settings.",
        ),
        input_block(
            Field.DIGEST_CHANNEL,
            "Weekly digest channel",
            ConversationSelectElement(
                placeholder="Pick a channel",
                initial_conversation=shown.digest_channel,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
            optional=True,
            hint=f"Invite the bot there first: /invite @{BOT_NAME}",
        ),
        input_block(
            Field.DIGEST_WEEKDAY,
            "Digest day",
            StaticSelectElement(
                options=[_weekday_option(day) for day in range(7)],
                initial_option=None if weekday is None else _weekday_option(weekday),
            ),
        ),
        input_block(
            Field.DIGEST_TIME,
            "Digest time",
            TimePickerElement(
                initial_time=shown.digest_time.strftime("%H:%M") if shown.digest_time else None
            ),
        ),
        input_block(
            Field.DIGEST_ZONE,
            "Digest time zone",
            StaticSelectElement(
                options=[Option(value=name, label=name) for name in zone_options(zone or "UTC")],
                initial_option=None if zone is None else Option(value=zone, label=zone),
            ),
        ),
        input_block(
            Field.MIN_NOTICE,
            "Minimum notice for a booking (hours)",
            NumberInputElement(
                is_decimal_allowed=False,
                min_value=0,
                max_value=workspace.MAX_NOTICE_HOURS,
                initial_value=_hours(shown.min_notice_minutes),
            ),
        ),
        input_block(
            Field.MAX_OPEN,
            "Open requests per mentee",
            NumberInputElement(
                is_decimal_allowed=False,
                min_value=workspace.MIN_OPEN,
                max_value=workspace.MAX_OPEN,
                initial_value=shown.max_open_per_mentee,
            ),
            hint="Requested or scheduled sessions ahead a mentee may hold at once.",
        ),
    ]


def _value(setting: Setting, text: str | None) -> str:
    """An audit row's value in words (None: the environment's default)."""
    if text is None:
        return "the default"
    if setting is Setting.MANAGERS:
        return ", ".join(f"<@{user}>" for user in text.split(",") if user) or "nobody"
    if setting is Setting.DIGEST_CHANNEL:
        return f"<#{text}>"
    if setting is Setting.DIGEST_WEEKDAY and text.isdigit() and int(text) < len(WEEKDAYS):
        return WEEKDAYS[int(text)]
    if setting is Setting.MIN_NOTICE and text.isdigit():
        return plural(int(text) // 60, "hour")
    return escape(text)


def _change(change: SettingChange) -> str:
    old, new = _value(change.setting, change.old), _value(change.setting, change.new)
    return f"{NAMES[change.setting]} from {old} to {new}"


def _changes(changes: Sequence[SettingChange], viewer_zone: str) -> list[Block]:
    if not changes:
        return []
    lines = [
        f"<@{change.actor}> changed {_change(change)}, {slack_time(change.at, viewer_zone)}"
        for change in changes
    ]
    return [divider(), context("*Latest changes*\n" + "\n".join(lines))]


def saved_text(changes: Sequence[SettingChange]) -> str:
    """The confirmation to the manager who saved `changes`."""
    return "Settings saved. You changed " + "; ".join(_change(change) for change in changes) + "."


def settings_modal(
    shown: WorkspaceSettings,
    floor: frozenset[str],
    changes: Sequence[SettingChange],
    viewer_zone: str,
    metadata: str,
) -> View:
    """`shown`: the settings as they apply (see `domain.settings.Defaults.applied`);
    `floor`: the managers nobody removes here; `metadata` carries `shown`."""
    return View(
        type="modal",
        callback_id=Modal.SETTINGS,
        title=TITLE,
        submit="Save",
        close="Cancel",
        private_metadata=metadata,
        blocks=[*_floor(floor), *_inputs(shown), *_changes(changes, viewer_zone)],
    )
