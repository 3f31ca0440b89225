"""`screens.search_message` is cached on the page alone, whose `query` is the
cleaned text. Pages that differ only in the query never share a
message; queries that clean alike share one, and its title is what both
searched for."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from domain.model import MentorHit, MentorRating, Profile, SearchPage
from domain.search import MAX_QUERY
from domain.text import clean_text
from handlers import screens
from handlers.render.search import search_results, search_text
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import mentor_and_mentee


def _page(query: str, *, has_more: bool = True, number: int = 2) -> SearchPage:
    profile = Profile(1, "T1", "U1", "Mentor One", is_mentor=True, expertise=("python",))
    hit = MentorHit(profile, MentorRating(1, 3, 4.5), 2, 1.0, None)
    return SearchPage(items=(hit,), number=number, has_more=has_more, zone="UTC", query=query)


def _dump(message: tuple[str, Any]) -> str:
    return json.dumps([message[0], list(message[1])], sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("python", "Python"),
        ("python sql", "python  sql"),
        ("python sql", "python\u2003sql"),
        ("a", ""),
    ],
)
def test_pages_differing_only_in_query_never_share_a_message(one: str, other: str) -> None:
    screens.search_message.cache_clear()
    first, second = _page(one), _page(other)
    assert first != second
    said_one, said_other = screens.search_message(first), screens.search_message(second)
    assert _dump(said_one) != _dump(said_other)
    for page, said in ((first, said_one), (second, said_other)):
        fresh = (search_text(page.query, page), search_results(page.query, page, page.zone))
        assert _dump(said) == _dump((fresh[0], [b.to_dict() for b in fresh[1]]))
    # Each page's buttons carry its own query.
    assert f'"query":"{one}"' in _dump(said_one).replace("\\", "")
    assert f'"query":"{other}"' in _dump(said_other).replace("\\", "")


@pytest.mark.parametrize(
    "typed", ["  Python   SQL ", "Python\tSQL", "Python\u00a0SQL", "\u200bPython SQL\u200b"]
)
def test_typed_forms_cleaning_alike_share_one_message_that_names_the_clean_query(
    typed: str,
) -> None:
    cleaned = clean_text(typed, field="query", label="a search", max_length=MAX_QUERY)
    assert cleaned == "Python SQL"
    assert clean_text(cleaned, field="q", label="a search", max_length=MAX_QUERY) == cleaned
    screens.search_message.cache_clear()
    kept = screens.search_message(_page("Python SQL"))
    assert screens.search_message(replace(_page("x"), query=cleaned)) is kept
    assert "“Python SQL”" in _dump(kept)


def test_case_is_kept_in_the_title_through_the_bot(h: Harness) -> None:
    """Two searches the directory treats alike (one listing, by words) still show
    what each person typed, cleaned: "Python" and "python" are two messages."""
    mentor_and_mentee(h)
    titles = []
    for typed in ("Python", "python", "  python  "):
        mark = h.mark()
        h.command("UBEN", f"find {typed}")
        (answer,) = wait_for(
            lambda mark=mark: [c for c in h.since(mark) if c.method == "response_url"],
            what="a search",
        )
        titles.append(str(answer.params.get("text")))
    assert titles[0] != titles[1], titles
    assert "“Python”" in titles[0]
    assert titles[1] == titles[2], titles
    assert "“python”" in titles[1]
