"""The world the row-level security matrix (`test_rls_matrix.py`) runs in: a
target row in every table, and the SQL of each command on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, text

from tests.storage.seed import BASE_TIME, Org, add_session, add_user, make_org, set_actor

DAY = timedelta(days=1)
WEEK = f"'{(BASE_TIME - DAY).date()}'"  # the Monday before it
NEXT_WEEK = f"'{(BASE_TIME + 6 * DAY).date()}'"
OFF = BASE_TIME.date() + 23 * DAY  # the first day of some time off, a Thursday
AT = f"'{BASE_TIME.isoformat()}'"
PREVIEW = "'00000000-0000-0000-0000-0000000000aa'"


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
    # UCOACH, the mentor of a session with the mentee that is under way.
    coach: int


def make_world(app_engine: Engine) -> World:
    """Workspace T1 (see `Org`) with one row in every table, each the target of
    its `Case`, and a coach mentoring the mentee in a session that is on."""
    org = make_org(app_engine)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
        coach = add_user(conn, "T1", "UCOACH", mentor=True)
        # Ongoing, so that no write case (which picks sessions by status) meets it.
        add_session(conn, "T1", coach, org.mentee, starts_at=BASE_TIME + 2 * DAY, status="ongoing")
        goal_id = conn.execute(
            text(
                "INSERT INTO goals (workspace_id, user_id, title)"
                f" VALUES ('T1', {org.mentee}, 'Speak up in reviews') RETURNING id"
            )
        ).scalar_one()
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
                f" took_ms, figures) VALUES ('T1', 30, {AT}, 80, '{{}}');"
                "INSERT INTO chart_files (workspace_id, period_days, kind, file_id,"
                " figures_key, title, alt_text, computed_at, uploaded_at) VALUES ('T1', 30,"
                f" 'sessions', 'F1', 'k', 'Sessions per week', '1 Dec: 2', {AT}, {AT});"
                "INSERT INTO calendar_feeds (workspace_id, user_id, token_hash, created_at)"
                f" VALUES ('T1', {org.mentor}, repeat('a', 64), {AT});"
                "INSERT INTO goal_history (workspace_id, goal_id, actor_id, to_status)"
                f" VALUES ('T1', {goal_id}, {org.mentee}, 'not_started');"
                "INSERT INTO workspace_settings (workspace_id, managers)"
                " VALUES ('T1', '{UMENTOR}');"
                "INSERT INTO workspace_settings_audit (workspace_id, actor, at, field,"
                f" new_value) VALUES ('T1', 'UADMIN', {AT}, 'managers', 'UMENTOR');"
                "INSERT INTO nudges (workspace_id, mentor_id, mentee_id, sent_by, sent_at,"
                f" quiet_until) VALUES ('T1', {org.mentor}, {org.mentee}, {org.admin}, {AT},"
                f" {AT}::timestamptz + interval '14 days');"
                "INSERT INTO introductions (workspace_id, preview_id, mentee_id, mentor_id, score,"
                " status, proposed_by, proposed_at, sent_by, sent_at)"
                f" VALUES ('T1', {PREVIEW}, {org.mentee}, {org.mentor}, 0.5, 'sent', 'UADMIN',"
                f" {AT}, 'UADMIN', {AT});"
                "INSERT INTO session_series (workspace_id, mentor_id, mentee_id, every_weeks,"
                f" times) VALUES ('T1', {org.mentor}, {org.mentee}, 2, 6)"
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
        "chart_files": Case(
            table="chart_files",
            owner="UADMIN",
            key="workspace_id = 'T1' AND period_days = 30 AND kind = 'sessions'",
            insert="INSERT INTO chart_files (workspace_id, period_days, kind, file_id,"
            " figures_key, title, alt_text, computed_at, uploaded_at) VALUES ('T1', 7,"
            f" 'goals', 'F2', 'k', 'Goals', 'Everyone: 1 of 2', {AT}, {AT})",
            update_set="file_id = 'F3'",
        ),
        "workspace_settings": Case(
            table="workspace_settings",
            owner="UADMIN",
            key="workspace_id = 'T1'",
            insert="INSERT INTO workspace_settings (workspace_id, digest_weekday) VALUES ('T1', 2)",
            update_set="digest_weekday = 3",
            prepare_insert="DELETE FROM workspace_settings WHERE workspace_id = 'T1'",
        ),
        "workspace_settings_audit": Case(
            table="workspace_settings_audit",
            owner="UADMIN",
            key="workspace_id = 'T1'",
            insert="INSERT INTO workspace_settings_audit (workspace_id, actor, at, field,"
            f" new_value) VALUES ('T1', 'UADMIN', {AT}, 'digest_weekday', '2')",
            update_set="new_value = 'rewritten'",
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
        "calendar_feeds": Case(
            table="calendar_feeds",
            owner="UMENTOR",
            key=f"user_id = {org.mentor}",
            insert="INSERT INTO calendar_feeds (workspace_id, user_id, token_hash, created_at)"
            f" VALUES ('T1', {org.mentor}, repeat('b', 64), {AT})",
            update_set="token_hash = repeat('c', 64)",
            prepare_insert=f"DELETE FROM calendar_feeds WHERE user_id = {org.mentor}",
        ),
        "session_busy": Case(
            table="session_busy",
            owner="UMENTOR",
            key=f"user_id = {org.mentor}",
            insert="INSERT INTO session_busy (session_id, workspace_id, user_id, during)"
            f" VALUES ({session_id}, 'T1', {org.bystander}, tstzrange({later}))",
            update_set="during = during",
        ),
        "goals": Case(
            table="goals",
            owner="UMENTEE",
            key=f"id = {goal_id}",
            insert="INSERT INTO goals (workspace_id, user_id, title)"
            f" VALUES ('T1', {org.mentee}, 'Write a design doc')",
            update_set="status = 'in_progress'",
        ),
        "goal_history": Case(
            table="goal_history",
            owner="UMENTEE",
            key=f"goal_id = {goal_id}",
            insert="INSERT INTO goal_history (workspace_id, goal_id, actor_id, from_status,"
            f" to_status) VALUES ('T1', {goal_id}, {org.mentee}, 'not_started', 'in_progress')",
            update_set="note = 'rewritten'",
        ),
        # A manager's nudge names themselves as its sender (the insert's
        # `app_user_id()` is each actor's own id).
        "nudges": Case(
            table="nudges",
            owner="UADMIN",
            key=f"mentor_id = {org.mentor} AND mentee_id = {org.mentee}",
            insert="INSERT INTO nudges (workspace_id, mentor_id, mentee_id, sent_by, sent_at,"
            f" quiet_until) VALUES ('T1', {coach}, {org.mentee}, app_user_id(), {AT},"
            f" {AT}::timestamptz + interval '14 days')",
            update_set="sent_at = sent_at",
        ),
        "session_series": Case(
            table="session_series",
            owner="UMENTEE",
            key=f"mentee_id = {org.mentee} AND times = 6",
            insert="INSERT INTO session_series (workspace_id, mentor_id, mentee_id, every_weeks,"
            f" times) VALUES ('T1', {org.mentor}, {org.mentee}, 1, 3)",
            update_set="times = 12",
        ),
        "introductions": Case(
            table="introductions",
            owner="UADMIN",
            key=f"preview_id = {PREVIEW}",
            insert="INSERT INTO introductions (workspace_id, preview_id, mentee_id, mentor_id,"
            " score, proposed_by, proposed_at) VALUES ('T1', gen_random_uuid(),"
            f" {org.mentee}, {org.mentor}, 0.5, 'UADMIN', {AT})",
            update_set="channel_id = 'G1'",
        ),
    }
    return World(org, session_id, cases, coach)
