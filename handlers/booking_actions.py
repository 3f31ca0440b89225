"""Finding a mentor and asking for their time: the next page of search
results, a mentor's profile, and the booking modal."""

from __future__ import annotations

from typing import Any

from domain.lookups import booking_options, mentor_card
from domain.search import find_mentors
from handlers.click import Click, Handler, listener
from handlers.context import ensure_known
from handlers.ids import Action
from handlers.metadata import MentorRef, SearchPageRef
from handlers.render.booking import booking_modal
from handlers.render.profile import profile_modal
from handlers.render.search import search_results, search_text


def _book(click: Click) -> None:
    ref = click.carried(MentorRef)

    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        mentor, slots = booking_options(
            click.uow(), click.deps.clock, mentor_id=ref.mentor_id, policy=click.deps.policy
        )
        return booking_modal(mentor, slots, me.time_zone, MentorRef(mentor_id=mentor.id).encode())

    click.open(build)


def _view_profile(click: Click) -> None:
    ref = click.carried(MentorRef)

    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        card = mentor_card(click.uow(), mentor_id=ref.mentor_id)
        return profile_modal(
            card.profile,
            card.rating,
            card.completed,
            card.feedback,
            card.authors,
            me.time_zone,
            can_book=card.can_book,
        )

    click.open(build)


def _search_page(click: Click) -> None:
    ref = click.carried(SearchPageRef)
    me = ensure_known(click.deps, click.client, click.person)
    page = find_mentors(
        click.uow(), click.deps.clock, query=ref.query, page=ref.page, policy=click.deps.policy
    )
    click.respond(
        text=search_text(ref.query, page),
        blocks=search_results(ref.query, page, me.time_zone),
        replace_original=True,
    )


LISTENERS: dict[Action, Handler] = {
    Action.BOOK: listener(_book, opens_modal=True),
    Action.VIEW_PROFILE: listener(_view_profile, opens_modal=True),
    Action.SEARCH_PAGE: listener(_search_page),
}
