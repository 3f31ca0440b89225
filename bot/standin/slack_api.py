"""A fake Slack Web API over real HTTP, recording every call.

Point the app's `SLACK_API_URL` at `server.api_url`; response URLs handed to the
app point at `server.response_url(...)`. Faults can be queued per method to test
retries: `server.fail("chat.postMessage", status=429, retry_after=1)`, or a
malformed answer: `server.fail("conversations.open", answer={"ok": True})`.
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage", or "response_url" for response URL posts
    params: dict[str, Any]
    token: str | None = None

    def view(self) -> dict[str, Any]:
        view = self.params.get("view")
        return json.loads(view) if isinstance(view, str) else view or {}

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or self.view().get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def text(self) -> str:
        """Everything a person would read: fallback text and every text in the blocks."""
        return "\n".join([str(self.params.get("text") or ""), *_texts(self.blocks())])


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def dm_channel(channel: str) -> str:
    """The channel a message to `channel` lands in: the stand-in's DM with a
    person (as conversations.open names it) when `channel` is a user id."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


# The method name recorded for a file's bytes posted to its upload URL.
UPLOAD = "file_upload"

# The methods whose blocks Slack checks (here: that each image's slack_file exists).
_BLOCK_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "views.open", "views.update", "views.push", "views.publish"}
)

# What Slack says with these statuses.
_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    close_connection: bool = False
    delay_s: float = 0.0  # answer (successfully, unless told otherwise) after a pause
    # Answer this instead (an answer Slack should not give, e.g. without a field).
    answer: dict[str, Any] | None = None
    match: tuple[tuple[str, Any], ...] = ()  # only calls with these params fail

    def applies(self, params: dict[str, Any]) -> bool:
        return all(params.get(key) == value for key, value in self.match)


@dataclass
class SlackUser:
    id: str
    name: str
    tz: str = "UTC"
    title: str = ""
    is_bot: bool = False


@dataclass
class SlackChannel:
    id: str
    name: str
    is_private: bool = False
    bot_is_member: bool = True  # whether the bot was invited: it may post there


@dataclass
class FakeSlack:
    """State of the fake workspace, shared with the HTTP handler threads."""

    team_id: str = "T1"
    users: dict[str, SlackUser] = field(default_factory=dict)
    channels: dict[str, SlackChannel] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _views: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _files: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Where upload URLs point: the server sets it to its own address.
    base_url: str = ""
    # Each file's name, as files.getUploadURLExternal was asked for it.
    file_names: dict[str, str] = field(default_factory=dict)
    # Each file's bytes, as posted to its upload URL: like Slack, files outlive
    # the call record (`clear`), so a later message may still show one.
    file_bytes: dict[str, bytes] = field(default_factory=dict)
    # Messages posted, per conversation (a DM as conversations.open names it),
    # oldest first; they too outlive the call record. A message is posted once
    # Slack has it, whether or not its answer reaches the sender.
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add_user(self, user_id: str, name: str, tz: str = "UTC", title: str = "") -> SlackUser:
        user = SlackUser(user_id, name, tz, title)
        self.users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, name: str, *, bot_is_member: bool = True, is_private: bool = False
    ) -> SlackChannel:
        """A channel (`bot_is_member`: the bot was invited there); added again, replaced."""
        channel = SlackChannel(channel_id, name, is_private, bot_is_member)
        with self.lock:
            self.channels[channel_id] = channel
        return channel

    def fail(
        self, method: str, *, times: int = 1, match: dict[str, Any] | None = None, **fault: Any
    ) -> None:
        """The next `times` calls to `method` (whose params include `match`) fail."""
        rule = Fault(match=tuple((match or {}).items()), **fault)
        with self.lock:
            self.faults.setdefault(method, deque()).extend(rule for _ in range(times))

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        queue = self.faults.get(method)
        if queue is None:
            return None
        for fault in list(queue):
            if fault.applies(params):
                queue.remove(fault)
                return fault
        return None

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()

    def uploaded(self, file_id: str) -> str | None:
        """The text posted to a file's upload URL (the second step of
        `files_upload_v2`), or None when nothing was."""
        data = self.uploaded_bytes(file_id)
        return None if data is None else data.decode("utf-8", errors="replace")

    def uploaded_bytes(self, file_id: str) -> bytes | None:
        """The bytes posted to a file's upload URL (a picture), or None."""
        with self.lock:
            return self.file_bytes.get(file_id)

    def _unknown_files(self, params: dict[str, Any]) -> list[str]:
        """The ids of image blocks' `slack_file`s that were never uploaded here:
        Slack refuses such blocks (`invalid_blocks`) rather than show nothing."""
        with self.lock:
            uploaded = set(self.file_bytes)
        unknown = []
        for block in Call("", params).blocks():
            file = block.get("slack_file") if block.get("type") == "image" else None
            if isinstance(file, dict) and "id" in file and str(file["id"]) not in uploaded:
                unknown.append(str(file["id"]))
        return unknown

    def _shared(self, file: dict[str, Any]) -> dict[str, Any]:
        """A shared file as Slack describes it: the type follows from the name."""
        name = self.file_names.get(str(file["id"]), "")
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return {"id": file["id"], "title": file.get("title"), "name": name, "mimetype": mimetype}

    def _post(self, params: dict[str, Any]) -> None:
        """Keep a posted message in its conversation (under the lock)."""
        place = dm_channel(str(params.get("channel") or ""))
        message: dict[str, Any] = {"type": "message", "bot_id": "BBOT", "text": params.get("text")}
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        self.messages.setdefault(place, []).append(message)

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """The latest messages first; like Slack, their metadata only when
        `include_all_metadata` is asked for."""
        with self.lock:
            posted = list(self.messages.get(str(params.get("channel")), []))
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        latest = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(posted[-limit:])
        ]
        return {"ok": True, "messages": latest, "has_more": len(posted) > limit}

    # -- answers -------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": self.team_id,
                "team": "Acme",
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "user": "mentorbot",
            }
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": user.id,
                    "team_id": self.team_id,
                    "name": user.name.lower(),
                    "real_name": user.name,
                    "tz": user.tz,
                    "is_bot": user.is_bot,
                    "profile": {
                        "display_name": user.name,
                        "real_name": user.name,
                        "title": user.title,
                    },
                },
            }
        if method == "conversations.info":
            channel = self.channels.get(str(params.get("channel")))
            # Like Slack, a private channel is unknown to a bot that is not in it.
            if channel is None or (channel.is_private and not channel.bot_is_member):
                return {"ok": False, "error": "channel_not_found"}
            return {
                "ok": True,
                "channel": {
                    "id": channel.id,
                    "name": channel.name,
                    "is_channel": not channel.is_private,
                    "is_private": channel.is_private,
                    "is_archived": False,
                    "is_member": channel.bot_is_member,
                },
            }
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.open":
            users = [u for u in str(params.get("users", "")).split(",") if u]
            if not 1 <= len(users) <= 8:
                # Slack opens a DM with one person, a group DM with up to eight.
                return {
                    "ok": False,
                    "error": "too_many_users" if users else "users_list_not_supplied",
                }
            if any(u not in self.users for u in users):
                return {"ok": False, "error": "user_not_found"}
            if len(users) == 1:
                return {"ok": True, "channel": {"id": "D" + users[0]}}
            # Several people: their group DM with the bot (an mpim), the same one
            # whatever the order they are named in.
            return {"ok": True, "channel": {"id": "G" + "".join(sorted(users)), "is_mpim": True}}
        if method in _BLOCK_METHODS and self._unknown_files(params):
            return {"ok": False, "error": "invalid_blocks"}
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or f"{1700000000 + next(self._ts)}.000100"
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"text": params.get("text"), "ts": ts},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view or {}
            view_id = params.get("view_id") or f"V{next(self._views):06d}"
            return {"ok": True, "view": {**view, "id": view_id, "hash": "h"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):06d}"
            upload_url = f"{self.base_url}/upload/{file_id}"
            self.file_names[file_id] = str(params.get("filename"))
            return {"ok": True, "upload_url": upload_url, "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or "[]"
            shared = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [self._shared(f) for f in shared]}
        return {"ok": True}


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    query = {k: v[-1] for k, v in parse_qs(urlparse(handler.path).query).items()}
    content_type = handler.headers.get("Content-Type", "")
    if body and "json" in content_type:
        return {**query, **json.loads(body)}
    if body:
        return {**query, **{k: v[-1] for k, v in parse_qs(body.decode()).items()}}
    return query


