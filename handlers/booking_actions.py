"""Finding a mentor and asking for their time: the next page of search
results, a mentor's profile, and the booking modal (also as Book again
opens it, from a completed session's DM)."""

from __future__ import annotations

from handlers import screens
from handlers.click import Click, action
from handlers.ids import Action
from handlers.metadata import FollowUpRef, MentorRef, SearchPageRef


@action(Action.BOOK, opens_modal=True)
def handle_action_book(click: Click) -> None:
    ref = click.carried(MentorRef)
    click.open(
        lambda: screens.booking(
            click.acting, click.deps, mentor_id=ref.mentor_id, chosen=ref.chosen()
        )
    )


@action(Action.BOOK_AGAIN, opens_modal=True)
def handle_action_book_again(click: Click) -> None:
    ref = click.carried(FollowUpRef)
    click.open(lambda: screens.book_again(click.acting, click.deps, ref))


@action(Action.VIEW_PROFILE, opens_modal=True)
def handle_action_view_profile(click: Click) -> None:
    ref = click.carried(MentorRef)
    click.open(lambda: screens.mentor_profile(click.acting, mentor_id=ref.mentor_id))


@action(Action.SEARCH_PAGE)
def handle_action_search_page(click: Click) -> None:
    ref = click.carried(SearchPageRef)
    text, blocks = screens.search(click.acting, click.deps, query=ref.query, page=ref.page)
    click.respond(text=text, blocks=blocks, replace_original=True)
