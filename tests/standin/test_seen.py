"""Who sees what the bot sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.standin.payloads import Where
from bot.standin.seen import Kind, sights
from bot.standin.slack_api import Call
from bot.standin.text import Painter
from tests.dates import MONDAY


@dataclass
class Record:
    """What the driver would know: answers by call, response URLs and triggers by person."""

    answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    responders: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str]] = field(default_factory=dict)

    def answered(self, call: Call, answer: dict[str, Any]) -> Call:
        self.answers[id(call)] = answer
        return call

    def answer(self, call: Call) -> Mapping[str, Any] | None:
        return self.answers.get(id(call))

    def reply_to(self, call: Call) -> tuple[str, Where] | None:
        user = self.responders.get(str(call.params.get("response_url_id")))
        return (user, Where("C0GENERAL", "1.1", ephemeral=True)) if user else None

    def opener(self, call: Call) -> str | None:
        key = call.params.get("trigger_id") or call.params.get("view_id")
        return self.triggers.get(str(key))

    def file(self, file_id: str) -> tuple[str, str] | None:
        return self.files.get(file_id)


def _view(title: str) -> str:
    return json.dumps({"type": "modal", "title": {"type": "plain_text", "text": title}})


def test_each_call_reaches_the_person_or_channel_it_was_meant_for() -> None:
    record = Record(responders={"cmd-UBEN-1": "UBEN"})
    calls = [
        Call("users.info", {"user": "UBEN"}),
        Call("response_url", {"response_url_id": "cmd-UBEN-1", "text": "Found 1 mentor"}),
        Call("chat.postMessage", {"channel": "UMAYA", "text": "Ben asked for a session"}),
        Call("chat.update", {"channel": "DUMAYA", "ts": "1.2", "text": "Accepted"}),
        Call("chat.postMessage", {"channel": "C0MENTORING", "text": "The week in review"}),
        Call("chat.postEphemeral", {"channel": "C1", "user": "UCARA", "text": "Only you"}),
        Call("views.publish", {"user_id": "UOLGA", "view": json.dumps({"type": "home"})}),
    ]
    seen = [(s.audience, s.kind) for s in sights(calls, record)]
    assert seen == [
        ("UBEN", Kind.REPLY),
        ("UMAYA", Kind.DM),
        ("UMAYA", Kind.UPDATED),
        ("C0MENTORING", Kind.POST),
        ("UCARA", Kind.PRIVATE),
        ("UOLGA", Kind.HOME),
    ]


def test_a_message_is_where_slack_said_it_posted_it() -> None:
    record = Record()
    posted = record.answered(
        Call("chat.postMessage", {"channel": "UMAYA", "text": "Ben asked"}),
        {"ok": True, "channel": "DUMAYA", "ts": "1700000007.000100"},
    )
    (dm,) = sights([posted], record)
    assert dm.where == Where("DUMAYA", "1700000007.000100")


def test_a_call_slack_refused_shows_nothing() -> None:
    record = Record()
    refused = record.answered(
        Call("chat.update", {"channel": "DUMAYA", "ts": "9.9", "text": "Accepted"}),
        {"ok": False, "error": "message_not_found"},
    )
    assert sights([refused], record) == []


def test_a_modal_is_its_openers_whoever_acts_next_and_only_its_final_form_counts() -> None:
    record = Record(triggers={"t-ben": "UBEN", "V9": "UBEN", "t-maya": "UMAYA"})
    opened = record.answered(
        Call("views.open", {"trigger_id": "t-ben", "view": _view("Loading…")}),
        {"ok": True, "view": {"id": "V9"}},
    )
    calls = [
        opened,
        Call("views.open", {"trigger_id": "t-maya", "view": _view("Your profile")}),
        Call("views.update", {"view_id": "V9", "view": _view("Book a session")}),
    ]
    maya, ben = sights(calls, record)
    assert (maya.audience, maya.view()["title"]["text"]) == ("UMAYA", "Your profile")
    assert (ben.audience, ben.kind) == ("UBEN", Kind.MODAL)
    assert ben.view()["title"]["text"] == "Book a session"
    assert ben.view()["id"] == "V9"


def test_a_reply_that_replaces_the_clicked_message_says_so() -> None:
    record = Record(responders={"cmd-UBEN-1": "UBEN"})
    calls = [Call("response_url", {"response_url_id": "cmd-UBEN-1", "replace_original": True})]
    (reply,) = sights(calls, record)
    assert reply.kind is Kind.REPLACED


def test_a_shared_file_reaches_the_dm_it_was_shared_in_with_its_name_and_rows() -> None:
    content = "mentor,sessions\r\nMaya Patel,3\r\nPia Lund,1\r\n"
    name = f"mentors-last-30-days-{MONDAY:%Y-%m-%d}.csv"
    record = Record(files={"F1": (name, content)})
    shared = Call(
        "files.completeUploadExternal",
        {
            "channel_id": "DUOLGA",
            "initial_comment": "Per-mentor figures",
            "files": json.dumps([{"id": "F1", "title": "Mentors"}]),
        },
    )
    (file,) = sights([shared], record)
    assert (file.audience, file.headline) == ("UOLGA", "receives a file")
    assert file.render(Painter()).splitlines() == [
        "Per-mentor figures",
        f"📎 {name} (2 rows)",
        "    mentor,sessions",
        "    Maya Patel,3",
        "    Pia Lund,1",
    ]


def test_blocks_shared_with_a_file_are_not_shown_beside_a_comment() -> None:
    """As Slack does: `initial_comment` wins over `blocks`."""
    record = Record(files={"F1": ("a.txt", "hello\n")})
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "Blocks"}}])
    files = json.dumps([{"id": "F1", "title": "A"}])
    both = Call(
        "files.completeUploadExternal",
        {"channel_id": "DUBEN", "initial_comment": "Comment", "blocks": blocks, "files": files},
    )
    only_blocks = Call(
        "files.completeUploadExternal", {"channel_id": "DUBEN", "blocks": blocks, "files": files}
    )
    commented, blocked = sights([both, only_blocks], record)
    assert commented.render(Painter()).splitlines()[0] == "Comment"
    assert blocked.render(Painter()).splitlines()[0] == "Blocks"
