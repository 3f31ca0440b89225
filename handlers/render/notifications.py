"""Notices as people read them: one line per kind, the notifications list, the DM
sent for each notice (with the buttons that still make sense), the calendar
file sent for each change a calendar shows, and the DM's replacement once
somebody clicked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from slack_sdk.models.blocks import Block, ButtonElement, InteractiveElement

from domain.calendar import EventStatus, Method, event_status
from domain.model import (
    Goal,
    Notification,
    NotificationKind,
    Page,
    Profile,
    Session,
    SessionStatus,
)
from handlers.ids import Action
from handlers.metadata import NotificationRef, PageRef
from handlers.render.common import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    context,
    escape,
    header,
    plain_time,
    section,
    slack_time,
    truncate,
)
from handlers.render.common import zone as zone_info
from handlers.render.follow_ups import book_again_menu
from handlers.render.goals import mentee_goals
from handlers.render.ics import (
    CalendarEvent,
    calendar_file,
    file_name,
    google_calendar_link,
    outlook_link,
)
from handlers.render.series import (
    occurrence_of,
    series_buttons,
    series_dates,
    series_id,
    series_line,
)
from handlers.render.sessions import (
    RUNNING,
    accept_buttons,
    complete_buttons,
    feedback_button,
    join_button,
    linkable,
    minutes_between,
    no_place,
    rating_stars,
    status_label,
)

K = NotificationKind
S = SessionStatus
Payload = Mapping[str, str | int | None]
TimeFormat = Callable[[datetime], str]

UNREAD_MARK = "🔵"
MAX_TOPIC_IN_LINE = 120
MAX_REASON_IN_LINE = 300
MAX_PAGE = 1000  # as PageRef allows


class DmOutcome(StrEnum):
    """What happened to a DM's session after a click; `dm_outcome` says it in words.
    It also takes the listeners' verbs ("marked as a no-show", "already accepted")."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    MOVED = "moved"
    STARTED = "started"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    FEEDBACK_SENT = "feedback_sent"
    ALREADY_HANDLED = "already_handled"


# A session's people as a calendar names them: (mentor, mentee).
Names = tuple[str, str]


# --- payload ----------------------------------------------------------------------


def _text(payload: Payload, key: str) -> str:
    value = payload.get(key)
    return "" if value is None else str(value).strip()


def _number(payload: Payload, key: str) -> int | None:
    value = payload.get(key)
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def _moment(payload: Payload, key: str) -> datetime | None:
    value = payload.get(key)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _quoted(text: str, limit: int) -> str:
    return f"“{escape(truncate(' '.join(text.split()), limit))}”"


# --- one line per kind ------------------------------------------------------------


def _reminder_when(lead_minutes: int | None) -> str:
    """How soon, as a person would say it: a reminder sent late (the bot was
    down) carries the minutes really left, not a round lead time."""
    if lead_minutes is None:
        return "soon"
    if lead_minutes >= 23 * 60 + 30:
        return "tomorrow"
    if lead_minutes >= 90:
        hours = round(lead_minutes / 60)
        return f"in {hours} hours" if lead_minutes % 60 == 0 else f"in about {hours} hours"
    if lead_minutes >= 60:
        return "in 1 hour" if lead_minutes == 60 else "in about an hour"
    return "in 1 minute" if lead_minutes == 1 else f"in {lead_minutes} minutes"


def _line(n: Notification, when: TimeFormat) -> str:
    """The notice in one sentence; `when` formats the moments in it."""
    payload = n.payload
    who = escape(_text(payload, "other_name")) or "Someone"
    starts = _moment(payload, "starts_at")
    at = when(starts) if starts is not None else "the planned time"
    reason = _text(payload, "reason")
    because = f" — {_quoted(reason, MAX_REASON_IN_LINE)}" if reason else ""
    about_series = series_line(n.kind, payload, who, at)
    if about_series is not None:
        return about_series
    match n.kind:
        case K.REQUEST_RECEIVED:
            topic = _text(payload, "topic")
            about = f": {_quoted(topic, MAX_TOPIC_IN_LINE)}" if topic else ""
            return f"{who} asked for a session on {at}{about}"
        case K.REQUEST_ACCEPTED:
            return f"{who} accepted your session on {at}"
        case K.REQUEST_DECLINED:
            return f"{who} declined your session request for {at}{because}"
        case K.SESSION_CANCELLED:
            return f"{who} cancelled your session on {at}{because}"
        case K.SESSION_RESCHEDULED:
            before = _moment(payload, "previous_starts_at")
            old = when(before) if before is not None else "its old time"
            confirm = " — please confirm" if _number(payload, "needs_confirmation") == 1 else ""
            return f"{who} moved your session from {old} to {at}{confirm}"
        case K.REQUEST_EXPIRED:
            return f"Your session request to {who} for {at} expired before it was accepted"
        case K.REMINDER:
            lead = _reminder_when(_number(payload, "lead_minutes"))
            return f"Reminder: your session with {who} starts {lead} — {at}"
        case K.SESSION_STARTED:
            return f"Your session with {who} on {at} has started"
        case K.COMPLETE_PROMPT:
            return (
                f"Your session with {who} on {at} has ended — "
                "please mark it complete and add any notes"
            )
        case K.SESSION_COMPLETED:
            return f"Your session with {who} on {at} is complete — how did it go?"
        case K.FEEDBACK_RECEIVED:
            rating = _number(payload, "rating")
            score = f" {rating_stars(rating)}" if rating is not None else ""
            return f"{who} rated your session{score}"
        case K.CALENDAR_UPDATE:
            return _calendar_line(payload, who, at)
        case K.NUDGE:
            return (
                f"A gentle nudge from the mentoring programme: how about your next session"
                f" with {who}? `/mentor sessions` shows what is planned; `/mentor find`"
                " books a new one."
            )
    return f"There is news about your session on {at}"


