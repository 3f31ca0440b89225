"""Search that understands a phrase, and what matching reads.

`search_mentor_directory()` now takes terms instead of words: each term a
word or phrase with the group (the part of the query) it stands for, a weight
and whether it also matches as a prefix. The application reads the query (or
a mentee's goals) with its skills vocabulary and sends what was typed, every
way of writing each skill named and the skills related to it. A mentor no
longer has to match every word: the score is the sum over groups of each
group's best term (a prefix term matched only as a prefix counts 0.8, a close
spelling 0.7 times its similarity), over the number of groups, so partial
matches rank by how much they match. Each term is one lookup in the GIN index
of the directory's words; nothing scans the directory. Close spellings of the
typed words are still looked for when the matches do not fill the page.

The function also answers a system caller (the App Home's suggestions, read
as the system) for the workspace it names; a member's own workspace always
wins over that parameter.

`satisfied_goals()`: per mentor, the learning goals of the mentees who rated
a session with them at least so well (what the programme's history teaches
matching), only goals at least two such mentees share, so that no one's
rating of a session can be read from it. Ratings live on sessions, which a
member may not read, hence a SECURITY DEFINER function that switches to the
system role like those of 0003; a partial index on rated sessions serves it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.earlier import migration

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SEARCH_PATH = "pg_catalog, public, pg_temp"
OLD_SEARCH = "search_mentor_directory(text[], bigint, integer, integer)"
NEW_SEARCH = (
    "search_mentor_directory(text[], integer[], real[], boolean[], text, bigint, integer, integer)"
)
SATISFIED_GOALS = "satisfied_goals(bigint[], integer)"
# As in 0008: close spellings from this word similarity, for words this long.
CLOSE_SPELLING = 0.5
FUZZY_FROM_LETTERS = 3
# What a typed word matched only as a prefix, or only by a close spelling, is worth.
PREFIX_ONLY = 0.8
CLOSE_ONLY = 0.7
# A goal is told about a mentor only when this many of their mentees share it.
FEWEST_MENTEES = 2

# The terms as rows, each with its query: a prefix query for a typed word
# (and the whole word, to tell the two apart), a phrase query otherwise.
# Terms without text (and NULLs) are left out: '' is no lexeme.
TERMS = """
    SELECT t.word, t.g, coalesce(t.w, 0)::real AS w, coalesce(t.prefix, false) AS prefix,
           CASE WHEN t.prefix THEN to_tsquery('simple', quote_literal(t.word) || ':*')
                ELSE phraseto_tsquery('simple', t.word) END AS query,
           CASE WHEN t.prefix THEN to_tsquery('simple', quote_literal(t.word)) END AS whole
      FROM (SELECT public.immutable_unaccent(u.term) AS word, u.g, u.w, u.prefix
              FROM unnest(p_terms, p_groups, p_weights, p_prefix) AS u(term, g, w, prefix)
             WHERE u.term <> '' AND u.g IS NOT NULL) t
"""
# Each term is looked up on its own (a nested loop over the terms, each a
# bitmap scan of the GIN index), so the work grows with the mentors each term
# finds, never with the size of the directory. A term of punctuation only
# reads as an empty query and finds nobody.
FOUND_BY_TERMS = """
      FROM terms t
      JOIN public.mentor_directory d ON d.words @@ t.query
     WHERE numnode(t.query) > 0 AND d.workspace_id = caller_workspace
"""

# Ranked like the cards: score, rating (unrated last), whether the mentor
# offers weekly time, name. As in 0008, the sequential scan is switched off
# for the close spellings' query.
SEARCH_FUNCTION = f"""
CREATE FUNCTION search_mentor_directory(
    p_terms text[], p_groups integer[], p_weights real[], p_prefix boolean[],
    p_workspace text, p_exclude_user_id bigint, p_limit integer, p_offset integer
)
    RETURNS TABLE(user_id bigint, score numeric)
    LANGUAGE plpgsql SECURITY DEFINER ROWS 25
    SET search_path = {SEARCH_PATH}
    SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
    caller_workspace text := coalesce(
        public.app_workspace(),
        CASE WHEN public.app_role() = 'system' THEN p_workspace END
    );
    caller_threshold text := current_setting('pg_trgm.word_similarity_threshold', true);
    caller_seqscan text := current_setting('enable_seqscan');
    page_limit integer := greatest(p_limit, 0);
    page_offset integer := greatest(p_offset, 0);
    groups integer := (
        SELECT count(DISTINCT u.g)
          FROM unnest(p_terms, p_groups) AS u(term, g)
         WHERE u.term <> '' AND u.g IS NOT NULL
    );
    -- The longest typed word finds the candidates for close spellings.
    driver text := public.immutable_unaccent((
        SELECT u.term
          FROM unnest(p_terms, p_prefix) AS u(term, prefix)
         WHERE u.prefix AND u.term <> ''
         ORDER BY length(u.term) DESC LIMIT 1
    ));
    fuzzy boolean := false;
