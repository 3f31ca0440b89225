"""A recurring series as people read it: its notices say how often and list
its sessions' times (each in the reader's own zone), the mentor's request
carries Accept all and Decline all, and once they clicked the message shows
where each session stands. A notice is about a series when its payload names
one (`domain.recurrence.series_payload`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement

from domain.model import NotificationKind, Session, SessionStatus
from domain.session_rules import DONE
from handlers.ids import Action
from handlers.metadata import SeriesRef
from handlers.render.common import (
    button,
    context,
    escape,
    place,
    plain_time,
    section,
    slack_time,
)
from handlers.render.sessions import status_label

K = NotificationKind
S = SessionStatus
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


def _adjective(every_weeks: int | None) -> str:
    return {1: "weekly", 2: "fortnightly", 4: "four-weekly"}.get(every_weeks or 0, "recurring")


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
        case K.REQUEST_EXPIRED:
            times = payload.get("times")
            of = times if isinstance(times, int) else count
            return (
                f"Your {_adjective(_every(payload))} series of {of} sessions with {who}"
                f" expired unanswered: {count} of them, from {at}, no longer hold their time"
            )
        case K.CALENDAR_UPDATE:
            return (
                f"Your {count} mentoring sessions with {who}, {often} from {at}"
                " — add them to your calendar"
            )
    return None


def _places(payload: Payload) -> list[int]:
    """Each listed start's place in the series, as the notice gave them (0:
    not known)."""
    return [int(word) if word.isdigit() else 0 for word in str(payload.get("places") or "").split()]


def series_dates(payload: Payload, zone: str) -> list[Block]:
    """The times the notice lists, one a line with its place in the series
    ("2 of 6"; empty when it lists none)."""
    starts = series_starts(payload)
    if series_id(payload) is None or not starts:
        return []
    times = payload.get("times")
    of = times if isinstance(times, int) else None
    places = _places(payload) + [0] * len(starts)
    lines = []
    for moment, number in zip(starts, places, strict=False):
        label = place(number, of)
        lines.append(
            f"• {label} · {slack_time(moment, zone)}" if label else f"• {slack_time(moment, zone)}"
        )
    return [section("\n".join(lines))]


def occurrence_of(payload: Payload, session: Session | None) -> list[Block]:
    """A notice about one session of a series says which one it is (a notice
    about the series lists them all instead)."""
    if session is None or series_id(payload) is not None:
        return []
    label = place(session.series_place, session.series_times)
    return [context(f"Session {label} of a recurring series")] if label else []


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
    sessions: Sequence[Session], *, actor_name: str, outcome: str, zone: str, now: datetime
) -> tuple[str, list[Block]]:
    """What the request DM becomes once answered: each session's time and
    where it stands, and who answered; no buttons. After Accept all, the
    sessions it left as they were are named, each with why."""
    actor = escape(actor_name) or "someone"
    done = DONE_LINES.get(outcome, "This was already answered").format(actor=actor)
    lines = [f"• {_labelled(s, zone)} — {status_label(s.status).lower()}" for s in sessions]
    blocks: list[Block] = [section("\n".join(lines) or "No sessions."), context(done)]
    skipped = [_skipped(s, zone, now) for s in sessions if s.status is not S.SCHEDULED]
    if outcome == "accepted" and skipped:
        blocks.append(section("Not accepted:\n" + "\n".join(skipped)))
    first = f", from {plain_time(sessions[0].starts_at, zone)}" if sessions else ""
    return f"{done} — {len(sessions)} sessions{first}", blocks


def _skipped(session: Session, zone: str, now: datetime) -> str:
    """A session of the series Accept all left as it was, and why."""
    if session.status is not S.REQUESTED:
        why = f"it {DONE[session.status]}"
    elif session.starts_at <= now:
        why = "its time had come"
    else:
        why = "it was moved since; answer it from the message about its move"
    return f"• session {_labelled(session, zone)}: {why}"


def _labelled(session: Session, zone: str) -> str:
    label = place(session.series_place, session.series_times)
    when = slack_time(session.starts_at, zone)
    return f"{label} · {when}" if label else when


def series_requested_text(sessions: Sequence[Session], every_weeks: int, zone: str) -> str:
    """The mentee's confirmation of the series they asked for."""
    times = "\n".join(f"• {_labelled(s, zone)}" for s in sessions)
    return (
        f"Request sent for {len(sessions)} sessions, {how_often(every_weeks)}. Each time is"
        f" held for you; I'll tell you when they are answered.\n{times}"
    )
