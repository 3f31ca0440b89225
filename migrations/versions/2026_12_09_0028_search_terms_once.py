"""Mentor search looks each term up once.

0015's `search_mentor_directory()` matched every term against the directory
twice: once to count the mentors found (to decide whether close spellings are
needed) and once more to rank them. A typed skill stands for 30 to 90 terms,
and the search function is most of the database's work in a `/mentor find`
(bench/load.py). The mentors each term finds, with the term's group and
worth, are now kept from the first pass (in the function's own arrays: no
table is read again) and ranked from there; the terms are made again only
when close spellings are looked for. What it returns is unchanged (compared
with 0015's on a seeded programme); the call costs about a fifth less.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration, replacing

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0015 = migration("2026_12_06_0015_phrase_search_and_matching.py")

# Where 0015 counted the mentors the terms find, the first pass now keeps them.
_COUNT = f"""
    IF length(driver) >= {_0015.FUZZY_FROM_LETTERS} THEN
        fuzzy := (
            WITH terms AS MATERIALIZED ({_0015.TERMS})
            SELECT count(DISTINCT d.user_id) {_0015.FOUND_BY_TERMS}
               AND d.user_id IS DISTINCT FROM p_exclude_user_id
        ) < page_offset + page_limit;
    END IF;"""
_KEEP = f"""
    WITH terms AS MATERIALIZED ({_0015.TERMS})
    SELECT coalesce(array_agg(d.user_id), '{{}}'), coalesce(array_agg(d.display_name), '{{}}'),
           coalesce(array_agg(d.offers_time), '{{}}'), coalesce(array_agg(t.g), '{{}}'),
           coalesce(array_agg(t.w * CASE WHEN t.prefix AND NOT d.words @@ t.whole
                                         THEN {_0015.PREFIX_ONLY} ELSE 1.0 END), '{{}}')
      INTO found_users, found_names, found_offer_time, found_groups, found_worths
      {_0015.FOUND_BY_TERMS};
    IF length(driver) >= {_0015.FUZZY_FROM_LETTERS} THEN
        fuzzy := (
            SELECT count(DISTINCT f.user_id) FROM unnest(found_users) AS f(user_id)
             WHERE f.user_id IS DISTINCT FROM p_exclude_user_id
        ) < page_offset + page_limit;
    END IF;"""
# 0015's ranking read the terms' matches again; it reads the kept ones.
_MATCHED_AGAIN = f"""
            SELECT d.user_id, d.display_name, d.offers_time, t.g,
                   t.w * CASE WHEN t.prefix AND NOT d.words @@ t.whole THEN {_0015.PREFIX_ONLY}
                              ELSE 1.0 END AS worth
              {_0015.FOUND_BY_TERMS}"""
_MATCHED_ONCE = """
            SELECT f.user_id, f.display_name, f.offers_time, f.g, f.worth
              FROM unnest(found_users, found_names, found_offer_time, found_groups, found_worths)
                   AS f(user_id, display_name, offers_time, g, worth)"""
_DECLARED = "    fuzzy boolean := false;\n"
_KEPT = (
    _DECLARED
    + "    found_users bigint[];\n    found_names text[];\n    found_offer_time boolean[];\n"
    + "    found_groups integer[];\n"
    + "    found_worths double precision[];\n"
)


def search_function() -> str:
    text = str(_0015.SEARCH_FUNCTION)
    for old, new in ((_COUNT, _KEEP), (_MATCHED_AGAIN, _MATCHED_ONCE), (_DECLARED, _KEPT)):
        assert text.count(old) == 1, "0015's function is not the one this migration edits"
        text = text.replace(old, new)
    return replacing(text)


def upgrade() -> None:
    op.execute(search_function())


def downgrade() -> None:
    op.execute(replacing(str(_0015.SEARCH_FUNCTION)))
