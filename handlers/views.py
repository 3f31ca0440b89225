"""Modal submissions. The use case runs before the acknowledgement, so a refusal
goes back into the modal next to its field (`response_action: errors`) and the
modal stays open; nothing is written then."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.availability import AvailabilityChanges, change_availability
from domain.errors import DomainError
from domain.feedback import leave_feedback
from domain.lookups import session_view
from domain.model import Session
from domain.profiles import edit_profile, register_mentee, register_mentor
from domain.sessions import Outcome, cancel, complete, decline, request_session, reschedule
from handlers import forms, outcome
from handlers.context import HandlerDeps, Who, after_change, ensure_known, who
from handlers.ids import Field, Modal
from handlers.metadata import MentorRef, SessionMessageRef, decode
from handlers.render.availability import mentor_welcome_text
from handlers.render.common import slack_time
from handlers.render.notifications import dm_outcome
from handlers.render.profile_forms import mentee_signup_modal
from handlers.zones import zone_options

log = logging.getLogger(__name__)

THEN_MENTEE = "then_mentee"
TAMPERED = "This form is out of date. Please close it and start again."


@dataclass
class Submission:
    body: dict[str, Any]
    client: WebClient
    deps: HandlerDeps
    person: Who
    state: dict[str, Any]
    metadata: str
    uow: Any = None
    reply: dict[str, Any] | None = None  # e.g. {"response_action": "update", "view": ...}
    follow_up: Callable[[], None] | None = None  # runs after the ack

    def new_uow(self) -> Any:
        self.uow = self.deps.uow(self.person.team_id, self.person.user_id)
        return self.uow

    def dm(self, text: str) -> None:
        """A courtesy confirmation; the notices that matter go through the outbox."""
        try:
            self.client.chat_postMessage(channel=self.person.user_id, text=text)
        except (SlackApiError, OSError) as error:
            log.warning("confirmation to %s not sent: %s", self.person.user_id, error)


Run = Callable[[Submission], None]


def submission(run: Run, error_field: str) -> Callable[..., None]:
    """Parse and run; refusals become field errors (on `error_field` when the
    domain names no field of this modal)."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        view = body.get("view") or {}
        fields = set((view.get("state") or {}).get("values", {}).keys())
        sub = Submission(
            body,
            client,
            context["deps"],
            who(body),
            view.get("state") or {},
            str(view.get("private_metadata") or ""),
        )
        try:
            run(sub)
        except DomainError as error:
            outcome.refused(error)
            field = (
                error.field if error.field is not None and error.field in fields else error_field
            )
            ack(response_action="errors", errors={field: error.message})
            return
        ack(**(sub.reply or {}))
        # The person who submitted waits for their confirmation; the notices to
        # others and the Home refreshes follow it.
        if sub.follow_up is not None:
            sub.follow_up()
        if sub.uow is not None:
            after_change(sub.deps, sub.uow, sub.person)

    handle.__name__ = f"handle_view_{run.__name__.lstrip('_')}"
    return handle


def _signup_mentor(sub: Submission) -> None:
    welcome = register_mentor(sub.new_uow(), sub.deps.clock, signup=forms.mentor_signup(sub.state))
    profile = welcome.profile
    if sub.metadata == THEN_MENTEE:
        view = mentee_signup_modal(profile, zone_options=zone_options(profile.time_zone))
        sub.reply = {"response_action": "update", "view": view}
    sub.follow_up = lambda: sub.dm(mentor_welcome_text(welcome.kept_availability))


def _signup_mentee(sub: Submission) -> None:
    register_mentee(sub.new_uow(), sub.deps.clock, signup=forms.mentee_signup(sub.state))
    sub.follow_up = lambda: sub.dm(
        "Welcome aboard! Find a mentor with `/mentor find` and a word such as a skill or a name."
    )


def _edit_profile(sub: Submission) -> None:
    edit_profile(sub.new_uow(), sub.deps.clock, edit=forms.profile_edit(sub.state))


def _availability(sub: Submission) -> None:
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
    change_availability(sub.new_uow(), sub.deps.clock, changes=changes)


