"""Modal submissions. The use case runs before the acknowledgement, so a refusal
goes back into the modal next to its field (`response_action: errors`) and the
modal stays open; nothing is written then. What follows the change (the
confirmation, the notices to others, the Home) runs after the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.availability import AvailabilityChanges, change_availability
from domain.errors import DomainError, InvalidInput, OccurrenceTaken
from domain.feedback import give_feedback
from domain.goals import add_goal, update_goal
from domain.model import Delivery, Session
from domain.profiles import edit_profile, register_mentee, register_mentor
from domain.sessions import Outcome, book, cancel, complete, decline, reschedule
from domain.workspace import SettingsEdit
from handlers import forms, outcome, screens
from handlers.context import Acting, HandlerDeps
from handlers.ids import Field, Modal
from handlers.listen import BUSY, BUSY_OUTCOME, named_after
from handlers.metadata import GoalRef, MentorRef, SessionMessageRef, ShownSettings, decode
from handlers.render.availability import mentor_welcome_text
from handlers.render.booking import MoveOffer, occurrence_taken_text
from handlers.render.common import slack_time
from handlers.render.goals import goal_moved_text, goal_saved_text
from handlers.render.notifications import dm_outcome
from handlers.render.profile_forms import mentee_signup_modal
from handlers.render.series import series_requested_text
from handlers.render.settings import saved_text
from handlers.settings_actions import save_settings
from handlers.zones import zone_options

log = logging.getLogger(__name__)

THEN_MENTEE = "then_mentee"
TAMPERED = "This form is out of date. Please close it and start again."


@dataclass
class Submission:
    body: dict[str, Any]
    client: WebClient
    deps: HandlerDeps
    acting: Acting
    state: dict[str, Any]
    metadata: str
    reply: dict[str, Any] | None = None  # e.g. {"response_action": "update", "view": ...}
    follow_up: Callable[[], None] | None = None  # runs after the ack
    notices: list[Delivery] = field(default_factory=list)

    def uow(self) -> Any:
        return self.acting.uow()

    def dm(self, text: str) -> None:
        """A courtesy confirmation; the notices that matter go through the outbox."""
        try:
            self.client.chat_postMessage(channel=self.acting.user_id, text=text)
        except (SlackApiError, OSError) as error:
            log.warning("confirmation to %s not sent: %s", self.acting.user_id, error)


Run = Callable[[Submission], None]
Handler = Callable[..., None]

# Every submission's listener, by its modal's callback id (see `submission`).
LISTENERS: dict[Modal, Handler] = {}


def submission(callback_id: Modal, error_field: str) -> Callable[[Run], Handler]:
    """Make `run` the listener of the modal `callback_id`: parse and run before
    the ack; a refusal becomes a field error (on `error_field` when the domain
    names no field of this modal). After the ack: the follow-up, the notices
    the change wrote, and the person's Home."""

    def decorate(run: Run) -> Handler:
        @named_after(run)
        def handle(
            ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]
        ) -> None:
            deps: HandlerDeps = context["deps"]
            slot = deps.work.reserve(body, context, client)
            if not slot.granted:
                outcome.set(BUSY_OUTCOME)
                ack(response_action="errors", errors={error_field: BUSY})
                slot.acked()
                slot.finish()
                return
            view = body.get("view") or {}
            fields = set((view.get("state") or {}).get("values", {}).keys())
            sub = Submission(
                body,
                client,
                deps,
                context["person"],
                view.get("state") or {},
                str(view.get("private_metadata") or ""),
            )
            try:
                run(sub)
            except DomainError as error:
                outcome.refused(error)
                named = error.field if error.field in fields else None
                ack(response_action="errors", errors={named or error_field: _said(error, sub)})
                slot.acked()
                slot.finish()
                return
            except Exception as error:
                ack()
                slot.acked()
                slot.fail(error)
                return
            ack(**(sub.reply or {}))
            slot.acked()
            slot.run(lambda: _after(sub))

        LISTENERS[callback_id] = handle
        return handle

    return decorate


def _said(error: DomainError, sub: Submission) -> str:
    """A refusal in words; a series' session that is not free shows its time
    and the nearest free one in the reader's zone."""
    if isinstance(error, OccurrenceTaken):
        return occurrence_taken_text(error, sub.acting.get().zone)
    return error.message


