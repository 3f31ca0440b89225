"""A story step passes when what it expects appears, and fails naming itself
when the bot errs, refuses, or stays silent."""

from __future__ import annotations

import io

import pytest

from bot.demo.cast import BEN, MAYA
from bot.demo.play import DemoFailure, Stage, dm, home, modal, reply
from bot.standin.signing import Reply
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
    assert "Ben Okafor (America/New_York) sees a private reply:" in printed, "in his zone"
    assert "│ " in printed


def test_a_step_whose_expected_message_never_comes_fails_naming_the_step(h: Harness) -> None:
    stage = Stage(h, None)
    with pytest.raises(DemoFailure) as failure:
        stage.act(BEN, "asks for help", lambda: h.command(BEN.user_id, "help"), dm(MAYA, "hello"))
    message = str(failure.value)
    assert "1. Ben Okafor asks for help" in message
    assert "expected Maya Patel to get a direct message saying “hello”" in message
    assert "Ben Okafor (America/New_York) sees a private reply" in message, "what was seen"


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


def test_a_step_slack_fails_under_fails_naming_the_step_and_the_apology(h: Harness) -> None:
    # Slack cannot open the form: the bot's error handler apologises in a DM.
    h.slack.fail("views.open", error="internal_error", times=5)
    stage = Stage(h, None)
    with pytest.raises(DemoFailure) as failure:
        stage.act(
            MAYA,
            "opens the mentor form",
            lambda: h.command(MAYA.user_id, "signup mentor"),
            modal(MAYA, Modal.SIGNUP_MENTOR),
        )
    assert str(failure.value).startswith("step 1. Maya Patel opens the mentor form failed: the")
    assert "Sorry, something went wrong" in str(failure.value)


def test_a_step_the_bot_is_still_busy_with_after_its_time_fails_naming_it(h: Harness) -> None:
    h.slack.fail("users.info", delay_s=1.0)
    stage = Stage(h, None, timeout=0.05)
    with pytest.raises(DemoFailure, match=r"step 1\. Ben Okafor signs up failed: .*still busy"):
        stage.act(BEN, "signs up", lambda: h.command(BEN.user_id, "signup mentee"))


def test_an_opened_home_is_shown_and_one_refreshed_in_the_background_only_mentioned(
    h: Harness,
) -> None:
    out = io.StringIO()
    stage = Stage(h, out)
    stage.act(BEN, "opens his App Home", lambda: h.open_home(BEN.user_id), home(BEN))

    def help_after_a_change() -> Reply:
        notifier = h.bot.deps.notifier
        notifier.refresh_home(notifier.viewer("T1", BEN.user_id))  # as the bot does after a change
        return h.command(BEN.user_id, "help")

    stage.act(BEN, "asks for help", help_after_a_change, reply(BEN, "/mentor find"))
    opened, asked = out.getvalue().split("2. Ben Okafor asks for help")
    assert "Ben Okafor (America/New_York) sees the App Home:\n      │ [App Home]" in opened
    assert "Ben Okafor's App Home is brought up to date." in asked
    assert "[App Home]" not in asked
