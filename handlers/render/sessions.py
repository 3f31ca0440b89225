"""Sessions as the people in them see them: one block per session with the buttons
the domain would allow right now, and the `/mentor sessions` message (the modals
live in `session_modals`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
)

from domain import limits
from domain.errors import SessionMoved
from domain.home import PAST_LISTED
from domain.model import ACTIVE_STATUSES, Feedback, Profile, Session, SessionStatus, Slot
from domain.policy import DEFAULT_POLICY
from handlers.ids import Action
from handlers.metadata import SessionRef
from handlers.render.common import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    place,
    section,
    slack_time,
    truncate,
)

S = SessionStatus

# Statuses in which a session can still be moved or called off (before its start).
CHANGEABLE: frozenset[SessionStatus] = frozenset({S.REQUESTED, S.SCHEDULED})
# Statuses in which the meeting is on: it can be joined, completed or marked a no-show.
RUNNING: frozenset[SessionStatus] = frozenset({S.SCHEDULED, S.ONGOING})

STATUS_LABELS: Mapping[SessionStatus, str] = {
    S.REQUESTED: "Requested",
    S.SCHEDULED: "Confirmed",
    S.ONGOING: "In progress",
    S.COMPLETED: "Completed",
    S.DECLINED: "Declined",
    S.CANCELLED: "Cancelled",
    S.EXPIRED: "Expired (not accepted in time)",
    S.NO_SHOW: "No-show",
}

RATING_LABELS: Mapping[int, str] = {
    5: "Excellent",
    4: "Very good",
    3: "Good",
    2: "Fair",
    1: "Poor",
}

# How many recent sessions `/mentor sessions` shows under "Recent".
RECENT_IN_MESSAGE = PAST_LISTED  # as many as are read
MAX_TOPIC = limits.TOPIC
MAX_NOTES_SHOWN = 1200
MAX_COMMENT_SHOWN = 400
MAX_REASON = limits.REASON
MAX_NOTES = limits.NOTES
MAX_COMMENT = limits.COMMENT
MAX_ACTUAL_MINUTES = DEFAULT_POLICY.max_actual_minutes
MAX_URL = 3000


# --- small pieces -------------------------------------------------------------


def status_label(status: SessionStatus) -> str:
    return STATUS_LABELS[status]


def rating_stars(rating: int) -> str:
    """'★★★★☆' for 4 of 5."""
    filled = min(max(rating, 0), 5)
    return "★" * filled + "☆" * (5 - filled)


def minutes_between(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds() // 60), 0)


def other_person(session: Session, viewer: Profile, people: Mapping[int, Profile]) -> Profile:
    """The other participant, or a neutral stand-in when their profile is gone."""
    other_id = session.mentee_id if viewer.id == session.mentor_id else session.mentor_id
    found = people.get(other_id)
    if found is not None:
        return found
    return Profile(
        id=other_id,
        workspace_id=session.workspace_id,
        slack_user_id="",
        display_name="a colleague",
    )


def _ref(session: Session) -> str:
    return SessionRef(session_id=session.id).encode()


def one_line(text: str, limit: int) -> str:
    """Typed text squeezed onto one line, cut to `limit`, made inert."""
    return escape(truncate(" ".join(text.split()), limit))


def linkable(link: str | None) -> str | None:
    """`link` if a link button can open it (a web address within Slack's limit)."""
    if link and link.startswith(("https://", "http://")) and len(link) <= MAX_URL:
        return link
    return None


def no_place(other_name: str) -> str:
    """What a session without a meeting link says instead of a Join button."""
    who = escape(other_name) or "the other person"
    return f"No meeting link yet: agree on a place with {who} in a DM."


# --- buttons --------------------------------------------------------------------


def accept_buttons(session: Session) -> list[ButtonElement]:
    """Accept carries the time shown beside it: the domain refuses it once the
    request has moved, so an old message cannot accept a time never seen."""
    shown = SessionRef.shown(session.id, Slot(session.starts_at, session.ends_at)).encode()
    return [
        button("Accept", Action.ACCEPT, shown, style="primary"),
        button("Decline", Action.DECLINE, _ref(session)),
    ]


def start_button(session: Session, *, main: bool = True) -> ButtonElement:
    return button("Start", Action.START, _ref(session), style="primary" if main else None)


def complete_buttons(session: Session, other_name: str) -> list[ButtonElement]:
    no_show = ButtonElement(
        text="No-show",
        action_id=Action.NO_SHOW,
        value=_ref(session),
        confirm=ConfirmObject(
            title="Record a no-show?",
            text=truncate(f"This records that {escape(other_name)} did not come.", 300),
            confirm="Record no-show",
            deny="Go back",
        ),
    )
    return [button("Complete", Action.COMPLETE, _ref(session), style="primary"), no_show]


def feedback_button(session: Session) -> ButtonElement:
    return button("Leave feedback", Action.LEAVE_FEEDBACK, _ref(session), style="primary")


def join_button(session: Session, meeting_link: str | None) -> ButtonElement | None:
    """A link button to the meeting, only while the session is on."""
    link = linkable(meeting_link)
    if link is None or session.status not in RUNNING:
        return None
    return button("Join meeting", Action.JOIN, _ref(session), url=link)


def session_actions(
    session: Session,
    viewer: Profile,
    other: Profile,
    now: datetime,
    *,
    feedback_given: bool,
    meeting_link: str | None,
    early_start: timedelta = timedelta(minutes=10),
) -> list[ButtonElement]:
    """The buttons `viewer` may press now; the same rules as the domain's."""
    is_mentor = viewer.id == session.mentor_id
    if not is_mentor and viewer.id != session.mentee_id:
        return []
    status = session.status
    started = now >= session.starts_at
    buttons: list[ButtonElement] = []
    if is_mentor and status is S.REQUESTED and not started:
        buttons += accept_buttons(session)
    if is_mentor and status is S.SCHEDULED and now >= session.starts_at - early_start:
        buttons.append(start_button(session, main=not started))
    if is_mentor and status in RUNNING and started:
        buttons += complete_buttons(session, other.display_name)
    join = join_button(session, meeting_link)
    if join is not None:
        buttons.append(join)
    if status is S.COMPLETED and not feedback_given:
        buttons.append(feedback_button(session))
    if status in CHANGEABLE and not started:
        buttons.append(button("Reschedule", Action.RESCHEDULE, _ref(session)))
        buttons.append(button("Cancel", Action.CANCEL, _ref(session), style="danger"))
    return buttons


def _goals_button(session: Session, viewer: Profile) -> ButtonElement | None:
    """The mentee's goals, read only, for the mentor while the session is on
    (as long as the mentor may read them: domain.goals)."""
    if viewer.id != session.mentor_id or session.status not in ACTIVE_STATUSES:
        return None
    return button("Mentee's goals", Action.SESSION_GOALS, _ref(session))


def moved_text(moved: SessionMoved, viewer_zone: str) -> str:
    """The answer to an Accept on a message that showed an older time."""
    return (
        f"This request was moved to {slack_time(moved.starts_at, viewer_zone)}, so it was"
        " not accepted. Please answer it from the newest message about it, or from the"
        " Home tab, where the new time is shown."
    )


# --- one session ----------------------------------------------------------------


def _status_words(session: Session, viewer: Profile, other: Profile) -> str:
    if session.status is S.REQUESTED:
        if viewer.id == session.mentor_id:
            return "Waiting for your answer"
        return f"Waiting for {escape(other.display_name)} to accept"
    return status_label(session.status)


def _headline(session: Session, viewer: Profile, other: Profile, viewer_zone: str) -> str:
    role = "mentor" if other.id == session.mentor_id else "mentee"
    minutes = minutes_between(session.starts_at, session.ends_at)
    label = place(session.series_place, session.series_times)
    series = f"session {label} of a series · " if label else ""
    return (
        f"*with {escape(other.display_name)}* ({role}) · {series}"
        f"{slack_time(session.starts_at, viewer_zone)} ({minutes} min) · "
        f"{_status_words(session, viewer, other)}"
    )


def _feedback_line(entry: Feedback, viewer: Profile, other: Profile) -> str:
    if entry.author_id == viewer.id:
        who = "Your feedback"
    elif entry.author_id == other.id:
        who = f"Feedback from {escape(other.display_name)}"
    else:
        who = "Feedback"
    line = f"{who}: {rating_stars(entry.rating)}"
    if entry.comment.strip():
        line += f" — “{one_line(entry.comment, MAX_COMMENT_SHOWN)}”"
    return line


def _details(
    session: Session,
    viewer: Profile,
    other: Profile,
    viewer_zone: str,
    feedback: Sequence[Feedback],
) -> list[str]:
    lines: list[str] = []
    if session.topic.strip():
        lines.append(f"Topic: {one_line(session.topic, MAX_TOPIC)}")
    if session.previous_starts_at is not None and session.status in CHANGEABLE:
        lines.append(f"Moved from {slack_time(session.previous_starts_at, viewer_zone)}")
    if session.status in (S.DECLINED, S.CANCELLED) and session.cancel_reason:
        lines.append(f"Reason: {one_line(session.cancel_reason, MAX_REASON)}")
    if session.status is S.COMPLETED:
        if session.actual_minutes:
            lines.append(f"Took {session.actual_minutes} min")
        if session.notes.strip():
            lines.append(f"Notes: {escape(truncate(session.notes.strip(), MAX_NOTES_SHOWN))}")
        lines += [
            _feedback_line(entry, viewer, other)
            for entry in feedback
            if entry.session_id == session.id
        ]
    return lines


def session_blocks(
    session: Session,
    viewer: Profile,
    other: Profile,
    viewer_zone: str,
    now: datetime,
    *,
    feedback: list[Feedback],
    meeting_link: str | None,
) -> list[Block]:
    """One session: a section with who, when, status and details (and, for its
    mentor, the mentee's goals beside them); then its buttons."""
    lines = [
        _headline(session, viewer, other, viewer_zone),
        *_details(session, viewer, other, viewer_zone, feedback),
    ]
    if session.status in RUNNING and linkable(meeting_link) is None:
        lines.append(no_place(other.display_name))
    text = "\n".join(lines)
    blocks: list[Block] = [section(text, accessory=_goals_button(session, viewer))]
    given = any(entry.author_id == viewer.id for entry in feedback)
    buttons = session_actions(
        session, viewer, other, now, feedback_given=given, meeting_link=meeting_link
    )
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


# --- the `/mentor sessions` message -----------------------------------------------


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def at_least(count: int, word: str, *, more: bool) -> str:
    """`count` of `word`, or when `more` (there are others than those counted,
    how many not read) at least as many: "2 earlier sessions", "2 or more
    earlier sessions", "earlier sessions"."""
    if not more:
        return plural(count, word)
    return f"{count} or more {word}s" if count else f"{word}s"


def fit_sessions(
    sessions: Sequence[Session], render: Callable[[Session], list[Block]], budget: int
) -> tuple[list[Block], int]:
    """As many sessions as fit in `budget` blocks, in order; and how many did not."""
    blocks: list[Block] = []
    for shown, session in enumerate(sessions):
        rendered = render(session)
        if len(blocks) + len(rendered) > budget:
            return blocks, len(sessions) - shown
        blocks += rendered
    return blocks, 0


def _upcoming_empty(viewer: Profile) -> str:
    steps: list[str] = []
    if viewer.is_mentee:
        steps.append("Find a mentor with `/mentor find` and book a time that suits you.")
    if viewer.is_mentor:
        steps.append("Keep your hours current with `/mentor availability` so mentees can book you.")
    if not steps:
        steps.append("Join the programme with `/mentor signup` to book or offer sessions.")
    return "You have no upcoming sessions. " + " ".join(steps)


def sessions_message(
    *,
    upcoming: list[Session],
    past: list[Session],
    earlier: bool,
    later: bool,
    viewer: Profile,
    people: dict[int, Profile],
    feedback: dict[int, list[Feedback]],
    viewer_zone: str,
    now: datetime,
    meeting_links: dict[int, str | None],
) -> tuple[str, list[Block]]:
    """`/mentor sessions`: what is coming up, then the most recent few; ≤ 50
    blocks. `earlier`: there are finished sessions before those in `past`;
    `later`: sessions to come after those in `upcoming`."""

    def render(session: Session) -> list[Block]:
        return session_blocks(
            session,
            viewer,
            other_person(session, viewer, people),
            viewer_zone,
            now,
            feedback=feedback.get(session.id, []),
            meeting_link=meeting_links.get(session.id),
        )

    recent, hidden_recent = fit_sessions(past[:RECENT_IN_MESSAGE], render, 2 * RECENT_IN_MESSAGE)
    hidden_recent += max(len(past) - RECENT_IN_MESSAGE, 0)
    recent_part: list[Block] = [header("Recent sessions")]
    recent_part += recent or [section("No past sessions yet.")]
    if hidden_recent or earlier:
        left_out = at_least(hidden_recent, "earlier session", more=earlier)
        recent_part.append(context(f"…and {left_out}."))

    # The upcoming header, the divider and a possible "more" note take three blocks.
    budget = MAX_MESSAGE_BLOCKS - len(recent_part) - 3
    shown, hidden = fit_sessions(upcoming, render, budget)
    upcoming_part: list[Block] = [header("Upcoming sessions")]
    upcoming_part += shown or [section(_upcoming_empty(viewer))]
    if hidden or later:
        left_out = at_least(hidden, "other upcoming session", more=later)
        upcoming_part.append(context(f"…and {left_out}."))
    text = (
        f"Your sessions: {at_least(len(upcoming), 'upcoming session', more=later)}, "
        f"{at_least(len(past), 'past session', more=earlier)}."
    )
    return text, [*upcoming_part, divider(), *recent_part]