def _book(sub: Submission) -> None:
    ref = decode(MentorRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    session = request_session(
        sub.new_uow(),
        sub.deps.clock,
        mentor_id=ref.mentor_id,
        starts_at=forms.chosen_slot(sub.state),
        topic=forms.text_value(sub.state, Field.TOPIC),
        policy=sub.deps.policy,
    )
    me = ensure_known(sub.deps, sub.client, sub.person)
    when = slack_time(session.starts_at, me.time_zone)
    sub.follow_up = lambda: sub.dm(
        f"Request sent for {when}. The time is held for you; I'll tell you when it's accepted."
    )


def _session_change(
    change: Callable[..., Outcome], verb: str, **read: Callable[[dict[str, Any]], Any]
) -> Run:
    """A modal that changes one session, opened from a DM or the Home tab."""

    def run(sub: Submission) -> None:
        ref = decode(SessionMessageRef, sub.metadata)
        if ref is None:
            raise DomainError(TAMPERED)
        arguments = {name: parse(sub.state) for name, parse in read.items()}
        outcome = change(sub.new_uow(), sub.deps.clock, session_id=ref.session_id, **arguments)
        if ref.channel and ref.ts:
            sub.follow_up = lambda: _update_origin(sub, ref, outcome.session, verb)

    run.__name__ = change.__name__
    return run


def _update_origin(sub: Submission, ref: SessionMessageRef, session: Session, verb: str) -> None:
    """Replace the DM the modal was opened from, so its buttons cannot be used again."""
    me = ensure_known(sub.deps, sub.client, sub.person)
    text, blocks = dm_outcome(session, actor_name=me.display_name, outcome=verb, zone=me.time_zone)
    # The message may be gone; the Home tab shows the truth either way.
    with suppress(SlackApiError):
        sub.client.chat_update(channel=ref.channel or "", ts=ref.ts or "", text=text, blocks=blocks)


def _reason(state: dict[str, Any]) -> str:
    return forms.text_value(state, Field.REASON)


def _completion(state: dict[str, Any]) -> int:
    minutes = forms.int_value(state, Field.ACTUAL_MINUTES, label="The duration")
    if minutes is None:
        raise DomainError("How long did the session last?", field=Field.ACTUAL_MINUTES)
    return minutes


def _feedback(sub: Submission) -> None:
    ref = decode(SessionMessageRef, sub.metadata)
    if ref is None:
        raise DomainError(TAMPERED)
    leave_feedback(
        sub.new_uow(),
        sub.deps.clock,
        session_id=ref.session_id,
        rating=forms.rating(sub.state),
        comment=forms.text_value(sub.state, Field.COMMENT),
    )

    def thank() -> None:
        sub.dm("Thank you for your feedback!")
        if ref.channel and ref.ts:
            view = session_view(
                sub.deps.uow(sub.person.team_id, sub.person.user_id), session_id=ref.session_id
            )
            _update_origin(sub, ref, view.session, "feedback sent")

    sub.follow_up = thank


MODALS: dict[Modal, tuple[Run, str]] = {
    Modal.SIGNUP_MENTOR: (_signup_mentor, Field.DEPARTMENT),
    Modal.SIGNUP_MENTEE: (_signup_mentee, Field.DEPARTMENT),
    Modal.EDIT_PROFILE: (_edit_profile, Field.DISPLAY_NAME),
    Modal.AVAILABILITY: (_availability, Field.WEEKDAYS),
    Modal.BOOK: (_book, Field.SLOT),
    Modal.RESCHEDULE: (
        _session_change(reschedule, "moved", starts_at=forms.chosen_slot),
        Field.SLOT,
    ),
    Modal.CANCEL: (_session_change(cancel, "cancelled", reason=_reason), Field.REASON),
    Modal.DECLINE: (_session_change(decline, "declined", reason=_reason), Field.REASON),
    Modal.COMPLETE: (
        _session_change(
            complete,
            "completed",
            notes=lambda state: forms.text_value(state, Field.NOTES),
            actual_minutes=_completion,
        ),
        Field.NOTES,
    ),
    Modal.FEEDBACK: (_feedback, Field.RATING),
}


def register(app: App) -> None:
    for callback_id, (run, error_field) in MODALS.items():
        app.view(callback_id.value)(submission(run, error_field))
