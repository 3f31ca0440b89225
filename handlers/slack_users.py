"""What Slack says of a person (a `users.info` answer, or a `user_change`
event's user): their name, time zone and title, and whether the account is gone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlackUser:
    display_name: str  # "" when Slack gives none
    time_zone: str  # "" when Slack gives none
    title: str
    deleted: bool


def slack_user(user: Mapping[str, Any]) -> SlackUser:
    profile = user.get("profile") or {}
    return SlackUser(
        display_name=str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        ),
        time_zone=str(user.get("tz") or ""),
        title=str(profile.get("title") or ""),
        deleted=bool(user.get("deleted")),
    )
