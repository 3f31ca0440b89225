"""Calendar feeds on PostgreSQL, as the application role: the token is kept
only as its hash, a reset stops the old one, and a feed shows its owner's
sessions and nobody else's (row-level security reads them as the owner)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.calendar import HELD, EventStatus
from domain.calendar_feed import MAX_FEED_EVENTS, Feed, feed_for_token, open_feed, reset_feed
from domain.model import Actor
from storage.uow import SqlUnitOfWork
from tests.fakes.uow import FakeClock
from tests.storage.seed import BASE_TIME, Org, add_session, set_actor

NOW = BASE_TIME - timedelta(days=1)

pytestmark = pytest.mark.usefixtures("clean_tables")


def _member(factory: sessionmaker[OrmSession], slack_user_id: str) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.member("T1", slack_user_id))


def _shown(factory: sessionmaker[OrmSession], token: str) -> list[int] | None:
    feed = _feed(factory, token)
    return None if feed is None else [event.session.id for event in feed.events or []]


def _feed(
    factory: sessionmaker[OrmSession],
    token: str,
    known: Callable[[str], bool] = lambda version: False,
    now: datetime = NOW,
) -> Feed | None:
    return feed_for_token(
        lambda actor: SqlUnitOfWork(factory, actor),
        FakeClock(now),
        token=token,
        meeting_template=None,
        known=known,
    )


def test_the_database_holds_the_feed_token_only_as_its_hash(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, org: Org
) -> None:
    first = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW)).token
    second = reset_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW))
    assert first is not None

    with owner_engine.connect() as conn:
        rows = conn.execute(text("SELECT f::text, f.token_hash FROM calendar_feeds f")).all()
    (row, stored), *others = rows
    assert others == []
    assert stored == hashlib.sha256(second.encode()).hexdigest()
    assert first not in row
    assert second not in row


def test_a_second_open_does_not_make_another_feed(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    made = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW))
    later = FakeClock(NOW + timedelta(days=2))
    again = open_feed(_member(session_factory, "UMENTEE"), later)
    assert made.token is not None
    assert (again.since, again.token) == (NOW, None)


def test_a_feed_shows_its_owner_s_sessions_and_nobody_else_s(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        mentees = add_session(conn, "T1", org.mentor, org.mentee, status="scheduled")
        bystanders = add_session(
            conn,
            "T1",
            org.mentor,
            org.bystander,
            starts_at=BASE_TIME + timedelta(hours=1),
            status="scheduled",
        )
    tokens = {
        person: open_feed(_member(session_factory, person), FakeClock(NOW)).token
        for person in ("UMENTOR", "UMENTEE", "UBYSTANDER", "UADMIN")
    }

    shown = {person: _shown(session_factory, token or "") for person, token in tokens.items()}
    assert shown == {
        "UMENTOR": [mentees, bystanders],
        "UMENTEE": [mentees],
        "UBYSTANDER": [bystanders],
        # A programme manager's feed is their own sessions, not everybody's.
        "UADMIN": [],
    }


def test_reading_as_the_owner_hides_other_people_s_sessions_even_when_asked_for(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    """The second wall: were the query asked for someone else's id, the
    policies would still show the reader only their own sessions."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="scheduled")
    seen = {}
    for reader in ("UBYSTANDER", "UMENTEE"):
        with _member(session_factory, reader) as uow:
            found = uow.calendar_feeds.sessions(
                org.mentee,
                held=HELD,
                starts_from=NOW - timedelta(days=30),
                starts_before=NOW + timedelta(days=180),
                around=NOW,
                limit=10,
            )
        seen[reader] = [row.session.id for row in found.sessions]
    assert seen == {"UBYSTANDER": [], "UMENTEE": [session]}


def test_a_reset_token_and_an_unknown_one_open_nothing(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="scheduled")
    old = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW)).token
    assert old is not None
    assert _shown(session_factory, old) == [session]
    new = reset_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW))

    assert _shown(session_factory, old) is None
    assert _shown(session_factory, "A" * 43) is None
    assert _shown(session_factory, new) == [session]


def test_someone_who_left_has_an_empty_feed(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_session(conn, "T1", org.mentor, org.mentee, status="completed")
    token = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW)).token
    assert token is not None
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": org.mentee})

    assert _shown(session_factory, token) == []


def test_the_feed_marks_sent_changes_and_names_both_people(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        cancelled = add_session(conn, "T1", org.mentor, org.mentee, status="cancelled")
        conn.execute(
            text("UPDATE sessions SET calendar_sequence = 2 WHERE id = :id"), {"id": cancelled}
        )
        add_session(
            conn, "T1", org.mentor, org.mentee, starts_at=BASE_TIME + timedelta(hours=2)
        )  # requested, never sent: not shown
    token = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW)).token
    assert token is not None

    feed = feed_for_token(
        lambda actor: SqlUnitOfWork(session_factory, actor),
        FakeClock(NOW),
        token=token,
        meeting_template="https://meet.example.com/m-{session_token}",
    )
    assert feed is not None
    (event,) = feed.events or []
    assert (event.session.id, event.status) == (cancelled, EventStatus.CANCELLED)
    assert (event.mentor, event.mentee) == ("UMENTOR", "UMENTEE")
    assert event.link == f"https://meet.example.com/m-{event.session.meeting_token}"
    assert len(event.session.meeting_token) == 32


