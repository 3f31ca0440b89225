"""What happens to each Slack request: one log line, written when its work has
finished (the work after the ack included): the handler, the Slack user and
team, the outcome, the time until the ack and until the end. Never the text
people typed.

Bolt answers Slack when the listener returns (`process_before_response`), and
listeners return once they have acked, handing the rest to `bot.work`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.work import ACKED_AT, RECEIVED_AT
from handlers import outcome
from handlers.commands import SUBCOMMANDS

log = logging.getLogger("mentorbot.requests")


def describe(body: dict[str, Any]) -> str:
    """The handler a request reaches, named without anything the person typed."""
    kind = str(body.get("type") or "")
    if "command" in body:
        word = str(body.get("text") or "").split(maxsplit=1)
        name = word[0].lower() if word and word[0].lower() in SUBCOMMANDS else "help"
        return f"command {body['command']} {name}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action {actions[0].get('action_id', '?')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id', '?')}"
    if kind == "event_callback":
        return f"event {(body.get('event') or {}).get('type', '?')}"
    return kind or "unknown"


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or (body.get("event") or {}).get("user") or "")


def _team(body: dict[str, Any]) -> str:
    team = body.get("team")
    return str(team.get("id") if isinstance(team, dict) else body.get("team_id") or "")


def log_request(body: dict[str, Any], context: dict[str, Any], ended: str) -> None:
    now = time.perf_counter()
    received = context.get(RECEIVED_AT, now)
    acked = context.get(ACKED_AT)
    log.info(
        "request",
        extra={
            "fields": {
                "handler": describe(body),
                "user": _user(body),
                "team": _team(body),
                "outcome": ended,
                "ack_ms": round((acked - received) * 1000, 1) if acked else None,
                "duration_ms": round((now - received) * 1000, 1),
            }
        },
    )


def observe(app: App) -> None:
    """Note when each request arrived, and start its outcome afresh."""

    @app.middleware
    def arm(context: dict[str, Any], next: Callable[[], None]) -> None:
        context[RECEIVED_AT] = time.perf_counter()
        outcome.reset()
        next()
