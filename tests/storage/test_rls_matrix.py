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

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from storage.base import APP_ROLE
from tests.conftest import empty_tables
from tests.storage.rls_world import Case, World, make_world
from tests.storage.rls_writes import WRITES, Write
from tests.storage.seed import set_actor

# "coach": the mentor of a session with the target row's owner that is still
# on; for rows owned by anyone but the world's mentee, just another member.
ACTORS = ("owner", "other", "coach", "admin", "system", "foreign", "none")
COMMANDS = ("select", "insert", "update", "delete")
EVERYONE_IN_WORKSPACE = {"owner", "other", "coach", "admin", "system"}

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
        # The world's session is completed: only the system changes it then (a
        # participant's changes of an open one are in rls_writes.py).
        "update": {"system"},
        "delete": {"system"},
    },
    # A recurring booking: as its sessions, written by its mentee, then never
    # changed (no privilege); the people's or workspace's removal cascades.
    "session_series": {
        "select": {"owner", "admin", "system"},
        "insert": {"owner", "system"},
        "update": set(),
        "delete": set(),
    },
    "session_history": {
        "select": {"owner", "admin", "system"},
        # A member records only a change of this transaction (rls_writes.py);
        # the world's session was not changed by the inserting one.
        "insert": {"system"},
        "update": set(),  # append-only
        "delete": set(),
    },
    # Written feedback is its two people's alone (0026): managers read ratings
    # through sessions.rating and ratings, never the rows.
    "feedback": {
        "select": {"owner", "system"},
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
    # The uploaded chart pictures: the analytics job writes them; the Home and
    # the digest read them as the system; a workspace's admins may read theirs.
    "chart_files": {
        "select": {"admin", "system"},
        "insert": {"system"},
        "update": {"system"},
        "delete": {"system"},
    },
    # The bot reads everyone's settings as the system; members neither read nor write them.
    "workspace_settings": {
        "select": {"admin", "system"},
        "insert": {"admin", "system"},
        "update": {"admin", "system"},
        "delete": set(),  # nobody: the workspace's removal cascades
    },
    "workspace_settings_audit": {
        "select": {"admin", "system"},
        # A manager records only a change of this transaction (rls_writes.py).
        "insert": {"system"},
        "update": set(),  # append-only
        "delete": set(),
    },
    "ratings": {
        "select": EVERYONE_IN_WORKSPACE,
        "insert": set(),  # only the feedback trigger writes ratings
        "update": set(),
        "delete": set(),
    },
    # A feed's token hash: its owner's alone; the system finds whose a token is.
    "calendar_feeds": {command: {"owner", "system"} for command in COMMANDS},
    # Only through its triggers and search_mentor_directory() (tests/storage/test_mentor_search.py).
    "mentor_directory": {command: set() for command in COMMANDS},
    # Only through the triggers on sessions (tests/storage/test_booking_guards.py).
    "session_busy": {command: set() for command in COMMANDS},
    # A mentee's, and their mentor's to read while a session of theirs is on;
    # programme managers read none of them.
    "goals": {
        "select": {"owner", "coach", "system"},
        "insert": {"owner", "system"},
        "update": {"owner", "system"},
        "delete": set(),  # dropped, never deleted; the owner's removal cascades
    },
    # A manager's nudges of at-risk pairs: managers and the system only.
    "nudges": {
        "select": {"admin", "system"},
        "insert": {"admin", "system"},
        "update": set(),  # append-only (no privilege either)
        "delete": set(),  # nobody: the people's removal cascades
    },
    # A manager's introductions: managers and the system only; a manager's
    # proposal names themselves (as UADMIN, the admin actor, does here).
    "introductions": {
        "select": {"admin", "system"},
        "insert": {"admin", "system"},
        "update": {"admin", "system"},
        "delete": set(),  # a person's or the workspace's removal cascades
    },
    "goal_history": {
        "select": {"owner", "coach", "system"},
        # A member records only a change of this transaction (rls_writes.py);
        # the world's goal was not changed by the inserting one.
        "insert": {"system"},
        "update": set(),  # append-only
        "delete": set(),
    },
}


@pytest.fixture(scope="module")
def world(app_engine: Engine, owner_engine: Engine) -> Iterator[World]:
    yield make_world(app_engine)
    empty_tables(owner_engine)


def _actor_settings(actor: str, owner: str) -> tuple[str | None, str | None, str]:
    return {
        "owner": ("T1", owner, "member"),
        "other": ("T1", "UBYSTANDER", "member"),
        "coach": ("T1", "UCOACH", "member"),
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
    # A policy, a privilege or a trigger (42501), or a CHECK constraint (23514).
    assert refusal in (None, "42501", "23514"), refusal
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
                "INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id,"
                " idempotency_key) VALUES (gen_random_uuid(), 'T1', :mentor, 'feedback_received',"
                " :s, :key)"
            ),
            {
                "mentor": world.org.mentor,
                "s": world.session_id,
                "key": f"feedback:{world.session_id}:{world.org.mentee}",
            },
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
    assert (inside, after) == (5, 0)


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.name)
def test_writes_as_the_application_role_are_held_to_participants_and_roles(
    owner_engine: Engine, world: World, write: Write
) -> None:
    """(What the matrix above cannot say: which rows and values a write may carry.)"""
    names = {
        "mentor": world.org.mentor,
        "mentee": world.org.mentee,
        "bystander": world.org.bystander,
        "session": world.session_id,
    }
    with owner_engine.connect() as conn, conn.begin() as transaction:
        set_actor(conn, None, None, "system")
        for statement in write.prepare:
            conn.execute(text(statement.format(**names)))
        conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        if write.actor == "system":
            set_actor(conn, None, None, "system")
        else:
            set_actor(conn, "T1", write.actor, write.role)
        try:
            touched = conn.execute(text(write.sql.format(**names))).rowcount
        except DBAPIError as exc:
            refusal = getattr(exc.orig, "sqlstate", None)
            touched = 0
        else:
            refusal = None
        transaction.rollback()
    # A policy, a privilege or a trigger (42501), or a CHECK constraint (23514).
    assert refusal in (None, "42501", "23514"), refusal
    assert (touched == 1) is write.allowed
