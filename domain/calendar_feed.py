"""A person's private calendar feed: a secret address their calendar app
subscribes to, answering their sessions as calendar events.

The token is the whole credential: 256 random bits, shown to its owner when it
is made and stored only as its SHA-256, so a copy of the database opens no feed
and the token can never be shown again. Resetting replaces the hash: the old
address stops working at once.

A feed request has nobody acting: the token's owner is found as the system,
then the sessions are read as that person, so that row-level security itself
keeps everybody else's sessions out of the answer."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.calendar import HELD, EventStatus, event_status
from domain.meeting import meeting_link
from domain.model import Actor, Session
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile

TOKEN_BYTES = 32
# What `secrets.token_urlsafe(TOKEN_BYTES)` makes: base64url without padding.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

# What a feed shows: sessions starting from a month ago (so a cancellation
# reaches calendars that last looked before it) to half a year ahead.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
# However many sessions a person has in that window, the answer stays bounded.
MAX_FEED_EVENTS = 2000


@dataclass(frozen=True)
class FeedAccess:
    """The acting person's feed: since when it works, and its token only when
    it was made by this very request (it is never stored, so never shown again)."""

    since: datetime
    token: str | None = None


@dataclass(frozen=True)
class FeedEvent:
    """One session as the feed shows it."""

    session: Session
    status: EventStatus
    mentor: str
    mentee: str
    link: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether `token` could have been made here (checked before any lookup)."""
    return _TOKEN.fullmatch(token) is not None


def open_feed(uow: UnitOfWork, clock: Clock) -> FeedAccess:
    """The acting person's feed, made now (with its token) if they had none."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with uow:
        me = current_profile(uow)
        now = clock.now()
        made = uow.calendar_feeds.add(me.workspace_id, me.id, token_hash(token), at=now)
        # Lost a race with the person's own other request: theirs made it.
        since = now if made else uow.calendar_feeds.since(me.id)
        uow.commit()
    assert since is not None  # made here, or by the request that won the race
    return FeedAccess(since, token if made else None)


def reset_feed(uow: UnitOfWork, clock: Clock) -> str:
    """A new token for the acting person's feed; the old one stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with uow:
        me = current_profile(uow)
        uow.calendar_feeds.replace(me.workspace_id, me.id, token_hash(token), at=clock.now())
        uow.commit()
    return token


@dataclass(frozen=True)
class Feed:
    """What a feed shows now: its `version` (the same exactly while the events
    are), and its events, earliest first, unless the caller knew the version
    already (None: not read)."""

    version: str
    events: list[FeedEvent] | None


def feed_for_token(
    unit_of_work: Callable[[Actor], UnitOfWork],
    clock: Clock,
    *,
    token: str,
    meeting_template: str | None,
    known: Callable[[str], bool] = lambda version: False,
) -> Feed | None:
    """The feed `token` opens; None when it opens none (malformed, unknown, or
    reset since). Someone who left the programme has a feed with nothing in it.

    A calendar app asks again and again, and mostly nothing has changed: the
    version is asked for first (one row from the database), and the events
    are read only when `known(version)` says the caller does not have them
    (an `If-None-Match` that names it, or an answer made before). However
    many sessions a person has in the window, at most `MAX_FEED_EVENTS` are
    shown: the ones nearest to now, which are the ones a calendar is looked
    at for (the far past and the far future go first)."""
    if not well_formed(token):
        return None
    with unit_of_work(Actor.system()) as uow:
        owner = uow.calendar_feeds.owner(token_hash(token))
    if owner is None:
        return None
    if not owner.is_active:
        return Feed(_version(owner.workspace_id, owner.user_id, meeting_template, ""), [])
    now = clock.now()
    since, until = now - FEED_PAST, now + FEED_AHEAD
    with unit_of_work(Actor.member(owner.workspace_id, owner.slack_user_id)) as uow:
        feeds = uow.calendar_feeds
        stored = feeds.version(
            owner.user_id,
            held=HELD,
            starts_from=since,
            starts_before=until,
            around=now,
            limit=MAX_FEED_EVENTS,
        )
        version = _version(owner.workspace_id, owner.user_id, meeting_template, stored)
        if known(version):
            return Feed(version, None)
        found = feeds.sessions(
            owner.user_id,
            held=HELD,
            starts_from=since,
            starts_before=until,
            around=now,
            limit=MAX_FEED_EVENTS,
        )
    events = []
    for row in found.sessions:
        status = event_status(row.session)
        if status is not None:
            link = meeting_link(row.session, row.mentor_link, meeting_template)
            events.append(FeedEvent(row.session, status, row.mentor_name, row.mentee_name, link))
    return Feed(
        _version(owner.workspace_id, owner.user_id, meeting_template, found.version), events
    )


def _version(workspace_id: str, user_id: int, template: str | None, stored: str) -> str:
    """The feed's version: the stored rows' digest, with whose feed it is (no
    two people's answers are ever taken for each other) and the meeting
    template (it makes the rooms' addresses)."""
    parts = (workspace_id, str(user_id), template or "", stored)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
