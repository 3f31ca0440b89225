"""Who the benchmark acts as, picked from the seeded database: the busiest
mentor, mentees and an admin, uncapped mentors to book, and what to search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

WORKSPACE = "T1"  # the fake Slack payloads' team


@dataclass(frozen=True)
class Person:
    id: int
    slack_id: str
    name: str
    zone: str


@dataclass(frozen=True)
class Cast:
    # The instant the seed spread its sessions around (it stamps the workspace
    # with it): the bench's clock, however long ago the database was seeded.
    now: datetime
    busy_mentor: Person
    busy_mentor_active: int  # their requested/scheduled sessions in the next 14 days
    mentee: Person
    admin: Person
    booking_mentors: list[Person]
    booking_mentees: list[Person]
    searches: list[tuple[str, str]]  # (label, query)


def _people(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> list[Person]:
    return [Person(*row[:4]) for row in conn.execute(query, params)]  # type: ignore[arg-type]


def _seeded_at(url: str) -> datetime:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        row = conn.execute("SELECT created_at FROM workspaces WHERE id = %s", (WORKSPACE,))
        found = row.fetchone()
    if found is None:
        raise SystemExit(f"no workspace {WORKSPACE} in the database: seed it first")
    return found[0]  # type: ignore[no-any-return]


def cast(url: str, runs: int) -> Cast:
    now = _seeded_at(url)
    params: dict[str, Any] = {"w": WORKSPACE, "now": now, "n": runs + 1}
    person = "u.id, u.slack_user_id, u.display_name, u.time_zone"
    by_future_load = (
        f"SELECT {person}, count(s.id) FROM users u JOIN sessions s ON s.mentor_id = u.id"
        " WHERE u.workspace_id = %(w)s AND u.is_active AND u.is_mentor {extra}"
        " AND s.status IN ('requested', 'scheduled')"
        " AND s.starts_at >= %(now)s AND s.starts_at < %(now)s + interval '14 days'"
        " GROUP BY u.id ORDER BY count(s.id) DESC, u.id LIMIT %(n)s"
    )
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.role', 'system', true)")
        busy_row = conn.execute(by_future_load.format(extra=""), params).fetchone()
        if busy_row is None:
            raise SystemExit("no mentor has sessions in the next two weeks: seed more sessions")
        busy = Person(*busy_row[:4])
        mentees = _people(
            conn,
            f"SELECT {person} FROM users u WHERE u.workspace_id = %(w)s AND u.is_active"
            " AND u.is_mentee AND NOT u.is_mentor ORDER BY u.id LIMIT %(n)s + 1",
            params,
        )
        admin = (
            _people(
                conn,
                f"SELECT {person} FROM users u WHERE u.workspace_id = %(w)s AND u.is_active"
                " AND NOT u.is_mentee AND NOT u.is_mentor ORDER BY u.id LIMIT 1",
                params,
            )
            or mentees[-1:]
        )
        # Uncapped, so that a week's cap never refuses the benchmark's bookings.
        booking_mentors = _people(
            conn, by_future_load.format(extra="AND u.max_sessions_per_week IS NULL"), params
        )
        long_name = conn.execute(
            "SELECT split_part(display_name, ' ', 2) FROM users WHERE workspace_id = %(w)s"
            " AND is_mentor AND is_active AND display_name ~ '^[A-Za-z]+ [A-Za-z]{7,}$'"
            " ORDER BY id LIMIT 1",
            params,
        ).fetchone()
    first_name = busy.name.split()[0]
    surname = str(long_name[0]) if long_name else "Nakamura"
    # One wrong letter inside the word: "Nakamura" -> "Nakamora".
    wrong = "o" if surname[-3] != "o" else "e"
    misspelled = surname[:-3] + wrong + surname[-2:]
    return Cast(
        now=now,
        busy_mentor=busy,
        busy_mentor_active=int(busy_row[4]),
        mentee=mentees[0],
        admin=admin[0],
        booking_mentors=booking_mentors,
        booking_mentees=mentees[1:],
        searches=[
            ("name prefix", first_name[:3].lower()),
            ("misspelled name", misspelled.lower()),
            ("department", "engineering"),
            ("expertise", "kubernetes"),
            ("two words", "python leadership"),
        ],
    )
