"""Walking a whole window of sessions in pages, and keys that do not depend on
how a timestamp was read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from domain.model import Session

PAGE = 500


def pages(fetch: Callable[[Session | None], list[Session]]) -> Iterator[list[Session]]:
    """Every page of a keyset query, `fetch(following)` returning up to PAGE
    sessions after `following`. Handled rows keep matching the window (a reminder
    does not change a session), so paging, not re-reading the first page, is what
    reaches the rest of it."""
    following: Session | None = None
    while True:
        page = fetch(following)
        if page:
            yield page
        if len(page) < PAGE:
            return
        following = page[-1]


def instant(moment: datetime) -> str:
    """A timestamp as it goes into an idempotency key: the same instant gives the
    same text whatever zone the database connection reads it in."""
    return moment.astimezone(UTC).isoformat()
