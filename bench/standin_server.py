"""The stand-in Slack Web API as a process of its own, for the load bench.

    python -m bench.standin_server

Every `serve` replica the bench starts points `SLACK_API_URL` here, so one
process sees everything the bot sends, whichever replica sent it. Each call is
stamped with `time.monotonic()` when it arrives (one clock for every process on
the machine, so the bench compares it with its own send times). It answers
`users.info` and `conversations.open` for anyone (first-time people get a
made-up profile), as Slack would for any member of the workspace.

A second port, for the bench alone, serves `GET /calls?after=K`: the calls
from number K on, as JSON, with their stamps and what the stand-in answered.
It prints one JSON line with both addresses once it listens, then runs until
it is sent SIGTERM or SIGINT.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.standin.slack_api import Call, FakeSlackServer  # noqa: E402
from bot.standin.workspace import StandInSlack  # noqa: E402

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "UTC")
# What a waiting bench needs of each call; the rest (a Home tab's blocks, a
# search result's blocks) is dropped from the export.
KEPT_PARAMS = {
    "chat.postMessage": ("channel", "text", "blocks", "metadata"),
    "files.completeUploadExternal": ("channel_id",),
    "response_url": ("response_url_id", "text", "replace_original", "delete_original"),
    "views.open": ("trigger_id",),
    "views.update": ("view_id", "view"),
    "views.publish": ("user_id",),
    "users.info": ("user",),
}


class StampedCalls(list[Call]):
    """The call record, with each call's arrival (appended under the stand-in's lock)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []

    def append(self, call: Call) -> None:
        super().append(call)
        self.stamps.append(time.monotonic())

    def clear(self) -> None:
        super().clear()
        self.stamps.clear()


@dataclass
class AnyoneSlack(StandInSlack):
    """A workspace in which every user id is a member: `users.info` answers for
    people the bench never announced, with a name and a zone made from the id,
    and `conversations.open` opens a DM with any of them (the bot opens one to
    share a calendar file, and to read a DM's history)."""

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in ("users.info", "conversations.open"):
            named = str(params.get("user") or params.get("users") or "")
            for user_id in (u for u in named.split(",") if u and u not in self.users):
                zone = ZONES[zlib.crc32(user_id.encode()) % len(ZONES)]
                self.add_user(user_id, f"Newcomer {user_id[-5:]}", zone)
        return super().answer(method, params)


def export(slack: AnyoneSlack, after: int) -> dict[str, Any]:
    calls: StampedCalls = slack.calls  # type: ignore[assignment]  # set by main()
    with slack.lock:
        chosen = list(zip(calls[after:], calls.stamps[after:], strict=True))
    rows = []
    for call, stamp in chosen:
        kept = KEPT_PARAMS.get(call.method, ())
        answer = slack.answered(call) or {}
        rows.append(
            {
                "t": stamp,
                "method": call.method,
                "params": {k: call.params[k] for k in kept if k in call.params},
                "ok": answer.get("ok", True),
                "view_id": (answer.get("view") or {}).get("id"),
                "ts": answer.get("ts"),
            }
        )
    return {"calls": rows, "next": after + len(rows)}


def control_server(slack: AnyoneSlack) -> ThreadingHTTPServer:
    class Control(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path != "/calls":
                self.send_error(404)
                return
            after = int(parse_qs(url.query).get("after", ["0"])[0])
            data = json.dumps(export(slack, after)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer(("127.0.0.1", 0), Control)


def main() -> None:
    slack = AnyoneSlack(calls=StampedCalls())
    # Hundreds of bot threads post at once during a burst.
    server = FakeSlackServer(slack, backlog=1024)
    control = control_server(slack)
    threading.Thread(target=control.serve_forever, daemon=True).start()

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = control.server_address[:2]
    print(
        json.dumps({"api_url": server.api_url, "control": f"http://{host!s}:{port}"}),
        flush=True,
    )
    with server:
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
