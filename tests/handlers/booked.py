"""Sessions booked, accepted and changed through the bot, as Ben and Maya would,
and the calendar files that reach their DMs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from bot import jobs
from bot.standin.payloads import select, text_input
from bot.standin.seen import Kind
from bot.standin.slack_api import Call
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef, SessionRef
from tests.handlers.conftest import Harness, wait_for

SHARE = "files.completeUploadExternal"


@dataclass(frozen=True)
class SessionRow:
    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    meeting_token: str


def last_session(engine: Engine) -> SessionRow:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, status, starts_at, ends_at, meeting_token FROM sessions"
                " ORDER BY id DESC LIMIT 1"
            )
        ).one()
    return SessionRow(row.id, row.status, row.starts_at, row.ends_at, row.meeting_token)


def user_id(engine: Engine, slack_user_id: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM users WHERE slack_user_id = :s"), {"s": slack_user_id}
        ).scalar_one()
    return int(found)


def slot_values(view: dict[str, Any]) -> list[str]:
    """The slot select's choices: each a start as epoch seconds."""
    element = next(b for b in view["blocks"] if b.get("block_id") == Field.SLOT)["element"]
    groups = element.get("option_groups") or [{"options": element.get("options", [])}]
    return [option["value"] for group in groups for option in group["options"]]


def at(slot: str) -> datetime:
    return datetime.fromtimestamp(int(slot), UTC)


def _form(h: Harness, mark: int) -> dict[str, Any]:
    """The modal opened since `mark`, once built (it opens as "Loading…")."""
    built = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "views.update"], what="a modal"
    )
    return built[-1].view()


def book(h: Harness, mentee: str, mentor_id: int, *, slot: int = 0, topic: str = "") -> str:
    """The mentee books the mentor's `slot`th free time, or the one that starts
    at `slot` when it is an epoch; returns the slot booked."""
    mark = h.mark()
    h.click(mentee, Action.BOOK, MentorRef(mentor_id=mentor_id).encode())
    booking = _form(h, mark)
    offered = slot_values(booking)
    chosen = str(slot) if str(slot) in offered else offered[slot]
    values = {Field.SLOT: select(chosen), Field.TOPIC: text_input(topic)}
    reply = h.submit(mentee, booking, values)
    assert "errors" not in reply.body, reply.body
    h.settle()
    return chosen


def accept(h: Harness, mentor: str) -> None:
    """The mentor presses Accept on the newest request DM they got."""
    requests = [
        (s, str(e["value"]))
        for s in h.sights(0)
        if s.audience == mentor and s.kind is Kind.DM
        for b in s.message().get("blocks") or []
        for e in b.get("elements", [])
        if e.get("action_id") == Action.ACCEPT
    ]
    assert requests, f"no request DM to {mentor}"
    dm, value = requests[-1]
    h.click(mentor, Action.ACCEPT, value, on=dm)
    h.settle()


def _open(h: Harness, who: str, action: Action, session_id: int, modal: Modal) -> dict[str, Any]:
    mark = h.mark()
    h.click(who, action, SessionRef(session_id=session_id).encode())
    form = _form(h, mark)
    assert form["callback_id"] == modal
    return form


def move(h: Harness, who: str, session_id: int, *, slot: int = 0) -> str:
    """`who` moves the session to the `slot`th other free time offered; returns it."""
    form = _open(h, who, Action.RESCHEDULE, session_id, Modal.RESCHEDULE)
    chosen = slot_values(form)[slot]
    reply = h.submit(who, form, {Field.SLOT: select(chosen)})
    assert "errors" not in reply.body, reply.body
    h.settle()
    return chosen


def cancel(h: Harness, who: str, session_id: int, reason: str) -> None:
    form = _open(h, who, Action.CANCEL, session_id, Modal.CANCEL)
    reply = h.submit(who, form, {Field.REASON: text_input(reason)})
    assert "errors" not in reply.body, reply.body
    h.settle()


@dataclass(frozen=True)
class SharedFile:
    """A file the bot shared into someone's DM, as Slack keeps it."""

    person: str
    name: str
    mimetype: str
    content: str
    blocks: list[dict[str, Any]]

    def buttons(self) -> dict[str, str]:
        """The message's link buttons: action id -> URL."""
        return {
            e["action_id"]: e["url"]
            for b in self.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
        }


def shared_files(h: Harness, mark: int) -> list[SharedFile]:
    """The files shared since `mark` that Slack took (a refused share shows nothing)."""
    found = []
    for call in h.since(mark):
        answer = h.answer(call) if call.method == SHARE else None
        if not answer or not answer.get("ok"):
            continue
        (file,) = answer["files"]
        content = h.slack.uploaded(file["id"])
        assert content is not None, "a file was shared before its bytes were uploaded"
        channel = str(call.params["channel_id"])
        assert channel.startswith("D"), "shared into a DM's channel id"
        blocks = json.loads(call.params.get("blocks") or "[]")
        found.append(SharedFile(channel[1:], file["name"], file["mimetype"], content, blocks))
    return found


def files_to(h: Harness, mark: int, people: list[str]) -> list[SharedFile]:
    """Wait for one file to each of `people` since `mark` (and no more)."""

    def arrived() -> list[SharedFile]:
        got = shared_files(h, mark)
        return got if sorted(f.person for f in got) == sorted(people) else []

    return wait_for(arrived, what=f"one calendar file to each of {people}")


@dataclass(frozen=True)
class Shown:
    """Where an accepted session shows Ben where it happens."""

    accepted: Call  # the DM saying Maya accepted
    reminder: Call  # the DM 15 minutes before
    home: Call  # his App Home
    file: SharedFile  # the calendar file
    session: SessionRow


def accepted_and_reminded(h: Harness, engine: Engine) -> Shown:
    """Ben books Maya, she accepts, the 15-minute reminder goes, and Ben opens
    his App Home."""

    def last_to_ben(mark: int, method: str, **match: str) -> Call:
        calls = [
            c
            for c in h.since(mark)
            if c.method == method and all(c.params.get(k) == v for k, v in match.items())
        ]
        assert calls, f"no {method} for Ben"
        return calls[-1]

    book(h, "UBEN", user_id(engine, "UMAYA"))
    mark = h.mark()
    accept(h, "UMAYA")
    (file,) = [f for f in files_to(h, mark, ["UBEN", "UMAYA"]) if f.person == "UBEN"]
    accepted = last_to_ben(mark, "chat.postMessage", channel="UBEN")
    session = last_session(engine)
    h.clock.set(session.starts_at - timedelta(minutes=15))
    mark = h.mark()
    jobs.reminders(h.bot)
    h.settle()
    reminder = last_to_ben(mark, "chat.postMessage", channel="UBEN")
    mark = h.mark()
    h.open_home("UBEN")
    h.settle()
    home = last_to_ben(mark, "views.publish", user_id="UBEN")
    return Shown(accepted, reminder, home, file, session)


def join_urls(call: Call) -> list[str]:
    return [
        e["url"]
        for b in call.blocks()
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == Action.JOIN
    ]
