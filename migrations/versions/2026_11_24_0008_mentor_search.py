"""Mentor search on indexes: a directory of active mentors and one narrow
SECURITY DEFINER function that searches it.

Why a table of its own: behind a row-level policy PostgreSQL evaluates the
policy before any operator that is not LEAKPROOF, so `@@`, `%`, `<%` and LIKE
are never index conditions on `users`, however simple its policy (checked:
a workspace-only policy still plans a Seq Scan). `mentor_directory` holds only
what every member of a workspace may read anyway (name, department, expertise,
unaccented), for active mentors only, and whether each offers weekly time.
The application role holds no privilege on it; its one policy lets everything
through, so the planner adds no security condition and the indexes serve.
SECURITY DEFINER functions are the only ways in: the triggers on `users` and
`availability` that keep it, and `search_mentor_directory`, which answers for
the caller's workspace (read from the caller's actor, never a parameter) and
returns ids and match scores only. Ratings, which it also reads, are public
inside a workspace, so unlike the functions of 0003 it reads them with the
caller's actor and never switches to the system role.

Matching, per query word: whole word, word prefix (`'word':*` against the
tsvector; a GIN range over the lexemes, so one or two letters are an index
lookup too) or, from three letters on, a close spelling (pg_trgm word
similarity of at least 0.5, found through the trigram index by the longest
word). Every word must match. Words become quoted lexemes (`quote_literal`),
so nothing typed is read as tsquery syntax and nothing typed can make the
query fail; empty words are ignored (no words: every active mentor), and a
negative page size or offset counts as 0.

Every SECURITY DEFINER function here names its tables with their schema and
puts `pg_temp` last on its search path: otherwise a caller's temporary table
of the same name would be found first (PostgreSQL searches pg_temp before the
path unless it is listed).

The trigram and GIN indexes on `users` (display name, expertise) served no
query under row-level security and are dropped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"

# pg_trgm word similarity a close spelling needs: one wrong letter in a
# five-letter word ("Alise" for "Alice") scores 0.5.
CLOSE_SPELLING = 0.5
# Shorter words are too short for trigrams to tell a misspelling from noise.
FUZZY_FROM_LETTERS = 3

# Name, department and expertise as one unaccented text (case is ignored by
# both the text-search parser and pg_trgm).
SEARCH_DOCUMENT = """
CREATE FUNCTION mentor_search_document(u users) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT public.immutable_unaccent(
        concat_ws(' ', u.display_name, u.department, array_to_string(u.expertise, ' '))
    )
$$;
"""

# A row exactly while the user is an active mentor. Deleting a user cascades.
SYNC_TRIGGER = """
CREATE FUNCTION sync_mentor_directory() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.is_mentor AND NEW.is_active THEN
        INSERT INTO public.mentor_directory
               (user_id, workspace_id, display_name, document, offers_time)
        VALUES (NEW.id, NEW.workspace_id, NEW.display_name, public.mentor_search_document(NEW),
                EXISTS (SELECT FROM public.availability a WHERE a.user_id = NEW.id))
        ON CONFLICT (user_id) DO UPDATE
           SET display_name = EXCLUDED.display_name, document = EXCLUDED.document;
    ELSIF TG_OP = 'UPDATE' AND OLD.is_mentor AND OLD.is_active THEN
        DELETE FROM public.mentor_directory WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_feed_mentor_directory
    AFTER INSERT OR UPDATE OF display_name, department, expertise, is_mentor, is_active
    ON users FOR EACH ROW EXECUTE FUNCTION sync_mentor_directory();
