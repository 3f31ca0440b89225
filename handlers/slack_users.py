"""What Slack says of a person (a `users.info` answer, or a `user_change`
event's user): their name, time zone and title, and whether the account is gone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlackUser:
    display_name: str  # "" when Slack gives none
    time_zone: str  # "" when Slack gives none
    title: str
    deleted: bool


def slack_user(user: object) -> SlackUser:
    """Read as Slack documents it; anything else (not an object, `deleted` not
    the boolean true) reads as nothing said, never as an account gone."""
    found: dict[str, Any] = user if isinstance(user, dict) else {}
    profile = found.get("profile")
    about: dict[str, Any] = profile if isinstance(profile, dict) else {}
    name = about.get("display_name") or about.get("real_name") or found.get("name")
    return SlackUser(
        display_name=_text(name),
        time_zone=_text(found.get("tz")),
        title=_text(about.get("title")),
        deleted=found.get("deleted") is True,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