def _after(sub: Submission) -> None:
    # The person who submitted waits for their confirmation; the notices to
    # others and the Home refreshes follow it.
    if sub.follow_up is not None:
        sub.follow_up()
    sub.deps.notifier.send(sub.notices, [sub.acting.viewer()])


@submission(Modal.SIGNUP_MENTOR, Field.DEPARTMENT)
def handle_view_signup_mentor(sub: Submission) -> None:
    welcome = register_mentor(sub.uow(), sub.deps.clock, signup=forms.mentor_signup(sub.state))
    profile = welcome.profile
    if sub.metadata == THEN_MENTEE:
        view = mentee_signup_modal(profile, zone_options=zone_options(profile.time_zone))
        sub.reply = {"response_action": "update", "view": view}
    sub.follow_up = lambda: sub.dm(mentor_welcome_text(welcome.kept_availability))


@submission(Modal.SIGNUP_MENTEE, Field.DEPARTMENT)
def handle_view_signup_mentee(sub: Submission) -> None:
    register_mentee(sub.uow(), sub.deps.clock, signup=forms.mentee_signup(sub.state))
    sub.follow_up = lambda: sub.dm(
        "Welcome aboard! Find a mentor with `/mentor find` and a word such as a skill or a name."
    )


@submission(Modal.EDIT_PROFILE, Field.DISPLAY_NAME)
def handle_view_edit_profile(sub: Submission) -> None:
    edit_profile(sub.uow(), sub.deps.clock, edit=forms.profile_edit(sub.state))


@submission(Modal.AVAILABILITY, Field.WEEKDAYS)
def handle_view_availability(sub: Submission) -> None:
    change = forms.availability_change(sub.state)
    time_off = (
        (change.first_day, change.last_day)
        if change.first_day is not None and change.last_day is not None
        else None
    )
    changes = AvailabilityChanges(
        weekdays=tuple(change.weekdays),
        start=change.start,
        end=change.end,
        time_off=time_off,
        extra_day=change.day,
    )
    change_availability(sub.uow(), sub.deps.clock, changes=changes)


