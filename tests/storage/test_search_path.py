"""A caller's temporary tables never stand in for the real ones.

PostgreSQL looks for a table in the session's temporary schema first unless the
search path lists `pg_temp`; the application role may create temporary tables.
So every function the application role's statements run (the SECURITY DEFINER
triggers and functions, and `app_user_id()` behind every policy) must reach the
real tables whatever temporary tables the caller made. Each test makes one named
like the target, as the application role, and checks that the real table took
the change and the temporary one did not."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, text

from tests.storage.seed import Org, add_session, add_user, make_org, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(app_engine: Engine) -> Org:
    return make_org(app_engine)


def _scalar(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar_one()


def test_every_security_definer_function_searches_pg_temp_last(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        paths = dict(
            conn.execute(
                text(
                    "SELECT p.proname, array_to_string(p.proconfig, ';') FROM pg_proc p"
                    " WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace"
                )
            ).all()
        )
    assert set(paths) >= {
        "maintain_mentor_rating",
        "busy_periods",
        "mentor_completed_counts",
        "sync_mentor_directory",
        "sync_mentor_offers_time",
        "search_mentor_directory",
        "keep_session_rating",
    }
    for name, config in paths.items():
        assert "search_path=pg_catalog, public, pg_temp" in config.split(";"), name


def test_the_rating_triggers_write_the_real_sessions_and_ratings(
    app_engine: Engine, owner_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
    with app_engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE sessions (id bigint, rating smallint) ON COMMIT DROP"))
        conn.execute(
            text(
                "CREATE TEMP TABLE ratings (mentor_id bigint PRIMARY KEY, workspace_id text,"
                " rating_count integer, rating_sum integer) ON COMMIT DROP"
            )
        )
        conn.execute(text("INSERT INTO pg_temp.sessions VALUES (:s, NULL)"), {"s": session})
        set_actor(conn, "T1", "UMENTEE", "member")
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :mentee, :mentor, 'mentor', 4)"
            ),
            {"s": session, "mentee": org.mentee, "mentor": org.mentor},
        )
        assert _scalar(conn, "SELECT rating FROM pg_temp.sessions") is None
        assert _scalar(conn, "SELECT count(*) FROM pg_temp.ratings") == 0
    with owner_engine.connect() as conn:
        assert _scalar(conn, "SELECT rating FROM public.sessions WHERE id = :s", s=session) == 4
        assert (
            _scalar(
                conn, "SELECT rating_sum FROM public.ratings WHERE mentor_id = :m", m=org.mentor
            )
            == 4
        )


def test_the_directory_triggers_write_the_real_directory(
    app_engine: Engine, owner_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE mentor_directory (user_id bigint PRIMARY KEY,"
                " workspace_id text, display_name text, document text,"
                " offers_time boolean DEFAULT false) ON COMMIT DROP"
            )
        )
        conn.execute(text("CREATE TEMP TABLE availability (user_id bigint) ON COMMIT DROP"))
        set_actor(conn, None, None, "system")
        mentor = add_user(conn, "T1", "UNEW", mentor=True, name="Nia New")
        conn.execute(
            text(
                "INSERT INTO public.availability (workspace_id, user_id, weekday, start_time,"
                " end_time) VALUES ('T1', :m, 0, '09:00', '10:00')"
            ),
            {"m": mentor},
        )
        assert _scalar(conn, "SELECT count(*) FROM pg_temp.mentor_directory") == 0
    with owner_engine.connect() as conn:
        assert conn.execute(
            text(
                "SELECT display_name, offers_time FROM public.mentor_directory WHERE user_id = :m"
            ),
            {"m": mentor},
        ).one() == ("Nia New", True)


def test_a_temporary_users_table_does_not_make_a_member_someone_else(
    app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_session(conn, "T1", org.mentor, org.mentee)
    with app_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE users (id bigint, workspace_id text, slack_user_id text)"
                " ON COMMIT DROP"
            )
        )
        conn.execute(
            text("INSERT INTO pg_temp.users VALUES (:mentor, 'T1', 'UBYSTANDER')"),
            {"mentor": org.mentor},
        )
        set_actor(conn, "T1", "UBYSTANDER", "member")
        assert _scalar(conn, "SELECT app_user_id()") == org.bystander
        assert _scalar(conn, "SELECT count(*) FROM public.sessions") == 0
