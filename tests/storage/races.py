"""Attempts run at once on real threads, for the tests of what the database
decides when two requests race."""

from __future__ import annotations

import threading
from collections.abc import Callable

from domain.errors import DomainError


def race(attempts: list[Callable[[], object]]) -> list[object]:
    """Run every attempt at once; each one's result or the DomainError it raised."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[index] = attempts[index]()
        except DomainError as refusal:
            outcomes[index] = refusal

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
