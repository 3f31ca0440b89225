"""The modals that change one session: cancel or decline (a reason), complete
(notes and the actual duration), leave feedback (stars and a comment, and for
the mentee where the session's goal stands now)."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from domain.model import Goal, Profile, Session
from handlers.ids import VALUE, Field, Modal
from handlers.render.common import MAX_BUTTON_TEXT, escape, section, slack_time, truncate
from handlers.render.goals import goal_move
from handlers.render.sessions import (
    MAX_ACTUAL_MINUTES,
    MAX_COMMENT,
    MAX_NOTES,
    MAX_REASON,
    MAX_TOPIC,
    RATING_LABELS,
    minutes_between,
    one_line,
)


def _modal(
    callback_id: Modal,
    title: str,
    submit: str,
    close: str,
    private_metadata: str,
    blocks: Iterable[Block],
) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text=close),
        private_metadata=private_metadata,
        blocks=list(blocks),
    )


def _intro(session: Session, question: str) -> SectionBlock:
    """The question a modal asks, then the session's topic when it has one."""
    if session.topic.strip():
        question += f"\nTopic: {one_line(session.topic, MAX_TOPIC)}"
    return section(question)


def _text_input(
    field: Field,
    label: str,
    *,
    max_length: int,
    optional: bool,
    placeholder: str,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=VALUE,
            multiline=True,
            max_length=max_length,
            placeholder=truncate(placeholder, 150),
        ),
    )


def cancel_modal(session: Session, other: Profile, viewer_zone: str, private_metadata: str) -> View:
    name = escape(other.display_name)
    return _modal(
        Modal.CANCEL,
        "Cancel session",
        "Cancel session",
        "Keep it",
        private_metadata,
        [
            _intro(
                session,
                f"Cancel your session with *{name}* on "
                f"{slack_time(session.starts_at, viewer_zone)}? "
                f"We'll let {name} know, with your reason.",
            ),
            _text_input(
                Field.REASON,
                "Reason",
                max_length=MAX_REASON,
                optional=False,
                placeholder="Something came up, so I need to cancel…",
                hint=truncate(f"{other.display_name} will see this.", 150),
            ),
        ],
    )


def decline_modal(
    session: Session, other: Profile, viewer_zone: str, private_metadata: str
) -> View:
    name = escape(other.display_name)
    return _modal(
        Modal.DECLINE,
        "Decline request",
        "Decline request",
        "Back",
        private_metadata,
        [
            _intro(
                session,
                f"Decline the session *{name}* asked for on "
                f"{slack_time(session.starts_at, viewer_zone)}? We'll let {name} know.",
            ),
            _text_input(
                Field.REASON,
                "Reason",
                max_length=MAX_REASON,
                optional=True,
                placeholder="Maybe suggest another time, or another mentor…",
                hint=truncate(f"{other.display_name} will see this.", 150),
            ),
        ],
    )


def complete_modal(
    session: Session, other: Profile, viewer_zone: str, private_metadata: str
) -> View:
    planned = min(max(minutes_between(session.starts_at, session.ends_at), 1), MAX_ACTUAL_MINUTES)
    return _modal(
        Modal.COMPLETE,
        "Complete session",
        "Complete",
        "Not yet",
        private_metadata,
        [
            _intro(
                session,
                f"How did your session with *{escape(other.display_name)}* on "
                f"{slack_time(session.starts_at, viewer_zone)} go? Add notes if you like, "
                "and how long it took.",
            ),
            _text_input(
                Field.NOTES,
                "Notes",
                max_length=MAX_NOTES,
                optional=True,
                placeholder="What you talked about, next steps, links…",
                hint="Both of you can read these notes.",
            ),
            InputBlock(
                block_id=Field.ACTUAL_MINUTES,
                label="How long did it take? (minutes)",
                element=NumberInputElement(
                    action_id=VALUE,
                    is_decimal_allowed=False,
                    initial_value=str(planned),
                    min_value="1",
                    max_value=str(MAX_ACTUAL_MINUTES),
                ),
            ),
        ],
    )


def rating_options() -> list[Option]:
    """'★★★★★ 5 — Excellent' down to '★ 1 — Poor'; values '5' … '1'."""
    return [
        Option(
            value=str(rating),
            text=truncate(f"{'★' * rating} {rating} — {label}", MAX_BUTTON_TEXT),
        )
        for rating, label in sorted(RATING_LABELS.items(), reverse=True)
    ]


def feedback_modal(
    session: Session,
    other: Profile,
    viewer_zone: str,
    private_metadata: str,
    *,
    goal: Goal | None = None,
) -> View:
    """`goal`: the goal the session was about, when the viewer is its owner."""
    name = escape(other.display_name)
    return _modal(
        Modal.FEEDBACK,
        "Leave feedback",
        "Send feedback",
        "Not now",
        private_metadata,
        [
            _intro(
                session,
                f"How was your session with *{name}* on "
                f"{slack_time(session.starts_at, viewer_zone)}? "
                f"{name} will see your rating and comment.",
            ),
            InputBlock(
                block_id=Field.RATING,
                label="Rating",
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder="Choose from 1 to 5 stars",
                    options=rating_options(),
                ),
            ),
            _text_input(
                Field.COMMENT,
                "Comment",
                max_length=MAX_COMMENT,
                optional=True,
                placeholder="What helped? What could be better?",
            ),
            *goal_move(goal),
        ],
    )