class _Handler(BaseHTTPRequestHandler):
    slack: FakeSlack

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is the record."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlparse(self.path).path
        if path.startswith("/response/"):
            method, params = "response_url", json.loads(body or b"{}")
            params["response_url_id"] = path.rsplit("/", 1)[-1]
        elif path.startswith("/upload/"):
            # The file's bytes, as they are: no form or JSON to parse. They are
            # kept once, in `file_bytes`, where `uploaded` decodes a text file:
            # a decoded copy in the call record as well held every export's CSV
            # twice in the process (bench/run.py's peak RSS).
            method = UPLOAD
            params = {"file_id": path.rsplit("/", 1)[-1]}
        else:
            method, params = path.rsplit("/", 1)[-1], _params(self, body)
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or None
        slack = self.slack
        with slack.lock:
            fault = slack._take_fault(method, params)
            if fault is None or fault.status == 200:
                slack.calls.append(Call(method, params, token))
                if method == "chat.postMessage" and (fault is None or not fault.error):
                    slack._post(params)
            if method == UPLOAD and fault is None:
                slack.file_bytes[str(params["file_id"])] = body
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        if fault is not None and fault.close_connection:
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None and fault.status != 200:
            self._send(
                fault.status,
                {
                    "ok": False,
                    "error": fault.error or _DEFAULT_ERRORS.get(fault.status, "fatal_error"),
                },
                retry_after=fault.retry_after,
            )
            return
        if fault is not None and fault.error:
            self._send(200, {"ok": False, "error": fault.error})
            return
        if fault is not None and fault.answer is not None:
            self._send(200, fault.answer)
            return
        answer = (
            {"ok": True} if method in ("response_url", UPLOAD) else slack.answer(method, params)
        )
        self._send(200, answer)

    def _send(self, status: int, payload: dict[str, Any], retry_after: int | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815


class FakeSlackServer:
    """Runs `FakeSlack` on 127.0.0.1 in a background thread."""

    def __init__(
        self, slack: FakeSlack | None = None, *, host: str = "127.0.0.1", backlog: int = 5
    ) -> None:
        """`backlog`: connections the listening socket queues before refusing
        more (the standard library's 5 drops bursts from many senders at once)."""
        self.slack = slack or FakeSlack()
        handler = type("Handler", (_Handler,), {"slack": self.slack})
        self._server = ThreadingHTTPServer((host, 0), handler, bind_and_activate=False)
        self._server.request_queue_size = backlog
        try:
            self._server.server_bind()
            self._server.server_activate()
        except OSError:
            self._server.server_close()
            raise
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.slack.base_url = self.base_url

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's (host, port)
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    def __enter__(self) -> FakeSlackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
