"""Programme matching for managers: `/mentor match group` or the App Home's
button opens the modal; its submission is acked at once (matching 2,000
mentees takes seconds) and the preview arrives in the manager's DM; Drop
takes a pair out; Send introductions opens one group DM per pair."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import DomainError, InvalidInput
from domain.introductions import (
    GroupChoice,
    MenteePick,
    Proposal,
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
    """Claimed as sent in one transaction (a second click finds nothing to
    send), then one group DM per pair, then where each went."""
    ref = click.carried(PreviewRef)
    sending = send_introductions(
        click.uow(), click.deps.clock, preview_id=ref.preview_id, policy=click.acting.policy
    )
    channels: dict[int, str] = {}
    failed: list[Proposal] = []
    for intro in sending.introductions:
        pair = intro.proposal
        try:
            # Both user ids: Slack answers with the group DM of the two and the bot.
            opened = click.client.conversations_open(
                users=f"{pair.mentee.slack_user_id},{pair.mentor.slack_user_id}"
            )
            channel = str(opened["channel"]["id"])
            text, blocks = introduction_message(intro, click.acting.user_id)
            click.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as error:
            log.warning("introduction %s not sent: %s", pair.id, error.response.get("error"))
            failed.append(pair)
            continue
        # Slack unreachable (refused connection, timeout): told as a refusal,
        # and the conversations the others went to are still recorded.
        except OSError as error:
            log.warning("introduction %s not sent: %s", pair.id, type(error).__name__)
            failed.append(pair)
            continue
        channels[pair.id] = channel
    record_sent(click.uow(), channels=channels)
    said = sent_message(sending, failed)
    if click.in_message and sending.introductions:
        click.respond(text=said, replace_original=True)
    else:
        click.tell(said)
