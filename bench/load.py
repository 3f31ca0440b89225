"""Load bench: bursts of signed Slack requests against `mentorbot serve` (real
gunicorn) over HTTP, then the same against three replicas behind HAProxy and
PgBouncer (transaction pooling) with one replica killed mid-burst.

    python bench/load.py [-n 1000] [-c 100] [--people 1000] [--first-time 2000]
                         [--scenarios help,first-find,find,book,submit,accept,home]
                         [--no-replicas | --replicas-only] [--workers W] [--keep-database]

Needs `pip install -e '.[bench]'` (aiohttp), PostgreSQL on 127.0.0.1:5432 (or
`--server-url`), and for the replica part the Debian packages `pgbouncer` and
`haproxy`. Run it from the repository root. It makes a fresh database
(migrations and `storage.seed` with `--people` people, a tenth of them
mentors), starts the stand-in Slack (one process every replica talks to) and
the servers on free loopback ports, and stops all of them on exit or Ctrl-C.

Each scenario is one burst of N requests, at most C in flight: the no-op floor
`/mentor help` (known people), `/mentor find` by first-time people
(`--first-time` of them, unknown to the database and to the bot), `/mentor
find`, the Book button opening the booking modal, submitting it (a session is
requested: the mentor gets a DM with Accept), the mentor's Accept click in that
DM, and opening the App Home (known people). It prints, per scenario,
requests/s (from the first send until the last result was seen), the HTTP ack's
p50/p95/max, the p95 of the time until the stand-in Slack received what the
person sees (the response-URL post, the built modal, the DM, the Home tab),
PostgreSQL transactions per request (xact_commit + xact_rollback of the bench
database in pg_stat_database, read after the burst settled, / N), and each as
a ratio to the floor's; and, under that, each burst's CPU per request by
process (the bot, PostgreSQL, the stand-in, the proxies, the bench: they share
the cores, so a scenario's rate is what its total leaves of them). Then the
same bursts through HAProxy to three replicas (scheduler on: the outbox is
drained by the jobs), one replica SIGKILLed when half of the `submit` burst is
sent; the requests that got no answer are sent again with `X-Slack-Retry-Num:
1`, as Slack would, and the database and the stand-in's DMs are checked for
lost or doubled sessions, notices and DMs. It measures from the outside only
(HTTP, the stand-in, pg_stat_database, /proc), and prints figures; it never
fails on them. The single `serve` runs without its
background jobs (`--scheduler` to run them), so that the transactions counted
are the requests'.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import burst as bursts  # noqa: E402
from bench.burst import Request, Result, Row, Seen, table, transactions  # noqa: E402
from bench.cast import WORKSPACE  # noqa: E402
from bench.cpu import cpu_table, used_between  # noqa: E402
from bench.database import BENCH_PREFIX, drop_database, prepare_database  # noqa: E402
from bench.processes import SECRET, Processes, Started, cpu_model  # noqa: E402
from bot.errors import is_apology  # noqa: E402
from bot.standin import payloads  # noqa: E402
from bot.standin.payloads import Where  # noqa: E402
from handlers.ids import Action, Field  # noqa: E402
from handlers.metadata import MentorRef  # noqa: E402
from tests import pg  # noqa: E402

SCENARIOS = ("help", "first-find", "find", "book", "submit", "accept", "home")
NEEDS = {"submit": ("book",), "accept": ("book", "submit")}
QUERIES = ("python", "kubernetes", "leadership", "engineering", "design", "data", "career")
FORM = "application/x-www-form-urlencoded"
# The last line of a logged traceback: "psycopg.errors.Foo: what went wrong".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Violation)\b.*: ")


# -- who acts --------------------------------------------------------------------


@dataclass
class Cast:
    known: list[str]  # Slack ids of the seeded people
    bookers: list[str]  # mentees with nothing open: each may book once per phase
    mentors: list[int]  # uncapped mentors with weekly availability


def cast(url: str) -> Cast:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        known = [
            str(row[0])
            for row in conn.execute(
                "SELECT slack_user_id FROM users WHERE workspace_id = %s AND is_active ORDER BY id",
                (WORKSPACE,),
            )
        ]
        bookers = [
            str(row[0])
            for row in conn.execute(
                "SELECT u.slack_user_id FROM users u WHERE u.workspace_id = %s AND u.is_active"
                " AND u.is_mentee AND NOT u.is_mentor AND NOT EXISTS (SELECT 1 FROM sessions s"
                " WHERE (s.mentee_id = u.id OR s.mentor_id = u.id) AND s.ends_at > now()"
                " AND s.status IN ('requested', 'scheduled', 'ongoing')) ORDER BY u.id",
                (WORKSPACE,),
            )
        ]
        mentors = [
            int(row[0])
            for row in conn.execute(
                "SELECT u.id FROM users u WHERE u.workspace_id = %s AND u.is_active"
                " AND u.is_mentor AND u.max_sessions_per_week IS NULL"
                " AND EXISTS (SELECT 1 FROM availability a WHERE a.user_id = u.id) ORDER BY u.id",
                (WORKSPACE,),
            )
        ]
    return Cast(known, bookers, mentors)


def quiet_outbox(url: str) -> int:
    """The seed's undelivered notices marked sent, so that the replicas' jobs
    do not send them during the bench (their DMs are not the bench's)."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        done = conn.execute(
            "UPDATE notifications SET delivered_at = now()"
            " WHERE delivered_at IS NULL AND gave_up_at IS NULL"
        ).rowcount
    return done


