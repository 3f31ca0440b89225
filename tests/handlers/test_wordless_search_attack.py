"""A search with no word to look for (`domain.search.NOTHING_TO_SEARCH`),
attacked through Bolt over HTTP: forged paging buttons, queries that are
blank or wordless only once `clean_text` has read them, people never seen or
deactivated, the shared listing and the memoized message, and the paging
buttons the bot renders itself."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text

from bot.standin.slack_api import Call
from domain.search import NOTHING_TO_SEARCH
from handlers import screens
from handlers.ids import Action
from handlers.metadata import SearchPageRef
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee
from tests.handlers.test_shared_listings_attack import (
    _only_reply,
    _paging_refs,
    _rows,
    _settled_mark,
)
from tests.statements import directory_searches
from tests.storage.seed import add_user, set_actor


def _refused_plainly(reply: Call) -> None:
    """The one sentence, privately, leaving the message clicked as it was."""
    assert reply.method == "response_url"
    assert reply.text() == NOTHING_TO_SEARCH
    assert reply.params.get("response_type") == "ephemeral"
    assert not reply.params.get("replace_original")
    assert "Maya Patel" not in reply.text()


def _page(query: str, page: int = 1) -> str:
    return json.dumps({"query": query, "page": page})


WORDLESS = [
    pytest.param("🐍", 1, id="an emoji"),
    pytest.param("!!!", 7, id="punctuation, a later page"),
    pytest.param("\u0301", 1, id="a combining accent alone"),
    pytest.param("\u0301\u0308\u20dd", 3, id="combining marks alone"),
    pytest.param("\u200b🐍\ufeff", 1, id="zero-width around an emoji"),
    pytest.param("\u200f¿?\u200e", 1, id="direction marks around punctuation"),
    pytest.param("\u00a0¿?\t\n\x07", 2, id="nbsp, tab, newline, a bell"),
    pytest.param("！＃＄", 1, id="full-width punctuation"),
    pytest.param("☕ ❤️ ©", 1, id="symbols of other blocks"),
    pytest.param("!" * 200, 1, id="200 symbols"),
]


@pytest.mark.parametrize(("query", "page"), WORDLESS)
def test_a_forged_page_button_with_no_word_is_told_so_and_pollutes_no_cache(
    h: Harness, owner_engine: Engine, query: str, page: int
) -> None:
    """Between two blank searches (the second answered from the first's
    listing and message), the wordless click searches nothing, keeps
    nothing and writes nothing."""
    mentor_and_mentee(h)
    screens.search_message.cache_clear()
    before = _rows(owner_engine)
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", "find").status == 200
        everyone = _only_reply(h, mark, "UBEN")
        kept = screens.search_message.cache_info()
        mark = _settled_mark(h)
        assert h.click("UBEN", Action.SEARCH_PAGE, _page(query, page)).status == 200
        _refused_plainly(_only_reply(h, mark, "UBEN"))
        assert screens.search_message.cache_info() == kept
        mark = _settled_mark(h)
        assert h.command("UBEN", "find").status == 200
        again = _only_reply(h, mark, "UBEN")
    assert len(searched) == 1
    assert "All mentors" in everyone.text()
    assert again.blocks() == everyone.blocks()
    assert _rows(owner_engine) == before


@pytest.mark.parametrize(("query", "page"), WORDLESS)
def test_the_same_queries_typed_are_told_so(
    h: Harness, owner_engine: Engine, query: str, page: int
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {query}").status == 200
        reply = _only_reply(h, mark, "UBEN")
    assert searched == []
    assert reply.text() == NOTHING_TO_SEARCH
    assert reply.params.get("response_type") == "ephemeral"
    assert _rows(owner_engine) == before


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("\u200b", id="a zero-width space"),
        pytest.param("\ufeff\u200f\u00ad", id="a BOM, a direction mark, a soft hyphen"),
    ],
)
def test_a_forged_query_of_invisible_characters_lists_all_mentors_not_matches_of_it(
    h: Harness, owner_engine: Engine, query: str
) -> None:
    """`clean_text` leaves nothing of these, so every mentor is listed, as
    for a blank search, under "All mentors": the page names the query as
    searched. (It named it as sent, every mentor a match of an invisible “”;
    a forged button only, as `/mentor find` makes what is not printable a
    space.)"""
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    assert h.click("UBEN", Action.SEARCH_PAGE, _page(query)).status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert "Maya Patel" in reply.text()
    assert "matching" not in reply.text(), reply.text()
    assert "All mentors" in reply.text()
    assert _rows(owner_engine) == before


@pytest.mark.parametrize("first", ["🐍", "ruby"])
def test_the_next_button_of_a_search_pages_that_search_whatever_its_spacing(
    h: Harness, first: str
) -> None:
    """`find 🐍<250 spaces>python` searches "🐍 python" (`clean_text` folds
    the spaces): eleven mentors of python, ten on the first page and a Next
    button, which must show the eleventh. The button carries the query as
    searched; it carried the typed query's first 200 characters, "🐍" and
    spaces, and Next answered NOTHING_TO_SEARCH (with "ruby", paged "ruby")."""
    mentor_and_mentee(h)
    with h.bot.engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for n in range(1, 11):
            add_user(conn, "T1", f"UMENTOR{n:02}", mentor=True, name=f"Mentor {n + 1:02}")
    query = f"{first}{' ' * 250}python"
    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {query}").status == 200
    found = _only_reply(h, mark, "UBEN")
    assert "Maya Patel" in found.text()
    assert "Mentor 11" not in found.text()
    refs = _paging_refs(found)
    assert set(refs) == {"Next"}
    mark = _settled_mark(h)
    assert h.click("UBEN", Action.SEARCH_PAGE, refs["Next"].encode()).status == 200
    second = _only_reply(h, mark, "UBEN")
    assert second.text() != NOTHING_TO_SEARCH
    assert "Mentor 11" in second.text(), second.text()


def test_someone_never_seen_is_told_so_and_made_known_only_by_a_click(
    h: Harness, owner_engine: Engine
) -> None:
    """Typed, nothing is written; a click makes every clicker known first
    (`handlers.click._run`), this one too, and searches nothing."""
    mentor_and_mentee(h)
    h.slack.add_user("UDEV", "Dev Rao", "Europe/London", "Analyst")
    before = _rows(owner_engine)
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UDEV", "find 🐍").status == 200
        assert _only_reply(h, mark, "UDEV").text() == NOTHING_TO_SEARCH
        assert _rows(owner_engine) == before
        mark = _settled_mark(h)
        assert h.click("UDEV", Action.SEARCH_PAGE, _page("!!!", 2)).status == 200
        _refused_plainly(_only_reply(h, mark, "UDEV"))
    assert searched == []
    assert _rows(owner_engine) == {**before, "users": before["users"] + 1}


def test_a_deactivated_person_is_refused_before_any_search(
    h: Harness, owner_engine: Engine
) -> None:
    """Input is read before the person, as for a query over the length
    limit: a wordless search is told NOTHING_TO_SEARCH (its "try `/mentor
    find`" would then be refused), searching and writing nothing."""
    mentor_and_mentee(h)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE slack_user_id = 'UBEN'"))
    before = _rows(owner_engine)
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", "find 🐍").status == 200
        assert _only_reply(h, mark, "UBEN").text() == NOTHING_TO_SEARCH
        mark = _settled_mark(h)
        assert h.click("UBEN", Action.SEARCH_PAGE, _page("🐍")).status == 200
        _refused_plainly(_only_reply(h, mark, "UBEN"))
    assert searched == []
    mark = _settled_mark(h)
    assert h.command("UBEN", "find").status == 200
    assert "deactivated" in _only_reply(h, mark, "UBEN").text()
    assert _rows(owner_engine) == before


@pytest.mark.parametrize(
    "query", ["🐍 python !!!", "¿python?", "\u200bpython\u200b", "ＰＹＴＨＯＮ☕"]
)
def test_a_word_among_symbols_is_searched_for(h: Harness, query: str) -> None:
    mentor_and_mentee(h)
    for send in (
        lambda: h.command("UBEN", f"find {query}"),
        lambda: h.click("UBEN", Action.SEARCH_PAGE, SearchPageRef(query=query, page=1).encode()),
    ):
        mark = _settled_mark(h)
        assert send().status == 200
        reply = _only_reply(h, mark, "UBEN")
        assert "Maya Patel" in reply.text()
        assert "Mentors matching" in reply.text()