def test_a_person_with_5000_sessions_gets_the_2000_nearest_to_now_and_one_version(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, org: Org
) -> None:
    """Every quarter of an hour from 29 days back to 23 ahead, half as the
    person's mentor and half as their mentee: more than a feed holds, on both
    sides of now; those kept are the nearest to now, from both indexes and
    both directions (the earliest and the latest give way)."""
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status, created_at, updated_at)"
                " SELECT 'T1', CASE WHEN n % 2 = 0 THEN :mentor ELSE :bystander END,"
                " CASE WHEN n % 2 = 0 THEN :mentee ELSE :mentor END,"
                " :first + n * interval '15 minutes', :first + (n + 1) * interval '15 minutes',"
                " CASE WHEN :first + n * interval '15 minutes' < :now THEN 'completed'"
                " ELSE 'scheduled' END, :booked, :booked"
                " FROM generate_series(0, 4999) AS n"
            ),
            {
                "mentor": org.mentor,
                "mentee": org.mentee,
                "bystander": org.bystander,
                "first": NOW - timedelta(days=29),
                "now": NOW,
                "booked": NOW - timedelta(days=60),
            },
        )
        starts = list(
            conn.execute(
                text("SELECT starts_at FROM sessions WHERE :m IN (mentor_id, mentee_id)"),
                {"m": org.mentor},
            ).scalars()
        )
    assert len(starts) == 5000
    token = open_feed(_member(session_factory, "UMENTOR"), FakeClock(NOW)).token
    assert token is not None

    feed = _feed(session_factory, token)
    assert feed is not None
    assert feed.events is not None
    shown = [event.session.starts_at for event in feed.events]
    assert len(shown) == MAX_FEED_EVENTS
    assert shown == sorted(shown)
    nearest = sorted(starts, key=lambda moment: abs(moment - NOW))[:MAX_FEED_EVENTS]
    assert set(shown) == set(nearest)
    assert min(starts) < shown[0] < NOW < shown[-1] < max(starts)
    # Both roles are read: as mentor of the mentee, and as mentee of the bystander.
    assert {(e.mentor, e.mentee) for e in feed.events} == {
        ("UMENTOR", "UMENTEE"),
        ("UBYSTANDER", "UMENTOR"),
    }

    # The version alone (one row) is the version of the rows read with it.
    again = _feed(session_factory, token, known=lambda version: version == feed.version)
    assert again is not None
    assert (again.version, again.events) == (feed.version, None)


def test_the_version_changes_with_anything_a_calendar_shows(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, org: Org
) -> None:
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="scheduled")
    token = open_feed(_member(session_factory, "UMENTEE"), FakeClock(NOW)).token
    assert token is not None

    def version() -> str:
        feed = _feed(session_factory, token)
        assert feed is not None
        return feed.version

    seen = [version(), version()]
    assert seen[0] == seen[1]
    for change, values in (
        ("UPDATE sessions SET topic = 'Scope' WHERE id = :id", {"id": session}),
        ("UPDATE sessions SET calendar_sequence = 0 WHERE id = :id", {"id": session}),
        ("UPDATE users SET display_name = 'Mentor M.' WHERE id = :id", {"id": org.mentor}),
        (
            "UPDATE users SET meeting_link = 'https://meet.example.com/m' WHERE id = :id",
            {"id": org.mentor},
        ),
        ("UPDATE sessions SET status = 'cancelled' WHERE id = :id", {"id": session}),
    ):
        with owner_engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text(change), values)
        seen.append(version())
    assert len(set(seen)) == len(seen) - 1, seen


def test_the_version_as_someone_else_is_the_version_of_nothing(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    """Row-level security holds for the version as for the rows: asked for
    another person's id, a member's digest covers none of their sessions."""
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_session(conn, "T1", org.mentor, org.mentee, status="scheduled")
    window = {
        "held": HELD,
        "starts_from": NOW - timedelta(days=30),
        "starts_before": NOW + timedelta(days=180),
        "around": NOW,
        "limit": 10,
    }
    seen = {}
    readers = {
        "UBYSTANDER": Actor.member("T1", "UBYSTANDER"),
        "UMENTEE": Actor.member("T1", "UMENTEE"),
        "UFOREIGN": Actor.member("T2", "UFOREIGN"),
    }
    for reader, actor in readers.items():
        with SqlUnitOfWork(session_factory, actor) as uow:
            seen[reader] = (
                uow.calendar_feeds.version(org.mentee, **window),  # type: ignore[arg-type]
                uow.calendar_feeds.sessions(org.mentee, **window).version,  # type: ignore[arg-type]
            )
    assert seen["UBYSTANDER"] == ("0-0", "0-0")
    assert seen["UFOREIGN"] == ("0-0", "0-0")
    assert seen["UMENTEE"][0] == seen["UMENTEE"][1] != "0-0"
