"""A member's change or request is checked against the rows as they are once it
holds them, the latest committed versions, not as they were when the
statement began (migration 0012's triggers)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from storage.base import APP_ROLE
from tests.dates import MONDAY
from tests.storage.rls_writes import TIMES
from tests.storage.seed import Org, add_session, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
                )
            ).scalar_one()
        )


def _status(conn: Connection, session_id: int) -> str:
    return str(
        conn.execute(
            text("SELECT status FROM sessions WHERE id = :id"), {"id": session_id}
        ).scalar_one()
    )


def test_a_mentee_cannot_cancel_a_session_completed_while_their_cancel_waited(
    owner_engine: Engine, org: Org
) -> None:
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(
            conn, "T1", org.mentor, org.mentee, starts_at=MONDAY, status="scheduled"
        )
    outcome: list[str] = []

    def cancel_as_the_mentee() -> None:
        with owner_engine.connect() as conn, conn.begin():
            conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
            set_actor(conn, "T1", "UMENTEE", "member")
            try:
                conn.execute(
                    text("UPDATE sessions SET status = 'cancelled' WHERE id = :id"),
                    {"id": session_id},
                )
                outcome.append("cancelled")
            except DBAPIError as exc:
                outcome.append(getattr(exc.orig, "sqlstate", None) or "?")

    with owner_engine.connect() as completing:
        with completing.begin():
            set_actor(completing, None, None, "system")
            completing.execute(
                text("UPDATE sessions SET status = 'completed' WHERE id = :id"), {"id": session_id}
            )
            mentee = threading.Thread(target=cancel_as_the_mentee)
            mentee.start()
            # The mentee's statement has begun (seeing a scheduled session) and
            # waits for this transaction's row lock.
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock(owner_engine) and time.monotonic() < deadline:
                time.sleep(0.02)
        mentee.join(timeout=10)
        with completing.begin():
            set_actor(completing, None, None, "system")
            final = _status(completing, session_id)

    assert (outcome, final) == (["42501"], "completed")


def test_a_request_waiting_for_a_mentor_who_is_leaving_is_refused_once_they_have_left(
    owner_engine: Engine, org: Org
) -> None:
    outcome: list[str] = []

    def request_as_the_mentee() -> None:
        with owner_engine.connect() as conn, conn.begin():
            conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
            set_actor(conn, "T1", "UMENTEE", "member")
            try:
                conn.execute(
                    text(
                        "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                        f" ends_at) VALUES ('T1', {org.mentor}, {org.mentee}, {TIMES})"
                    )
                )
                outcome.append("requested")
            except DBAPIError as exc:
                outcome.append(getattr(exc.orig, "sqlstate", None) or "?")

    with owner_engine.connect() as leaving:
        with leaving.begin():
            leaving.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
            set_actor(leaving, "T1", "UMENTOR", "member")
            leaving.execute(
                text("UPDATE users SET is_active = false WHERE slack_user_id = 'UMENTOR'")
            )
            mentee = threading.Thread(target=request_as_the_mentee)
            mentee.start()
            # The request's statement has begun (seeing an active mentor) and
            # waits for the mentor's row.
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock(owner_engine) and time.monotonic() < deadline:
                time.sleep(0.02)
        mentee.join(timeout=10)
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        stored = conn.execute(text("SELECT count(*) FROM sessions")).scalar_one()

    assert (outcome, stored) == (["42501"], 0)
