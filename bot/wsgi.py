"""The HTTP face of the bot: `POST /slack/events` into Bolt, `GET /healthz`,
and the calendar feeds under `/calendar/` (handlers.feed), which are no Slack
requests and never reach Bolt.

Requests whose timestamp header is not a plain number are refused with 401
here: slack-sdk's verifier raises on them and Bolt would answer 500.

Bolt reads and parses the whole body before it checks the signature, and its
error handler then acts on what the unverified body says; so everything Slack
guarantees is checked here first, and Bolt only ever sees requests Slack signed:
- the body is read bounded: one declared longer than `MAX_BODY` is refused with
  413 before a byte of it is read, a chunked one (no length declared) with 413 as
  soon as it runs past the limit, and one that does not arrive within
  `READ_DEADLINE_S` with 408 (a slow sender would otherwise hold a thread for
  good). The rest is never read: gunicorn drains at most 64 KiB, then closes;
- a body that is not UTF-8 (Slack's always is) is refused with 400;
- the signature must have Slack's shape and be right for the body and the
  timestamp (at most five minutes old), else 401;
- a signed body must be what Slack sends: a form (an interaction's `payload` a
  JSON object) or a JSON object (events), else 400.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.logs import redact
from bot.work import AfterAck
from handlers.feed import PREFIX as FEEDS

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
Wsgi = Callable[[Environ, StartResponse], Iterable[bytes]]

log = logging.getLogger("mentorbot.requests")

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

# Slack's largest payloads (a view submission carrying a full modal's state,
# at most 100 blocks of bounded size) stay well under a few hundred kilobytes;
# 1 MiB leaves room for them and keeps the worst case small: every thread of
# every worker holding one body at once is 2 workers x 8 threads x 1 MiB.
MAX_BODY = 1024 * 1024
_READ = 64 * 1024
# Slack sends a whole request at once; a body still arriving after this long is
# not Slack's, and must not keep one of the few request threads.
READ_DEADLINE_S = 5.0


class _Refused(Exception):
    def __init__(self, status: str, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def _bounded_body(environ: Environ) -> bytes:
    """The request's body, read no further than `MAX_BODY` nor longer than
    `READ_DEADLINE_S`, checked to be UTF-8."""
    connection = environ.get("gunicorn.socket")
    if connection is not None:
        connection.settimeout(READ_DEADLINE_S)
    try:
        body = _read(environ)
    except OSError:  # the deadline (TimeoutError) or a connection that broke off
        raise _Refused("408 Request Timeout", "request body too slow") from None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("400 Bad Request", "request body is not UTF-8") from None
    return body


def _read(environ: Environ) -> bytes:
    declared = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if declared:
        if not declared.isdigit():
            raise _Refused("400 Bad Request", "invalid content length")
        if int(declared) > MAX_BODY:
            raise _Refused("413 Content Too Large", "request body too large")
        body = stream.read(int(declared)) if stream is not None else b""
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and stream is not None:
        parts: list[bytes] = []
        size = 0
        while part := stream.read(_READ):
            size += len(part)
            if size > MAX_BODY:
                raise _Refused("413 Content Too Large", "request body too large")
            parts.append(part)
        body = b"".join(parts)
    else:
        body = b""
    return body


def _slacks_shape(body: bytes, content_type: str) -> bool:
    """A form (with an interaction's `payload` a JSON object), or a JSON object."""
    text = body.decode("utf-8")
    try:
        if content_type.startswith("application/json"):
            return isinstance(json.loads(text), dict)
        payload = parse_qs(text).get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except ValueError:
        return False


def _rejected(status: str, path: str) -> None:
    # Scrubbed here as well as by the log formatter: a path may carry a feed
    # token (`/x/calendar/<token>.ics` reaches Bolt, which has no listener
    # for it), and the record's fields reach any handler an operator adds.
    log.warning(
        "request rejected", extra={"fields": {"status": int(status), "path": redact(path)[:100]}}
    )


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


class _ThenRelease:
    """A response body that, once the server has sent it (and closes it),
    releases the work the request handed over after its ack."""

    def __init__(self, body: Iterable[bytes], release: Callable[[], None]) -> None:
        self._body, self._release = body, release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._release()


class BotWsgi:
    def __init__(
        self,
        app: App,
        health: Callable[[], bool],
        signing_secret: str,
        work: AfterAck | None = None,
        *,
        feeds: Wsgi,
    ) -> None:
        self._slack = SlackRequestHandler(app, path="/slack/events")
        self._health = health
        self._verifier = SignatureVerifier(signing_secret)
        self._work = work
        self._feeds = feeds

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            healthy = self._health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _reply(start_response, status, {"ok": healthy})
        if path.startswith(FEEDS):
            return self._feeds(environ, start_response)
        if path == "/slack/events":
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
            if not _TIMESTAMP.match(stamp) or not _SIGNATURE.match(signature):
                _rejected("401", path)
                return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
            try:
                body = _bounded_body(environ)
            except _Refused as refused:
                _rejected(refused.status.split(" ", 1)[0], path)
                return _reply(start_response, refused.status, {"error": refused.error})
            if not self._verifier.is_valid(body, stamp, signature):
                _rejected("401", path)
                return _reply(start_response, "401 Unauthorized", {"error": "invalid request"})
            if not _slacks_shape(body, environ.get("CONTENT_TYPE", "")):
                _rejected("400", path)
                return _reply(start_response, "400 Bad Request", {"error": "not a Slack request"})
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))

        def noting_refusals(status: str, *rest: Any) -> Any:
            # Listeners log their own line; what never reached one (a bad
            # signature, no listener for it, a wrong path) is logged here.
            if status[:1] in "45":
                _rejected(status.split(" ", 1)[0], path)
            return start_response(status, *rest)

        if self._work is None:
            return self._slack(environ, noting_refusals)
        # The ack is sent before any work after it starts.
        with self._work.holding() as release:
            try:
                answer = self._slack(environ, noting_refusals)
            except BaseException:
                release()
                raise
        return _ThenRelease(answer, release)
