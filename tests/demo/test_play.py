"""A story step passes when what it expects appears, and fails naming itself
when the bot errs, refuses, or stays silent."""

from __future__ import annotations

import io

import pytest

from bot.demo.cast import BEN, MAYA
from bot.demo.play import DemoFailure, Stage, dm, modal, reply
from handlers.ids import Modal
from tests.handlers.conftest import Harness


def test_a_step_prints_who_did_what_and_what_each_person_then_saw(h: Harness) -> None:
    out = io.StringIO()
    stage = Stage(h, out)
    (answer,) = stage.act(
        BEN, "asks for help", lambda: h.command(BEN.user_id, "help"), reply(BEN, "/mentor find")
    )
    assert answer.audience == BEN.user_id
    printed = out.getvalue()
    assert "1. Ben Okafor asks for help" in printed
    assert "Ben Okafor sees a private reply:" in printed
    assert "│ " in printed


def test_a_step_whose_expected_message_never_comes_fails_naming_the_step(h: Harness) -> None:
    stage = Stage(h, None, timeout=0.5)
    with pytest.raises(DemoFailure) as failure:
        stage.act(BEN, "asks for help", lambda: h.command(BEN.user_id, "help"), dm(MAYA, "hello"))
    message = str(failure.value)
    assert "1. Ben Okafor asks for help" in message
    assert "expected Maya Patel to get a direct message saying “hello”" in message
    assert "Ben Okafor sees a private reply" in message, "what was seen instead"


def test_a_refused_form_fails_the_step(h: Harness) -> None:
    stage = Stage(h, None)
    form = stage.act(
        MAYA,
        "opens the mentor form",
        lambda: h.command(MAYA.user_id, "signup mentor"),
        modal(MAYA, Modal.SIGNUP_MENTOR),
    )[0]
    with pytest.raises(DemoFailure, match=r"2\. Maya Patel submits it empty failed: the form was"):
        stage.act(MAYA, "submits it empty", lambda: h.submit(MAYA.user_id, form.view(), {}))


def test_an_error_status_fails_the_step(h: Harness) -> None:
    stage = Stage(h, None)
    with pytest.raises(DemoFailure, match="HTTP 401"):
        stage.act(
            BEN,
            "sends a forged request",
            lambda: h.sender.form({"command": "/mentor"}, sign_with="not-the-secret"),
        )
