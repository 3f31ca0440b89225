"""Payloads shaped as Slack sends them (trimmed to what Bolt and the app read)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ids = itertools.count(1)
TEAM = {"id": "T1", "domain": "acme"}
COMMAND_CHANNEL = "C0GENERAL"  # where every slash command is typed
# The ts a click carries when the caller does not say which message it was in.
SOME_TS = "1700000001.000100"


@dataclass(frozen=True)
class Where:
    """A message's place in Slack, as a click in it reports: its channel and ts."""

    channel: str
    ts: str
    ephemeral: bool = False  # seen by one person only; Slack lets nobody update it


def command(user_id: str, text: str, *, response_url: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM["id"],
        "team_domain": TEAM["domain"],
        "channel_id": COMMAND_CHANNEL,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/mentor",
        "text": text,
        "api_app_id": "A0MENTOR",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.1.trigger",
    }


def _user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T1"}


def block_action(
    user_id: str,
    action_id: str,
    value: str,
    *,
    response_url: str | None = None,
    where: Where | None = None,
    message: Mapping[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    selected: bool = False,
) -> dict[str, Any]:
    """A click on a button (or a choice in a select when `selected`) in `view`,
    or else in the message `message` at `where` (by default somewhere in the
    person's DM with the app, for callers that built the button themselves)."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "b1",
        "type": "static_select" if selected else "button",
        "action_ts": "1700000000.000001",
    }
    if selected:
        action["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": value}
    else:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": TEAM,
        "user": _user(user_id),
        "api_app_id": "A0MENTOR",
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ids)}.1.trigger",
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        where = where or Where("D" + user_id, SOME_TS)
        payload["container"] = {
            "type": "message",
            "message_ts": where.ts,
            "channel_id": where.channel,
            "is_ephemeral": where.ephemeral,
        }
        direct = where.channel.startswith("D")
        payload["channel"] = {"id": where.channel, "name": "directmessage" if direct else "general"}
        if not where.ephemeral:  # Slack sends an ephemeral message's content to nobody
            shown = message or {}
            payload["message"] = {
                "type": "message",
                "ts": where.ts,
                "text": str(shown.get("text") or ""),
                "blocks": list(shown.get("blocks") or []),
            }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Submitting `view` (as the app opened it) with `values[block_id] = element state`."""
    state = {"values": {block: {"value": element} for block, element in values.items()}}
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": _user(user_id),
        "api_app_id": "A0MENTOR",
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ids)}.1.trigger",
        "view": {
            "id": view.get("id", "V1"),
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": state,
            "hash": "h",
            "blocks": view.get("blocks", []),
        },
    }


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def checkboxes(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": value} for value in values]}


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T1",
        "api_app_id": "A0MENTOR",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": 1700000000,
        "event": event,
    }


def home_opened(user_id: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id, "tab": "home"}
