"""Work after the acknowledgement: a bounded pool apart from the threads that
answer Slack.

Bolt runs each listener on the thread that answers Slack
(`process_before_response=True`), and the listener returns as soon as it has
acked: what follows (the use case of a command or a click, responses, DMs,
Home publishes) is handed to this pool. The pool has a fixed number of
threads and a queue limit: a request that finds no room is told at once that
the bot is busy (`reserve` says so before the ack) rather than acked late.

Work handed over while Slack's request is being answered starts only once
the answer has been written (`BotWsgi` holds it until the server has sent the
response); elsewhere (Socket Mode) it starts at once, after the ack.

`wait_idle` knows when nothing runs, waits in the queue or is scheduled for
later (a coalesced Home publish): the stand-in's driver uses it to tell that
the bot has finished answering."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient

from handlers import outcome

log = logging.getLogger("mentorbot.requests")

ErrorHandler = Callable[[Exception, dict[str, Any], WebClient], object]
Finished = Callable[[dict[str, Any], dict[str, Any], str], None]

_held = threading.local()


class Slot:
    """Room for one request's work after its ack (or none: `granted` False)."""

    def __init__(
        self,
        pool: AfterAck,
        body: dict[str, Any],
        context: dict[str, Any],
        client: WebClient,
        *,
        granted: bool,
    ) -> None:
        self._pool, self._body, self._context, self._client = pool, body, context, client
        self.granted = granted
        self._used = False

    def acked(self) -> None:
        """The ack was made (its time goes to the request log)."""
        self._context[ACKED_AT] = time.perf_counter()

    def run(self, work: Callable[[], None]) -> None:
        """Run `work` on the pool once the ack has been sent; then log the request."""
        if not self.granted or self._used:
            raise RuntimeError("no room reserved for this request")
        self._used = True
        before = outcome.current()

        def job() -> None:
            outcome.set(before)
            try:
                work()
            except Exception as error:  # the one error handler, as Bolt would call it
                self._pool.on_error(error, self._body, self._client)
            finally:
                self._pool.finished(self._body, self._context, outcome.current())
                self._pool.release()

        self._pool.start(job)

    def finish(self) -> None:
        """Nothing (more) to do after the ack: log the request, give the room back."""
        if self._used:
            return
        self._used = True
        self._pool.finished(self._body, self._context, outcome.current())
        if self.granted:
            self._pool.release()

    def fail(self, error: Exception) -> None:
        """An unexpected error before the ack: the one error handler, then the log."""
        self._pool.on_error(error, self._body, self._client)
        self.finish()


RECEIVED_AT = "mentorbot_received_at"
ACKED_AT = "mentorbot_acked_at"


class AfterAck:
    def __init__(
        self,
        *,
        on_error: ErrorHandler,
        finished: Finished,
        workers: int,
        queue_limit: int,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ack")
        self._room = threading.BoundedSemaphore(workers + queue_limit)
        self._idle = threading.Condition()
        self._busy = 0  # reserved, queued, running or scheduled
        self._timers: set[threading.Timer] = set()
        self.on_error = on_error
        self.finished = finished

    # -- for listeners ---------------------------------------------------------

    def reserve(self, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> Slot:
        """Room for this request's work after its ack, if there is any."""
        granted = self._room.acquire(blocking=False)
        if granted:
            self._add(1)
        return Slot(self, body, context, client, granted=granted)

    def later(self, delay_s: float, work: Callable[[], None]) -> None:
        """Run `work` on the pool after `delay_s` (a coalesced Home publish). It
        takes no room from requests: it is bounded by the people it is for."""

        def fire() -> None:
            with self._idle:
                self._timers.discard(timer)
            self.start(self._guarded(work))

        timer = threading.Timer(delay_s, fire)
        timer.daemon = True
        self._add(1)
        with self._idle:
            self._timers.add(timer)
        timer.start()

    # -- the pool --------------------------------------------------------------

    def start(self, job: Callable[[], None]) -> None:
        held = getattr(_held, "jobs", None)
        if held is not None:
            held.append(job)
        else:
            self._submit(job)

    def _submit(self, job: Callable[[], None]) -> None:
        self._pool.submit(job)

    def _guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        def job() -> None:
            try:
                work()
            except Exception:
                log.exception("work after the ack failed")
            finally:
                self._add(-1)

        return job

    def release(self) -> None:
        self._room.release()
        self._add(-1)

    def _add(self, count: int) -> None:
        with self._idle:
            self._busy += count
            if not self._busy:
                self._idle.notify_all()

    @contextmanager
    def holding(self) -> Iterator[Callable[[], None]]:
        """Hold work handed over on this thread until the returned release is
        called (once the answer to Slack has been written)."""
        jobs: list[Callable[[], None]] = []
        _held.jobs = jobs
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                for job in jobs:
                    self._submit(job)

        try:
            yield release
        finally:
            _held.jobs = None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no work is reserved, queued, running or scheduled."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self, wait: bool = True) -> None:
        with self._idle:
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
            self._add(-1)
        self._pool.shutdown(wait=wait)