def _calendar_line(payload: Payload, who: str, at: str) -> str:
    """What a calendar update changes in the reader's calendar. A later update
    that is no cancellation is a move or a confirmation (of a move)."""
    if _text(payload, "method") == Method.CANCEL:
        return (
            f"Your mentoring session with {who} on {at} is cancelled — remove it from your calendar"
        )
    if _text(payload, "status") == EventStatus.TENTATIVE:
        return (
            f"Your mentoring session with {who} moved to {at}, to be confirmed"
            " — update your calendar"
        )
    if _number(payload, "sequence") == 0:
        return f"Your mentoring session with {who} on {at} — add it to your calendar"
    return f"Your mentoring session with {who} is now on {at} — update your calendar"


def notification_text(n: Notification, zone: str) -> str:
    """One mrkdwn line; times render in each reader's own zone."""
    return _line(n, lambda moment: slack_time(moment, zone))


def _plain(zone: str) -> TimeFormat:
    return lambda moment: f"{plain_time(moment, zone)} ({zone_info(zone).key})"


# --- the notifications list ---------------------------------------------------------


def _notice(n: Notification, zone: str) -> Block:
    line = notification_text(n, zone)
    age = slack_time(n.created_at, zone)
    if n.read_at is None:
        mark_read = button(
            "Mark read", Action.MARK_READ, NotificationRef(notification_id=n.id).encode()
        )
        return section(f"{UNREAD_MARK} {line}\n{age}", accessory=mark_read)
    return section(f"{line}\n{age}")


def _list_buttons(page: Page[Notification], unread: int) -> list[Block]:
    """Mark all read and the page buttons. An action id may appear once per actions
    block, so with both page buttons "Older" gets a row of its own."""
    row: list[ButtonElement] = []
    if unread > 0:
        row.append(button("Mark all read", Action.MARK_ALL_READ))
    if page.number > 1:
        row.append(
            button("← Newer", Action.NOTIFICATIONS_PAGE, PageRef(page=page.number - 1).encode())
        )
    rows = [row]
    if page.has_more and page.number < MAX_PAGE:
        older = button("Older →", Action.NOTIFICATIONS_PAGE, PageRef(page=page.number + 1).encode())
        if page.number > 1:
            rows.append([older])
        else:
            row.append(older)
    return [actions(*buttons) for buttons in rows if buttons]


def notifications_blocks(page: Page[Notification], unread: int, zone: str) -> list[Block]:
    """A header with the unread count, one block per notice, then the buttons; ≤ 50."""
    blocks: list[Block] = [header(f"Notifications ({unread} unread)")]
    footer = _list_buttons(page, unread)
    if not page.items:
        if page.number > 1:
            blocks.append(section("There are no older notifications."))
        else:
            blocks.append(
                section(
                    "You have no notifications yet. They appear here when someone books, "
                    "accepts or changes a session with you."
                )
            )
        return blocks + footer
    room = MAX_MESSAGE_BLOCKS - len(blocks) - len(footer) - 1
    shown = page.items[:room]
    blocks += [_notice(n, zone) for n in shown]
    if len(page.items) > len(shown):
        hidden = len(page.items) - len(shown)
        blocks.append(context(f"…and {hidden} more on this page — `/mentor notifications`"))
    return blocks + footer


# --- direct messages ------------------------------------------------------------------


def _is_mentor(session: Session, person: Profile) -> bool:
    return person.id == session.mentor_id


