"""Mentor search and matching's candidates: terms (words and phrases, each in
a group, with a weight) looked up in the mentor directory, accents and case
ignored, typed words also as prefixes and close spellings. The matching and
ranking live in the database (`search_mentor_directory()`, migrations 0008
and 0015), where its indexes are; the terms reach it only as bound
parameters."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    Integer,
    Numeric,
    Text,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Select

from domain.model import MentorHit, MentorRating, SearchTerm
from storage.models import Rating, User
from storage.repos.common import average
from storage.repos.definer import completed_counts_of
from storage.repos.rows import PROFILE_COLUMNS, profile_from_columns


def _ranked_statement(*, with_completed: bool) -> Select[Any]:
    """Active mentors of the workspace matching any term, best first: match
    score, then average rating (unrated last), then whether they offer any
    weekly time, then name; with each one's completed sessions when asked."""
    directory = (
        func.search_mentor_directory(
            bindparam("terms", type_=ARRAY(Text)),
            bindparam("groups", type_=ARRAY(Integer)),
            bindparam("weights", type_=ARRAY(REAL)),
            bindparam("prefixes", type_=ARRAY(Boolean)),
            bindparam("workspace", type_=Text),
            bindparam("exclude_user_id", type_=BigInteger),
            bindparam("limit", type_=Integer),
            bindparam("offset", type_=Integer),
        )
        .table_valued(
            column("user_id", BigInteger), column("score", Numeric), with_ordinality="rank"
        )
        .render_derived()
    )
    found = select(directory.c.user_id, directory.c.score, directory.c.rank).cte("found")
    # Columns, not ORM objects: a match reads 100 profiles, and loading each
    # into the session cost twice as much as reading it.
    statement = (
        select(
            *PROFILE_COLUMNS,
            Rating.rating_count.label("found_count"),
            Rating.average_rating.label("found_mean"),
            found.c.score.label("found_score"),
        )
        .join(found, found.c.user_id == User.id)
        .outerjoin(Rating, Rating.mentor_id == User.id)
        # The function answers for the actor's workspace; this only says so.
        .where(User.workspace_id == bindparam("workspace"))
        .order_by(found.c.rank)
    )
    if not with_completed:
        return statement
    # Counted for the page found, by one call: a round trip less per search.
    done = completed_counts_of(select(func.array_agg(found.c.user_id)).scalar_subquery())
    return statement.add_columns(done.c.completed.label("found_completed")).outerjoin(
        done, done.c.mentor_id == User.id
    )


# Built once each: a search or a match costs less to run than to build.
_RANKED = _ranked_statement(with_completed=False)
_RANKED_WITH_COMPLETED = _ranked_statement(with_completed=True)


def ranked(
    session: OrmSession,
    workspace_id: str,
    terms: Sequence[SearchTerm],
    *,
    exclude_user_id: int | None,
    limit: int,
    offset: int,
    with_completed: bool,
) -> list[MentorHit]:
    """`_ranked_statement`'s mentors, each with its completed sessions (0
    unless asked: a search shows them, matching does not)."""
    params = {
        "terms": [t.text for t in terms],
        "groups": [t.group for t in terms],
        "weights": [t.weight for t in terms],
        "prefixes": [t.prefix for t in terms],
        "workspace": workspace_id,
        "exclude_user_id": exclude_user_id,
        "limit": limit,
        "offset": offset,
    }
    statement = _RANKED_WITH_COMPLETED if with_completed else _RANKED
    hits = []
    for row in session.execute(statement, params):
        values = row._mapping
        match = values["found_score"]
        hits.append(
            MentorHit(
                profile_from_columns(row),
                MentorRating(
                    values["id"], values["found_count"] or 0, average(values["found_mean"])
                ),
                (values["found_completed"] or 0) if with_completed else 0,
                float(match if isinstance(match, Decimal) else match or 0),
            )
        )
    return hits
