"""Shared search listings, attacked through the handlers.

- the memoized message (`handlers.screens.search_message`): equal pages
  render alike, the message's blocks are shared between requests and nothing
  on the way to Slack changes them;
- bad input through Bolt over HTTP (signed requests): page numbers out of
  range, queries at the length limit, of many words, of any script.

The same attack's other parts: tests/domain/test_shared_listings_attack.py
(the pages), tests/handlers/test_listings.py (`RecentListings` under real
threads), tests/storage/test_shared_listings_attack_storage.py (workspaces,
roles).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from bot.errors import is_apology
from bot.standin.slack_api import Call
from domain.model import (
    MentorHit,
    MentorRating,
    Profile,
    SearchPage,
    Slot,
)
from domain.search import MAX_QUERY, MAX_WORDS, find_mentors
from handlers import screens
from handlers.click import STALE
from handlers.ids import Action
from handlers.metadata import SearchPageRef
from handlers.render.search import search_results, search_text
from tests.dates import MONDAY
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee
from tests.statements import directory_searches

# --- the memoized message -------------------------------------------------------


def _hit(mentor_id: int, slot: Slot | None, zone: str = "Europe/London") -> MentorHit:
    profile = Profile(
        mentor_id, "T1", f"U{mentor_id}", f"Mentor {mentor_id}", time_zone=zone, is_mentor=True,
        expertise=("python",),
    )  # fmt: skip
    return MentorHit(profile, MentorRating(mentor_id, 3, 4.5), 2, 1.0, slot)


def _as_json(message: tuple[str, Any]) -> str:
    said, blocks = message
    return json.dumps(
        [said, [b if isinstance(b, dict) else b.to_dict() for b in blocks]], sort_keys=True
    )


def test_equal_pages_render_alike_whatever_zone_their_times_were_written_in() -> None:
    """Pages compare equal when their times are the same instants, in
    whichever zone each was written: the message kept for one is the one the
    other would render (times are rendered from the instant, in the
    searcher's zone)."""
    starts = MONDAY + timedelta(days=1, hours=9)
    in_utc = Slot(starts, starts + timedelta(minutes=30))
    tokyo = ZoneInfo("Asia/Tokyo")
    in_tokyo = Slot(in_utc.starts_at.astimezone(tokyo), in_utc.ends_at.astimezone(tokyo))
    one = SearchPage(
        items=(_hit(1, in_utc), _hit(2, None)), number=1, has_more=True, zone="UTC", query="python"
    )
    other = replace(one, items=(_hit(1, in_tokyo), _hit(2, None)))
    assert one == other
    screens.search_message.cache_clear()
    kept = screens.search_message(one)
    assert screens.search_message(other) is kept
    fresh = (search_text("python", other), search_results("python", other, other.zone))
    assert _as_json(kept) == _as_json(fresh)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: replace(p, zone="Asia/Tokyo"), id="searcher's zone"),
        pytest.param(lambda p: replace(p, number=2), id="page"),
        pytest.param(lambda p: replace(p, has_more=False), id="more"),
        pytest.param(lambda p: replace(p, items=p.items[:1]), id="mentors"),
        pytest.param(
            lambda p: replace(p, items=(replace(p.items[0], completed_sessions=3), *p.items[1:])),
            id="completed",
        ),
        pytest.param(
            lambda p: replace(
                p, items=(replace(p.items[0], rating=MentorRating(1, 4, 4.5)), *p.items[1:])
            ),
            id="rating",
        ),
        pytest.param(
            lambda p: replace(p, items=(replace(p.items[0], next_free_slot=None), *p.items[1:])),
            id="free time",
        ),
        pytest.param(
            lambda p: replace(
                p,
                items=(
                    replace(p.items[0], profile=replace(p.items[0].profile, title="CTO")),
                    *p.items[1:],
                ),
            ),
            id="title",
        ),
    ],
)
def test_pages_that_render_differently_never_share_a_message(
    change: Callable[[SearchPage], SearchPage],
) -> None:
    starts = MONDAY + timedelta(days=1, hours=9)
    slot = Slot(starts, starts + timedelta(minutes=30))
    page = SearchPage(
        items=(_hit(1, slot), _hit(2, None)), number=1, has_more=True, zone="UTC", query="python"
    )
    changed = change(page)
    assert changed != page
    screens.search_message.cache_clear()
    assert _as_json(screens.search_message(page)) != _as_json(screens.search_message(changed))
    for shown in (page, changed):
        fresh = (search_text("python", shown), search_results("python", shown, shown.zone))
        assert _as_json(screens.search_message(shown)) == _as_json(fresh)


