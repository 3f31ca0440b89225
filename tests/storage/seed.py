"""Rows for storage tests, written through the application role as the system
actor (so the setup itself is held by row-level security)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text

from tests.dates import MONDAY

BASE_TIME = MONDAY + timedelta(days=1, hours=9)  # a Tuesday, 09:00 UTC


def set_actor(conn: Connection, workspace: str | None, slack_user: str | None, role: str) -> None:
    conn.execute(
        text(
            "SELECT set_config('app.workspace_id', :w, true),"
            " set_config('app.slack_user_id', :u, true), set_config('app.role', :r, true)"
        ),
        {"w": workspace or "", "u": slack_user or "", "r": role},
    )


def add_user(
    conn: Connection,
    workspace: str,
    slack_user: str,
    *,
    mentor: bool = False,
    mentee: bool = False,
    name: str | None = None,
    department: str = "Engineering",
    expertise: Sequence[str] = ("python",),
    goals: Sequence[str] = ("leadership",),
    created_at: datetime | None = None,
) -> int:
    """A person; `created_at` (sign-up) defaults to BASE_TIME."""
    return conn.execute(
        text(
            "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
            " is_mentor, is_mentee, expertise, learning_goals, created_at, updated_at)"
            " VALUES (:w, :u, :n, :department, :mentor, :mentee,"
            " :expertise, :goals, :at, :at) RETURNING id"
        ),
        {
            "at": BASE_TIME if created_at is None else created_at,
            "w": workspace,
            "u": slack_user,
            "n": name or slack_user,
            "department": department,
            "mentor": mentor,
            "mentee": mentee,
            "expertise": list(expertise),
            "goals": list(goals),
        },
    ).scalar_one()


def add_session(
    conn: Connection,
    workspace: str,
    mentor_id: int,
    mentee_id: int,
    *,
    starts_at: datetime = BASE_TIME,
    minutes: int = 30,
    status: str = "requested",
    created_at: datetime | None = None,
) -> int:
    """A session, booked (`created_at`) a week before it starts unless told: the
    reminders compare that time with the app's clock, never the server's."""
    booked = starts_at - timedelta(days=7) if created_at is None else created_at
    return conn.execute(
        text(
            "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at, status,"
            " created_at, updated_at) VALUES (:w, :mentor, :mentee, :s, :e, :status, :c, :c)"
            " RETURNING id"
        ),
        {
            "w": workspace,
            "mentor": mentor_id,
            "mentee": mentee_id,
            "s": starts_at,
            "e": starts_at + timedelta(minutes=minutes),
            "status": status,
            "c": booked,
        },
    ).scalar_one()


@dataclass(frozen=True)
class Org:
    """Workspace T1 with a mentor, a mentee, a bystander and an admin; T2 with one member."""

    mentor: int
    mentee: int
    bystander: int
    admin: int
    foreigner: int


def make_org(engine: Engine) -> Org:
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id, name) VALUES ('T1', 'One'), ('T2', 'Two')"))
        return Org(
            mentor=add_user(conn, "T1", "UMENTOR", mentor=True),
            mentee=add_user(conn, "T1", "UMENTEE", mentee=True),
            bystander=add_user(conn, "T1", "UBYSTANDER", mentee=True),
            admin=add_user(conn, "T1", "UADMIN"),
            foreigner=add_user(conn, "T2", "UFOREIGN", mentee=True),
        )


def seed_session(
    engine: Engine,
    org: Org,
    *,
    at: datetime = BASE_TIME,
    status: str = "requested",
    mentee: int | None = None,
    minutes: int = 30,
) -> int:
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        return add_session(
            conn,
            "T1",
            org.mentor,
            mentee or org.mentee,
            starts_at=at,
            minutes=minutes,
            status=status,
        )


def completed_session(engine: Engine, org: Org, *, days: int = 0) -> int:
    return seed_session(engine, org, at=BASE_TIME + timedelta(days=days), status="completed")