@submission(Modal.BOOK, Field.SLOT)
def handle_view_book(sub: Submission) -> None:
    ref = decode(MentorRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    repeat = forms.repeat(sub.state)
    starts_at, moves = forms.chosen_slot(sub.state), forms.moves(sub.state)
    try:
        booked = book(
            sub.uow(),
            sub.deps.clock,
            mentor_id=ref.mentor_id,
            starts_at=starts_at,
            topic=forms.text_value(sub.state, Field.TOPIC),
            goal_id=forms.chosen_goal(sub.state),
            repeat=repeat,
            moves=moves,
            policy=sub.acting.policy,
            follow_up=ref.again.follow_up() if ref.again else None,
        )
    except OccurrenceTaken as taken:
        if taken.nearest is None:
            raise
        # The modal again, the nearest free time offered to tick (Slack keeps
        # what was entered in inputs of the same ids).
        view = screens.booking(
            sub.acting,
            sub.deps,
            mentor_id=ref.mentor_id,
            chosen=starts_at,
            offer=MoveOffer(taken, moves),
            metadata=sub.metadata,
        )
        sub.reply = {"response_action": "update", "view": view}
        return
    sub.notices.extend(booked.notices)

    def confirm() -> None:
        zone = sub.acting.get().zone
        when = slack_time(booked.session.starts_at, zone)
        if booked.series and repeat is not None:
            sub.dm(series_requested_text(booked.series, repeat.every_weeks, zone))
            return
        if booked.already:
            sub.dm(f"Your request for {when} was already sent; the time is held for you.")
            return
        sub.dm(
            f"Request sent for {when}. The time is held for you; I'll tell you when it's accepted."
        )

    sub.follow_up = confirm


def _session_change(
    sub: Submission, change: Callable[..., Outcome], verb: str, **arguments: Any
) -> None:
    """A modal that changes one session, opened from a DM or the Home tab."""
    ref = decode(SessionMessageRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    done = change(sub.uow(), sub.deps.clock, session_id=ref.session_id, **arguments)
    sub.notices.extend(done.notices)
    if ref.channel and ref.ts:
        sub.follow_up = lambda: _update_origin(sub, ref, done.session, verb)


def _update_origin(sub: Submission, ref: SessionMessageRef, session: Session, verb: str) -> None:
    """Replace the DM the modal was opened from, so its buttons cannot be used again."""
    me = sub.acting.get()
    text, blocks = dm_outcome(
        session,
        actor_name=me.name,
        outcome=verb,
        zone=me.zone,
        mentee=me.profile.id == session.mentee_id,
    )
    # The message may be gone; the Home tab shows the truth either way.
    with suppress(SlackApiError):
        sub.client.chat_update(channel=ref.channel or "", ts=ref.ts or "", text=text, blocks=blocks)


@submission(Modal.RESCHEDULE, Field.SLOT)
def handle_view_reschedule(sub: Submission) -> None:
    _session_change(
        sub, reschedule, "moved", starts_at=forms.chosen_slot(sub.state), policy=sub.acting.policy
    )


@submission(Modal.CANCEL, Field.REASON)
def handle_view_cancel(sub: Submission) -> None:
    _session_change(sub, cancel, "cancelled", reason=_reason(sub.state))


@submission(Modal.DECLINE, Field.REASON)
def handle_view_decline(sub: Submission) -> None:
    _session_change(sub, decline, "declined", reason=_reason(sub.state))


@submission(Modal.COMPLETE, Field.NOTES)
def handle_view_complete(sub: Submission) -> None:
    notes = forms.text_value(sub.state, Field.NOTES)
    _session_change(sub, complete, "completed", notes=notes, actual_minutes=_completion(sub.state))


def _reason(state: dict[str, Any]) -> str:
    return forms.text_value(state, Field.REASON)


def _completion(state: dict[str, Any]) -> int:
    minutes = forms.int_value(state, Field.ACTUAL_MINUTES, label="The duration")
    if minutes is None:
        raise DomainError("How long did the session last?", field=Field.ACTUAL_MINUTES)
    return minutes


@submission(Modal.FEEDBACK, Field.RATING)
def handle_view_feedback(sub: Submission) -> None:
    ref = decode(SessionMessageRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    given = give_feedback(
        sub.uow(),
        sub.deps.clock,
        session_id=ref.session_id,
        rating=forms.rating(sub.state),
        comment=forms.text_value(sub.state, Field.COMMENT),
        goal_status=forms.goal_status(sub.state),
    )
    sub.notices.extend(given.notices)
    moved = given.goal

    def thank() -> None:
        sub.dm("Thank you for your feedback!" + goal_moved_text(moved))
        if ref.channel and ref.ts:
            _update_origin(sub, ref, given.session, "feedback sent")

    sub.follow_up = thank


@submission(Modal.ADD_GOAL, Field.GOAL_TITLE)
def handle_view_add_goal(sub: Submission) -> None:
    saved = add_goal(
        sub.uow(),
        sub.deps.clock,
        title=forms.text_value(sub.state, Field.GOAL_TITLE),
        target_date=forms.target_date(sub.state),
        notes=forms.text_value(sub.state, Field.GOAL_NOTES),
    )
    sub.follow_up = lambda: sub.dm(goal_saved_text(saved))


@submission(Modal.UPDATE_GOAL, Field.GOAL_STATUS)
def handle_view_update_goal(sub: Submission) -> None:
    """A goal id in the metadata that is not the person's own (a forged
    submission) is refused by the domain, beside the status."""
    ref = decode(GoalRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    status = forms.goal_status(sub.state)
    if status is None:
        raise InvalidInput("Pick a status.", field=Field.GOAL_STATUS)
    saved = update_goal(
        sub.uow(),
        sub.deps.clock,
        goal_id=ref.goal_id,
        status=status,
        target_date=forms.target_date(sub.state),
        notes=forms.text_value(sub.state, Field.GOAL_NOTES),
    )
    if saved.changed:
        sub.follow_up = lambda: sub.dm(goal_saved_text(saved))


@submission(Modal.SETTINGS, Field.MANAGERS)
def handle_view_settings(sub: Submission) -> None:
    """Only what the person changed in the modal is saved (see SettingsEdit.between)."""
    shown = decode(ShownSettings, sub.metadata)
    if shown is None:
        raise DomainError(TAMPERED)
    edit = SettingsEdit.between(shown.settings(), forms.settings_wanted(sub.state))
    saved = save_settings(sub.acting, sub.deps, sub.client, edit)
    if saved.changes:
        sub.follow_up = lambda: sub.dm(saved_text(saved.changes))


def register(app: App) -> None:
    for callback_id, handle in LISTENERS.items():
        app.view(callback_id.value)(handle)
