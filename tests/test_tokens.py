"""`scripts/run` chooses between the bot and the demo with `python -m bot.tokens`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import tokens


@pytest.fixture(autouse=True)
def _no_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_without_tokens_the_demo_is_chosen() -> None:
    assert tokens.main() == 1


def test_with_both_tokens_the_bot_is_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert tokens.main() == 0


def test_tokens_in_a_dot_env_file_count() -> None:
    Path(".env").write_text("SLACK_BOT_TOKEN=xoxb-1-2\nSLACK_SIGNING_SECRET=secret\n")
    assert tokens.main() == 0


def test_a_malformed_token_is_named_and_neither_is_chosen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-token")
    assert tokens.main() == 2
    assert "SLACK_BOT_TOKEN is not valid" in capsys.readouterr().err
