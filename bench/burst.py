"""Bursts of signed Slack requests over HTTP, and what came of each one, seen
from the outside only: the HTTP answer (the ack), the moment the stand-in
Slack received what the person would see, and PostgreSQL's own count of
transactions.

A request names the `key` of what makes its result visible: a post to its
response URL (`r:NAME`), the modal opened with its trigger once built
(`t:TRIGGER`: the views.update of the view that views.open made), the Home tab
published for its person (`home:USER`), or the confirmation DM of a booking
(`sent:USER`). `Seen` reads the stand-in's record and turns every call into
such keys, so a result is matched to its request whichever replica sent it.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psycopg

from bot.standin.signing import signature
from handlers.listen import BUSY

ACK_DEADLINE_S = 3.0  # Slack's: an answer later than this is an error to the person


@dataclass(frozen=True)
class Request:
    key: str  # what the stand-in receives when the person sees the result
    person: str
    body: bytes
    content_type: str
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Result:
    request: Request
    sent: float  # time.monotonic() when sending began
    acked: float | None = None  # None: no HTTP answer at all
    status: int | None = None
    body: str = ""
    seen: float | None = None

    @property
    def ack_s(self) -> float | None:
        return None if self.acked is None else self.acked - self.sent

    @property
    def seen_s(self) -> float | None:
        return None if self.seen is None else self.seen - self.sent

    @property
    def answered_ok(self) -> bool:
        return self.status == 200

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body.startswith("{") else None
        except ValueError:
            return None

    @property
    def told_busy(self) -> bool:
        """The ack said the bot is busy: what the person sees, by design,
        when the work after acks has no room left."""
        return self.answered_ok and BUSY in self.body

    @property
    def refused(self) -> bool:
        """The ack carried field errors (a modal the bot refused)."""
        body = self.json()
        return isinstance(body, dict) and body.get("response_action") == "errors"


def signed_headers(request: Request, secret: str, retry: int | None) -> dict[str, str]:
    """Slack's headers for `request`, signed now (a retry is signed anew, as Slack does)."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": request.content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, request.body),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_error"
    return headers


async def _burst(
    url: str,
    requests: Sequence[Request],
    concurrency: int,
    *,
    secret: str,
    timeout: float,
    retry: int | None,
    after_sending: Callable[[int], None] | None,
) -> list[Result]:
    results: list[Result | None] = [None] * len(requests)
    upcoming = iter(range(len(requests)))
    sent_count = 0
    # aiohttp, not httpx: against a trivial WSGI app under the same gunicorn,
    # httpx's AsyncClient at 100 connections made 230 requests/s with acks of
    # up to 3.4 s, all of it its own; aiohttp made 3,155/s with a slowest of
    # 71 ms. A POST is never sent again by it on a connection that broke.
    connector = aiohttp.TCPConnector(limit=concurrency)
    limits = aiohttp.ClientTimeout(total=timeout)

    async with aiohttp.ClientSession(connector=connector, timeout=limits) as client:

        async def worker() -> None:
            nonlocal sent_count
            for index in upcoming:
                request = requests[index]
                result = Result(request, time.monotonic())
                results[index] = result
                sent_count += 1
                if after_sending is not None:
                    after_sending(sent_count)
                try:
                    async with client.post(
                        url, data=request.body, headers=signed_headers(request, secret, retry)
                    ) as reply:
                        result.body = await reply.text()
                        result.status = reply.status
                    result.acked = time.monotonic()
                except (aiohttp.ClientError, TimeoutError) as error:
                    result.body = f"{type(error).__name__}: {error}"

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
    return [r for r in results if r is not None]


def burst(
    url: str,
    requests: Sequence[Request],
    concurrency: int,
    *,
    secret: str,
    timeout: float = 30.0,
    retry: int | None = None,
    after_sending: Callable[[int], None] | None = None,
) -> list[Result]:
    """Send every request, at most `concurrency` at a time, each as soon as a
    slot is free; `after_sending(k)` is called as the k-th one goes out."""
    return asyncio.run(
        _burst(
            url,
            requests,
            concurrency,
            secret=secret,
            timeout=timeout,
            retry=retry,
            after_sending=after_sending,
        )
    )


# -- what the stand-in received ------------------------------------------------


@dataclass
class Seen:
    """The stand-in's record as read by the bench, and the keys it makes visible."""

    control_url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    stamps: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _opened: dict[str, str] = field(default_factory=dict)  # view id -> trigger id

    def poll(self) -> None:
        url = f"{self.control_url}/calls?after={len(self.calls)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            found = json.loads(response.read())
        for call in found["calls"]:
            self.calls.append(call)
            for key in self._keys(call):
                self.stamps[key].append(float(call["t"]))

    def _keys(self, call: dict[str, Any]) -> list[str]:
        method, params = call["method"], call["params"]
        if not call.get("ok", True):
            return []
        if method == "response_url":
            return [f"r:{params.get('response_url_id')}"]
        if method == "views.open" and call.get("view_id"):
            self._opened[str(call["view_id"])] = str(params.get("trigger_id"))
            return []
        if method == "views.update":
            trigger = self._opened.get(str(params.get("view_id")))
            return [f"t:{trigger}"] if trigger else []
        if method == "views.publish":
            return [f"home:{params.get('user_id')}"]
        if method == "chat.postMessage" and str(params.get("text", "")).startswith("Request sent"):
            return [f"sent:{params.get('channel')}"]
        return []

    def match(self, results: Sequence[Result], *, timeout: float) -> None:
        """Wait (at most `timeout` s) until every answered request's result was
        seen; each key's arrivals go to its requests in the order they were sent."""
        waiting = sorted(
            (r for r in results if r.answered_ok and not r.refused and r.seen is None),
            key=lambda r: r.sent,
        )
        deadline = time.monotonic() + timeout
        while waiting:
            self.poll()
            still = []
            for result in waiting:
                queue = self.stamps.get(result.request.key)
                if queue:
                    result.seen = queue.popleft()
                else:
                    still.append(result)
            waiting = still
            if not waiting or time.monotonic() > deadline:
                return
            time.sleep(0.2)

    def new_calls(self, since: int) -> list[dict[str, Any]]:
        self.poll()
        return self.calls[since:]


