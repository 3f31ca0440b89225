"""A recurring series' request answered with one click from the mentor's DM:
Accept all and Decline all. The DM then shows where each session stands."""

from __future__ import annotations

from domain.series import accept_series, decline_series
from domain.sessions import Outcome
from handlers.click import Click, action
from handlers.ids import Action
from handlers.metadata import SeriesRef
from handlers.render.series import series_outcome


@action(Action.ACCEPT_SERIES, on_session_dm=True)
def handle_action_accept_series(click: Click) -> None:
    """Accept the sessions still at the times the clicked message listed."""
    ref = click.carried(SeriesRef)
    done = accept_series(click.uow(), click.deps.clock, series_id=ref.series_id, seen=ref.seen())
    _answered(click, done, "accepted")


@action(Action.DECLINE_SERIES, on_session_dm=True)
def handle_action_decline_series(click: Click) -> None:
    ref = click.carried(SeriesRef)
    done = decline_series(click.uow(), click.deps.clock, series_id=ref.series_id)
    _answered(click, done, "declined")


def _answered(click: Click, done: Outcome, verb: str) -> None:
    if click.in_message:
        me = click.me
        text, blocks = series_outcome(
            done.series,
            actor_name=me.name,
            outcome="already" if done.already else verb,
            zone=me.zone,
            now=click.deps.clock.now(),
        )
        click.respond(text=text, blocks=blocks, replace_original=True)
    click.changed(done.notices)