def _shows_now(n: Notification, session: Session) -> bool:
    """Whether the notice shows the session's time as it is now (one that shows
    no time, "the planned time", shows none that a click could agree to)."""
    starts, ends = _moment(n.payload, "starts_at"), _moment(n.payload, "ends_at")
    return starts == session.starts_at and (ends is None or ends == session.ends_at)


# What the session a series' request is keyed by may be while the series waits.
_SERIES_WAITS = {S.REQUESTED, S.CANCELLED}


def _dm_buttons(
    n: Notification, recipient: Profile, session: Session | None, meeting_link: str | None
) -> Sequence[InteractiveElement]:
    """Only what the session's current status still allows the recipient to do."""
    if session is None or session.id != n.session_id:
        return []
    if recipient.id not in (session.mentor_id, session.mentee_id):
        return []
    if series_id(n.payload) is not None:
        # A series is answered as a whole from its request; its other notices
        # list several sessions, which no one button fits.
        # The buttons answer the series, not the session the notice is keyed
        # by: its mentee may have cancelled it (or its time passed) while the
        # others still wait. Only the mentor's answer to it (the whole
        # series') or the series expiring takes them away.
        asked = n.kind is K.REQUEST_RECEIVED and session.status in _SERIES_WAITS
        return series_buttons(n.payload) if asked and _is_mentor(session, recipient) else []
    needs_answer = n.kind is K.REQUEST_RECEIVED or (
        n.kind is K.SESSION_RESCHEDULED and _number(n.payload, "needs_confirmation") == 1
    )
    if needs_answer and session.status is S.REQUESTED and _is_mentor(session, recipient):
        # Accept carries the session's time, so only where the notice shows that
        # time: a notice sent after a move (a retried delivery) keeps none, and
        # the newer notice of the move (or the Home tab) has working buttons.
        return accept_buttons(session) if _shows_now(n, session) else []
    if n.kind is K.SESSION_COMPLETED and session.status is S.COMPLETED:
        if recipient.id == session.mentee_id:
            return [feedback_button(session), book_again_menu(session)]
        return [feedback_button(session)]
    if n.kind in (K.REQUEST_ACCEPTED, K.REMINDER):
        join = join_button(session, meeting_link)
        return [join] if join is not None else []
    if n.kind is K.COMPLETE_PROMPT and session.status in RUNNING and _is_mentor(session, recipient):
        other_name = _text(n.payload, "other_name") or "the other person"
        return complete_buttons(session, other_name)
    return []


def _meets(n: Notification, session: Session | None) -> bool:
    """Whether the notice is one that says where the session happens."""
    return (
        n.kind in (K.REQUEST_ACCEPTED, K.REMINDER)
        and session is not None
        and session.id == n.session_id
        and session.status in RUNNING
    )


def dm_message(
    n: Notification,
    *,
    recipient: Profile,
    session: Session | None,
    meeting_link: str | None,
    zone: str,
    goals: Sequence[Goal] = (),
) -> tuple[str, list[Block]]:
    """The DM for a notice: its line, what it carries of the mentee's goals
    (a request's), and buttons only where they still apply. `meeting_link` is
    the session's (`domain.meeting`); without one, a DM that would offer Join
    says to agree on a place instead."""
    blocks: list[Block] = [section(notification_text(n, zone))]
    blocks += series_dates(n.payload, zone)
    blocks += occurrence_of(n.payload, session)
    blocks += mentee_goals(goals, session)
    buttons = _dm_buttons(n, recipient, session, meeting_link)
    if buttons:
        blocks.append(actions(*buttons))
    if _meets(n, session) and linkable(meeting_link) is None:
        blocks.append(context(no_place(_text(n.payload, "other_name"))))
    return _line(n, _plain(zone)), blocks


@dataclass(frozen=True)
class CalendarDm:
    """A calendar update as it reaches a DM: the `.ics` file, and the blocks
    Slack shows with it (a file upload takes no `text` fallback: the title is it)."""

    filename: str
    title: str
    content: bytes
    blocks: list[Block]


