"""Mentor search looks up what was typed first, and the related skills only
when that does not fill the page.

A typed skill brings its other spellings and its related skills' spellings,
at lower weights: 'python leadership' is 130 terms (`domain.search.
query_terms`), 14 of them at the full weight, and `search_mentor_directory()`
looked each up in the directory's index (5,001 matches at 10,000 mentors).
A mentor matched in full in every group scores 1, and any other scores less:
a related term is worth its weight, below 1 (at most 0.9 from the
vocabulary), and a prefix-only match 0.8. So when at least a page (`offset +
limit`) of mentors match the full-weight terms in full, the page is theirs,
in the same order, whatever the other terms find: the function looks those up
first, and the others only when they do not. The score is rounded to three
decimals, so the shortcut is taken only while no lesser match can round to 1
(and no weight is above 1, which the application never sends). The close-
spelling search, which runs only when the matches fall short of a page, is
not reached in either case.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-13 00:00:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.earlier import migration

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_0015 = migration("2026_12_06_0015_phrase_search_and_matching.py")
_0036 = migration("2026_12_11_0036_search_plans_kept.py")

_FOUND = _0015.FOUND_BY_TERMS
_FULL_WEIGHT = _FOUND + "       AND (t.w >= 1.0 OR NOT exact_only)\n"
_DECLARED = "    fuzzy boolean := false;\n"
# Whether the shortcut may be taken: there are terms below full weight, none
# above it, and no mentor short of a full match can round to a score of 1.000
# (round(score, 3)): the best of a group short of full, a related term's weight
# or a prefix-only match's 0.8, is more than 0.0005 per group short of 1.
_EXACT_FIRST = (
    _DECLARED
    + """    exact_only boolean := (
        SELECT count(*) FILTER (WHERE w.w > 1.0) = 0
               AND greatest(0.8, max(w.w) FILTER (WHERE w.w < 1.0)) < 1.0 - 0.0005 * groups
               AND count(*) FILTER (WHERE w.w < 1.0) > 0
          FROM unnest(p_weights) AS w(w)
    );
"""
)
# Mentors found in full, in every group, by the full-weight terms.
_FILLED = """
    IF exact_only AND (
        SELECT count(*) FROM (
            SELECT f.user_id
              FROM unnest(found_users, found_groups, found_worths) AS f(user_id, g, worth)
             WHERE f.worth >= 1.0 AND f.user_id IS DISTINCT FROM p_exclude_user_id
             GROUP BY f.user_id
            HAVING count(DISTINCT f.g) = groups
        ) AS full_matches
    ) < page_offset::bigint + page_limit THEN
        exact_only := false;
"""


def search_function() -> str:
    text = _0036.search_function()
    start = text.index("    WITH terms AS MATERIALIZED (")
    end = text.index(";\n", text.index("INTO found_users", start)) + 2
    keep = text[start:end]
    assert keep.count(_FOUND) == 1, "0036's function is not the one this migration edits"
    assert text.count(_DECLARED) == 1, "0036's function is not the one this migration edits"
    twice = keep.replace(_FOUND, _FULL_WEIGHT) + _FILLED + keep + "    END IF;\n"
    return text[:start].replace(_DECLARED, _EXACT_FIRST) + twice + text[end:]


def upgrade() -> None:
    op.execute(search_function())


def downgrade() -> None:
    op.execute(_0036.search_function())
