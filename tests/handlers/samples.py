"""Sample people and small helpers the renderer tests share."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from domain.model import Profile
from tests.dates import MONDAY

NOW = MONDAY + timedelta(hours=8)  # a Monday morning
MAYA = Profile(
    id=1,
    workspace_id="T1",
    slack_user_id="UMAYA",
    display_name="Maya Chen",
    time_zone="Europe/London",
    is_mentor=True,
)
BEN = Profile(
    id=2,
    workspace_id="T1",
    slack_user_id="UBEN",
    display_name="Ben Okafor",
    time_zone="America/New_York",
    is_mentee=True,
)
OLGA = Profile(id=3, workspace_id="T1", slack_user_id="UOLGA", display_name="Olga Ivanova")


def dump(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def as_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found
