"""`/mentor find` results: cards, paging, Slack's 50-block limit, empty states."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.model import MentorHit, MentorRating, Page, Profile, Slot
from handlers.ids import Action
from handlers.metadata import MentorRef, SearchPageRef
from handlers.render.search import search_results, search_text
from tests.dates import MONDAY
from tests.handlers.samples import as_text, buttons, dump

FREE = MONDAY + timedelta(days=1, hours=23, minutes=30)  # Tuesday 23:30 UTC


def hit(number: int, *, free: bool = True, **profile: Any) -> MentorHit:
    fields: dict[str, Any] = {
        "display_name": f"Mentor {number}",
        "title": "Engineer",
        "department": "Platform",
        "is_mentor": True,
        "expertise": ("python", "sql"),
        **profile,
    }
    person = Profile(id=number, workspace_id="T1", slack_user_id=f"U{number}", **fields)
    slot = Slot(FREE, FREE + timedelta(minutes=30)) if free else None
    return MentorHit(
        profile=person,
        rating=MentorRating(mentor_id=number, count=4, average=4.5),
        completed_sessions=number,
        score=1.0,
        next_free_slot=slot,
    )


def paging(blocks: list[dict[str, Any]]) -> dict[str, SearchPageRef]:
    return {
        b["text"]["text"]: SearchPageRef.model_validate_json(b["value"])
        for b in buttons(blocks)
        if b["action_id"] == Action.SEARCH_PAGE
    }


ALL_HITS = [hit(number) for number in range(1, 101)]


def page_of(number: int, size: int = 25) -> Page[MentorHit]:
    items = tuple(ALL_HITS[(number - 1) * size : number * size])
    return Page(items=items, number=number, has_more=number * size < len(ALL_HITS))


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_a_hundred_mentors_in_pages_of_25_each_fit_one_message(number: int) -> None:
    blocks = dump(search_results("python", page_of(number), "UTC"))
    assert len(blocks) <= 50
    text = as_text(blocks)
    for person in page_of(number).items:
        assert f"*{person.profile.display_name}*" in text
    expected = {}
    if number > 1:
        expected["Previous"] = SearchPageRef(query="python", page=number - 1)
    if number < 4:
        expected["Next"] = SearchPageRef(query="python", page=number + 1)
    assert paging(blocks) == expected


def test_a_full_page_still_lets_people_book_each_mentor_with_free_time() -> None:
    page = Page(items=(hit(1), hit(2, free=False), *ALL_HITS[2:25]), number=1, has_more=True)
    blocks = dump(search_results("", page, "UTC"))
    assert len(blocks) <= 50
    by_value = {(b["action_id"], b["value"]) for b in buttons(blocks)}
    assert (Action.BOOK, MentorRef(mentor_id=1).encode()) in by_value
    assert (Action.VIEW_PROFILE, MentorRef(mentor_id=2).encode()) in by_value
    assert (Action.BOOK, MentorRef(mentor_id=2).encode()) not in by_value


def test_a_small_page_gives_each_mentor_a_card_with_view_profile_and_book() -> None:
    page = Page(items=(hit(1), hit(2)), number=1, has_more=False)
    blocks = dump(search_results("python", page, "UTC"))
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "actions",
        "divider",
        "section",
        "actions",
    ]
    first = blocks[2]["elements"]
    assert [(b["action_id"], b["value"]) for b in first] == [
        (Action.VIEW_PROFILE, MentorRef(mentor_id=1).encode()),
        (Action.BOOK, MentorRef(mentor_id=1).encode()),
    ]
    assert first[1]["style"] == "primary"
    assert paging(blocks) == {}


def test_a_card_shows_who_the_mentor_is_their_rating_and_next_free_time() -> None:
    page = Page(items=(hit(3),), number=1, has_more=False)
    card = dump(search_results("python", page, "Asia/Kolkata"))[1]["text"]["text"]
    assert card.startswith("*Mentor 3*\nEngineer · Platform\n")
    assert "python, sql" in card
    assert "★★★★☆ 4.5 (4)" in card
    assert "3 sessions completed" in card
    assert f"Next free: <!date^{int(FREE.timestamp())}^" in card
    assert f"{FREE + timedelta(days=1):%a %-d %b}, 05:00 (Asia/Kolkata)" in card  # Wednesday


def test_a_mentor_without_free_time_has_no_book_button_and_says_why() -> None:
    page = Page(items=(hit(1, free=False),), number=1, has_more=False)
    blocks = dump(search_results("python", page, "UTC"))
    assert "No free time in the next 14 days" in as_text(blocks)
    assert [b["action_id"] for b in buttons(blocks)] == [Action.VIEW_PROFILE]


def test_the_header_names_the_search_or_says_all_mentors() -> None:
    one = Page(items=(hit(1),), number=1, has_more=False)
    assert dump(search_results("python", one, "UTC"))[0]["text"]["text"] == (
        "Mentors matching “python”"
    )
    assert dump(search_results("  ", one, "UTC"))[0]["text"]["text"] == "All mentors"
    later = Page(items=(hit(1),), number=2, has_more=False)
    assert dump(search_results("", later, "UTC"))[0]["text"]["text"] == "All mentors · page 2"


def test_what_people_typed_is_escaped_in_cards() -> None:
    sneaky = hit(1, display_name="<!channel>", department="R&D", expertise=("<@U1>",))
    page = Page(items=(sneaky,), number=1, has_more=False)
    card = dump(search_results("x", page, "UTC"))[1]["text"]["text"]
    assert "*&lt;!channel&gt;*" in card
    assert "R&amp;D" in card
    assert "&lt;@U1&gt;" in card
    assert "<!channel>" not in card


def test_no_matches_suggests_another_word_or_seeing_everyone() -> None:
    empty: Page[MentorHit] = Page(items=(), number=1, has_more=False)
    blocks = dump(search_results("<b>cobol</b>", empty, "UTC"))
    text = as_text(blocks)
    assert "No mentors match “&lt;b&gt;cobol&lt;/b&gt;”" in text
    assert "Try another word, or `/mentor find` to see everyone." in text
    assert buttons(blocks) == []


def test_a_programme_without_mentors_invites_the_first_one() -> None:
    empty: Page[MentorHit] = Page(items=(), number=1, has_more=False)
    assert "`/mentor signup mentor`" in as_text(dump(search_results("", empty, "UTC")))


def test_an_empty_later_page_offers_the_way_back() -> None:
    empty: Page[MentorHit] = Page(items=(), number=3, has_more=False)
    blocks = dump(search_results("python", empty, "UTC"))
    assert "no more mentors" in as_text(blocks)
    assert paging(blocks) == {"Previous": SearchPageRef(query="python", page=2)}


def test_a_long_query_still_fits_in_the_paging_button() -> None:
    page = Page(items=(hit(1),), number=1, has_more=True)
    blocks = dump(search_results("x" * 250, page, "UTC"))
    assert paging(blocks)["Next"] == SearchPageRef(query="x" * 200, page=2)


def test_the_plain_fallback_counts_the_mentors_shown() -> None:
    two = Page(items=(hit(1), hit(2)), number=1, has_more=False)
    assert search_text("python", two) == "2 mentors matching “python”"
    more = Page(items=(hit(1),), number=2, has_more=True)
    assert search_text("", more) == "1 mentor, page 2"
    empty: Page[MentorHit] = Page(items=(), number=1, has_more=False)
    assert search_text("cobol", empty) == (
        "No mentors match “cobol”. Try another word, or /mentor find to see everyone."
    )
