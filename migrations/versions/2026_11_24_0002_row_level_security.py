"""The application role, its grants, row-level security and the ratings trigger.

The application connects as (or `SET ROLE`s to) `mentorship_app`: no BYPASSRLS,
owns nothing, so every statement it runs is held by the policies below, which
are FORCED so that even the owner is held when it is not a superuser. The
policies apply to every role (the owner included), so the SECURITY DEFINER
trigger that keeps ratings passes them as the system actor.

Each transaction names its actor with transaction-local settings:
`app.workspace_id`, `app.slack_user_id` and `app.role` (member, admin, system).
The helper functions read them with `nullif(..., '')` because a setting that
ended with its transaction reads back as '' rather than NULL; policies call them
wrapped as `(SELECT ...)` so each is evaluated once per statement. No actor
means no rows: every comparison with NULL is false.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"

TABLES = (
    "workspaces",
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "feedback",
    "notifications",
    "ratings",
)

# What the application role may do at all; the policies then narrow it per row.
# History is append-only and ratings are written only by the feedback trigger.
GRANTS = {
    "workspaces": "SELECT, INSERT, UPDATE, DELETE",
    "users": "SELECT, INSERT, UPDATE, DELETE",
    "availability": "SELECT, INSERT, UPDATE, DELETE",
    "availability_exceptions": "SELECT, INSERT, UPDATE, DELETE",
    "sessions": "SELECT, INSERT, UPDATE, DELETE",
    "session_history": "SELECT, INSERT",
    "feedback": "SELECT, INSERT, DELETE",
    "notifications": "SELECT, INSERT, UPDATE, DELETE",
    "ratings": "SELECT",
}

ACTOR_FUNCTIONS = """
CREATE FUNCTION app_workspace() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.workspace_id', true), '') $$;
CREATE FUNCTION app_slack_user() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.slack_user_id', true), '') $$;
CREATE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.role', true), '') $$;
-- The acting person's users.id, looked up on the (workspace_id, slack_user_id)
-- unique index. Not usable in the policies of `users` itself (recursion).
CREATE FUNCTION app_user_id() RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT id FROM users
          WHERE workspace_id = app_workspace() AND slack_user_id = app_slack_user() $$;
"""

SYSTEM = "(SELECT app_role()) = 'system'"
ADMIN = "(SELECT app_role()) = 'admin'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
# A session the actor may see (the subquery is itself held by the sessions policy).
VISIBLE_SESSION = "EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id)"

# (table, command, USING, WITH CHECK); None where the command has no such clause.
POLICIES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("workspaces", "SELECT", f"{SYSTEM} OR id = (SELECT app_workspace())", None),
    ("workspaces", "INSERT", None, f"{SYSTEM} OR id = (SELECT app_workspace())"),
    (
        "workspaces",
        "UPDATE",
        f"{SYSTEM} OR ({ADMIN} AND id = (SELECT app_workspace()))",
        f"{SYSTEM} OR ({ADMIN} AND id = (SELECT app_workspace()))",
    ),
    ("workspaces", "DELETE", SYSTEM, None),
    # Profiles: readable by everyone in the workspace, writable by their owner.
    ("users", "SELECT", f"{SYSTEM} OR {SAME_WORKSPACE}", None),
    (
        "users",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND slack_user_id = (SELECT app_slack_user()))",
    ),
    (
        "users",
        "UPDATE",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND slack_user_id = (SELECT app_slack_user()))",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND slack_user_id = (SELECT app_slack_user()))",
    ),
    ("users", "DELETE", SYSTEM, None),
    *(
        policy
        for table in ("availability", "availability_exceptions")
        for policy in (
            (table, "SELECT", f"{SYSTEM} OR {SAME_WORKSPACE}", None),
            (table, "INSERT", None, f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})"),
            (
                table,
                "UPDATE",
                f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})",
                f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})",
            ),
            (table, "DELETE", f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})", None),
        )
    ),
    # Sessions: the two participants, admins (read) and the system.
    (
        "sessions",
        "SELECT",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND ({ADMIN} OR {ME} IN (mentor_id, mentee_id)))",
        None,
    ),
    ("sessions", "INSERT", None, f"{SYSTEM} OR ({SAME_WORKSPACE} AND mentee_id = {ME})"),
    (
        "sessions",
        "UPDATE",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))",
    ),
    ("sessions", "DELETE", SYSTEM, None),
    ("session_history", "SELECT", f"{SYSTEM} OR ({SAME_WORKSPACE} AND {VISIBLE_SESSION})", None),
    (
        "session_history",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND actor_id = {ME} AND {VISIBLE_SESSION})",
    ),
    # Feedback: the session's participants and admins read it; a participant
    # writes one about the other, only once the session is completed.
    ("feedback", "SELECT", f"{SYSTEM} OR ({SAME_WORKSPACE} AND {VISIBLE_SESSION})", None),
    (
        "feedback",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND author_id = {ME} AND EXISTS ("
        " SELECT 1 FROM sessions s WHERE s.id = session_id AND s.status = 'completed'"
        " AND ((author_id = s.mentee_id AND subject_id = s.mentor_id"
        " AND subject_role = 'mentor')"
        " OR (author_id = s.mentor_id AND subject_id = s.mentee_id"
        " AND subject_role = 'mentee'))))",
    ),
    ("feedback", "DELETE", SYSTEM, None),
    # Notifications: read and marked by their recipient; written by the
    # participants of the session they announce (ids are made by the writer, so
    # no read-back is needed) and delivered by the system.
    ("notifications", "SELECT", f"{SYSTEM} OR ({SAME_WORKSPACE} AND recipient_id = {ME})", None),
    (
        "notifications",
        "INSERT",
        None,
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND (recipient_id = {ME} OR EXISTS ("
        f" SELECT 1 FROM sessions s WHERE s.id = session_id AND {ME} IN (s.mentor_id, s.mentee_id)"
        ")))",
    ),
    (
        "notifications",
        "UPDATE",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND recipient_id = {ME})",
        f"{SYSTEM} OR ({SAME_WORKSPACE} AND recipient_id = {ME})",
    ),
    ("notifications", "DELETE", SYSTEM, None),
    # Ratings: public inside the workspace; written only by the trigger below,
    # which runs as the system.
    ("ratings", "SELECT", f"{SYSTEM} OR {SAME_WORKSPACE}", None),
    ("ratings", "INSERT", None, SYSTEM),
    ("ratings", "UPDATE", SYSTEM, SYSTEM),
    ("ratings", "DELETE", SYSTEM, None),
)

# A mentee's rating of the mentor moves the mentor's aggregate in the same
# transaction. SECURITY DEFINER plus the system role for the function's own
# statements lets it write a row the rating author may not write directly. The
# role is switched in the body and restored before returning (a failure rolls the
# setting back with its (sub)transaction): a `SET app.role` clause on the function
# would need a superuser to create it, which managed databases do not hand out.
RATINGS_TRIGGER = """
CREATE FUNCTION maintain_mentor_rating() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
AS $$
DECLARE
    caller_role text := current_setting('app.role', true);