BEGIN
    IF caller_workspace IS NULL THEN
        RETURN;
    END IF;
    IF groups = 0 THEN
        RETURN QUERY
            SELECT d.user_id, 0::numeric
              FROM public.mentor_directory d
              LEFT JOIN public.ratings r ON r.mentor_id = d.user_id
             WHERE d.workspace_id = caller_workspace
               AND d.user_id IS DISTINCT FROM p_exclude_user_id
             ORDER BY r.average_rating DESC NULLS LAST, d.offers_time DESC, d.display_name,
                      d.user_id
             LIMIT page_limit OFFSET page_offset;
        RETURN;
    END IF;
    IF length(driver) >= {FUZZY_FROM_LETTERS} THEN
        fuzzy := (
            WITH terms AS MATERIALIZED ({TERMS})
            SELECT count(DISTINCT d.user_id) {FOUND_BY_TERMS}
               AND d.user_id IS DISTINCT FROM p_exclude_user_id
        ) < page_offset + page_limit;
    END IF;
    IF fuzzy THEN
        PERFORM set_config('pg_trgm.word_similarity_threshold', '{CLOSE_SPELLING}', true),
                set_config('enable_seqscan', 'off', true);
    END IF;
    RETURN QUERY
        WITH terms AS MATERIALIZED ({TERMS}), found AS (
            SELECT d.user_id, d.display_name, d.offers_time, t.g,
                   t.w * CASE WHEN t.prefix AND NOT d.words @@ t.whole THEN {PREFIX_ONLY}
                              ELSE 1.0 END AS worth
              {FOUND_BY_TERMS}
            UNION ALL
            SELECT d.user_id, d.display_name, d.offers_time, t.g,
                   t.w * {CLOSE_ONLY} * word_similarity(t.word, d.document)
              FROM public.mentor_directory d
             CROSS JOIN terms t
             WHERE fuzzy
               AND driver <% d.document
               AND d.workspace_id = caller_workspace
               AND t.prefix AND length(t.word) >= {FUZZY_FROM_LETTERS}
               AND word_similarity(t.word, d.document) >= {CLOSE_SPELLING}
        ), best AS (
            SELECT f.user_id, f.display_name, f.offers_time, max(f.worth) AS worth
              FROM found f
             GROUP BY f.user_id, f.display_name, f.offers_time, f.g
        ), scored AS (
            SELECT b.user_id, b.display_name, b.offers_time,
                   round((sum(b.worth) / groups)::numeric, 3) AS score
              FROM best b
             GROUP BY b.user_id, b.display_name, b.offers_time
        )
        SELECT s.user_id, s.score
          FROM scored s
          LEFT JOIN public.ratings r ON r.mentor_id = s.user_id
         WHERE s.user_id IS DISTINCT FROM p_exclude_user_id
         ORDER BY s.score DESC, r.average_rating DESC NULLS LAST, s.offers_time DESC,
                  s.display_name, s.user_id
         LIMIT page_limit OFFSET page_offset;
    IF fuzzy THEN
        PERFORM set_config('pg_trgm.word_similarity_threshold', caller_threshold, true),
                set_config('enable_seqscan', caller_seqscan, true);
    END IF;
END
$$;
"""

SATISFIED_GOALS_FUNCTION = f"""
CREATE FUNCTION satisfied_goals(p_mentor_ids bigint[], p_min_rating integer)
    RETURNS TABLE(mentor_id bigint, goal text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
#variable_conflict use_column
DECLARE
    caller_role text := public.app_role();
    caller_workspace text := public.app_workspace();
BEGIN
    IF caller_workspace IS NULL AND caller_role IS DISTINCT FROM 'system' THEN
        RETURN;
    END IF;
    PERFORM set_config('app.role', 'system', true);
    RETURN QUERY
        SELECT pair.mentor_id, g.goal
          FROM (SELECT DISTINCT s.mentor_id, s.mentee_id
                  FROM public.sessions s
                 WHERE s.mentor_id = ANY (p_mentor_ids)
                   AND s.rating IS NOT NULL AND s.rating >= p_min_rating
                   AND (caller_workspace IS NULL OR s.workspace_id = caller_workspace)) pair
          JOIN public.users u ON u.id = pair.mentee_id
         CROSS JOIN LATERAL unnest(u.learning_goals) AS g(goal)
         GROUP BY pair.mentor_id, g.goal
        HAVING count(*) >= {FEWEST_MENTEES};
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
END
$$;
"""


def _released_search_function() -> str:
    """0008's search function, read from that migration so the two never differ."""
    return str(migration("2026_11_24_0008_mentor_search.py").SEARCH_FUNCTION)


def upgrade() -> None:
    op.execute(f"DROP FUNCTION {OLD_SEARCH}")
    op.execute(SEARCH_FUNCTION)
    op.execute(SATISFIED_GOALS_FUNCTION)
    for function in (NEW_SEARCH, SATISFIED_GOALS):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP_ROLE}")
    op.create_index(
        "ix_sessions_mentor_id_rating",
        "sessions",
        ["mentor_id", "rating"],
        postgresql_include=["mentee_id"],
        postgresql_where=sa.text("rating IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_mentor_id_rating", table_name="sessions")
    op.execute(f"DROP FUNCTION {SATISFIED_GOALS}")
    op.execute(f"DROP FUNCTION {NEW_SEARCH}")
    # 0008's text grants the app role what it creates, as it did then.
    op.execute(_released_search_function())
