"""Mentor search: words matched whole or as prefixes, close spellings forgiven,
accents and case ignored. The matching and ranking live in the database
(`search_mentor_directory()`, migration 0008), where its indexes are; what the
person typed reaches it only as bound parameters."""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Numeric, Text, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session as OrmSession

from domain.model import MentorHit, MentorRating
from storage.models import Rating, User
from storage.repos.common import average
from storage.repos.definer import completed_counts
from storage.repos.rows import profile_from_row

# Letters and digits: `\w` without the underscore, which the text-search parser
# would split a word on anyway.
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8


def query_words(query: str) -> list[str]:
    """The searchable words of a query, lower-cased; none for a blank one."""
    return WORD.findall(query.lower())[:MAX_WORDS]


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
    found = (
        func.search_mentor_directory(
            bindparam("words", query_words(query), type_=ARRAY(Text)),
            bindparam("exclude_user_id", exclude_user_id, type_=BigInteger),
            limit,
            offset,
        )
        .table_valued(
            column("user_id", BigInteger), column("score", Numeric), with_ordinality="rank"
        )
        .render_derived()
    )
    statement = (
        select(User, Rating.rating_count, Rating.average_rating, found.c.score)
        .join(found, found.c.user_id == User.id)
        .outerjoin(Rating, Rating.mentor_id == User.id)
        # The function answers for the actor's workspace; this only says so.
        .where(User.workspace_id == workspace_id)
        .order_by(found.c.rank)
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
        for user, count, mean, match in rows
    ]
