"""The bot over real HTTP, with the fake Slack beside it, on a database of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.demo.cast import MANAGERS, cast_slack
from bot.standin.clock import FakeClock
from bot.standin.slack_api import FakeSlackServer
from bot.standin.workspace import Workspace, running_workspace, wait_for
from tests.conftest import empty_tables
from tests.dates import MONDAY

SECRET = "test-signing-secret"
NOW = MONDAY + timedelta(hours=8)  # a Monday morning, a week or two from today
# Longer than any listener runs, even one waiting out a fault the test queued.
IDLE_WAIT_S = 30.0

# The handler tests' name for the shared driver.
Harness = Workspace

__all__ = ["NOW", "SECRET", "Harness", "bot_settings", "wait_for"]


# Home publishes coalesced over a fifth of a second, not the product's 2 s:
# each test waits for the bot to be idle, a coalesced publish included, so the
# product's interval cost every test that changed a Home up to 2 s of waiting
# (test_transactions and test_one_pass test the coalescing itself).
HOME_EVERY_S = 0.2


def bot_settings(database_url: str, **extra: object) -> Settings:
    """The test bot's settings: Olga manages the programme."""
    extra = {"mentorship_home_every_s": HOME_EVERY_S, **extra}
    return Settings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        mentorship_admins=MANAGERS,
        database_url=database_url,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]  # any further Settings field, by name
    )


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlackServer]:
    """The demo's four people (Maya, Ben, Cara and Olga, the programme manager)."""
    with FakeSlackServer(cast_slack()) as server:
        yield server


@pytest.fixture(scope="module")
def harness(
    request: pytest.FixtureRequest, app_database_url: str, slack_server: FakeSlackServer
) -> Iterator[Harness]:
    """The test module's bot: `bot_settings`, and the module's `BOT_SETTINGS` if it
    has any (a setting the bot is built with, such as the meeting URL template)."""
    settings = bot_settings(app_database_url, **getattr(request.module, "BOT_SETTINGS", {}))
    with running_workspace(settings, app_database_url, slack_server, FakeClock(NOW)) as workspace:
        yield workspace


@pytest.fixture
def h(harness: Harness, owner_engine: Engine) -> Iterator[Harness]:
    """The harness with an empty database, an empty call record and the clock
    reset. The bot answers before it has finished: the last test's listeners
    are waited for, so none writes to the tables or the record after the reset."""
    _wait_idle(harness)
    harness.slack.clear()
    harness.slack.faults.clear()
    harness.clock.set(NOW)
    harness.bot.deps.listings.clear()  # the last test's directory is gone
    yield harness
    _wait_idle(harness)
    empty_tables(owner_engine)


def _wait_idle(harness: Harness) -> None:
    assert harness.bot.listeners.wait_idle(IDLE_WAIT_S), "a listener was still running"
