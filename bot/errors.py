"""The one place unexpected errors end: logged with a reference, the person told
politely, Slack answered 200 (a 500 makes Slack retry and show its own error)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import outcome
from handlers.context import who
from handlers.trace import where

log = logging.getLogger("mentorbot.errors")

APOLOGY = (
    "Sorry, something went wrong on our side, and it may not have finished."
    " Please check the Home tab before trying again. (ref `{ref}`)"
)


def is_apology(text: str) -> bool:
    return text.startswith(APOLOGY.split("(ref", 1)[0])


def handle_unexpected_error(
    error: Exception, body: dict[str, Any], client: WebClient
) -> BoltResponse:
    ref = uuid.uuid4().hex[:8]
    outcome.failed(ref)
    log.error("unhandled error ref=%s\n%s", ref, where(error))
    person = who(body)
    if person.user_id:
        try:
            client.chat_postMessage(channel=person.user_id, text=APOLOGY.format(ref=ref))
        except (SlackApiError, OSError):
            log.warning("could not tell %s about error ref=%s", person.user_id, ref)
    return BoltResponse(status=200, body="")


def register(app: App) -> None:
    app.error(handle_unexpected_error)
