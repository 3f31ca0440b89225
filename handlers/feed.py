"""`GET /calendar/<token>.ics`: a person's private calendar feed, for calendar
apps to subscribe to (Google Calendar, Outlook, Apple Calendar).

Plain HTTP beside the Slack endpoint: no Slack signature, no Bolt. The token
in the path is the whole credential, so every way of failing (malformed,
unknown, reset) gets the same 404, and the path is never logged (bot.logs
scrubs it from any line that quotes it).

Calendar apps ask again and again, and mostly nothing has changed. The ETag
is the feed's version (domain.calendar_feed: a digest PostgreSQL makes of
the rows in one short statement), so an `If-None-Match` that names it gets a
304 before any event is read or written; and a body once made is kept, by
its ETag, in a small cache of this process (`FEED_BODIES`), so asking again
without `If-None-Match` (or a HEAD) does not make it again either."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from domain.calendar_feed import FeedEvent, feed_for_token
from domain.model import Actor
from domain.ports import Clock, UnitOfWork
from handlers.render.common import place
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
# Part of every ETag: raise it when what a feed's bytes are made of changes
# (handlers.render.ics), since the version only knows the rows.
RENDERING = "ics2"
# Bodies kept per process: a full feed (2,000 events) is about 700 KB, so
# the bytes bound is the one that holds; either keeps memory small.
FEED_BODIES = 64
FEED_BODY_BYTES = 32 * 1024 * 1024


class BodyCache:
    """Feed bodies by ETag, least recently used out first, bounded in count
    and bytes. An ETag names one person's feed in one state (the version
    includes whose it is), so a hit is exactly the bytes that would be made.
    Shared by a worker's request threads."""

    def __init__(self, entries: int = FEED_BODIES, size: int = FEED_BODY_BYTES) -> None:
        self._entries, self._size = entries, size
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self._size:
            return
        with self._lock:
            if etag in self._bodies:
                return
            self._bodies[etag] = body
            self._bytes += len(body)
            while len(self._bodies) > self._entries or self._bytes > self._size:
                _, dropped = self._bodies.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        with self._lock:
            return len(self._bodies)


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
        self.bodies = BodyCache()

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
        asked = str(environ.get("HTTP_IF_NONE_MATCH", ""))
        kept: list[bytes] = []

        def known(version: str) -> bool:
            """Whether the events need not be read: the client has them, or
            this process made their bytes before."""
            etag = _etag(version)
            if _matches(asked, etag):
                return True
            body = self.bodies.get(etag)
            if body is not None:
                kept.append(body)
            return body is not None

        feed = (
            feed_for_token(
                self._unit_of_work,
                self._clock,
                token=found[1],
                meeting_template=self._template,
                known=known,
            )
            if found
            else None
        )
        if feed is None:
            return "404 Not Found", [("Content-Type", "text/plain")], NOT_FOUND
        etag = _etag(feed.version)
        headers = [("ETag", etag), ("Cache-Control", CACHE_CONTROL)]
        if _matches(asked, etag):
            return "304 Not Modified", headers, b""
        if feed.events is None:
            (body,) = kept
        else:
            body = published_calendar(map(_calendar_event, feed.events), name=CALENDAR_NAME)
            self.bodies.put(etag, body)
        headers += [("Content-Type", CONTENT_TYPE), ("Content-Disposition", DISPOSITION)]
        return "200 OK", headers, body


def _etag(version: str) -> str:
    return f'"{RENDERING}-{version}"'


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
        place=place(session.series_place, session.series_times),
    )


def _matches(header: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `*`, or any listed
    tag equal to ours once a `W/` is taken off."""
    if not header or len(header) > MAX_IF_NONE_MATCH:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
