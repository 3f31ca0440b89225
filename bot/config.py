"""Settings, read from the environment and `.env` when `Settings()` is built —
never at import time."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.digest import DigestSchedule
from domain.errors import InvalidInput
from domain.matching import DEFAULT_MATCHING, MatchPolicy
from domain.meeting import check_template
from domain.policy import DEFAULT_POLICY, BookingPolicy

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

# What each setting must look like, said the way the error message says it.
EXPECTED = {
    "slack_bot_token": "a bot token starting with xoxb-",
    "slack_signing_secret": "the signing secret from the app's Basic Information page",
    "slack_app_token": "an app-level token starting with xapp-",
    "slack_api_url": "an http(s) URL of the Slack Web API, such as https://slack.com/api/",
    "database_url": "a PostgreSQL URL such as postgresql://user:password@host:5432/dbname",
    "mentorship_admins": "Slack user ids separated by commas, such as U012ABC,U034DEF",
    "mentorship_digest_channel": "a Slack channel id such as C012ABC",
    "mentorship_data_dir": "a folder path",
    "mentorship_scheduler": "true or false",
    "mentorship_reminder_minutes": "minutes before a session, separated by commas, e.g. 1440,15",
    "mentorship_digest_weekday": "a weekday number, 0 = Monday … 6 = Sunday",
    "mentorship_digest_time": "a time of day such as 09:00",
    "mentorship_digest_timezone": "an IANA time zone such as Europe/London",
    "mentorship_log_format": "text or json",
    "mentorship_log_level": "DEBUG, INFO, WARNING or ERROR",
    "mentorship_max_open_sessions": "a number of sessions from 1 to 50",
    "mentorship_max_open_with_one_mentor": "a number of sessions from 1 to 50",
    "mentorship_booking_requests_per_hour": "a number of requests from 1 to 1000",
    "mentorship_public_url": "the bot's public https URL, such as https://mentorship.example.com",
    "mentorship_meeting_url_template": (
        "an http(s) URL with {session_token} once, such as"
        " https://meet.jit.si/mentoring-{session_token}"
    ),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: SecretStr | None = None
    mentorship_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    mentorship_digest_channel: str | None = None
    # Where the embedded PostgreSQL keeps its cluster when DATABASE_URL is unset.
    mentorship_data_dir: Path = Field(default=Path(".mentorbot"))
    # Background jobs run inside `serve` unless turned off here (then run
    # `mentorbot scheduler` somewhere); any number of instances may run them.
    mentorship_scheduler: bool = True
    mentorship_reminder_minutes: Annotated[tuple[int, ...], NoDecode] = (1440, 15)
    mentorship_digest_weekday: int = Field(default=0, ge=0, le=6)
    mentorship_digest_time: time = time(9, 0)
    mentorship_digest_timezone: str = "UTC"
    mentorship_log_format: Literal["text", "json"] = "text"
    # Work after the ack (see bot.work): threads, and how many requests may
    # wait for one before the next is told the bot is busy. Few threads: the
    # work is mostly CPU under Python's one lock, and every thread working
    # takes a share of it from the threads answering Slack (measured with
    # bench/load.py: 8 threads gave acks of up to 8 s at 100 at once, 3 gave
    # 4 s). A long queue: a launch-day burst waits its turn for seconds,
    # which Slack's response_url allows (30 minutes), rather than being
    # told to come back.
    mentorship_work_threads: int = Field(default=3, ge=1, le=64)
    mentorship_work_queue: int = Field(default=1000, ge=0, le=10_000)
    # At most one App Home publish per person this often (seconds).
    mentorship_home_every_s: float = Field(default=2.0, ge=0.0, le=60.0)
    mentorship_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The booking policy's flood limits (domain.policy.BookingPolicy).
    mentorship_max_open_sessions: int = Field(
        default=DEFAULT_POLICY.max_open_per_mentee, ge=1, le=50
    )
    mentorship_max_open_with_one_mentor: int = Field(
        default=DEFAULT_POLICY.max_open_per_pair, ge=1, le=50
    )
    mentorship_booking_requests_per_hour: int = Field(
        default=DEFAULT_POLICY.max_requests_per_hour, ge=1, le=1000
    )

    # The bot's public base URL: calendar feeds are served under it
    # (`<url>/calendar/<token>.ics`); unset, `/mentor calendar` says so.
    mentorship_public_url: str | None = None
    # A meeting room per session for mentors without a link of their own
    # (domain.meeting); unset, people are told to agree on a place.
    mentorship_meeting_url_template: str | None = None

    # `/mentor match` and the Home's suggestions favour a mentor of another
    # department (mentoring across teams is the usual aim); false: no preference.
    mentorship_match_other_department: bool = True

    def match_policy(self) -> MatchPolicy:
        return replace(
            DEFAULT_MATCHING, prefer_other_department=self.mentorship_match_other_department
        )

    def booking_policy(self) -> BookingPolicy:
        return replace(
            DEFAULT_POLICY,
            max_open_per_mentee=self.mentorship_max_open_sessions,
            max_open_per_pair=self.mentorship_max_open_with_one_mentor,
            max_requests_per_hour=self.mentorship_booking_requests_per_hour,
        )

    def digest_schedule(self) -> DigestSchedule:
        return DigestSchedule(
            weekday=self.mentorship_digest_weekday,
            at=self.mentorship_digest_time,
            zone=self.mentorship_digest_timezone,
        )

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("wrong prefix")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("wrong prefix")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("empty")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        url = value.get_secret_value()
        if not re.match(r"^postgres(ql)?(\+psycopg)?://", url):
            raise ValueError("not a PostgreSQL URL")
        return value

    @field_validator("mentorship_admins", mode="before")
    @classmethod
    def _admins(cls, value: object) -> frozenset[str]:
        if isinstance(value, str):
            value = [part for part in re.split(r"[,\s]+", value) if part]
        if not isinstance(value, list | tuple | set | frozenset):
            raise ValueError("not a list")
        ids = frozenset(str(part) for part in value)
        if not all(SLACK_USER_ID.match(user_id) for user_id in ids):
            raise ValueError("not Slack user ids")
        return ids

    @field_validator("mentorship_reminder_minutes", mode="before")
    @classmethod
    def _reminders(cls, value: object) -> tuple[int, ...]:
        if isinstance(value, str):
            value = [part for part in re.split(r"[,\s]+", value) if part]
        if not isinstance(value, list | tuple):
            raise ValueError("not a list")
        minutes = tuple(int(part) for part in value)
        if not minutes or any(not 1 <= m <= 10080 for m in minutes):
            raise ValueError("out of range")
        return minutes

    @field_validator("mentorship_digest_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):
            raise ValueError("unknown zone") from None
        return value

    @field_validator("mentorship_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("mentorship_meeting_url_template")
    @classmethod
    def _meeting_template(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return check_template(value)
        except InvalidInput:
            raise ValueError("not a meeting URL template") from None

    @field_validator("mentorship_digest_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value and not CHANNEL_ID.match(value):
            raise ValueError("not a channel id")
        return value or None


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates them
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        expected = EXPECTED.get(name, "a valid value")
        # Values are never echoed: some of them are secrets.
        raise SettingsError(f"{name.upper()} is not valid: expected {expected}") from None


def require(settings: Settings, *names: str) -> None:
    """Fail with one clear line if any of `names` is not set."""
    for name in names:
        if getattr(settings, name) is None:
            raise SettingsError(f"{name.upper()} is not set: expected {EXPECTED[name]}")
