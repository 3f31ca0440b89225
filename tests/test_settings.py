"""Settings: read from the environment and .env, and refused in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SettingsError, load_settings, require

ENV_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "MENTORSHIP_ADMINS",
    "MENTORSHIP_DIGEST_CHANNEL",
    "MENTORSHIP_DATA_DIR",
    "MENTORSHIP_MAX_OPEN_SESSIONS",
    "MENTORSHIP_MAX_OPEN_WITH_ONE_MENTOR",
    "MENTORSHIP_BOOKING_REQUESTS_PER_HOUR",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's folder


def test_defaults_need_nothing_from_the_environment() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.mentorship_admins == frozenset()


def test_values_come_from_the_environment_and_the_dot_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nMENTORSHIP_ADMINS=U1AA,U2BB\n")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.mentorship_admins == {"U1AA", "U2BB"}
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("SLACK_API_URL", "ftp://files.example/api"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("MENTORSHIP_ADMINS", "alice,bob"),
        ("MENTORSHIP_DIGEST_CHANNEL", "#general"),
        ("MENTORSHIP_MAX_OPEN_SESSIONS", "-7"),
        ("MENTORSHIP_BOOKING_REQUESTS_PER_HOUR", "lots"),
    ],
)
def test_a_malformed_setting_stops_the_cli_with_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"mentorbot: {name} is not valid: expected ")
    assert value not in err  # values may be secrets: never echoed


def test_a_missing_required_setting_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"^SLACK_SIGNING_SECRET is not set: expected "):
        require(load_settings(), "slack_signing_secret")


def test_the_booking_limits_default_to_the_products_and_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = load_settings().booking_policy()
    assert (defaults.max_open_per_mentee, defaults.max_open_per_pair) == (3, 2)
    assert defaults.max_requests_per_hour == 10
    monkeypatch.setenv("MENTORSHIP_MAX_OPEN_SESSIONS", "5")
    monkeypatch.setenv("MENTORSHIP_MAX_OPEN_WITH_ONE_MENTOR", "1")
    monkeypatch.setenv("MENTORSHIP_BOOKING_REQUESTS_PER_HOUR", "4")
    policy = load_settings().booking_policy()
    assert (policy.max_open_per_mentee, policy.max_open_per_pair) == (5, 1)
    assert policy.max_requests_per_hour == 4
