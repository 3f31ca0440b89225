"""`GET /calendar/<token>.ics`: a person's private calendar feed, for calendar
apps to subscribe to (Google Calendar, Outlook, Apple Calendar).

Plain HTTP beside the Slack endpoint: no Slack signature, no Bolt. The token
in the path is the whole credential, so every way of failing (malformed,
unknown, reset) gets the same 404, and the path is never logged. The answer
is the same bytes for the same sessions (DTSTAMP is when a session last
changed), so its ETag is a hash of them and a calendar app that asks again
with `If-None-Match` gets a 304 while nothing changed."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from domain.calendar_feed import FeedEvent, feed_for_token
from domain.model import Actor
from domain.ports import Clock, UnitOfWork
from handlers.render.ics import CONTENT_TYPE, CalendarEvent, published_calendar
from handlers.trace import where

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
Headers = list[tuple[str, str]]

log = logging.getLogger("mentorbot.feeds")

PREFIX = "/calendar/"
_PATH = re.compile(r"/calendar/([^/]*)\.ics")
CALENDAR_NAME = "Mentoring"
CACHE_CONTROL = "private, max-age=300"
DISPOSITION = 'inline; filename="mentoring.ics"'
ALLOWED = "GET, HEAD"
# Longer If-None-Match headers are ignored (answered in full): no client sends
# more than a few tags, and the comparison stays bounded whatever arrives.
MAX_IF_NONE_MATCH = 1024
NOT_FOUND = b"Not found\n"


class CalendarFeeds:
    """The WSGI application of the calendar feeds (`PREFIX`)."""

    def __init__(
        self,
        unit_of_work: Callable[[Actor], UnitOfWork],
        clock: Clock,
        meeting_template: str | None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._template = meeting_template

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        began = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", ""))
        try:
            status, headers, body = self._answer(method, environ)
        except Exception as error:  # the feeds' one error boundary, as app.error is Slack's
            ref = uuid.uuid4().hex[:8]
            log.error("calendar feed failed ref=%s\n%s", ref, where(error))
            status, headers = "500 Internal Server Error", [("Content-Type", "text/plain")]
            body = f"Something went wrong (ref {ref}). Please try again later.\n".encode()
        log.info(
            "calendar feed",
            extra={
                "fields": {
                    "method": method[:10],
                    "status": int(status[:3]),
                    "bytes": len(body),
                    "ms": round((time.perf_counter() - began) * 1000, 1),
                }
            },
        )
        if not status.startswith("304"):
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [] if method == "HEAD" or status.startswith("304") else [body]

    def _answer(self, method: str, environ: Environ) -> tuple[str, Headers, bytes]:
        if method not in ("GET", "HEAD"):
            return (
                "405 Method Not Allowed",
                [("Allow", ALLOWED), ("Content-Type", "text/plain")],
                b"Method not allowed\n",
            )
        found = _PATH.fullmatch(str(environ.get("PATH_INFO", "")))
        events = (
            feed_for_token(
                self._unit_of_work, self._clock, token=found[1], meeting_template=self._template
            )
            if found
            else None
        )
        if events is None:
            return "404 Not Found", [("Content-Type", "text/plain")], NOT_FOUND
        body = published_calendar(map(_calendar_event, events), name=CALENDAR_NAME)
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        headers = [("ETag", etag), ("Cache-Control", CACHE_CONTROL)]
        if _matches(str(environ.get("HTTP_IF_NONE_MATCH", "")), etag):
            return "304 Not Modified", headers, b""
        headers += [("Content-Type", CONTENT_TYPE), ("Content-Disposition", DISPOSITION)]
        return "200 OK", headers, body


def _calendar_event(event: FeedEvent) -> CalendarEvent:
    session = event.session
    return CalendarEvent(
        workspace_id=session.workspace_id,
        session_id=session.id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        sequence=session.calendar_sequence or 0,
        status=event.status,
        mentor=event.mentor,
        mentee=event.mentee,
        topic=session.topic,
        link=event.link,
        # A stored session always has one; the domain's type allows a new one none.
        stamp=session.updated_at or session.starts_at,
    )


def _matches(header: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `*`, or any listed
    tag equal to ours once a `W/` is taken off."""
    if not header or len(header) > MAX_IF_NONE_MATCH:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
