"""What reaches the bot's HTTP face: only Slack-signed, fresh requests act; nothing
answers 5xx."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
import urllib.request

import pytest

from bot.standin import payloads
from bot.wsgi import MAX_BODY
from tests.handlers.conftest import Harness


def _help_command(h: Harness) -> dict[str, str]:
    return payloads.command("UBEN", "help", response_url=h.server.response_url("x"))


def test_a_signed_command_is_acknowledged_at_once(h: Harness) -> None:
    reply = h.sender.form(_help_command(h))
    assert reply.status == 200
    assert "/mentor find" in h.next_call("response_url").text()


def test_a_request_signed_with_another_secret_is_refused(h: Harness) -> None:
    reply = h.sender.form(_help_command(h), sign_with="not-the-secret")
    assert reply.status == 401
    assert not h.slack.calls_to("response_url")


def test_a_request_older_than_five_minutes_is_refused(h: Harness) -> None:
    stale = str(int(time.time()) - 6 * 60)
    assert h.sender.form(_help_command(h), timestamp=stale).status == 401


@pytest.mark.parametrize("stamp", ["abc", "", "1e9", " 12", "-5", "9" * 40])
def test_a_malformed_timestamp_header_is_refused_not_a_server_error(h: Harness, stamp: str) -> None:
    assert h.sender.form(_help_command(h), timestamp=stamp).status == 401


@pytest.mark.parametrize("signature", ["v0=\xe9", "v0=" + "A" * 64, "v1=" + "0" * 64, "v0=abc"])
def test_a_signature_not_of_slacks_shape_is_refused_and_nobody_is_messaged(
    h: Harness, signature: str
) -> None:
    # Once, a non-ASCII signature made the verifier raise inside Bolt, whose
    # error handler then apologised by DM to whoever the unsigned body named.
    reply = h.sender.form(
        {"command": "/mentor", "text": "help", "user_id": "UVICTIM", "team_id": "T1"},
        extra_headers={"X-Slack-Signature": signature},
    )
    assert reply.status == 401
    h.settle()
    assert h.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
        (b"payload=null", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b'"a string"', "application/json"),
    ],
)
def test_a_signed_body_that_is_not_what_slack_sends_is_a_bad_request(
    h: Harness, body: bytes, content_type: str
) -> None:
    reply = h.sender.post(body, content_type)
    assert (reply.status, reply.json()) == (400, {"error": "not a Slack request"})


def test_a_signed_body_that_is_not_utf8_is_a_bad_request_not_a_server_error(h: Harness) -> None:
    body = b"command=%2Fmentor&text=\xff\xfe"
    reply = h.sender.post(body, "application/x-www-form-urlencoded")
    assert (reply.status, reply.json()) == (400, {"error": "request body is not UTF-8"})


def test_a_body_over_the_limit_is_refused_before_it_is_read(h: Harness) -> None:
    # Only the headers are sent: the answer comes without waiting for the body.
    # (Sending it too would race the server's close: an unread body resets the
    # connection under the sender, as it would under an attacker.)
    url = urllib.parse.urlsplit(h.sender.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("POST", url.path)
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(MAX_BODY + 1))
        connection.putheader("X-Slack-Request-Timestamp", str(int(time.time())))
        connection.putheader("X-Slack-Signature", "v0=" + "0" * 64)
        connection.endheaders()
        response = connection.getresponse()
        answer = (response.status, json.loads(response.read()))
    finally:
        connection.close()
    assert answer == (413, {"error": "request body too large"})
    assert h.sender.form(_help_command(h)).status == 200


def test_the_health_check_answers_without_slack(h: Harness) -> None:
    url = h.sender.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert (response.status, response.read()) == (200, b'{"ok": true}')


def test_an_unknown_path_is_not_found(h: Harness) -> None:
    url = h.sender.url.replace("/slack/events", "/nope")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url, timeout=5)
    assert error.value.code == 404
