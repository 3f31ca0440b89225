"""Who sees what the bot sent."""

from __future__ import annotations

import json

from bot.standin.seen import Kind, sights
from bot.standin.slack_api import Call

RESPONDERS = {"cmd-UBEN-1": "UBEN"}


def _view(title: str) -> str:
    return json.dumps({"type": "modal", "title": {"type": "plain_text", "text": title}})


def test_each_call_reaches_the_person_or_channel_it_was_meant_for() -> None:
    calls = [
        Call("users.info", {"user": "UBEN"}),
        Call("response_url", {"response_url_id": "cmd-UBEN-1", "text": "Found 1 mentor"}),
        Call("chat.postMessage", {"channel": "UMAYA", "text": "Ben asked for a session"}),
        Call("chat.update", {"channel": "DUMAYA", "ts": "1.2", "text": "Accepted"}),
        Call("chat.postMessage", {"channel": "C0MENTORING", "text": "The week in review"}),
        Call("chat.postEphemeral", {"channel": "C1", "user": "UCARA", "text": "Only you"}),
        Call("views.publish", {"user_id": "UOLGA", "view": json.dumps({"type": "home"})}),
    ]
    seen = [(s.audience, s.kind) for s in sights(calls, actor="UBEN", responders=RESPONDERS)]
    assert seen == [
        ("UBEN", Kind.REPLY),
        ("UMAYA", Kind.DM),
        ("UMAYA", Kind.UPDATED),
        ("C0MENTORING", Kind.POST),
        ("UCARA", Kind.PRIVATE),
        ("UOLGA", Kind.HOME),
    ]


def test_a_modal_is_the_actors_and_only_its_final_form_counts() -> None:
    calls = [
        Call("views.open", {"trigger_id": "t", "view": _view("Loading…")}),
        Call("views.update", {"view_id": "V9", "view": _view("Book a session")}),
    ]
    (modal,) = sights(calls, actor="UBEN", responders={})
    assert (modal.audience, modal.kind) == ("UBEN", Kind.MODAL)
    assert modal.view()["title"]["text"] == "Book a session"
    assert modal.view()["id"] == "V9"


def test_a_reply_that_replaces_the_clicked_message_says_so() -> None:
    calls = [Call("response_url", {"response_url_id": "cmd-UBEN-1", "replace_original": True})]
    (reply,) = sights(calls, actor="UBEN", responders=RESPONDERS)
    assert reply.kind is Kind.REPLACED