def max_session_id(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()
    return int(row[0]) if row else 0


# -- the requests ------------------------------------------------------------------


def _form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def _interaction(payload: dict[str, Any]) -> bytes:
    return _form({"payload": json.dumps(payload)})


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def _view(params: dict[str, Any]) -> dict[str, Any]:
    view = params.get("view") or {}
    return json.loads(view) if isinstance(view, str) else dict(view)


def slot_options(view: dict[str, Any]) -> list[str]:
    for block in view.get("blocks", []):
        if block.get("block_id") == Field.SLOT:
            element = block.get("element") or {}
            groups = element.get("option_groups") or [{"options": element.get("options") or []}]
            return [o["value"] for g in groups for o in g.get("options") or []]
    return []


def accept_button(params: dict[str, Any]) -> str | None:
    for block in _blocks(params):
        for element in block.get("elements") or []:
            if element.get("action_id") == Action.ACCEPT:
                return str(element.get("value"))
    return None


@dataclass
class Phase:
    """One run of the scenarios against one URL (a `serve`, or HAProxy)."""

    tag: str  # keeps response URLs, triggers and first-time ids apart between phases
    url: str  # POST /slack/events
    response_base: str  # the stand-in's base URL, for response URLs
    seen: Seen
    args: argparse.Namespace
    cast: Cast
    bookers: list[str]
    stats: Callable[[], int]
    cpu: Callable[[], dict[str, float]]
    rows: list[Row] = field(default_factory=list)
    booked: list[Result] = field(default_factory=list)  # the book clicks to submit
    submitted: list[Result] = field(default_factory=list)
    retried: list[Result] = field(default_factory=list)
    accepted: list[Result] = field(default_factory=list)
    mark: int = 0  # the stand-in's call count when the phase began
    began: datetime = field(default_factory=lambda: datetime.now(UTC))
    sent_at: Callable[[int], None] | None = None  # the kill, in the replica phase
    kill_in: str = ""
    burst_size: int = 0  # of the burst being sent

    def response_url(self, name: str) -> str:
        return f"{self.response_base}/response/{name}"

    def command(self, index: int, person: str, text: str, kind: str) -> Request:
        name = f"{self.tag}{kind}{index}"
        fields = payloads.command(person, text, response_url=self.response_url(name))
        return Request(f"r:{name}", person, _form(fields), FORM)

    # Each scenario: the requests of its burst.

    def help(self) -> list[Request]:
        known = self.cast.known
        return [self.command(i, known[i % len(known)], "help", "h") for i in range(self.args.n)]

    def first_find(self) -> list[Request]:
        return [
            self.command(i, f"UNEW{self.tag.upper()}{i:06d}", f"find {QUERIES[i % 7]}", "ff")
            for i in range(self.args.first_time)
        ]

    def find(self) -> list[Request]:
        known = self.cast.known
        return [
            self.command(i, known[i % len(known)], f"find {QUERIES[i % 7]}", "f")
            for i in range(self.args.n)
        ]

    def book(self) -> list[Request]:
        """The Book button on a mentor: the first people are the ones who will
        submit (a mentor each in turn), the rest only look."""
        known, mentors = self.cast.known, self.cast.mentors
        requests = []
        for i in range(self.args.n):
            booker = i < len(self.bookers)
            person = self.bookers[i] if booker else known[i % len(known)]
            mentor = mentors[i % len(mentors)]
            payload = payloads.block_action(
                person, Action.BOOK, MentorRef(mentor_id=mentor).encode()
            )
            payload["trigger_id"] = f"{self.tag}book{i}.trigger"
            requests.append(
                Request(
                    f"t:{payload['trigger_id']}",
                    person,
                    _interaction(payload),
                    FORM,
                    {"mentor": mentor, "booker": booker},
                )
            )
        return requests

    def submit(self) -> list[Request]:
        """Each booker submits the modal they opened, with a time no other
        booker of that mentor chose."""
        views: dict[str, dict[str, Any]] = {}
        opened: dict[str, str] = {}
        for call in self.seen.calls[self.mark :]:
            if call["method"] == "views.open" and call.get("view_id"):
                opened[str(call["view_id"])] = str(call["params"].get("trigger_id"))
            if call["method"] == "views.update":
                trigger = opened.get(str(call["params"].get("view_id")))
                if trigger:
                    view = _view(call["params"])
                    view["id"] = call["params"].get("view_id")
                    views[trigger] = view
        taken: set[tuple[int, str]] = set()
        requests = []
        for result in self.booked:
            extra = result.request.extra
            chosen = views.get(result.request.key.removeprefix("t:"))
            if not extra.get("booker") or chosen is None:
                continue
            free = [s for s in slot_options(chosen) if (extra["mentor"], s) not in taken]
            if not free:
                continue
            taken.add((extra["mentor"], free[0]))
            person = result.request.person
            values: dict[str, Any] = {Field.SLOT: payloads.select(free[0])}
            payload = payloads.view_submission(person, chosen, values)
            requests.append(
                Request(f"sent:{person}", person, _interaction(payload), FORM, dict(extra))
            )
        return requests

    def accept(self) -> list[Request]:
        """Each mentor's Accept, in the request DM the bot sent them."""
        requests = []
        index = 0
        for call in self.seen.new_calls(self.mark):
            params = call["params"]
            if call["method"] != "chat.postMessage" or not (value := accept_button(params)):
                continue
            mentor = str(params.get("channel"))
            name = f"{self.tag}acc{index}"
            where = Where(f"D{mentor}", str(call.get("ts") or payloads.SOME_TS))
            payload = payloads.block_action(
                mentor,
                Action.ACCEPT,
                value,
                where=where,
                message={"text": params.get("text"), "blocks": _blocks(params)},
                response_url=self.response_url(name),
            )
            requests.append(Request(f"r:{name}", mentor, _interaction(payload), FORM))
            index += 1
        return requests

    def home(self) -> list[Request]:
        known = self.cast.known
        requests = []
        for i in range(min(self.args.n, len(known))):
            event = payloads.event_callback(
                payloads.home_opened(known[i]), event_id=f"EvLoad{self.tag}{i:06d}"
            )
            requests.append(
                Request(
                    f"home:{known[i]}", known[i], json.dumps(event).encode(), "application/json"
                )
            )
        return requests

    # Running them.

    def run(self, name: str, requests: Sequence[Request], *, retry: int | None = None) -> Row:
        before = self.stats()
        cpu_before = self.cpu()
        self.burst_size = len(requests)
        hook = self.sent_at if name == self.kill_in and retry is None else None
        results = bursts.burst(
            self.url,
            requests,
            self.args.c,
            secret=SECRET,
            retry=retry,
            after_sending=hook,
        )
        self.seen.match(results, timeout=self.args.visible_timeout)
        cpu = used_between(cpu_before, self.cpu())
        time.sleep(self.args.stats_wait)  # PostgreSQL publishes a backend's counts within 10 s
        row = Row(name, results, self.stats() - before, cpu=cpu)
        self.rows.append(row)
        f = row.figures()
        print(
            f"  {name}: {row.n} sent, {len(row.ok)} ok, {row.busy} told busy, {f['rps']:.1f}/s,"
            f" ack p95 {bursts._ms(f['ack95'])} ms, max {bursts._ms(f['ackmax'])} ms"
            + (f"; failures: {bursts.failures(row)}" if len(row.ok) + row.busy < row.n else ""),
            flush=True,
        )
        return row

    def scenarios(self, chosen: Sequence[str]) -> None:
        self.mark = len(self.seen.new_calls(0))
        self.began = datetime.now(UTC)
        for name in chosen:
            if name == "help":
                self.run("floor: /mentor help", self.help())
            elif name == "first-find":
                self.run("/mentor find, first-time", self.first_find())
            elif name == "find":
                self.run("/mentor find, known", self.find())
            elif name == "book":
                self.booked = self.run("Book button → modal", self.book()).results
            elif name == "submit":
                row = self.run("submit booking modal", self.submit())
                self.submitted = row.results
                lost = [r.request for r in row.results if not r.answered_ok]
                if lost:
                    again = self.run("  … Slack's retries of those", lost, retry=1)
                    self.retried = again.results
            elif name == "accept":
                self.wait_for_request_dms()
                self.accepted = self.run("DM click: Accept", self.accept()).results
            elif name == "home":
                self.run("App Home opened", self.home())

    def wait_for_request_dms(self) -> None:
        """The mentors' request DMs go out after the submissions' acks."""
        wanted = sum(1 for r in self.final_submits() if r.answered_ok and not r.refused)
        deadline = time.monotonic() + self.args.visible_timeout
        while time.monotonic() < deadline:
            found = [
                c
                for c in self.seen.new_calls(self.mark)
                if c["method"] == "chat.postMessage" and accept_button(c["params"])
            ]
            if len(found) >= wanted:
                return
            time.sleep(0.5)

    def final_submits(self) -> list[Result]:
        """Each submission's last attempt: Slack's retry where there was one."""
        retried = {r.request.person: r for r in self.retried}
        return [retried.get(r.request.person, r) for r in self.submitted]


def ordered(chosen: Sequence[str]) -> list[str]:
    wanted = set(chosen)
    for name in chosen:
        wanted.update(NEEDS.get(name, ()))
    return [name for name in SCENARIOS if name in wanted]


def floor_of(rows: Sequence[Row]) -> Row | None:
    return next((r for r in rows if r.name.startswith("floor")), None)


def must_show(rows: Sequence[Row]) -> str:
    floor = floor_of(rows)
    by = {r.name: r for r in rows}
    lines = []
    known = by.get("/mentor find, known")
    if floor is not None and known is not None:
        base, f = floor.figures(), known.figures()
        share = f["rps"] / base["rps"] if base["rps"] else math.nan
        ack = f["ack95"] / base["ack95"] if base["ack95"] else math.nan
        lines.append(
            f"find (known) throughput {share:.0%} of the floor's (want ≥ 40 %):"
            f" {'met' if share >= 0.4 else 'NOT met'}"
        )
        lines.append(
            f"find (known) ack p95 {ack:.2f}× the floor's (want ≤ 2×):"
            f" {'met' if ack <= 2 else 'NOT met'}"
        )
    for row in rows:
        if row.name.startswith("/mentor find"):
            slowest = row.figures()["ackmax"]
            lines.append(
                f"slowest ack, {row.name}: {slowest:.2f} s over {row.n} (want < 3 s):"
                f" {'met' if slowest < 3 else 'NOT met'}"
                + (f"; {row.no_answer} got no answer" if row.no_answer else "")
            )
    return "\n".join(lines)


# -- the replica phase's checks ------------------------------------------------------


def drain(url: str, after_session: int, timeout: float) -> int:
    """Wait until no notice of the phase's sessions is still to be delivered;
    how many are left when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM notifications WHERE session_id > %s"
                " AND delivered_at IS NULL AND gave_up_at IS NULL",
                (after_session,),
            ).fetchone()
        left = int(row[0]) if row else 0
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(2)


def confirms_a_booking(text: str) -> bool:
    """The booker's courtesy DM (not in the outbox): 'Request sent', or, when
    Slack's retry finds the request its first try made, 'already sent'."""
    return text.startswith("Request sent") or (
        text.startswith("Your request for") and "was already sent" in text
    )


def dm_check(db_url: str, phase: Phase) -> list[str]:
    """Every notice made during the phase (the bookings', the acceptances', and
    any a job made) against the DMs each person received during it, counted
    per person (a calendar update reaches its person as a file shared into
    their DM, which carries no notice id), then per notice by the id each
    message DM carries in its metadata."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT u.slack_user_id, count(*) FROM notifications n"
            " JOIN users u ON u.id = n.recipient_id WHERE n.created_at >= %s"
            " AND n.delivered_at IS NOT NULL GROUP BY u.slack_user_id",
            (phase.began,),
        ).fetchall()
        messaged = {
            str(row[0])
            for row in conn.execute(
                "SELECT id FROM notifications WHERE created_at >= %s AND delivered_at IS NOT NULL"
                " AND kind <> 'calendar_update'",
                (phase.began,),
            )
        }
    expected = Counter({str(user): int(count) for user, count in rows})
    dms = [
        c
        for c in phase.seen.new_calls(phase.mark)
        if c["method"] == "chat.postMessage"
        and str(c["params"].get("channel", ""))[:1] in ("U", "W")
        and not confirms_a_booking(str(c["params"].get("text", "")))
    ]
    apologies = [c for c in dms if is_apology(str(c["params"].get("text", "")))]
    received = Counter(str(c["params"].get("channel")) for c in dms if c not in apologies)
    received += Counter(
        str(c["params"].get("channel_id", ""))[1:]  # the stand-in's DM: "D" + the user id
        for c in phase.seen.new_calls(phase.mark)
        if c["method"] == "files.completeUploadExternal" and c["ok"]
    )
    sorry = {str(c["params"].get("channel")) for c in apologies}
    extra = sum(max(0, received[k] - expected.get(k, 0)) for k in received)
    missing = sum(max(0, expected[k] - received.get(k, 0)) for k in expected)
    per_notice = Counter(
        str(c["params"]["metadata"]["event_payload"]["id"])
        for c in dms
        if isinstance(c["params"].get("metadata"), dict)
    )
    doubled = sorted(k for k, n in per_notice.items() if n > 1)
    lost = sorted(messaged - set(per_notice))
    # The outbox reads a DM only for a notice whose last claim recorded no answer.
    looked = sum(
        1 for c in phase.seen.new_calls(phase.mark) if c["method"] == "conversations.history"
    )
    return [
        f"DMs (per person, all notices made during the phase): {sum(received.values())} received"
        f" for {sum(expected.values())} delivered notices; duplicated {extra}, lost {missing};"
        f" and {len(apologies)} apologies ('something went wrong') to {len(sorry)} people",
        f"message DMs by notice id: {sum(per_notice.values())} for {len(messaged)} delivered"
        f" notices; notices DMed twice or more {len(doubled)}, without a DM {len(lost)}"
        + (f" e.g. {doubled[:3]}" if doubled else "")
        + (f" e.g. {lost[:3]}" if lost else "")
        + f"; DMs looked for before a resend (claims left open): {looked}",
    ]


def check_replicas(db_url: str, phase: Phase, after_session: int) -> list[str]:
    """Lost or doubled sessions, notices and DMs after the kill and the retries."""
    with psycopg.connect(db_url) as conn:
        sessions = conn.execute(
            "SELECT s.id, me.slack_user_id, s.status FROM sessions s"
            " JOIN users me ON me.id = s.mentee_id WHERE s.id > %s",
            (after_session,),
        ).fetchall()
        notices = conn.execute(
            "SELECT n.session_id, u.slack_user_id, n.kind, n.delivered_at IS NOT NULL,"
            " n.gave_up_at IS NOT NULL FROM notifications n"
            " JOIN users u ON u.id = n.recipient_id WHERE n.session_id > %s",
            (after_session,),
        ).fetchall()
    lines = []
    per_mentee = Counter(str(row[1]) for row in sessions)
    submitted = phase.final_submits()
    wanted = {r.request.person for r in submitted if r.answered_ok and not r.refused}
    refused = {r.request.person for r in submitted if r.refused}
    never = {r.request.person for r in submitted if not r.answered_ok}
    doubled = sorted(p for p, k in per_mentee.items() if k > 1)
    lost = sorted(p for p in wanted if not per_mentee.get(p))
    lines.append(
        f"sessions: {len(sessions)} requested by {len(submitted)} submissions"
        f" ({len(wanted)} acked ok at last, {len(refused)} refused, {len(never)} never answered);"
        f" doubled {len(doubled)}, lost {len(lost)}"
        + (f" e.g. {doubled[:3]}" if doubled else "")
        + (f" e.g. {lost[:3]}" if lost else "")
    )
    if refused:
        both = [p for p in refused if per_mentee.get(p)]
        lines.append(
            f"  {len(refused)} refused at last, {len(both)} of them hold the session"
            " (the retry found the slot taken by its own first attempt)"
        )
    # Per person: a calendar update goes to both people in the session.
    per_person = Counter((int(s), str(u), str(k)) for s, u, k, _d, _g in notices)
    doubled_n = sorted(key for key, k in per_person.items() if k > 1)
    kinds = {(s, k) for s, _u, k in per_person}
    no_request = [int(s[0]) for s in sessions if (int(s[0]), "request_received") not in kinds]
    accepted = {int(s[0]) for s in sessions if s[2] == "scheduled"}
    no_accept_notice = [s for s in accepted if (s, "request_accepted") not in kinds]
    undelivered = sum(1 for *_x, delivered, gave_up in notices if not delivered and not gave_up)
    gave_up = sum(1 for *_x, gave in notices if gave)
    lines.append(
        f"notices: {len(notices)} for those sessions; doubled (same session, person and kind)"
        f" {len(doubled_n)}; missing request notice {len(no_request)}, missing acceptance"
        f" notice {len(no_accept_notice)} (of {len(accepted)} accepted);"
        f" undelivered {undelivered}, given up {gave_up}"
    )
    lines += dm_check(db_url, phase)
    courtesy = Counter(
        str(c["params"].get("channel"))
        for c in phase.seen.new_calls(phase.mark)
        if c["method"] == "chat.postMessage"
        and confirms_a_booking(str(c["params"].get("text", "")))
    )
    twice = sum(1 for k in courtesy.values() if k > 1)
    lines.append(
        "'Request sent' (or, to a retry, 'already sent') confirmations (a courtesy DM, not in"
        " the outbox):"
        f" {sum(courtesy.values())} for {len(wanted)} bookings acked ok; twice to {twice}"
    )
    return lines


# -- main ----------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="requests per burst (default 1000)")
    parser.add_argument("-c", type=int, default=100, help="concurrency (default 100)")
    parser.add_argument("--people", type=int, default=1000, help="seeded (known) people")
    parser.add_argument(
        "--first-time", type=int, default=2000, help="first-time people's `find` burst"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, of {','.join(SCENARIOS)} (what they need is added)",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers per serve (serve's default)")
    parser.add_argument("--replica-workers", type=int, default=1, help="workers per replica")
    parser.add_argument("--scheduler", action="store_true", help="jobs in the single serve too")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--no-replicas", action="store_true", help="skip the replica phase")
    where.add_argument("--replicas-only", action="store_true", help="only the replica phase")
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer's server pool")
    parser.add_argument("--visible-timeout", type=float, default=60.0)
    parser.add_argument("--stats-wait", type=float, default=11.0)
    parser.add_argument("--drain-timeout", type=float, default=200.0)
    parser.add_argument("--server-url", default=pg.LOCAL_SERVER)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    args.chosen = ordered([s.strip() for s in args.scenarios.split(",") if s.strip()])
    unknown = set(args.chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    mentors = max(1, args.people // 10)
    seed_args = argparse.Namespace(
        users=args.people,
        mentors=mentors,
        sessions=args.people * 10,
        seed=1,
        reuse=False,
        # Its own name per run: two runs at once must not drop each other's database.
        database_url=pg.with_database(
            args.server_url, pg.fresh_name(f"{BENCH_PREFIX}load_{args.people}")
        ),
    )
    began = time.monotonic()
    db_url, _report = prepare_database(seed_args)
    database = db_url.rsplit("/", 1)[-1]
    quiet_outbox(db_url)
    who = cast(db_url)
    print(
        f"database {database}: {args.people} people, {mentors} mentors,"
        f" {args.people * 10} sessions (seeded in {time.monotonic() - began:.0f} s);"
        f" {len(who.bookers)} mentees free to book, {len(who.mentors)} uncapped mentors"
    )
    print(f"CPU: {cpu_model()}")
    half = len(who.bookers) // 2
    stats = lambda: transactions(args.server_url, database)  # noqa: E731
    try:
        with Processes() as processes:
            api_url, control = processes.standin()
            seen = Seen(control)
            response_base = api_url.removesuffix("/api/")
            if not args.replicas_only:
                single_phase(
                    args,
                    processes,
                    db_url,
                    api_url,
                    response_base,
                    seen,
                    who,
                    who.bookers[:half],
                    stats,
                )
            if not args.no_replicas:
                replica_phase(
                    args,
                    processes,
                    db_url,
                    api_url,
                    response_base,
                    seen,
                    who,
                    who.bookers[half:],
                    stats,
                )
    finally:
        if not args.keep_database:
            print(f"dropped {drop_database(db_url)}")


def single_phase(
    args: argparse.Namespace,
    processes: Processes,
    db_url: str,
    api_url: str,
    response_base: str,
    seen: Seen,
    who: Cast,
    bookers: list[str],
    stats: Callable[[], int],
) -> None:
    served, base = processes.serve(
        "serve", db_url, api_url, workers=args.workers, scheduler=args.scheduler
    )
    phase = Phase(
        "s", base + "/slack/events", response_base, seen, args, who, bookers, stats, processes.cpu
    )
    warm_up(phase)
    workers = args.workers or "its default"
    print(f"\none `mentorbot serve` (workers: {workers}), N={args.n}, C={args.c}:")
    phase.scenarios(args.chosen)
    print()
    print(table(phase.rows, floor_of(phase.rows)))
    print(must_show(phase.rows))
    print(cpu_table(phase.rows, floor_of(phase.rows)))
    served.stop()
    left = quiet_outbox(db_url)
    if left:
        print(f"{left} notices were still undelivered after the bursts (no jobs ran to retry)")


def warm_up(phase: Phase) -> None:
    """Not measured: every worker thread and pooled connection made once."""
    known = phase.cast.known
    requests = [
        phase.command(i, known[i % len(known)], "help", "w") for i in range(2 * phase.args.c)
    ]
    results = bursts.burst(phase.url, requests, phase.args.c, secret=SECRET)
    phase.seen.match(results, timeout=phase.args.visible_timeout)


def replica_phase(
    args: argparse.Namespace,
    processes: Processes,
    db_url: str,
    api_url: str,
    response_base: str,
    seen: Seen,
    who: Cast,
    bookers: list[str],
    stats: Callable[[], int],
) -> None:
    bouncer = processes.pgbouncer(db_url, pool_size=args.pool_size)
    replicas: list[Started] = []
    bases = []
    for index in range(3):
        one, base = processes.serve(
            f"replica{index + 1}", bouncer, api_url, workers=args.replica_workers, scheduler=True
        )
        replicas.append(one)
        bases.append(base)
    front = processes.haproxy(bases)
    phase = Phase(
        "r", front + "/slack/events", response_base, seen, args, who, bookers, stats, processes.cpu
    )
    after_session = max_session_id(db_url)
    killed: list[str] = []
    chosen = args.chosen
    phase.kill_in = "submit booking modal" if "submit" in chosen else ""

    def kill(sent: int) -> None:
        if not killed and sent >= max(1, phase.burst_size // 2):
            processes.cpu()  # the killed replica's CPU counts up to here
            replicas[0].kill()
            killed.append(f"replica1 SIGKILLed after {sent} submissions were sent")

    phase.sent_at = kill
    warm_up(phase)
    print(
        f"\nthree replicas ({args.replica_workers} worker(s) each, jobs on) behind HAProxy and"
        f" PgBouncer (transaction pooling, pool {args.pool_size}), N={args.n}, C={args.c}:"
    )
    phase.scenarios(chosen)
    left = drain(db_url, after_session, args.drain_timeout) if "submit" in chosen else 0
    print()
    print(table(phase.rows, floor_of(phase.rows)))
    print("(transactions here include HAProxy's health checks and the jobs ticking)")
    print(must_show(phase.rows))
    print(cpu_table(phase.rows, floor_of(phase.rows)))
    print(f"\nthe kill: {'; '.join(killed) or 'none (no submit burst)'}")
    if "submit" in chosen:
        if left:
            print(f"{left} notices still undelivered after {args.drain_timeout:g} s")
        for line in check_replicas(db_url, phase, after_session):
            print(line)
    errors: Counter[str] = Counter()
    for one in replicas[1:]:
        for line in one.tail(100_000).splitlines():
            if EXCEPTION_LINE.match(line):
                errors[line[:160]] += 1
    if errors:
        print(f"\nexceptions the surviving replicas logged ({sum(errors.values())}):")
        for line, count in errors.most_common(5):
            print(f"  {count} × {line}")


if __name__ == "__main__":
    main()
