"""Programme matching for managers: `/mentor match group` or the App Home's
button opens the modal; its submission is acked at once (matching 2,000
mentees takes seconds) and the preview arrives in the manager's DM; Drop
takes a pair out; Send introductions opens one group DM per pair, and Retry
failed sends again those Slack did not take."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import DomainError, InvalidInput
from domain.introductions import (
    GroupChoice,
    Introduction,
    MenteePick,
    check_choice,
    drop_pair,
    preview_group,
    record_sent,
    require_group_manager,
    send_introductions,
)
from handlers import forms, outcome
from handlers.click import Click, action
from handlers.context import Acting, HandlerDeps
from handlers.ids import Action, Field, Modal
from handlers.metadata import IntroductionRef, PreviewRef
from handlers.render.group_match import (
    group_modal,
    introduction_message,
    preview_message,
    sent_message,
    unmatched_message,
)
from handlers.views import Submission, submission

log = logging.getLogger(__name__)

UNFINISHED = "not sent: the bot hit an error while sending (its log says which)"


@action(Action.OPEN_GROUP_MATCH, opens_modal=True)
def handle_action_open_group_match(click: Click) -> None:
    require_group_manager(click.acting.actor)
    click.open(group_modal)


def group_choice(state: dict[str, Any]) -> GroupChoice:
    """The modal's answers; the domain checks them (`check_choice`)."""
    raw = forms.text_value(state, Field.GROUP_PICK) or MenteePick.WITHOUT_MENTOR.value
    try:
        pick = MenteePick(raw)
    except ValueError:
        raise InvalidInput("Pick who to match from the list.", field=Field.GROUP_PICK) from None
    per_mentor = forms.int_value(state, Field.GROUP_PER_MENTOR, label="Mentees per mentor")
    return GroupChoice(
        mentees=pick,
        department=forms.text_value(state, Field.GROUP_DEPARTMENT),
        mentee_ids=_users(state, Field.GROUP_MENTEES) if pick is MenteePick.PICKED else (),
        mentor_ids=_users(state, Field.GROUP_MENTORS),
        per_mentor=per_mentor if per_mentor is not None else 0,
    )


def _users(state: dict[str, Any], field: Field) -> tuple[str, ...]:
    block = (state.get("values") or {}).get(field) or {}
    element = block.get("value") or {}
    return tuple(str(user) for user in element.get("selected_users") or ())


@submission(Modal.GROUP_MATCH, Field.GROUP_PICK)
def handle_view_group_match(sub: Submission) -> None:
    """The form is checked before the ack (errors by their fields); the match
    runs after it and its preview goes to the manager's DM."""
    require_group_manager(sub.acting.actor)
    choice = group_choice(sub.state)
    check_choice(choice)
    sub.follow_up = lambda: _preview(sub.acting, sub.deps, sub.client, choice)


def _preview(acting: Acting, deps: HandlerDeps, client: WebClient, choice: GroupChoice) -> None:
    try:
        preview = preview_group(acting.uow(), deps.clock, choice=choice, matching=deps.matching)
    except DomainError as error:
        outcome.refused(error)
        client.chat_postMessage(channel=acting.user_id, text=error.message)
        return
    left = unmatched_message(preview.unmatched, preview.no_capacity)
    if left is not None:
        client.chat_postMessage(channel=acting.user_id, text=left[0], blocks=left[1])
    text, blocks = preview_message(preview)
    client.chat_postMessage(channel=acting.user_id, text=text, blocks=blocks)


@action(Action.DROP_INTRODUCTION)
def handle_action_drop_introduction(click: Click) -> None:
    ref = click.carried(IntroductionRef)
    preview = drop_pair(click.uow(), preview_id=ref.preview_id, introduction_id=ref.introduction_id)
    text, blocks = preview_message(preview)
    click.respond(text=text, blocks=blocks, replace_original=True)


@action(Action.SEND_INTRODUCTIONS)
def handle_action_send_introductions(click: Click) -> None:
    _send(click, retry=False)


@action(Action.RETRY_INTRODUCTIONS)
def handle_action_retry_introductions(click: Click) -> None:
    _send(click, retry=True)


def _send(click: Click, *, retry: bool) -> None:
    """Claimed in one transaction (a second click finds nothing to send),
    then one group DM per pair, then each pair's outcome: where it went, or
    why it did not."""
    ref = click.carried(PreviewRef)
    sending = send_introductions(
        click.uow(),
        click.deps.clock,
        preview_id=ref.preview_id,
        policy=click.acting.policy,
        retry=retry,
    )
    channels: dict[int, str] = {}
    failures: dict[int, str] = {}
    try:
        for intro in sending.introductions:
            try:
                channels[intro.proposal.id] = _introduce(click.client, intro, click.acting.user_id)
            except NotSent as failure:
                log.warning("introduction %s not sent: %s", intro.proposal.id, failure.slack_error)
                failures[intro.proposal.id] = str(failure)
    finally:
        # An error of ours (a bug, an answer Slack should not give) leaves no
        # pair claimed for ever: those without an outcome failed, to retry.
        for intro in sending.introductions:
            if intro.proposal.id not in channels:
                failures.setdefault(intro.proposal.id, UNFINISHED)
        sent = record_sent(
            click.uow(), click.deps.clock, sending=sending, channels=channels, failures=failures
        )
    text, blocks = sent_message(sent)
    if click.in_message and (sending.introductions or sending.not_retried):
        click.respond(text=text, blocks=blocks, replace_original=True)
    else:
        click.tell(text, blocks)


class NotSent(Exception):
    """One step of an introduction that Slack refused, or could not be asked."""

    def __init__(self, step: str, slack_error: str) -> None:
        super().__init__(f"{step}: {slack_error}")
        self.slack_error = slack_error


@contextmanager
def _step(words: str) -> Iterator[None]:
    """A call to Slack whose refusal is told in `words` and Slack's own."""
    try:
        yield
    except SlackApiError as error:
        raise NotSent(words, str(error.response.get("error") or "unknown_error")) from None
    # Slack unreachable (refused connection, timeout): told like a refusal, and
    # the other pairs' outcomes are still recorded.
    except OSError as error:
        raise NotSent(words, f"Slack could not be reached ({type(error).__name__})") from None


def _introduce(client: WebClient, intro: Introduction, manager_id: str) -> str:
    """Open the pair's group DM and post their introduction there: the
    conversation's id."""
    mentee, mentor = intro.proposal.mentee.slack_user_id, intro.proposal.mentor.slack_user_id
    who = f"<@{mentee}> and <@{mentor}>"
    with _step(f"couldn't open a group DM with {who}"):
        # Both user ids: Slack answers with the group DM of the two and the bot.
        channel = str(client.conversations_open(users=f"{mentee},{mentor}")["channel"]["id"])
    text, blocks = introduction_message(intro, manager_id)
    with _step(f"couldn't post the introduction in the group DM of {who}"):
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    return channel
