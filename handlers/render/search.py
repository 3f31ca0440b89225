"""`/mentor find`: a page of mentors, each with their next free time."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement

from domain.model import MentorHit, Page
from domain.policy import DEFAULT_POLICY
from handlers.ids import Action
from handlers.metadata import MentorRef, SearchPageRef
from handlers.render.common import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    divider,
    escape,
    header,
    section,
    slack_time,
    stars,
)

_MAX_QUERY = 200  # what SearchPageRef carries
_LAST_PAGE = 1000
_HORIZON_DAYS = DEFAULT_POLICY.horizon.days


def _quoted(query: str) -> str:
    return f"“{query.strip()}”"


def _title(query: str, page: Page[MentorHit]) -> str:
    title = f"Mentors matching {_quoted(query)}" if query.strip() else "All mentors"
    if page.number > 1 or page.has_more:
        title += f" · page {page.number}"
    return title


def _card_text(hit: MentorHit, viewer_zone: str) -> str:
    person = hit.profile
    lines = [f"*{escape(person.display_name)}*"]
    role_line = " · ".join(escape(part) for part in (person.title, person.department) if part)
    if role_line:
        lines.append(role_line)
    if person.expertise:
        lines.append("Can help with: " + ", ".join(escape(tag) for tag in person.expertise))
    done = hit.completed_sessions
    lines.append(
        f"{stars(hit.rating.average, hit.rating.count)}"
        f" · {done} session{'' if done == 1 else 's'} completed"
    )
    if hit.next_free_slot is not None:
        lines.append(f"Next free: {slack_time(hit.next_free_slot.starts_at, viewer_zone)}")
    else:
        lines.append(f"No free time in the next {_HORIZON_DAYS} days")
    return "\n".join(lines)


def _view_button(hit: MentorHit) -> ButtonElement:
    return button("View profile", Action.VIEW_PROFILE, MentorRef(mentor_id=hit.profile.id).encode())


def _book_button(hit: MentorHit) -> ButtonElement:
    ref = MentorRef(mentor_id=hit.profile.id).encode()
    return button("Book", Action.BOOK, ref, style="primary")


def _full_card(hit: MentorHit, viewer_zone: str) -> list[Block]:
    """A section and a row of buttons: View profile, and Book when there is free time."""
    buttons = [_view_button(hit)]
    if hit.next_free_slot is not None:
        buttons.append(_book_button(hit))
    return [section(_card_text(hit, viewer_zone)), actions(*buttons)]


def _compact_card(hit: MentorHit, viewer_zone: str) -> list[Block]:
    """One block: the section carries Book (or View profile when there is no free time)."""
    accessory = _book_button(hit) if hit.next_free_slot is not None else _view_button(hit)
    return [section(_card_text(hit, viewer_zone), accessory=accessory)]


def _paging(query: str, page: Page[MentorHit]) -> list[Block]:
    query = query.strip()[:_MAX_QUERY]
    buttons: list[ButtonElement] = []
    if page.number > 1:
        ref = SearchPageRef(query=query, page=min(page.number - 1, _LAST_PAGE))
        buttons.append(button("Previous", Action.SEARCH_PAGE, ref.encode()))
    if page.has_more and page.number < _LAST_PAGE:
        ref = SearchPageRef(query=query, page=page.number + 1)
        buttons.append(button("Next", Action.SEARCH_PAGE, ref.encode()))
    return [actions(*buttons)] if buttons else []


def _cards(hits: tuple[MentorHit, ...], viewer_zone: str, budget: int) -> list[Block]:
    """The roomiest layout that fits in `budget` blocks."""
    full = [_full_card(hit, viewer_zone) for hit in hits]
    with_dividers: list[Block] = []
    for card in full:
        with_dividers += [divider(), *card] if with_dividers else card
    if len(with_dividers) <= budget:
        return with_dividers
    plain = [block for card in full for block in card]
    if len(plain) <= budget:
        return plain
    return [block for hit in hits for block in _compact_card(hit, viewer_zone)]


def _empty_text(query: str, page: Page[MentorHit]) -> str:
    """Plain text but for `code` marks; escape it before it goes into mrkdwn."""
    if page.number > 1:
        return "That's everyone — there are no more mentors to show. Go back for the earlier ones."
    if query.strip():
        return (
            f"No mentors match {_quoted(query)}."
            " Try another word, or `/mentor find` to see everyone."
        )
    return (
        "There are no mentors yet. Know something worth sharing?"
        " `/mentor signup mentor` makes you the first."
    )


def search_results(query: str, page: Page[MentorHit], viewer_zone: str) -> list[Block]:
    """A message of at most 50 blocks, even for a page of 25 mentors."""
    paging = _paging(query, page)
    if not page.items:
        return [section(escape(_empty_text(query, page))), *paging]
    budget = MAX_MESSAGE_BLOCKS - 1 - len(paging)
    return [header(_title(query, page)), *_cards(page.items, viewer_zone, budget), *paging]


def search_text(query: str, page: Page[MentorHit]) -> str:
    """The plain fallback for notifications and screen readers."""
    count = len(page.items)
    if not count:
        return _empty_text(query, page).replace("`", "")
    mentors = f"{count} mentor{'' if count == 1 else 's'}"
    where = f" matching {_quoted(query)}" if query.strip() else ""
    on_page = f", page {page.number}" if page.number > 1 or page.has_more else ""
    return f"{mentors}{where}{on_page}"
