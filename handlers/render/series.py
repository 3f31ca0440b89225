"""A recurring series as people read it: its notices say how often and list
its sessions' times (each in the reader's own zone), the mentor's request
carries Accept all and Decline all, and once they clicked the message shows
where each session stands. A notice is about a series when its payload names
one (`domain.recurrence.series_payload`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement

from domain.model import NotificationKind, Session
from handlers.ids import Action
from handlers.metadata import SeriesRef
from handlers.render.common import button, context, escape, plain_time, section, slack_time
from handlers.render.sessions import status_label

K = NotificationKind
Payload = Mapping[str, str | int | None]

DONE_LINES = {
    "accepted": "✅ Accepted by {actor}",
    "declined": "❌ Declined by {actor}",
}


def series_id(payload: Payload) -> int | None:
    found = payload.get("series_id")
    return found if isinstance(found, int) else None


def series_starts(payload: Payload) -> list[datetime]:
    """The starts the notice is about, as it listed them; those that do not
    parse as aware instants are left out."""
    raw = payload.get("starts")
    starts = []
    for word in str(raw or "").split():
        try:
            moment = datetime.fromisoformat(word)
        except ValueError:
            continue
        if moment.tzinfo is not None:
            starts.append(moment)
    return starts


def how_often(every_weeks: int | None) -> str:
    if every_weeks is None:
        return "repeating"
    return "every week" if every_weeks == 1 else f"every {every_weeks} weeks"


def _every(payload: Payload) -> int | None:
    found = payload.get("every_weeks")
    return found if isinstance(found, int) else None


def series_line(kind: NotificationKind, payload: Payload, who: str, at: str) -> str | None:
    """The notice about a series in one sentence (None: it is about no series,
    or of a kind that says nothing of one); `at` is its first time."""
    if series_id(payload) is None:
        return None
    count = len(series_starts(payload))
    often = how_often(_every(payload))
    match kind:
        case K.REQUEST_RECEIVED:
            return f"{who} asked for {count} sessions, {often} from {at} — answer them at once"
        case K.REQUEST_ACCEPTED:
            return f"{who} accepted {count} of your sessions, {often} from {at}"
        case K.REQUEST_DECLINED:
            return f"{who} declined your {count} session requests, {often} from {at}"
        case K.CALENDAR_UPDATE:
            return (
                f"Your {count} mentoring sessions with {who}, {often} from {at}"
                " — add them to your calendar"
            )
    return None


def series_dates(payload: Payload, zone: str) -> list[Block]:
    """The times the notice lists, one a line (empty when it lists none)."""
    starts = series_starts(payload)
    if series_id(payload) is None or not starts:
        return []
    return [section("\n".join(f"• {slack_time(moment, zone)}" for moment in starts))]


def series_buttons(payload: Payload) -> list[ButtonElement]:
    """Accept all carries the times the message lists: only sessions still at
    one of them are accepted (a moved one is answered from its own message)."""
    found = series_id(payload)
    if found is None:
        return []
    shown = SeriesRef.shown(found, series_starts(payload)).encode()
    return [
        button("Accept all", Action.ACCEPT_SERIES, shown, style="primary"),
        button("Decline all", Action.DECLINE_SERIES, SeriesRef(series_id=found).encode()),
    ]


def series_outcome(
    sessions: Sequence[Session], *, actor_name: str, outcome: str, zone: str
) -> tuple[str, list[Block]]:
    """What the request DM becomes once answered: each session's time and
    where it stands, and who answered; no buttons."""
    actor = escape(actor_name) or "someone"
    done = DONE_LINES.get(outcome, "This was already answered").format(actor=actor)
    lines = [
        f"• {slack_time(s.starts_at, zone)} — {status_label(s.status).lower()}" for s in sessions
    ]
    blocks: list[Block] = [section("\n".join(lines) or "No sessions."), context(done)]
    first = f", from {plain_time(sessions[0].starts_at, zone)}" if sessions else ""
    return f"{done} — {len(sessions)} sessions{first}", blocks


def series_requested_text(sessions: Sequence[Session], every_weeks: int, zone: str) -> str:
    """The mentee's confirmation of the series they asked for."""
    times = "\n".join(f"• {slack_time(s.starts_at, zone)}" for s in sessions)
    return (
        f"Request sent for {len(sessions)} sessions, {how_often(every_weeks)}. Each time is"
        f" held for you; I'll tell you when they are answered.\n{times}"
    )
