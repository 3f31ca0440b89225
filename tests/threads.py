"""Races with real threads: requests or jobs released together."""

from __future__ import annotations

import threading
from collections.abc import Callable


def raised_at_once(*work: Callable[[], object], timeout: float = 60) -> list[BaseException]:
    """Run each in its own thread, released together; what each raised."""
    barrier = threading.Barrier(len(work))
    raised: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as error:  # reported by the test's thread
            raised.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return raised


def at_once(*work: Callable[[], object], timeout: float = 60) -> None:
    """`raised_at_once`, failing with whatever raised."""
    raised = raised_at_once(*work, timeout=timeout)
    assert not raised, raised
