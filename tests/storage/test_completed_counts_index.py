"""`mentor_completed_counts()` counts from its index alone (0037): the index
carries the workspace the function keeps, so no completed session is read from
the table. 0033 meant the same but left the workspace out, and every count
still read the table."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, text

from storage.base import APP_ROLE
from storage.engine import make_engine
from tests.pg import EXPLAIN_EVERYTHING
from tests.storage.seed import Org, completed_session, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

# The table holds a handful of rows, where a sequential or bitmap scan would
# win; with both off, the planner still reads the table by the index unless
# the index alone can answer.
INDEX_ONLY_IF_IT_CAN = (
    "SET auto_explain.log_analyze = on",
    "SET enable_seqscan = off",
    "SET enable_bitmapscan = off",
)


def test_a_member_counts_completed_sessions_without_reading_the_table(
    database_url: str, app_engine: Engine, org: Org
) -> None:
    for day in range(3):
        completed_session(app_engine, org, days=day)
    engine = make_engine(database_url, as_app_role=False)
    plans: list[str] = []
    try:
        with engine.connect() as conn:
            # Every session is visible to every transaction from now on, as the
            # completed sessions of a real programme mostly are.
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM sessions")
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            superuser = driver.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not superuser.fetchone()[0]:  # type: ignore[index]
                pytest.skip("loading auto_explain needs a superuser login")
            driver.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
            for statement in (*EXPLAIN_EVERYTHING, *INDEX_ONLY_IF_IT_CAN, f"SET ROLE {APP_ROLE}"):
                conn.exec_driver_sql(statement)
            set_actor(conn, "T1", "UMENTEE", "member")
            counts = conn.execute(
                text("SELECT * FROM mentor_completed_counts(:ids)"), {"ids": [org.mentor]}
            ).all()
    finally:
        engine.dispose()
    assert counts == [(org.mentor, 3)]
    (count,) = [plan for plan in plans if "sessions" in plan and "count(*)" in plan]
    assert "Index Only Scan using ix_sessions_mentor_id_completed" in count
    assert "Heap Fetches: 0" in count
