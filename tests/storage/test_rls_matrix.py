"""Row-level security, table by table, actor by actor, command by command, in raw
SQL as the application role.

Each cell runs in its own transaction, rolled back at the end: a preparation
step as the system actor (e.g. remove the row an insert would collide with),
then `SET LOCAL ROLE` to the application role, the actor's settings, and the
command. A command is *allowed* when it touched the target row; it is *denied*
when it touched nothing or the database refused it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from storage.base import APP_ROLE
from tests.storage.seed import BASE_TIME, Org, add_session, make_org, set_actor

DAY = timedelta(days=1)
# Literals for the SQL below, all from the seed's time (a Tuesday, some days ahead).
WEEK = f"'{(BASE_TIME - DAY).date()}'"  # the Monday before it
NEXT_WEEK = f"'{(BASE_TIME + 6 * DAY).date()}'"
OFF = BASE_TIME.date() + 23 * DAY  # the first day of some time off, a Thursday
AT = f"'{BASE_TIME.isoformat()}'"

ACTORS = ("owner", "other", "admin", "system", "foreign", "none")
COMMANDS = ("select", "insert", "update", "delete")
EVERYONE_IN_WORKSPACE = {"owner", "other", "admin", "system"}

# What DESIGN.md allows, in words turned into sets.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "workspaces": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": EVERYONE_IN_WORKSPACE,  # first sight of a new workspace
        "update": {"admin", "system"},
        "delete": {"system"},
    },
    "users": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": {"system"},
    },
    "availability": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": {"owner", "system"},
    },
    "availability_exceptions": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": {"owner", "system"},
    },
    "sessions": {
        "select": {"owner", "admin", "system"},
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": {"system"},
    },
    "session_history": {
        "select": {"owner", "admin", "system"},
        "insert": {"owner", "system"},
        "update": set(),  # append-only
        "delete": set(),
    },
    "feedback": {
        "select": {"owner", "admin", "system"},
        "insert": {"owner", "system"},
        "update": set(),
        "delete": {"system"},
    },
    "notifications": {
        "select": {"owner", "system"},
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": {"system"},
    },
    "processed_events": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": EVERYONE_IN_WORKSPACE,
        "update": set(),
        "delete": {"system"},
    },
    "digests": {
        "select": {"admin", "system"},
        "insert": {"system"},
        "update": {"system"},
        "delete": set(),  # nobody: the workspace's removal cascades
    },
    "analytics_snapshots": {
        "select": {"admin", "system"},
        "insert": {"system"},  # the analytics job
        "update": {"system"},
        "delete": {"system"},  # the job, for workspaces that no longer have people
    },
    "ratings": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": set(),  # only the feedback trigger writes ratings
        "update": set(),
        "delete": set(),
    },
    # Only through its triggers and search_mentor_directory() (tests/storage/test_mentor_search.py).
    "mentor_directory": {command: set() for command in COMMANDS},
}


@dataclass(frozen=True)
class Case:
    """How to exercise one table: the target row, and the SQL of each command."""

    table: str
    owner: str  # the Slack id of the person the target row belongs to
    key: str  # WHERE clause selecting the target row
    insert: str
    update_set: str
    prepare_insert: str = ""
    prepare_delete: str = ""


@dataclass(frozen=True)
class World:
    org: Org
    session_id: int
    cases: dict[str, Case]


@pytest.fixture(scope="module")
def world(app_engine: Engine, owner_engine: Engine) -> Iterator[World]:
    org = make_org(app_engine)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
        conn.execute(
            text(
                "INSERT INTO availability (workspace_id, user_id, weekday, start_time, end_time)"
                f" VALUES ('T1', {org.mentor}, 0, '09:00', '12:00');"
                "INSERT INTO availability_exceptions (workspace_id, user_id, kind, first_day,"
                f" last_day) VALUES ('T1', {org.mentor}, 'time_off', '{OFF}', '{OFF + 7 * DAY}');"
                "INSERT INTO session_history (workspace_id, session_id, actor_id, from_status,"
                f" to_status, starts_at, ends_at) VALUES ('T1', {session_id}, {org.mentee},"
                f" NULL, 'requested', '{BASE_TIME.isoformat()}', '{BASE_TIME.isoformat()}');"
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                f" subject_role, rating) VALUES ('T1', {session_id}, {org.mentee}, {org.mentor},"
                " 'mentor', 5);"
                "INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id)"
                " VALUES ('00000000-0000-0000-0000-000000000001', 'T1',"
                f" {org.mentor}, 'request_received', {session_id});"
                "INSERT INTO processed_events (workspace_id, event_id) VALUES ('T1', 'Ev1');"
                "INSERT INTO digests (workspace_id, week, channel)"
                f" VALUES ('T1', {WEEK}, 'C1');"
                "INSERT INTO analytics_snapshots (workspace_id, period_days, computed_at,"
                f" took_ms, figures) VALUES ('T1', 30, {AT}, 80, '{{}}')"
            )
        )
    later = f"'{BASE_TIME + DAY}', '{BASE_TIME + DAY + timedelta(minutes=30)}'"
    cases = {
        "workspaces": Case(
            table="workspaces",
            owner="UMENTOR",
            key="id = 'T1'",
            insert="INSERT INTO workspaces (id) VALUES ('T1')",
            update_set="name = name",
            prepare_insert="DELETE FROM sessions; DELETE FROM workspaces WHERE id = 'T1'",
            prepare_delete="DELETE FROM sessions",
        ),
        "users": Case(
            table="users",
            owner="UMENTOR",
            key="slack_user_id = 'UMENTOR'",
            insert="INSERT INTO users (workspace_id, slack_user_id, display_name)"
            " VALUES ('T1', 'UMENTOR', 'Back again')",
            update_set="bio = 'new bio'",
            prepare_insert="DELETE FROM sessions;"
            " DELETE FROM users WHERE slack_user_id = 'UMENTOR'",
            prepare_delete="DELETE FROM sessions",
        ),
        "availability": Case(
            table="availability",
            owner="UMENTOR",
            key=f"user_id = {org.mentor}",
            insert="INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
            f" end_time) VALUES ('T1', {org.mentor}, 2, '13:00', '14:00')",
            update_set="end_time = '12:30'",
        ),
        "availability_exceptions": Case(
            table="availability_exceptions",
            owner="UMENTOR",
            key=f"user_id = {org.mentor}",
            insert="INSERT INTO availability_exceptions (workspace_id, user_id, kind,"
            f" first_day, last_day) VALUES ('T1', {org.mentor}, 'time_off', '{OFF + 9 * DAY}',"
            f" '{OFF + 10 * DAY}')",
            update_set=f"last_day = '{OFF + 8 * DAY}'",
        ),
        "sessions": Case(
            table="sessions",
            owner="UMENTEE",
            key=f"id = {session_id}",
            insert="INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at)"
            f" VALUES ('T1', {org.mentor}, {org.mentee}, {later})",
            update_set="topic = 'changed'",
        ),
        "session_history": Case(
            table="session_history",
            owner="UMENTEE",
            key=f"session_id = {session_id}",
            insert="INSERT INTO session_history (workspace_id, session_id, actor_id,"
            f" from_status, to_status, starts_at, ends_at) VALUES ('T1', {session_id},"
            f" {org.mentee}, 'requested', 'scheduled', {later})",
            update_set="reason = 'rewritten'",
        ),
        "feedback": Case(
            table="feedback",
            owner="UMENTEE",
            key=f"session_id = {session_id} AND author_id = {org.mentee}",
            insert="INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
            f" subject_role, rating) VALUES ('T1', {session_id}, {org.mentee}, {org.mentor},"
            " 'mentor', 4)",
            update_set="rating = 1",
            prepare_insert=f"DELETE FROM feedback WHERE session_id = {session_id}",
        ),
        "notifications": Case(
            table="notifications",
            owner="UMENTOR",
            key="id = '00000000-0000-0000-0000-000000000001'",
            insert="INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id)"
            " VALUES ('00000000-0000-0000-0000-000000000002', 'T1',"
            f" {org.mentor}, 'reminder', {session_id})",
            update_set=f"read_at = {AT}",
        ),
        "processed_events": Case(
            table="processed_events",
            owner="UMENTOR",
            key="event_id = 'Ev1'",
            insert="INSERT INTO processed_events (workspace_id, event_id) VALUES ('T1', 'Ev2')",
            update_set=f"received_at = {AT}",
        ),
        "digests": Case(
            table="digests",
            owner="UADMIN",
            key=f"workspace_id = 'T1' AND week = {WEEK}",
            insert="INSERT INTO digests (workspace_id, week, channel)"
            f" VALUES ('T1', {NEXT_WEEK}, 'C1')",
            update_set="attempts = attempts + 1",
        ),
        "analytics_snapshots": Case(
            table="analytics_snapshots",
            owner="UADMIN",
            key="workspace_id = 'T1' AND period_days = 30",
            insert="INSERT INTO analytics_snapshots (workspace_id, period_days, computed_at,"
            f" took_ms, figures) VALUES ('T1', 7, {AT}, 80, '{{}}')",
            update_set="took_ms = took_ms + 1",
        ),
        "ratings": Case(
            table="ratings",
            owner="UMENTOR",
            key=f"mentor_id = {org.mentor}",
            insert="INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
            f" VALUES ({org.mentor}, 'T1', 1, 5)",
            update_set="rating_count = rating_count",
            prepare_insert=f"DELETE FROM ratings WHERE mentor_id = {org.mentor}",
        ),
        "mentor_directory": Case(
            table="mentor_directory",
            owner="UMENTOR",
            key=f"user_id = {org.mentor}",
            insert="INSERT INTO mentor_directory (user_id, workspace_id, display_name, document)"
            f" VALUES ({org.bystander}, 'T1', 'Bystander', 'bystander')",
            update_set="document = 'changed'",
        ),
    }
    yield World(org, session_id, cases)
    with owner_engine.begin() as conn:
        conn.execute(text("TRUNCATE workspaces CASCADE"))


def _actor_settings(actor: str, owner: str) -> tuple[str | None, str | None, str]:
    return {
        "owner": ("T1", owner, "member"),
        "other": ("T1", "UBYSTANDER", "member"),
        "admin": ("T1", "UADMIN", "admin"),
        "system": (None, None, "system"),
        "foreign": ("T2", "UFOREIGN", "member"),
        "none": (None, None, ""),
    }[actor]


def _rows_touched(conn: Connection, case: Case, command: str) -> int:
    if command == "select":
        return conn.execute(
            text(f"SELECT count(*) FROM {case.table} WHERE {case.key}")
        ).scalar_one()
    if command == "insert":
        return conn.execute(text(case.insert)).rowcount
    if command == "update":
        return conn.execute(
            text(f"UPDATE {case.table} SET {case.update_set} WHERE {case.key}")
        ).rowcount
    return conn.execute(text(f"DELETE FROM {case.table} WHERE {case.key}")).rowcount


def _allowed(engine: Engine, case: Case, actor: str, command: str) -> bool:
    with engine.connect() as conn, conn.begin() as transaction:
        set_actor(conn, None, None, "system")
        preparation = {"insert": case.prepare_insert, "delete": case.prepare_delete}.get(command)
        if preparation:
            conn.execute(text(preparation))
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        workspace, slack_user, role = _actor_settings(actor, case.owner)
        set_actor(conn, workspace, slack_user, role)
        try:
            touched = _rows_touched(conn, case, command)
        except DBAPIError as exc:
            refusal = getattr(exc.orig, "sqlstate", None)
            touched = 0
        else:
            refusal = None
        transaction.rollback()
    # Refusals by privilege or policy (42501) only: any other error would mean
    # the test itself is wrong.
    assert refusal in (None, "42501"), refusal
    return touched == 1


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_row_level_security_matrix(
    owner_engine: Engine, world: World, table: str, command: str
) -> None:
    case = world.cases[table]
    observed = {actor for actor in ACTORS if _allowed(owner_engine, case, actor, command)}
    assert observed == EXPECTED[table][command]


def test_every_table_is_in_the_matrix_and_forces_row_level_security(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                " AND c.relname <> 'alembic_version'"
            )
        ).all()
    assert {name for name, _, _ in rows} == set(EXPECTED)
    assert all(enabled and forced for _, enabled, forced in rows)


def test_the_application_role_cannot_bypass_policies_or_touch_migrations(
    owner_engine: Engine,
) -> None:
    with owner_engine.connect() as conn:
        bypass, superuser = conn.execute(
            text("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = :r"),
            {"r": APP_ROLE},
        ).one()
        can_read_versions = conn.execute(
            text("SELECT has_table_privilege(:r, 'alembic_version', 'SELECT')"), {"r": APP_ROLE}
        ).scalar_one()
    assert (bypass, superuser, can_read_versions) == (False, False, False)


def test_a_participant_may_notify_the_other_side_of_their_session(
    owner_engine: Engine, world: World
) -> None:
    with owner_engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        set_actor(conn, "T1", "UMENTEE", "member")
        inserted = conn.execute(
            text(
                "INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id)"
                " VALUES (gen_random_uuid(), 'T1', :mentor, 'request_received', :s)"
            ),
            {"mentor": world.org.mentor, "s": world.session_id},
        ).rowcount
        # ...but cannot read it back: it is the mentor's.
        visible = conn.execute(
            text("SELECT count(*) FROM notifications WHERE recipient_id = :m"),
            {"m": world.org.mentor},
        ).scalar_one()
        transaction.rollback()
    assert (inserted, visible) == (1, 0)


def test_the_actor_does_not_outlive_its_transaction(owner_engine: Engine, world: World) -> None:
    with owner_engine.connect() as conn:
        conn.execute(text(f"SET ROLE {APP_ROLE}"))
        conn.commit()  # SET ROLE is session state: it outlives this transaction
        with conn.begin():
            set_actor(conn, "T1", "UMENTOR", "member")
            inside = conn.execute(text("SELECT count(*) FROM users")).scalar_one()
        with conn.begin():
            after = conn.execute(text("SELECT count(*) FROM users")).scalar_one()
        conn.execute(text("RESET ROLE"))
        conn.commit()
    assert (inside, after) == (4, 0)