# -- PostgreSQL's count ----------------------------------------------------------


def transactions(server_url: str, database: str) -> int:
    """xact_commit + xact_rollback of `database`, read over a connection to
    another database (so the reading is not counted) and a fresh one each time
    (so no cached statistics snapshot is read)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


# -- figures ---------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Row:
    """One scenario's burst, summed up."""

    name: str
    results: list[Result]
    xacts: int | None = None
    note: str = ""
    cpu: dict[str, float] = field(default_factory=dict)  # seconds, by part, over the burst

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def ok(self) -> list[Result]:
        return [r for r in self.results if r.answered_ok and not r.refused and r.seen is not None]

    @property
    def no_answer(self) -> int:
        return sum(1 for r in self.results if not r.answered_ok)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.results if r.refused)

    @property
    def unseen(self) -> int:
        """Acked, neither refused nor told busy, and nothing reached Slack."""
        return sum(
            1
            for r in self.results
            if r.answered_ok and not r.refused and not r.told_busy and r.seen is None
        )

    @property
    def busy(self) -> int:
        """Told at once, in the ack, that the bot is busy (its queue was full)."""
        return sum(1 for r in self.results if r.told_busy)

    @property
    def late(self) -> int:
        return sum(1 for r in self.results if (r.ack_s or 0) > ACK_DEADLINE_S)

    def acks(self) -> list[float]:
        return [r.ack_s for r in self.results if r.ack_s is not None]

    def seens(self) -> list[float]:
        return [r.seen_s for r in self.results if r.seen_s is not None]

    @property
    def per_second(self) -> float:
        """Requests done per second: from the first send until the last result
        was seen (or acked, for one with nothing to see)."""
        if not self.results:
            return math.nan
        first = min(r.sent for r in self.results)
        ends = [end for r in self.results if (end := r.seen or r.acked) is not None]
        last = max(ends) if ends else first
        return len(self.results) / (last - first) if last > first else math.nan

    @property
    def xacts_per_request(self) -> float:
        return self.xacts / self.n if self.xacts is not None and self.n else math.nan

    def figures(self) -> dict[str, float]:
        acks = self.acks()
        return {
            "rps": self.per_second,
            "ack50": percentile(acks, 0.5),
            "ack95": percentile(acks, 0.95),
            "ackmax": max(acks) if acks else math.nan,
            "seen95": percentile(self.seens(), 0.95),
            "xact": self.xacts_per_request,
        }


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value * 1000:.0f}"


def _x(value: float, base: float) -> str:
    if math.isnan(value) or math.isnan(base) or not base:
        return "-"
    return f"{value / base:.2f}"


def table(rows: Sequence[Row], floor: Row | None) -> str:
    base = floor.figures() if floor is not None else {}
    w = max([len("scenario"), *(len(r.name) for r in rows)])
    head = (
        f"{'':{w}} {'':>5} {'':>5} {'':>5} {'':>5} {'':>4}  {'':>6}"
        f"  {'HTTP ack (ms)':^17}  {'seen':>6}"
        f" {'xact/':>6}   {'as a ratio to the floor':^30}\n"
        f"{'scenario':{w}} {'n':>5} {'ok':>5} {'busy':>5} {'fail':>5} {'>3s':>4}  {'req/s':>6}"
        f"  {'p50':>5} {'p95':>5} {'max':>5}  {'p95 ms':>6} {'req':>6}"
        f"   {'req/s':>6} {'ack95':>6} {'ackmax':>6} {'seen95':>6} {'xact':>5}"
    )
    lines = [head, "-" * len(head.splitlines()[1])]
    for row in rows:
        f = row.figures()
        fail = row.no_answer + row.refused + row.unseen
        ratios = " ".join(
            f"{_x(f[k], base.get(k, math.nan)):>6}" for k in ("rps", "ack95", "ackmax", "seen95")
        )
        lines.append(
            f"{row.name:{w}} {row.n:>5} {len(row.ok):>5} {row.busy:>5} {fail:>5} {row.late:>4}"
            f"  {f['rps']:>6.1f}  {_ms(f['ack50']):>5} {_ms(f['ack95']):>5} {_ms(f['ackmax']):>5}"
            f"  {_ms(f['seen95']):>6} {f['xact']:>6.2f}   {ratios}"
            f" {_x(f['xact'], base.get('xact', math.nan)):>5}"
            + (f"  {row.note}" if row.note else "")
        )
    return "\n".join(lines)


def failures(row: Row, limit: int = 3) -> str:
    """A few of the row's failures, in words, for the notes under the table."""
    said = []
    for r in row.results:
        if (r.answered_ok and not r.refused and r.seen is not None) or r.told_busy:
            continue
        if not r.answered_ok:
            what = f"HTTP {r.status}" if r.status is not None else "no answer"
            said.append(f"{what}: {' '.join(r.body.split())[:100]}")
        elif r.refused:
            said.append(f"refused: {json.dumps((r.json() or {}).get('errors'))[:120]}")
        else:
            said.append(f"acked, but nothing reached Slack for {r.request.key}")
        if len(said) >= limit:
            break
    return "; ".join(said)
