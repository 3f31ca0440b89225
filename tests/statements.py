"""The SQL statements an engine sends while a block runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements(
    engine: Engine, wanted: Callable[[str], bool] = lambda _: True
) -> Iterator[list[str]]:
    """The `wanted` statements the engine's connections send while the block
    runs, from every thread."""
    sent: list[str] = []
    lock = threading.Lock()

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if wanted(statement):
            with lock:
                sent.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


def a_page_search(statement: str) -> bool:
    """A search for mentors sent to `search_mentor_directory()` for a page of
    `/mentor find`: with each mentor's completed sessions, which the matches a
    Home suggests (published whenever it comes to it) do not read."""
    return "search_mentor_directory" in statement and "mentor_completed_counts" in statement


def directory_searches(engine: Engine) -> AbstractContextManager[list[str]]:
    """`statements` of the page searches (`a_page_search`)."""
    return statements(engine, a_page_search)