# --- through Bolt over HTTP, signed as Slack signs ------------------------------

TABLES = (
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "notifications",
    "feedback",
)


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }


def _answers(h: Harness, mark: int) -> list[Call]:
    """Everything the bot sent since `mark`, once it has finished."""
    h.settle()
    return h.since(mark)


def _settled_mark(h: Harness) -> int:
    """A place in the call record once the bot has finished what came before."""
    h.settle()
    return h.mark()


def _only_reply(h: Harness, mark: int, user: str) -> Call:
    sent = _answers(h, mark)
    assert not any(is_apology(str(call.params.get("text") or "")) for call in sent), sent
    [reply] = [call for call in sent if call.method in ("response_url", "chat.postMessage")]
    whose = h.reply_to(reply)
    assert whose is None or whose[0] == user
    return reply


def _paging_refs(reply: Call) -> dict[str, SearchPageRef]:
    return {
        button["text"]["text"]: SearchPageRef.model_validate_json(button["value"])
        for block in reply.blocks()
        for button in block.get("elements", [])
        if button.get("action_id") == Action.SEARCH_PAGE
    }


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('{"query": "python", "page": 0}', id="page 0"),
        pytest.param('{"query": "python", "page": -1}', id="page -1"),
        pytest.param('{"query": "python", "page": 1001}', id="page 1001"),
        pytest.param(
            '{"query": "python", "page": 1000000000000000000000000000000}', id="page 1e30"
        ),
        pytest.param('{"query": "python", "page": 9223372036854775808}', id="page 2**63"),
        pytest.param('{"query": "python", "page": 2.5}', id="page 2.5"),
        pytest.param('{"query": "python", "page": null}', id="page null"),
        pytest.param('{"query": "python", "page": "many"}', id="page many"),
        pytest.param('{"query": "python"}', id="no page"),
        pytest.param('{"query": "python", "page": 2, "offset": 9}', id="an extra field"),
        pytest.param(json.dumps({"query": "p" * 201, "page": 1}), id="query of 201"),
        pytest.param('{"query": ["python"], "page": 1}', id="query not text"),
        pytest.param('{"query": "python", "page": 1', id="not JSON"),
        pytest.param("", id="empty"),
    ],
)
def test_a_search_page_button_out_of_range_or_tampered_with_is_refused_plainly(
    h: Harness, owner_engine: Engine, value: str
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    assert h.click("UBEN", Action.SEARCH_PAGE, value).status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert reply.text().strip() == STALE
    assert _rows(owner_engine) == before


def test_the_last_page_a_button_may_ask_for_says_that_is_everyone(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    last = SearchPageRef(query="python", page=1000).encode()
    assert h.click("UBEN", Action.SEARCH_PAGE, last).status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert "That's everyone" in reply.text()
    assert reply.params.get("replace_original") is True
    assert _paging_refs(reply) == {"Previous": SearchPageRef(query="python", page=999)}
    assert _rows(owner_engine) == before


def test_a_query_at_the_length_limit_is_searched_and_one_over_it_is_refused_plainly(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    longest = "python " + "a" * (MAX_QUERY - len("python "))
    assert len(longest) == MAX_QUERY
    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {longest}").status == 200
    found = _only_reply(h, mark, "UBEN")
    assert "Maya Patel" in found.text()

    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {longest}b").status == 200
    refused = _only_reply(h, mark, "UBEN")
    assert f"at most {MAX_QUERY} characters (you entered {MAX_QUERY + 1})" in refused.text()
    assert "Maya Patel" not in refused.text()
    assert _rows(owner_engine) == before


def test_queries_alike_in_their_first_eight_words_share_one_listing_and_keep_their_titles(
    h: Harness,
) -> None:
    """Only the first eight words are searched for (`MAX_WORDS`): queries
    that differ after them find the same mentors, from one listing."""
    mentor_and_mentee(h)
    first = "python a b c d e f g one"
    second = "python a b c d e f g two"
    assert len(first.split()) > MAX_WORDS
    with directory_searches(h.bot.engine) as searched:
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {first}").status == 200
        for_first = _only_reply(h, mark, "UBEN")
        mark = _settled_mark(h)
        assert h.command("UBEN", f"find {second}").status == 200
        for_second = _only_reply(h, mark, "UBEN")
    assert len(searched) == 1
    assert "Maya Patel" in for_first.text()
    assert "Maya Patel" in for_second.text()
    assert f"“{first}”" in for_first.text()
    assert f"“{second}”" in for_second.text()
    assert f"“{first}”" not in for_second.text()


@pytest.mark.parametrize(
    ("query", "finds_maya"),
    [
        pytest.param("ＰＹＴＨＯＮ", True, id="full width"),
        pytest.param("Pýthön", True, id="accents"),
        pytest.param("PYTHON", True, id="capitals"),
        pytest.param("py\u0301thon", True, id="a combining accent"),
        pytest.param("\u202epython\u202c", True, id="right to left override"),
        pytest.param("python \U0001f40d", True, id="with an emoji"),
        pytest.param("ruby", False, id="nobody"),
    ],
)
def test_queries_in_any_script_are_answered_plainly(
    h: Harness, owner_engine: Engine, query: str, finds_maya: bool
) -> None:
    mentor_and_mentee(h)
    before = _rows(owner_engine)
    mark = _settled_mark(h)
    assert h.command("UBEN", f"find {query}").status == 200
    reply = _only_reply(h, mark, "UBEN")
    assert ("Maya Patel" in reply.text()) is finds_maya
    if not finds_maya:
        assert "No mentors match" in reply.text()
    assert _rows(owner_engine) == before


def test_the_message_a_crowd_shares_reaches_each_of_them_unchanged(h: Harness) -> None:
    """Two searchers in the same zone see the same page: the second gets the
    first's message (its blocks the very same objects), and nothing on the
    way to Slack (Bolt's respond, the webhook client) changes them."""
    mentor_and_mentee(h)
    ben_zone = h.slack.users["UBEN"].tz
    h.slack.add_user("UDEV", "Dev Rao", ben_zone, "Analyst")
    screens.search_message.cache_clear()
    replies = []
    for user in ("UBEN", "UDEV", "UBEN"):
        mark = _settled_mark(h)
        assert h.command(user, "find python").status == 200
        replies.append(_only_reply(h, mark, user))
    assert screens.search_message.cache_info().hits == 2
    assert screens.search_message.cache_info().currsize == 1
    blocks = [reply.blocks() for reply in replies]
    assert blocks[0] == blocks[1] == blocks[2]
    assert "Maya Patel" in replies[0].text()
    # The kept message is still what rendering the page afresh gives.
    deps = h.bot.deps
    page = find_mentors(deps.uow("T1", "UDEV"), deps.clock, query="python")
    kept = screens.search_message(page)
    assert screens.search_message.cache_info().hits == 3
    fresh = (search_text("python", page), search_results("python", page, page.zone))
    assert _as_json(kept) == _as_json(fresh)
    assert json.loads(_as_json(kept))[1] == blocks[0]
