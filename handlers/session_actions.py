"""Buttons on a session, in its DMs and on the Home tab: the one-click changes
(accept, start, no-show), the modals that ask for more (decline, cancel,
complete, feedback, reschedule), and the link to join."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.lookups import move_options, session_view
from domain.sessions import Outcome, accept, mark_no_show, start
from handlers.click import Click, Handler, listener
from handlers.context import after_change, ensure_known
from handlers.ids import Action
from handlers.metadata import SessionRef
from handlers.render.booking import reschedule_modal
from handlers.render.notifications import dm_outcome
from handlers.render.session_modals import (
    cancel_modal,
    complete_modal,
    decline_modal,
    feedback_modal,
)


def _transition(click: Click, change: Callable[..., Outcome], verb: str) -> None:
    ref = click.carried(SessionRef)
    uow = click.uow()
    outcome = change(uow, click.deps.clock, session_id=ref.session_id)
    me = ensure_known(click.deps, click.client, click.person)
    if click.in_message:
        label = f"already {verb}" if outcome.already else verb
        text, blocks = dm_outcome(
            outcome.session, actor_name=me.display_name, outcome=label, zone=me.time_zone
        )
        click.respond(text=text, blocks=blocks, replace_original=True)
    after_change(click.deps, uow, click.person)


def _accept(click: Click) -> None:
    _transition(click, accept, "accepted")


def _start(click: Click) -> None:
    _transition(click, start, "started")


def _no_show(click: Click) -> None:
    _transition(click, mark_no_show, "marked as a no-show")


def _session_modal(click: Click, render: Callable[..., Any]) -> None:
    ref = click.carried(SessionRef)

    def build() -> Any:
        view = session_view(click.uow(), session_id=ref.session_id)
        metadata = click.message_ref(ref.session_id)
        return render(view.session, view.other, view.me.time_zone, metadata)

    click.open(build)


def _decline(click: Click) -> None:
    _session_modal(click, decline_modal)


def _cancel(click: Click) -> None:
    _session_modal(click, cancel_modal)


def _complete(click: Click) -> None:
    _session_modal(click, complete_modal)


def _feedback(click: Click) -> None:
    _session_modal(click, feedback_modal)


def _reschedule(click: Click) -> None:
    ref = click.carried(SessionRef)

    def build() -> Any:
        view, slots = move_options(
            click.uow(), click.deps.clock, session_id=ref.session_id, policy=click.deps.policy
        )
        metadata = click.message_ref(ref.session_id)
        return reschedule_modal(view.session, view.other, slots, view.me.time_zone, metadata)

    click.open(build)


def _join(click: Click) -> None:
    """A link button: Slack opens the URL; the click itself needs no work."""


LISTENERS: dict[Action, Handler] = {
    Action.ACCEPT: listener(_accept, on_session_dm=True),
    Action.DECLINE: listener(_decline, opens_modal=True),
    Action.CANCEL: listener(_cancel, opens_modal=True),
    Action.RESCHEDULE: listener(_reschedule, opens_modal=True),
    Action.START: listener(_start, on_session_dm=True),
    Action.COMPLETE: listener(_complete, opens_modal=True),
    Action.NO_SHOW: listener(_no_show, on_session_dm=True),
    Action.LEAVE_FEEDBACK: listener(_feedback, opens_modal=True),
    Action.JOIN: listener(_join),
}