BEGIN
    PERFORM set_config('app.role', 'system', true);
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.subject_role = 'mentor' THEN
        UPDATE ratings
           SET rating_count = rating_count - 1, rating_sum = rating_sum - OLD.rating
         WHERE mentor_id = OLD.subject_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.subject_role = 'mentor' THEN
        INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)
        VALUES (NEW.subject_id, NEW.workspace_id, 1, NEW.rating)
        ON CONFLICT (mentor_id) DO UPDATE
           SET rating_count = ratings.rating_count + 1,
               rating_sum = ratings.rating_sum + EXCLUDED.rating_sum;
    END IF;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
    RETURN NULL;
END
$$;
CREATE TRIGGER feedback_maintains_rating
    AFTER INSERT OR UPDATE OF rating, subject_id, subject_role OR DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION maintain_mentor_rating();
REVOKE ALL ON FUNCTION maintain_mentor_rating() FROM PUBLIC;
"""


def _policy_name(table: str, command: str) -> str:
    return f"{table}_{command.lower()}"


def create_role_if_missing(role: str) -> str:
    """Roles are cluster-wide: another database of the cluster may have made
    this one, or be making it right now (two databases migrated at once). The
    check alone races: the loser waits on pg_authid's unique index and then
    fails, so the error is caught too."""
    return f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$
        """


def upgrade() -> None:
    op.execute(create_role_if_missing(APP_ROLE))
    # The login role must be a member to `SET ROLE` to it.
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(ACTOR_FUNCTIONS)
    for table in TABLES:
        op.execute(f"GRANT {GRANTS[table]} ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table, command, using, check in POLICIES:
        clauses = ""
        if using is not None:
            clauses += f" USING ({using})"
        if check is not None:
            clauses += f" WITH CHECK ({check})"
        op.execute(
            f"CREATE POLICY {_policy_name(table, command)} ON {table} FOR {command}{clauses}"
        )
    op.execute(RATINGS_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER feedback_maintains_rating ON feedback")
    op.execute("DROP FUNCTION maintain_mentor_rating()")
    for table, command, _using, _check in POLICIES:
        op.execute(f"DROP POLICY {_policy_name(table, command)} ON {table}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    for function in ("app_user_id", "app_role", "app_slack_user", "app_workspace"):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    # The role stays: other databases of the cluster may still use it, and
    # upgrading again finds it in place.
