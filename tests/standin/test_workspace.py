"""The driver and the stand-in for Slack: a click says which message it was
in, Slack refuses to update a message it never posted, `settle` returns once
the bot has finished, and a modal is shown to the person who opened it."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standin import payloads
from bot.standin.payloads import Where
from bot.standin.seen import Kind
from bot.standin.text import Painter
from bot.standin.workspace import NotSeen
from tests.handlers.conftest import Harness


def test_a_click_carries_the_channel_ts_and_text_of_the_message_clicked() -> None:
    message = {"text": "Ben asked for a session", "blocks": [{"type": "divider"}]}
    payload = payloads.block_action(
        "UMAYA", "accept", "s1", where=Where("DUMAYA", "1700000042.000100"), message=message
    )
    assert payload["container"]["message_ts"] == "1700000042.000100"
    assert payload["container"]["channel_id"] == "DUMAYA"
    assert payload["message"]["ts"] == "1700000042.000100"
    assert payload["message"]["text"] == "Ben asked for a session"
    assert payload["message"]["blocks"] == [{"type": "divider"}]


def test_a_click_in_an_ephemeral_reply_says_so_and_carries_no_message() -> None:
    where = Where("C0GENERAL", "1800000001.000300", ephemeral=True)
    payload = payloads.block_action("UBEN", "book", "m1", where=where, message={"text": "x"})
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload


def test_slack_updates_a_message_it_posted_and_refuses_one_it_did_not(h: Harness) -> None:
    client = WebClient(token="xoxb-test", base_url=h.server.api_url)
    posted = client.chat_postMessage(channel="UMAYA", text="Ben asked for a session")
    assert posted["channel"] == "DUMAYA", "Slack answers with the DM's channel"

    client.chat_update(channel="DUMAYA", ts=posted["ts"], text="Accepted")
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="DUMAYA", ts="1700009999.000100", text="Accepted")

    updates = h.calls("chat.update")
    seen = [s.kind for s in h.sights(0)]
    assert len(updates) == 2
    assert seen == [Kind.DM, Kind.UPDATED], "the refused update showed nothing"


def test_a_dms_history_shows_its_metadata_only_when_asked_for_all_of_it(h: Harness) -> None:
    client = WebClient(token="xoxb-test", base_url=h.server.api_url)
    metadata = {"event_type": "mentorbot_notice", "event_payload": {"id": "n1"}}
    client.chat_postMessage(channel="UMAYA", text="first", metadata=metadata)
    client.chat_postMessage(channel="UMAYA", text="second")
    channel = client.conversations_open(users="UMAYA")["channel"]["id"]

    bare = client.conversations_history(channel=channel)["messages"]
    full = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    latest = client.conversations_history(channel=channel, limit=1)["messages"]

    # The DM's latest two (the shared stand-in may hold earlier tests' messages).
    assert [m["text"] for m in bare[:2]] == ["second", "first"], "the latest first"
    assert not any("metadata" in m for m in bare)
    assert [m.get("metadata") for m in full[:2]] == [None, metadata]
    assert [m["text"] for m in latest] == ["second"]


def test_settle_returns_once_the_bots_work_after_the_ack_is_done(h: Harness) -> None:
    # Ben is new: building his form waits on users.info, which Slack answers slowly.
    h.slack.fail("users.info", delay_s=0.5)
    assert h.command("UBEN", "signup mentee").status == 200

    h.settle()

    (form,) = [s for s in h.sights(0) if s.kind is Kind.MODAL]
    assert form.audience == "UBEN"
    assert form.view()["title"]["text"] == "Sign up as mentee", "the built form, not Loading…"


def test_settle_fails_when_the_bot_is_still_busy_after_its_time(h: Harness) -> None:
    h.slack.fail("users.info", delay_s=1.0)
    h.command("UBEN", "signup mentee")
    with pytest.raises(NotSeen, match="still busy"):
        h.settle(timeout=0.05)


def test_a_modal_is_shown_to_whoever_opened_it_though_someone_else_acts_after(
    h: Harness,
) -> None:
    h.command("UBEN", "signup mentee")
    h.command("UMAYA", "signup mentor")
    h.settle()

    modals = {s.audience: s.view()["title"]["text"] for s in h.sights(0) if s.kind is Kind.MODAL}
    assert modals == {"UBEN": "Sign up as mentee", "UMAYA": "Become a mentor"}


def test_a_file_shared_with_blocks_shows_them_and_slack_names_its_type(h: Harness) -> None:
    client = WebClient(token="xoxb-test", base_url=h.server.api_url)
    channel = client.conversations_open(users="UBEN")["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "📅 Add it"}}]
    # A long line folded as RFC 5545 folds it: the preview shows it whole.
    content = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Mentoring: Ben\r\n  and Maya\r\n"
    shared = client.files_upload_v2(
        channel=channel, filename="a.ics", title="A", content=content, blocks=json.dumps(blocks)
    )
    assert (shared["file"]["name"], shared["file"]["mimetype"]) == ("a.ics", "text/calendar")
    (file,) = [s for s in h.sights(0) if s.kind is Kind.FILE]
    assert file.audience == "UBEN"
    assert file.render(Painter()).splitlines() == [
        "📅 Add it",
        "📎 a.ics (calendar event)",
        "    METHOD:REQUEST",
        "    SUMMARY:Mentoring: Ben and Maya",
    ]
