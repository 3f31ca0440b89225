"""Buttons on a session, in its DMs and on the Home tab: the one-click changes
(accept, start, no-show), the modals that ask for more (decline, cancel,
complete, feedback, reschedule), and the links: to join, and to add the
session to a calendar."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.views import View

from domain.lookups import SessionView, move_options, session_view
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
# A modal built from the session as its viewer sees it, and the metadata it carries.
ViewModal = Callable[[SessionView, str], View]


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


def _session_modal(click: Click, render: ViewModal) -> None:
    ref = click.carried(SessionRef)

    def build() -> View:
        view = session_view(click.uow(), session_id=ref.session_id)
        return render(view, click.message_ref(ref.session_id))

    click.open(build)


def _about(render: SessionModal) -> ViewModal:
    """A modal about the session and the other person, in the viewer's zone."""
    return lambda view, metadata: render(view.session, view.other, view.me.time_zone, metadata)


def _feedback(view: SessionView, metadata: str) -> View:
    """The mentee's also asks where the session's goal stands now."""
    return feedback_modal(view.session, view.other, view.me.time_zone, metadata, goal=view.my_goal)


@action(Action.DECLINE, opens_modal=True)
def handle_action_decline(click: Click) -> None:
    _session_modal(click, _about(decline_modal))


@action(Action.CANCEL, opens_modal=True)
def handle_action_cancel(click: Click) -> None:
    _session_modal(click, _about(cancel_modal))


@action(Action.COMPLETE, opens_modal=True)
def handle_action_complete(click: Click) -> None:
    _session_modal(click, _about(complete_modal))


@action(Action.LEAVE_FEEDBACK, opens_modal=True)
def handle_action_leave_feedback(click: Click) -> None:
    _session_modal(click, _feedback)


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


# The calendar file's link buttons: Slack opens the calendar's page and still
# sends the click, which is acked like Join's, or the person sees an error mark.
@action(Action.ADD_TO_GOOGLE_CALENDAR)
def handle_action_add_to_google_calendar(click: Click) -> None:
    """A link button: Slack opens Google Calendar's "create event" page."""


@action(Action.ADD_TO_OUTLOOK)
def handle_action_add_to_outlook(click: Click) -> None:
    """A link button: Slack opens Outlook's "compose event" page."""
