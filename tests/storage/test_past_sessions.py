"""A person's past sessions on PostgreSQL, as the Home and `/mentor sessions`
read them: the most recent few (as mentor and as mentee), and whether there
are earlier ones. Fifty were read to count the rest, so a mentor with 1,581
read "…and 47 earlier"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.home import PAST_LISTED, my_sessions
from tests.fakes.uow import FakeClock
from tests.storage.seed import BASE_TIME, Org, seed_session
from tests.storage.sessions_seed import as_member

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = BASE_TIME + timedelta(days=60)


def _finished(app_engine: Engine, org: Org, count: int) -> list[int]:
    """`count` finished sessions of the mentor, a day apart, the newest first;
    every other one with the bystander, and one in three cancelled."""
    return [
        seed_session(
            app_engine,
            org,
            at=NOW - timedelta(days=1 + n),
            status="cancelled" if n % 3 == 2 else "completed",
            mentee=org.bystander if n % 2 else org.mentee,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("count", "earlier"),
    [(0, False), (1, False), (PAST_LISTED, False), (PAST_LISTED + 1, True), (40, True)],
)
def test_the_most_recent_past_sessions_are_read_and_whether_there_are_earlier_ones(
    session_factory: sessionmaker[OrmSession],
    app_engine: Engine,
    org: Org,
    count: int,
    earlier: bool,
) -> None:
    newest_first = _finished(app_engine, org, count)
    seed_session(app_engine, org, at=NOW + timedelta(days=1), status="scheduled")

    _, overview = my_sessions(as_member(session_factory, "UMENTOR"), FakeClock(NOW))

    assert [s.id for s in overview.past] == newest_first[:PAST_LISTED]
    assert overview.earlier is earlier
    assert [s.status.value for s in overview.upcoming] == ["scheduled"]


def test_a_mentees_past_sessions_are_their_own(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    newest_first = _finished(app_engine, org, PAST_LISTED * 2 + 2)
    theirs = [
        session_id
        for n, session_id in enumerate(newest_first)
        if n % 2 == 0  # the mentee's, not the bystander's
    ]

    _, overview = my_sessions(as_member(session_factory, "UMENTEE"), FakeClock(NOW))

    assert [s.id for s in overview.past] == theirs[:PAST_LISTED]
    assert overview.earlier is True
