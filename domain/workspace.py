"""What a workspace's programme managers change in Slack, as values: who else
manages the programme, where and when the weekly digest goes, and the booking
policy. A setting left None follows the environment's default
(`domain.settings.Defaults`); the managers listed in the environment are
managers whatever is stored here (the floor nobody removes in Slack)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time
from enum import StrEnum

from domain.errors import InvalidInput
from domain.slots import chosen_zone


class Setting(StrEnum):
    """Each setting; the value names its column, its audit rows and its modal field."""

    MANAGERS = "managers"
    DIGEST_CHANNEL = "digest_channel"
    DIGEST_WEEKDAY = "digest_weekday"
    DIGEST_TIME = "digest_time"
    DIGEST_ZONE = "digest_zone"
    MIN_NOTICE = "min_notice_minutes"
    MAX_OPEN = "max_open_per_mentee"


# Limits, defined once: the modal's inputs and the database's CHECKs say the same.
MAX_MANAGERS = 30  # added in Slack, beside the environment's
MAX_NOTICE_HOURS = 168  # a week: well inside the 14 days bookings may lie ahead
MIN_OPEN, MAX_OPEN = 1, 50  # as MENTORSHIP_MAX_OPEN_SESSIONS
MAX_ZONE_LENGTH = 64
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
# A public or private channel's id, as Slack writes it in `<#C0123ABC|name>`.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,20}$")


@dataclass(frozen=True)
class WorkspaceSettings:
    """A workspace's own settings; None (an empty set for the managers) where
    it has none and the default applies. `managers` are those added in Slack."""

    managers: frozenset[str] = frozenset()
    digest_channel: str | None = None
    digest_weekday: int | None = None  # 0 = Monday
    digest_time: time | None = None  # wall-clock, in the digest's zone
    digest_zone: str | None = None
    min_notice_minutes: int | None = None
    max_open_per_mentee: int | None = None

    def text(self, setting: Setting) -> str | None:
        """The setting as an audit row writes it (None: the default)."""
        value = getattr(self, setting.value)
        if isinstance(value, frozenset):
            return ",".join(sorted(value))
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return None if value is None else str(value)

    def updated(self, edit: SettingsEdit) -> WorkspaceSettings:
        """These settings with the edited ones taken from `edit`."""
        return replace(
            self,
            **{setting.value: getattr(edit.values, setting.value) for setting in edit.settings},
        )


@dataclass(frozen=True)
class SettingChange:
    """One setting changed: by whom (a Slack user id), when, from what to what
    (as `WorkspaceSettings.text` writes them; None is the default)."""

    setting: Setting
    old: str | None
    new: str | None
    actor: str
    at: datetime


@dataclass(frozen=True)
class SettingsEdit:
    """Settings a manager changes: `settings` names them, `values` holds their
    new values (its other fields mean nothing)."""

    values: WorkspaceSettings
    settings: frozenset[Setting]

    @classmethod
    def between(cls, shown: WorkspaceSettings, wanted: WorkspaceSettings) -> SettingsEdit:
        """What a person changed in a form that showed `shown`: only those
        settings, so that a setting they left alone keeps following its
        default, and one another manager changed meanwhile is not put back."""
        changed = frozenset(
            s for s in Setting if getattr(shown, s.value) != getattr(wanted, s.value)
        )
        return cls(wanted, changed)


def check(edit: SettingsEdit) -> None:
    """Refuse the first edited value out of bounds, naming its setting."""
    for setting in Setting:  # in the form's order
        message = _problem(setting, edit.values) if setting in edit.settings else None
        if message is not None:
            raise InvalidInput(message, field=setting.value)


def _problem(setting: Setting, values: WorkspaceSettings) -> str | None:
    if setting is Setting.MANAGERS:
        if len(values.managers) > MAX_MANAGERS:
            return f"At most {MAX_MANAGERS} managers can be added here."
        if not all(SLACK_USER_ID.match(user) for user in values.managers):
            return "Pick people from the list."
    channel = values.digest_channel
    if setting is Setting.DIGEST_CHANNEL and channel is not None and not CHANNEL_ID.match(channel):
        return "Pick a channel from the list."
    if setting is Setting.DIGEST_WEEKDAY and values.digest_weekday not in range(7):
        return "Pick a weekday from the list."
    if setting is Setting.DIGEST_TIME and (
        values.digest_time is None or values.digest_time.tzinfo is not None
    ):
        return "Pick a time."
    if setting is Setting.DIGEST_ZONE:
        return _zone_problem(values.digest_zone)
    if setting is Setting.MIN_NOTICE and values.min_notice_minutes not in range(
        0, MAX_NOTICE_HOURS * 60 + 1
    ):
        return f"The minimum notice is from 0 to {MAX_NOTICE_HOURS} hours."
    if setting is Setting.MAX_OPEN and values.max_open_per_mentee not in range(
        MIN_OPEN, MAX_OPEN + 1
    ):
        return f"Open requests per mentee are from {MIN_OPEN} to {MAX_OPEN}."
    return None


def _zone_problem(zone: str | None) -> str | None:
    if not zone or len(zone) > MAX_ZONE_LENGTH:
        return f"Unknown time zone: {(zone or '')[:MAX_ZONE_LENGTH]}."
    try:
        chosen_zone(zone)
    except InvalidInput as refused:
        return refused.message
    return None