def _calendar_event(
    n: Notification, session: Session | None, meeting_link: str | None, names: Names | None
) -> tuple[CalendarEvent, Method, Notification] | None:
    """The event a calendar update sends, how, and the notice as the line that
    comes with the file tells it (None: there is no event to send).

    The event is the session as stored when the notice is delivered, not as
    the notice's payload recorded it: a notice retried after a later change
    (the invite of a session moved since) would otherwise put the old time in
    a calendar, or offer to add a session cancelled since. The later change's
    own notice sends the same state, so both files agree; a calendar keeps
    the one with the highest SEQUENCE either way. DTSTAMP is when the session
    last changed, so a retry of an unchanged session sends the same bytes.
    The people are named as their profiles say now (`names`: the mentor's and
    the mentee's), else as the notice recorded them."""
    if session is None or session.id != n.session_id or session.calendar_sequence is None:
        return None
    status = event_status(session)
    if status is None:
        return None
    method = Method.CANCEL if status is EventStatus.CANCELLED else Method.REQUEST
    mentor, mentee = (
        names
        if names is not None
        else (
            _text(n.payload, "mentor"),
            _text(n.payload, "mentee"),
        )
    )
    event = CalendarEvent.of(
        session,
        status=status,
        names=(mentor, mentee),
        link=meeting_link,
        noticed_at=n.created_at,
    )
    told = replace(
        n,
        payload={
            **n.payload,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "method": method.value,
            "status": status.value,
            "sequence": session.calendar_sequence,
        },
    )
    return event, method, told


def _calendar_buttons(event: CalendarEvent) -> list[ButtonElement]:
    """Link buttons to the calendars' public "create event" pages (one left
    out when the event makes its address too long for a button)."""
    links = (
        ("Add to Google Calendar", Action.ADD_TO_GOOGLE_CALENDAR, google_calendar_link(event)),
        ("Add to Outlook", Action.ADD_TO_OUTLOOK, outlook_link(event)),
    )
    return [button(label, action_id, url=url) for label, action_id, url in links if linkable(url)]


def calendar_dm(
    n: Notification,
    *,
    session: Session | None,
    meeting_link: str | None,
    zone: str,
    names: Names | None = None,
) -> CalendarDm | None:
    """The file and message for a calendar update (None: it describes no event):
    what changed in one line and, with an invite or update, the buttons that
    add the event to Google Calendar or Outlook."""
    found = _calendar_event(n, session, meeting_link, names)
    if found is None:
        return None
    event, method, told = found
    blocks: list[Block] = [section(f"📅 {notification_text(told, zone)}")]
    if method is Method.REQUEST and (links := _calendar_buttons(event)):
        blocks.append(actions(*links))
    return CalendarDm(
        filename=file_name(event, method),
        title=event.summary,
        content=calendar_file([event], method=method),
        blocks=blocks,
    )


OUTCOME_LINES: Mapping[str, str] = {
    DmOutcome.ACCEPTED: "✅ Accepted by {actor}",
    DmOutcome.DECLINED: "❌ Declined by {actor}",
    DmOutcome.CANCELLED: "🚫 Cancelled by {actor}",
    DmOutcome.MOVED: "🗓️ Moved by {actor}",
    DmOutcome.STARTED: "▶️ Started by {actor}",
    DmOutcome.COMPLETED: "✅ Marked complete by {actor}",
    DmOutcome.NO_SHOW: "Recorded as a no-show by {actor}",
    DmOutcome.FEEDBACK_SENT: "⭐ Feedback sent by {actor} — thank you!",
}
# Other spellings of the same outcomes, as the listeners say them.
OUTCOME_ALIASES: Mapping[str, str] = {
    "marked as a no-show": DmOutcome.NO_SHOW,
    "no-show": DmOutcome.NO_SHOW,
    "rescheduled": DmOutcome.MOVED,
    "feedback sent": DmOutcome.FEEDBACK_SENT,
}


def _outcome_line(session: Session, actor_name: str, outcome: str) -> str:
    key = " ".join(outcome.lower().split())
    key = OUTCOME_ALIASES.get(key, key)
    template = OUTCOME_LINES.get(key)
    if template is not None:
        return template.format(actor=escape(actor_name) or "someone")
    # "already_handled", "already accepted", or anything unknown: say where it stands.
    state = status_label(session.status).lower()
    return f"This was already handled; the session is now {state}."


def _session_line(session: Session, when: TimeFormat) -> str:
    minutes = minutes_between(session.starts_at, session.ends_at)
    line = f"Session on {when(session.starts_at)}, {minutes} min"
    if session.topic.strip():
        line += f": {_quoted(session.topic, MAX_TOPIC_IN_LINE)}"
    return line


def dm_outcome(
    session: Session, *, actor_name: str, outcome: str, zone: str, mentee: bool = False
) -> tuple[str, list[Block]]:
    """What a DM becomes once its button was used: what happened, and no
    buttons but the mentee's Book again (`mentee`: theirs) on a completed
    session, which their feedback does not use up."""
    done = _outcome_line(session, actor_name, outcome)
    blocks: list[Block] = [
        section(_session_line(session, lambda moment: slack_time(moment, zone))),
        context(done),
    ]
    if mentee and session.status is S.COMPLETED:
        blocks.append(actions(book_again_menu(session)))
    return f"{done} — {_session_line(session, _plain(zone))}", blocks
