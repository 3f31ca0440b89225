"""The HTTP face of the bot: `POST /slack/events` into Bolt, `GET /healthz`.

Requests whose timestamp header is not a plain number are refused with 401
here: slack-sdk's verifier raises on them and Bolt would answer 500."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

log = logging.getLogger("mentorbot.requests")

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def _rejected(status: str, path: str) -> None:
    log.warning("request rejected", extra={"fields": {"status": int(status), "path": path[:100]}})


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


class BotWsgi:
    def __init__(self, app: App, health: Callable[[], bool]) -> None:
        self._slack = SlackRequestHandler(app, path="/slack/events")
        self._health = health

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            healthy = self._health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _reply(start_response, status, {"ok": healthy})
        if path == "/slack/events":
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            if not _TIMESTAMP.match(stamp) or not environ.get("HTTP_X_SLACK_SIGNATURE"):
                _rejected("401", path)
                return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})

        def noting_refusals(status: str, *rest: Any) -> Any:
            # Listeners log their own line; what never reached one (a bad
            # signature, no listener for it, a wrong path) is logged here.
            if status[:1] in "45":
                _rejected(status.split(" ", 1)[0], path)
            return start_response(status, *rest)

        return self._slack(environ, noting_refusals)
