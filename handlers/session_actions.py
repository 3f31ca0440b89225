"""Buttons on a session, in its DMs and on the Home tab: the one-click changes
(accept, start, no-show), the modals that ask for more (decline, cancel,
complete, feedback, reschedule), and the link to join."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.views import View

from domain.lookups import move_options, session_view
from domain.model import Profile, Session
from domain.sessions import Outcome, accept, mark_no_show, start
from handlers.click import Click, action
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

Change = Callable[..., Outcome]
SessionModal = Callable[[Session, Profile, str, str], View]


def _transition(click: Click, change: Change, verb: str, *, as_seen: bool = False) -> None:
    """`as_seen`: the change commits the clicker to the session's time, so the
    use case gets the time the clicked message showed."""
    ref = click.carried(SessionRef)
    arguments = {"seen": ref.seen()} if as_seen else {}
    outcome = change(click.uow(), click.deps.clock, session_id=ref.session_id, **arguments)
    if click.in_message:
        me = click.me
        label = f"already {verb}" if outcome.already else verb
        text, blocks = dm_outcome(outcome.session, actor_name=me.name, outcome=label, zone=me.zone)
        click.respond(text=text, blocks=blocks, replace_original=True)
    click.changed(outcome.notices)


@action(Action.ACCEPT, on_session_dm=True)
def handle_action_accept(click: Click) -> None:
    """Accept at the time the clicked message showed: refused once the request
    has moved (the message is replaced by where it went)."""
    _transition(click, accept, "accepted", as_seen=True)


@action(Action.START, on_session_dm=True)
def handle_action_start(click: Click) -> None:
    _transition(click, start, "started")


@action(Action.NO_SHOW, on_session_dm=True)
def handle_action_no_show(click: Click) -> None:
    _transition(click, mark_no_show, "marked as a no-show")


def _session_modal(click: Click, render: SessionModal) -> None:
    ref = click.carried(SessionRef)

    def build() -> View:
        view = session_view(click.uow(), session_id=ref.session_id)
        metadata = click.message_ref(ref.session_id)
        return render(view.session, view.other, view.me.time_zone, metadata)

    click.open(build)


@action(Action.DECLINE, opens_modal=True)
def handle_action_decline(click: Click) -> None:
    _session_modal(click, decline_modal)


@action(Action.CANCEL, opens_modal=True)
def handle_action_cancel(click: Click) -> None:
    _session_modal(click, cancel_modal)


@action(Action.COMPLETE, opens_modal=True)
def handle_action_complete(click: Click) -> None:
    _session_modal(click, complete_modal)


@action(Action.LEAVE_FEEDBACK, opens_modal=True)
def handle_action_leave_feedback(click: Click) -> None:
    _session_modal(click, feedback_modal)


@action(Action.RESCHEDULE, opens_modal=True)
def handle_action_reschedule(click: Click) -> None:
    ref = click.carried(SessionRef)

    def build() -> View:
        view, slots = move_options(
            click.uow(), click.deps.clock, session_id=ref.session_id, policy=click.acting.policy
        )
        metadata = click.message_ref(ref.session_id)
        return reschedule_modal(view.session, view.other, slots, view.me.time_zone, metadata)

    click.open(build)


@action(Action.JOIN)
def handle_action_join(click: Click) -> None:
    """A link button: Slack opens the URL; the click itself needs no work."""
