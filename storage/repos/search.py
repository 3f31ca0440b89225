"""Mentor search: words matched as prefixes, close spellings forgiven, accents
and case ignored. What the person typed reaches SQL only as bound parameters."""

from __future__ import annotations

import re
from functools import reduce

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR
from sqlalchemy.orm import Session as OrmSession

from domain.model import MentorHit, MentorRating
from storage.models import Availability, Rating, User
from storage.repos.common import average
from storage.repos.definer import completed_counts
from storage.repos.rows import profile_from_row

# Letters and digits: `\w` without the underscore, which the text-search parser
# would split a word on anyway.
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8

# Match quality: every word whole, every word as a prefix, or only a close
# spelling (then scaled word similarity, so it always ranks below a prefix).
WHOLE_WORDS = 1.0
PREFIXES = 0.8
CLOSE_SPELLING_WEIGHT = 0.7
# pg_trgm word similarity a close spelling needs: one wrong letter in a
# five-letter word ("Alise" for "Alice") scores 0.5.
CLOSE_SPELLING = 0.5

# 'simple': no stemming and no stop words, so names survive as typed.
SIMPLE = literal_column("'simple'", REGCONFIG)


def query_words(query: str) -> list[str]:
    """The searchable words of a query, lower-cased; none for a blank one."""
    return WORD.findall(query.lower())[:MAX_WORDS]


def _unaccent(value: ColumnElement[str]) -> ColumnElement[str]:
    return func.immutable_unaccent(value, type_=Text)


def _document() -> ColumnElement[str]:
    """Name, department and expertise, unaccented, as one text."""
    return _unaccent(
        func.concat_ws(
            " ", User.display_name, User.department, func.array_to_string(User.expertise, " ")
        )
    )


def _tsquery(word: str, *, prefix: bool) -> ColumnElement[str]:
    """One word as a quoted lexeme, `'word'` or `'word':*`: whatever it holds,
    `quote_literal` keeps it from being read as tsquery syntax."""
    quoted = func.quote_literal(_unaccent(literal(word, Text)), type_=Text)
    return func.to_tsquery(SIMPLE, quoted.concat(":*" if prefix else ""), type_=TSQUERY)


def _matching(
    words: list[str], document: ColumnElement[str], vector: ColumnElement[str]
) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """(does a profile match, how well), for a non-blank query: every word must be
    found, whole, as the start of a word, or by a close spelling."""
    whole: list[ColumnElement[bool]] = []
    prefix: list[ColumnElement[bool]] = []
    found: list[ColumnElement[bool]] = []
    closeness: list[ColumnElement[float]] = []
    for word in words:
        as_whole = vector.bool_op("@@")(_tsquery(word, prefix=False))
        as_prefix = vector.bool_op("@@")(_tsquery(word, prefix=True))
        similarity = func.word_similarity(_unaccent(literal(word, Text)), document)
        whole.append(as_whole)
        prefix.append(as_prefix)
        found.append(or_(as_prefix, similarity >= CLOSE_SPELLING))
        closeness.append(case((as_prefix, 1.0), else_=similarity))
    mean_closeness = reduce(lambda a, b: a + b, closeness) / len(words)
    score = case(
        (and_(*whole), literal(WHOLE_WORDS, Numeric)),
        (and_(*prefix), literal(PREFIXES, Numeric)),
        else_=func.round(cast(mean_closeness * CLOSE_SPELLING_WEIGHT, Numeric), 2),
    )
    return and_(*found), score


def search_mentors(
    session: OrmSession,
    workspace_id: str,
    query: str,
    *,
    exclude_user_id: int | None,
    limit: int,
    offset: int,
) -> list[MentorHit]:
    """Active mentors of the workspace, best first: match quality, then average
    rating (unrated last), then whether they offer any weekly time, then name."""
    eligible = [User.workspace_id == workspace_id, User.is_mentor, User.is_active]
    if exclude_user_id is not None:
        eligible.append(User.id != exclude_user_id)
    document = _document()
    # Each candidate's searchable text, computed once.
    candidates = (
        select(
            User.id,
            document.label("document"),
            func.to_tsvector(SIMPLE, document, type_=TSVECTOR).label("vector"),
        )
        .where(*eligible)
        .cte("candidates")
    )
    words = query_words(query)
    if words:
        matches, score = _matching(words, candidates.c.document, candidates.c.vector)
    else:
        matches, score = true(), literal(0.0, Numeric)
    scored = score.label("score")
    offers_time = exists().where(Availability.user_id == User.id).label("offers_time")
    statement = (
        select(User, Rating.rating_count, Rating.average_rating, scored, offers_time)
        .join(candidates, candidates.c.id == User.id)
        .outerjoin(Rating, Rating.mentor_id == User.id)
        .where(matches)
        .order_by(
            scored.desc(),
            Rating.average_rating.desc().nulls_last(),
            offers_time.desc(),
            User.display_name,
            User.id,
        )
        .limit(limit)
        .offset(offset)
        .execution_options(populate_existing=True)
    )
    rows = session.execute(statement).all()
    completed = completed_counts(session, [row[0].id for row in rows])
    return [
        MentorHit(
            profile=profile_from_row(user),
            rating=MentorRating(user.id, count or 0, average(mean)),
            completed_sessions=completed[user.id],
            score=float(match),
        )
        for user, count, mean, match, _offers_time in rows
    ]
