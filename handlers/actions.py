"""Buttons and selects: in DMs, ephemeral messages, the App Home and modals.

Each listener acks first, decodes the identifiers the element carries (anything
tampered with gets a polite refusal), runs one use case as the person who
clicked, and shows the result where the click happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.analytics import dashboard
from domain.availability import (
    my_schedule,
    remove_extra_slot,
    remove_time_off,
    remove_weekly_slot,
)
from domain.errors import Conflict, DomainError
from domain.lookups import booking_options, mentor_card, move_options, session_view
from domain.membership import leave_programme, step_down_as_mentor
from domain.notifications import mark_all_read, mark_read, notifications_page, unread_count
from domain.search import find_mentors
from domain.sessions import Outcome, accept, mark_no_show, start
from handlers import outcome
from handlers.context import HandlerDeps, Who, after_change, ensure_known, who
from handlers.exports import send_mentor_csv
from handlers.ids import Action
from handlers.metadata import (
    Carried,
    MentorRef,
    NotificationRef,
    PageRef,
    PeriodRef,
    SearchPageRef,
    SessionMessageRef,
    SessionRef,
    SlotRef,
    decode,
)
from handlers.modals import open_modal
from handlers.render.availability import availability_modal
from handlers.render.booking import booking_modal, reschedule_modal
from handlers.render.notifications import dm_outcome, notifications_blocks
from handlers.render.profile import profile_modal
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)
from handlers.render.search import search_results, search_text
from handlers.render.session_modals import (
    cancel_modal,
    complete_modal,
    decline_modal,
    feedback_modal,
)
from handlers.render.stats import dashboard_blocks, dashboard_text
from handlers.zones import zone_options

STALE = "That button no longer works. Please use the latest message or the Home tab."
M = TypeVar("M", bound=Carried)


class Click:
    """One interaction: who clicked, where, and what the element carried."""

    def __init__(
        self, body: dict[str, Any], client: WebClient, respond: Respond, deps: HandlerDeps
    ) -> None:
        self.body, self.client, self.respond, self.deps = body, client, respond, deps
        self.person: Who = who(body)
        action = (body.get("actions") or [{}])[0]
        self.value = action.get("value") or (action.get("selected_option") or {}).get("value")
        container = body.get("container") or {}
        self.in_message = container.get("type") == "message"
        self.in_modal = (body.get("view") or {}).get("type") == "modal"
        self.channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        self.ts = container.get("message_ts")

    def carried(self, model: type[M]) -> M:
        found = decode(model, self.value)
        if found is None:
            raise DomainError(STALE)
        return found

    def uow(self) -> Any:
        return self.deps.uow(self.person.team_id, self.person.user_id)

    def tell(self, text: str) -> None:
        """A short private answer where the person clicked."""
        if self.in_message and self.body.get("response_url"):
            self.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            self.client.chat_postMessage(channel=self.person.user_id, text=text)

    def open(self, build: Callable[[], Any]) -> None:
        """Open a modal, or stack it on the modal the click came from."""
        open_modal(self.client, self.body["trigger_id"], build, push=self.in_modal)

    def message_ref(self, session_id: int) -> str:
        channel, ts = (self.channel, self.ts) if self.in_message else (None, None)
        return SessionMessageRef(session_id=session_id, channel=channel, ts=ts).encode()


Listener = Callable[[Click], None]


def listener(run: Listener) -> Callable[..., None]:
    """Ack, then run; a refusal becomes a message to the person who clicked."""

    def handle(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]
    ) -> None:
        ack()
        click = Click(body, client, respond, context["deps"])
        try:
            if run not in OPENS_MODAL:
                # A modal's builder identifies the person after the modal is open.
                ensure_known(click.deps, client, click.person)
            run(click)
        except Conflict as error:
            outcome.refused(error)
            if click.in_message and _is_session_dm(run):
                # A stale DM button (someone acted first): replace the message, so it
                # cannot be clicked again.
                click.respond(text=error.message, replace_original=True)
            else:
                click.tell(error.message)
        except DomainError as error:
            outcome.refused(error)
            click.tell(error.message)

    handle.__name__ = f"handle_action_{run.__name__.lstrip('_')}"
    return handle


def _is_session_dm(run: Listener) -> bool:
    return run in (_accept, _start, _no_show)


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


def _signup_mentor(click: Click) -> None:
    _profile_form(click, mentor_signup_modal)


def _signup_mentee(click: Click) -> None:
    _profile_form(click, mentee_signup_modal)


def _edit_profile(click: Click) -> None:
    _profile_form(click, edit_profile_modal)


def _profile_form(click: Click, render: Callable[..., Any]) -> None:
    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        return render(me, zone_options=zone_options(me.time_zone))

    click.open(build)


def _open_availability(click: Click) -> None:
    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        return availability_modal(my_schedule(click.uow()), me.time_zone, me.session_minutes)

    click.open(build)


def _leaving(click: Click, leave: Callable[..., list[Any]], done: str) -> None:
    uow = click.uow()
    cancelled = leave(uow, click.deps.clock)
    if cancelled:
        done += f" {len(cancelled)} upcoming sessions were cancelled and the other side told."
    click.tell(done)
    after_change(click.deps, uow, click.person)


def _step_down(click: Click) -> None:
    _leaving(click, step_down_as_mentor, "You are no longer a mentor.")


def _leave_programme(click: Click) -> None:
    _leaving(
        click,
        leave_programme,
        "You have left the mentorship programme. `/mentor signup` brings you back.",
    )


def _remover(remove: Callable[..., Any], key: str) -> Listener:
    def run(click: Click) -> None:
        ref = click.carried(SlotRef)
        me = ensure_known(click.deps, click.client, click.person)
        schedule = remove(click.uow(), **{key: ref.row_id})
        view_id = (click.body.get("view") or {}).get("id")
        click.client.views_update(
            view_id=view_id, view=availability_modal(schedule, me.time_zone, me.session_minutes)
        )

    run.__name__ = remove.__name__
    return run


def _mark_read(click: Click) -> None:
    ref = click.carried(NotificationRef)
    mark_read(click.uow(), click.deps.clock, notification_id=ref.notification_id)
    _show_notifications(click, page=1)


def _mark_all_read(click: Click) -> None:
    mark_all_read(click.uow(), click.deps.clock)
    _show_notifications(click, page=1)


def _notifications_page(click: Click) -> None:
    _show_notifications(click, page=click.carried(PageRef).page)


def _show_notifications(click: Click, *, page: int) -> None:
    if click.in_message:
        me = ensure_known(click.deps, click.client, click.person)
        notices = notifications_page(click.uow(), page=page)
        unread = unread_count(click.uow())
        click.respond(
            text=f"You have {unread} unread notifications.",
            blocks=notifications_blocks(notices, unread, me.time_zone),
            replace_original=True,
        )
        page = 1  # the Home tab starts again from the newest notices
    click.deps.notifier.refresh_home(
        click.person.team_id, click.person.user_id, notifications_page=page
    )


def _stats_period(click: Click) -> None:
    ref = click.carried(PeriodRef)
    me = ensure_known(click.deps, click.client, click.person)
    figures = dashboard(click.uow(), click.deps.clock, period_days=ref.days)
    if click.in_message:
        click.respond(
            text=dashboard_text(figures),
            blocks=dashboard_blocks(figures, me.time_zone),
            replace_original=True,
        )
    else:
        click.deps.notifier.refresh_home(
            click.person.team_id, click.person.user_id, period_days=ref.days
        )


def _stats_export(click: Click) -> None:
    ref = click.carried(PeriodRef)
    send_mentor_csv(click.client, click.deps, click.person, period_days=ref.days)


def _join(click: Click) -> None:
    """A link button: Slack opens the URL; the click itself needs no work."""


OPENS_MODAL: frozenset[Listener] = frozenset(
    {
        _decline, _cancel, _complete, _feedback, _reschedule, _book, _view_profile,
        _signup_mentor, _signup_mentee, _edit_profile, _open_availability,
    }
)  # fmt: skip

LISTENERS: dict[Action, Listener] = {
    Action.ACCEPT: _accept,
    Action.DECLINE: _decline,
    Action.CANCEL: _cancel,
    Action.RESCHEDULE: _reschedule,
    Action.START: _start,
    Action.COMPLETE: _complete,
    Action.NO_SHOW: _no_show,
    Action.LEAVE_FEEDBACK: _feedback,
    Action.BOOK: _book,
    Action.VIEW_PROFILE: _view_profile,
    Action.SEARCH_PAGE: _search_page,
    Action.SIGNUP_MENTOR: _signup_mentor,
    Action.SIGNUP_MENTEE: _signup_mentee,
    Action.EDIT_PROFILE: _edit_profile,
    Action.OPEN_AVAILABILITY: _open_availability,
    Action.STEP_DOWN: _step_down,
    Action.LEAVE_PROGRAMME: _leave_programme,
    Action.REMOVE_WEEKLY: _remover(remove_weekly_slot, "slot_id"),
    Action.REMOVE_TIME_OFF: _remover(remove_time_off, "time_off_id"),
    Action.REMOVE_EXTRA: _remover(remove_extra_slot, "extra_id"),
    Action.MARK_READ: _mark_read,
    Action.MARK_ALL_READ: _mark_all_read,
    Action.NOTIFICATIONS_PAGE: _notifications_page,
    Action.STATS_PERIOD: _stats_period,
    Action.STATS_EXPORT: _stats_export,
    Action.JOIN: _join,
}


def register(app: App) -> None:
    for action_id, run in LISTENERS.items():
        app.action(action_id.value)(listener(run))
