"""Migration 0017: the database holds the calendar's rules itself, as the
application role: a meeting link is a web address, and a member can neither
put a session into calendars on insert, nor choose its meeting room, nor move
its calendar SEQUENCE anywhere but one up with a change people see, nor put a
session that never was scheduled into calendars."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from storage.engine import sqlalchemy_url
from storage.migrate import upgrade
from tests.dates import MONDAY
from tests.storage.seed import Org, add_session, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

BAD_LINKS = (
    "javascript:alert(1)",
    "data:text/html,<b>hi</b>",
    "https://meet.example.com/a b",
    "https://meet.example.com/\x07",
    "https://meet.example.com/<script>",
    "https://evil.example.com|Join>",
    'https://meet.example.com/"onmouseover',
    "https://meet.example.com/{x}",
    "ftp://files.example.com/",
    "https://",
    "https://" + "a" * 500,
)


def _sqlstate(conn: Connection, statement: str, values: dict[str, object]) -> str | None:
    """None when the statement went through; its SQLSTATE when refused."""
    try:
        with conn.begin_nested():
            conn.execute(text(statement), values)
    except DBAPIError as exc:
        return getattr(exc.orig, "sqlstate", None) or "?"
    return None


@pytest.mark.parametrize("link", BAD_LINKS)
def test_the_database_refuses_a_meeting_link_that_is_no_web_address(
    app_engine: Engine, org: Org, link: str
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTOR", "member")
        refused = _sqlstate(
            conn, "UPDATE users SET meeting_link = :l WHERE id = :id", {"l": link, "id": org.mentor}
        )
    assert refused == "23514"


@pytest.mark.parametrize(
    "link",
    ["HTTPS://meet.example.com/j/123?pwd=a_b-c~d%20e#x", "https://meet.example.com/räume/ünal"],
)
def test_the_database_takes_a_web_address_as_a_meeting_link(
    app_engine: Engine, org: Org, link: str
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTOR", "member")
        refused = _sqlstate(
            conn, "UPDATE users SET meeting_link = :l WHERE id = :id", {"l": link, "id": org.mentor}
        )
    assert refused is None


def test_an_old_bad_meeting_link_does_not_stop_the_upgrade(empty_database: str) -> None:
    upgrade(empty_database, "0016")
    engine = create_engine(sqlalchemy_url(empty_database), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
            conn.execute(
                text(
                    "INSERT INTO users (workspace_id, slack_user_id, display_name, meeting_link)"
                    " VALUES ('T1', 'UOLD', 'Old', 'https://meet.example.com/a b')"
                )
            )
        upgrade(empty_database)
        with engine.connect() as conn:
            validated = conn.execute(
                text(
                    "SELECT convalidated FROM pg_constraint"
                    " WHERE conname = 'ck_users_meeting_link_web_address'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert validated is False


def _insert_as_mentee(
    conn: Connection, org: Org, extra: str, values: dict[str, object]
) -> str | None:
    columns = ", ".join(["workspace_id", "mentor_id", "mentee_id", "starts_at", "ends_at", *values])
    params = ", ".join([":w", ":mentor", ":mentee", ":s", ":e", *(f":{c}" for c in values)])
    return _sqlstate(
        conn,
        f"INSERT INTO sessions ({columns}) VALUES ({params}){extra}",
        {
            "w": "T1",
            "mentor": org.mentor,
            "mentee": org.mentee,
            "s": MONDAY,
            "e": MONDAY + timedelta(minutes=30),
            **values,
        },
    )


def test_a_member_cannot_insert_a_session_already_sent_to_calendars(
    app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")
        refused = _insert_as_mentee(conn, org, "", {"calendar_sequence": 0})
    assert refused == "42501"


def test_a_member_cannot_choose_a_new_session_s_meeting_room(app_engine: Engine, org: Org) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")
        refused = _insert_as_mentee(conn, org, "", {"meeting_token": "guessable"})
    assert refused == "42501"


def _session(owner_engine: Engine, org: Org, status: str, sequence: int | None) -> int:
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(
            conn, "T1", org.mentor, org.mentee, starts_at=MONDAY, status=status
        )
        conn.execute(
            text("UPDATE sessions SET calendar_sequence = :q WHERE id = :id"),
            {"q": sequence, "id": session_id},
        )
    return session_id


@pytest.mark.parametrize(
    ("status", "sequence", "who", "change", "refused"),
    [
        # A request never sent to calendars, cancelled by its mentee, stays out of them.
        ("requested", None, "UMENTEE", "status = 'cancelled', calendar_sequence = 0", "42501"),
        # Accepting it is the way in.
        ("requested", None, "UMENTOR", "status = 'scheduled', calendar_sequence = 0", None),
        # Reset (NULL), rewound or pushed ahead, even with a change people see.
        ("scheduled", 3, "UMENTEE", "status = 'cancelled', calendar_sequence = NULL", "42501"),
        ("scheduled", 3, "UMENTEE", "status = 'cancelled', calendar_sequence = 2", "42501"),
        ("scheduled", 3, "UMENTEE", "status = 'cancelled', calendar_sequence = 9", "42501"),
        ("scheduled", 3, "UMENTEE", "calendar_sequence = 4", "42501"),
        ("scheduled", 3, "UMENTEE", "status = 'cancelled', calendar_sequence = 4", None),
    ],
)
def test_a_member_moves_the_calendar_sequence_only_one_up_with_a_change_people_see(
    owner_engine: Engine,
    app_engine: Engine,
    org: Org,
    status: str,
    sequence: int | None,
    who: str,
    change: str,
    refused: str | None,
) -> None:
    session_id = _session(owner_engine, org, status, sequence)
    with app_engine.begin() as conn:
        set_actor(conn, "T1", who, "member")
        outcome = _sqlstate(
            conn, f"UPDATE sessions SET {change} WHERE id = :id", {"id": session_id}
        )
    assert outcome == refused


def test_the_meeting_link_rule_is_validated_where_no_old_row_breaks_it(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            validated = conn.execute(
                text(
                    "SELECT convalidated FROM pg_constraint"
                    " WHERE conname = 'ck_users_meeting_link_web_address'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert validated is True
