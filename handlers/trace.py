"""Tracebacks fit for the logs."""

from __future__ import annotations

import traceback


def where(error: BaseException) -> str:
    """The traceback of `error` and of its causes, each with the error's type but
    not its message: messages quote data (PostgreSQL's "Failing row contains …",
    a value that did not parse), and logs must not hold what people typed."""
    blocks: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        trace = "".join(traceback.format_tb(current.__traceback__))
        blocks.append(f"{trace}{kind.__module__}.{kind.__qualname__}")
        current = current.__cause__ or current.__context__
    # Oldest cause first, as Python prints a chain.
    return "\n".join(reversed(blocks))