REVOKE ALL ON FUNCTION sync_mentor_directory() FROM PUBLIC;
"""

# Whether a mentor offers any weekly time ranks the cards; kept here so that
# ranking thousands of matches never reads availability.
OFFERS_TIME_TRIGGER = """
CREATE FUNCTION sync_mentor_offers_time() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE public.mentor_directory d
           SET offers_time = false
         WHERE d.user_id = OLD.user_id AND d.offers_time
           AND NOT EXISTS (SELECT FROM public.availability a WHERE a.user_id = OLD.user_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE public.mentor_directory d
           SET offers_time = true
         WHERE d.user_id = NEW.user_id AND NOT d.offers_time;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER availability_feeds_mentor_directory
    AFTER INSERT OR DELETE OR UPDATE OF user_id ON availability
    FOR EACH ROW EXECUTE FUNCTION sync_mentor_offers_time();
REVOKE ALL ON FUNCTION sync_mentor_offers_time() FROM PUBLIC;
"""

BACKFILL = """
INSERT INTO mentor_directory (user_id, workspace_id, display_name, document, offers_time)
SELECT u.id, u.workspace_id, u.display_name, mentor_search_document(u),
       EXISTS (SELECT FROM availability a WHERE a.user_id = u.id)
  FROM users u
 WHERE u.is_mentor AND u.is_active;
"""

# Ranked like the cards: match quality, rating (unrated last), whether the
# mentor offers weekly time, name. Every mentor matching each word by prefix
# scores 0.8 or more and any other match at most 0.7, so close spellings are
# looked for only when the prefix matches do not fill the page.
#
# The candidates come from one lookup with nothing else in its WHERE, so that
# besides a sequential scan the planner's only way is the index answering it.
# For close spellings the sequential scan is switched off: the planner prices
# pg_trgm's operators like `=` though each costs microseconds a row, and would
# read every profile through one. Settings are switched for that query and
# given back, as 0003's functions do with the role (a SET clause naming
# pg_trgm's threshold would need a superuser to create the function).
SEARCH_FUNCTION = f"""
CREATE FUNCTION search_mentor_directory(
    p_words text[], p_exclude_user_id bigint, p_limit integer, p_offset integer
)
    RETURNS TABLE(user_id bigint, score numeric)
    LANGUAGE plpgsql SECURITY DEFINER ROWS 25
    SET search_path = pg_catalog, public, pg_temp
    -- The plan depends on the words (which lookup); a cached generic plan
    -- could only scan.
    SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
    caller_workspace text := public.app_workspace();
    caller_threshold text := current_setting('pg_trgm.word_similarity_threshold', true);
    caller_seqscan text := current_setting('enable_seqscan');
    -- A negative page size or offset is an empty page or the first one.
    page_limit integer := greatest(p_limit, 0);
    page_offset integer := greatest(p_offset, 0);
    -- Every word whole, every word as a prefix; NULL for no words. Empty words
    -- (and NULLs) are left out: '' is not a lexeme and fails to_tsquery.
    all_wholes tsquery := to_tsquery('simple', (
        SELECT string_agg(quote_literal(public.immutable_unaccent(w)), ' & ')
          FROM unnest(p_words) w WHERE w <> ''
    ));
    all_prefixes tsquery := to_tsquery('simple', (
        SELECT string_agg(quote_literal(public.immutable_unaccent(w)) || ':*', ' & ')
          FROM unnest(p_words) w WHERE w <> ''
    ));
    blank boolean := all_prefixes IS NULL;
    -- The longest word finds the candidates for close spellings.
    driver text := public.immutable_unaccent(
        (SELECT w FROM unnest(p_words) w WHERE w <> '' ORDER BY length(w) DESC LIMIT 1)
    );
    fuzzy boolean := false;
BEGIN
    IF caller_workspace IS NULL THEN
        RETURN;
    END IF;
    IF length(driver) >= {FUZZY_FROM_LETTERS} THEN
        fuzzy := (
            SELECT count(*) FROM public.mentor_directory d
             WHERE d.workspace_id = caller_workspace
               AND d.user_id IS DISTINCT FROM p_exclude_user_id
               AND d.words @@ all_prefixes
        ) < page_offset + page_limit;
    END IF;
    IF fuzzy THEN
        PERFORM set_config('pg_trgm.word_similarity_threshold', '{CLOSE_SPELLING}', true),
                set_config('enable_seqscan', 'off', true);
    END IF;
    RETURN QUERY
        WITH terms AS MATERIALIZED (
            SELECT t.word, to_tsquery('simple', quote_literal(t.word) || ':*') AS prefix
              FROM unnest(p_words) w
             CROSS JOIN LATERAL (SELECT public.immutable_unaccent(w) AS word) t
             WHERE w <> ''
        ), matches AS MATERIALIZED (
            SELECT d.user_id, d.workspace_id, d.display_name, d.offers_time,
                   CASE WHEN blank THEN 0
                        WHEN d.words @@ all_wholes THEN 1.0
                        WHEN d.words @@ all_prefixes THEN 0.8
                        -- NULL unless every word is found, by prefix or close spelling.
                        ELSE (SELECT CASE WHEN bool_and(c.closeness >= {CLOSE_SPELLING})
                                          THEN round((avg(c.closeness) * 0.7)::numeric, 2)
                                     END
                                FROM (SELECT CASE WHEN d.words @@ t.prefix THEN 1.0
                                                  WHEN length(t.word) >= {FUZZY_FROM_LETTERS}
                                                       THEN word_similarity(t.word, d.document)
                                                  ELSE 0.0
                                             END AS closeness
                                        FROM terms t) c)
                   END AS score
              FROM public.mentor_directory d
             -- With the words as constants this folds to one of the three.
             WHERE (blank AND d.workspace_id = caller_workspace)
                OR (NOT blank AND NOT fuzzy AND d.words @@ all_prefixes)
                OR (fuzzy AND (d.words @@ to_tsquery('simple', quote_literal(driver) || ':*')
                               OR driver <% d.document))
        )
        SELECT m.user_id, m.score
          FROM matches m
          LEFT JOIN public.ratings r ON r.mentor_id = m.user_id
         WHERE m.workspace_id = caller_workspace
           AND m.user_id IS DISTINCT FROM p_exclude_user_id
           AND m.score IS NOT NULL
         ORDER BY m.score DESC,
                  r.average_rating DESC NULLS LAST,
                  m.offers_time DESC,
                  m.display_name,
                  m.user_id
         LIMIT page_limit OFFSET page_offset;
    IF fuzzy THEN
        PERFORM set_config('pg_trgm.word_similarity_threshold', caller_threshold, true),
                set_config('enable_seqscan', caller_seqscan, true);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION search_mentor_directory(text[], bigint, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_mentor_directory(text[], bigint, integer, integer)
    TO {APP_ROLE};
"""

# Profiles change rarely and every search reads: no pending list (GIN's
# fastupdate) that each search would have to scan through.
GIN_WITH = {"fastupdate": "off"}
DIRECTORY_GIN_INDEXES = (
    ("ix_mentor_directory_words", "words", {}),
    ("ix_mentor_directory_document_trgm", "document", {"document": "gin_trgm_ops"}),
)
USERS_SEARCH_INDEXES = (
    ("ix_users_display_name_trgm", ["display_name"], {"display_name": "gin_trgm_ops"}),
    ("ix_users_expertise", ["expertise"], {}),
)


def upgrade() -> None:
    for name, _columns, _ops in USERS_SEARCH_INDEXES:
        op.drop_index(name, table_name="users")
    op.create_table(
        "mentor_directory",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column(
            "words",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, document)", persisted=True),
            nullable=False,
        ),
        sa.Column("offers_time", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_mentor_directory_workspace_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mentor_directory")),
    )
    # Room on each page for a second version of every row, so that flipping
    # offers_time (a mentor's first slot added, the last one removed) stays a
    # HOT update and never rewrites the GIN entries, even when a whole seed's
    # availability arrives in one transaction. The table is small either way.
    op.execute("ALTER TABLE mentor_directory SET (fillfactor = 50)")
    op.execute("ALTER TABLE mentor_directory ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE mentor_directory FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY mentor_directory_definers ON mentor_directory USING (true) WITH CHECK (true)"
    )
    op.execute(SEARCH_DOCUMENT)
    op.execute(SYNC_TRIGGER)
    op.execute(OFFERS_TIME_TRIGGER)
    # The owner is held by the users policies too: read every workspace as the system.
    op.execute("SELECT set_config('app.role', 'system', true)")
    op.execute(BACKFILL)
    op.execute("SELECT set_config('app.role', '', true)")
    # Built after the backfill, in one pass.
    op.create_index("ix_mentor_directory_workspace_id", "mentor_directory", ["workspace_id"])
    for name, column, ops in DIRECTORY_GIN_INDEXES:
        op.create_index(
            name,
            "mentor_directory",
            [column],
            postgresql_using="gin",
            postgresql_ops=ops,
            postgresql_with=GIN_WITH,
        )
    op.execute("ANALYZE mentor_directory")
    op.execute(SEARCH_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION search_mentor_directory(text[], bigint, integer, integer)")
    op.execute("DROP TRIGGER availability_feeds_mentor_directory ON availability")
    op.execute("DROP FUNCTION sync_mentor_offers_time()")
    op.execute("DROP TRIGGER users_feed_mentor_directory ON users")
    op.execute("DROP FUNCTION sync_mentor_directory()")
    op.execute("DROP FUNCTION mentor_search_document(users)")
    op.drop_table("mentor_directory")
    for name, columns, ops in USERS_SEARCH_INDEXES:
        op.create_index(name, "users", columns, postgresql_using="gin", postgresql_ops=ops)
