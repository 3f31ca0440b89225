"""The bot over real HTTP, with the fake Slack beside it, on a database of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bot.config import Settings
from bot.standin.clock import FakeClock
from bot.standin.slack_api import FakeSlack, FakeSlackServer
from bot.standin.workspace import Workspace, running_workspace, wait_for
from tests.conftest import DATA_TABLES
from tests.fakes.uow import utc

SECRET = "test-signing-secret"
NOW = utc(2026, 11, 30, 8, 0)  # a Monday

# The handler tests' name for the shared driver.
Harness = Workspace

__all__ = ["NOW", "SECRET", "Harness", "wait_for"]


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlackServer]:
    slack = FakeSlack()
    for user_id, name, zone in (
        ("UMAYA", "Maya Patel", "Europe/London"),
        ("UBEN", "Ben Okafor", "America/New_York"),
        ("UCARA", "Cara Singh", "Asia/Kolkata"),
        ("UOLGA", "Olga Ivanova", "Europe/Berlin"),
    ):
        slack.add_user(user_id, name, zone)
    with FakeSlackServer(slack) as server:
        yield server


@pytest.fixture(scope="module")
def harness(database_url: str, slack_server: FakeSlackServer) -> Iterator[Harness]:
    settings = Settings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        mentorship_admins=frozenset({"UOLGA"}),
        database_url=database_url,  # type: ignore[arg-type]
    )
    with running_workspace(settings, database_url, slack_server, FakeClock(NOW)) as workspace:
        yield workspace


@pytest.fixture
def h(harness: Harness, owner_engine: Engine) -> Iterator[Harness]:
    """The harness with an empty database, an empty call record and the clock reset."""
    harness.slack.clear()
    harness.slack.faults.clear()
    harness.clock.set(NOW)
    yield harness
    with owner_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
