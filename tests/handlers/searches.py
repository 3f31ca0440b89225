"""Counting the directory searches of `/mentor find` while a block runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def directory_searches(engine: Engine) -> Iterator[list[str]]:
    """The statements a search for mentors sends `search_mentor_directory()`
    in while the block runs: those that read each mentor's completed sessions
    too, as a search's page does (the matches a Home suggests, published
    whenever it comes to it, do not)."""
    sent: list[str] = []
    lock = threading.Lock()

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "search_mentor_directory" in statement and "mentor_completed_counts" in statement:
            with lock:
                sent.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)
