"""Who sees what: the Web API calls the bot made, as the things that appear on
people's screens (and in channels) in Slack."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bot.standin.payloads import Where
from bot.standin.signing import Reply
from bot.standin.slack_api import Call
from bot.standin.text import Painter

_MODAL_CALLS = frozenset({"views.open", "views.push", "views.update"})


class Kind(StrEnum):
    """How something appeared, in the words the transcripts use."""

    DM = "a direct message"
    POST = "a message"  # in a channel
    PRIVATE = "a private message"  # chat.postEphemeral
    REPLY = "a private reply"  # to a command or a click
    REPLY_IN_CHANNEL = "a reply in the channel"
    REPLACED = "the message changes to"  # the one that was clicked
    DELETED = "the message is deleted"
    UPDATED = "an earlier message changes to"  # chat.update
    MODAL = "a modal"
    HOME = "the App Home"
    FILE = "a file"  # shared through files.completeUploadExternal


REPLIES = frozenset({Kind.REPLY, Kind.REPLY_IN_CHANNEL, Kind.REPLACED})


class Record(Protocol):
    """What the stand-in knows beyond a call itself: Slack's answer to it, and
    whom the calls that do not name a person are for."""

    def answer(self, call: Call) -> Mapping[str, Any] | None:
        """Slack's answer; None while (or when) it has not given one."""

    def reply_to(self, call: Call) -> tuple[str, Where] | None:
        """For a post to a response URL: the person it answers, and where it lands."""

    def opener(self, call: Call) -> str | None:
        """For a views.* call: the person whose modal it opens or changes."""

    def file(self, file_id: str) -> tuple[str, str] | None:
        """An uploaded file's name and content."""


@dataclass(frozen=True)
class Sight:
    """One thing that appeared: a message, a change to one, a modal, a Home tab, a file."""

    audience: str  # a Slack user id, or a channel id
    kind: Kind
    params: Mapping[str, Any]  # what the bot sent
    where: Where | None = None  # a message's place, which a click in it reports
    view_id: str | None = None  # a modal's or Home tab's id, which a click in it reports

    @property
    def is_view(self) -> bool:
        return self.kind in (Kind.MODAL, Kind.HOME)

    @property
    def headline(self) -> str:
        """What the person does, in words: "sees a direct message", "receives a file"."""
        return f"receives {self.kind}" if self.kind is Kind.FILE else f"sees {self.kind}"

    def view(self) -> dict[str, Any]:
        """The modal or Home tab, with its id when Slack gave it one."""
        raw = self.params["view"]
        view = dict(json.loads(raw) if isinstance(raw, str) else raw)
        if self.view_id:
            view["id"] = self.view_id
        return view

    def message(self) -> dict[str, Any]:
        """The message, blocks decoded."""
        blocks = self.params.get("blocks")
        return {**self.params, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}

    def render(self, painter: Painter) -> str:
        if self.is_view:
            return painter.view(self.view())
        if self.kind is Kind.FILE:
            # Slack shows the blocks shared with a file, unless a comment came too.
            comment = self.params.get("initial_comment")
            said = painter.mrkdwn(str(comment)) if comment else painter.message(self.message())
            files = [painter.file(name, content) for name, content in self.params["shared"]]
            return "\n".join([said, *files] if said else files)
        return painter.message(self.message())


def _person(channel: str) -> str:
    """A DM's channel is the person's user id, or `D` + it in the stand-in."""
    return channel[1:] if channel.startswith("D") else channel


def _reply_kind(params: Mapping[str, Any]) -> Kind:
    if params.get("delete_original"):
        return Kind.DELETED
    if params.get("replace_original"):
        return Kind.REPLACED
    if params.get("response_type") == "in_channel":
        return Kind.REPLY_IN_CHANNEL
    return Kind.REPLY


def _message(call: Call, answer: Mapping[str, Any] | None) -> Sight:
    params = call.params
    channel = str(params.get("channel") or "")
    audience = _person(channel)
    if call.method == "chat.update":
        return Sight(audience, Kind.UPDATED, params, Where(channel, str(params.get("ts"))))
    kind = Kind.DM if audience[:1] in ("U", "W") else Kind.POST
    # Slack's answer says where the message went (a DM's channel, not the user's id).
    where = Where(str(answer["channel"]), str(answer["ts"])) if answer else None
    return Sight(audience, kind, params, where)


def _shared(call: Call, record: Record) -> Sight:
    params = call.params
    raw = params.get("files") or "[]"
    files = json.loads(raw) if isinstance(raw, str) else raw
    shared = [record.file(str(f["id"])) or (str(f.get("title") or f["id"]), "") for f in files]
    channel = str(params.get("channel_id") or params.get("channels") or "")
    return Sight(_person(channel), Kind.FILE, {**params, "shared": shared})


def sight(call: Call, record: Record) -> Sight | None:
    """What `call` shows and to whom; None for calls nobody sees, and for calls
    Slack refused (nothing appeared)."""
    params = call.params
    answer = record.answer(call)
    if answer is not None and not answer.get("ok"):
        return None
    if call.method == "response_url":
        reply = record.reply_to(call)
        return Sight(reply[0], _reply_kind(params), params, reply[1]) if reply else None
    if call.method in ("chat.postMessage", "chat.update"):
        return _message(call, answer)
    if call.method == "chat.postEphemeral":
        ts = str((answer or {}).get("message_ts") or "")
        where = Where(str(params.get("channel")), ts, ephemeral=True)
        return Sight(str(params.get("user")), Kind.PRIVATE, params, where)
    view_id = params.get("view_id") or ((answer or {}).get("view") or {}).get("id")
    if call.method in _MODAL_CALLS:
        opener = record.opener(call)
        return Sight(opener, Kind.MODAL, params, view_id=view_id) if opener else None
    if call.method == "views.publish":
        return Sight(str(params.get("user_id")), Kind.HOME, params, view_id=view_id)
    if call.method == "files.completeUploadExternal":
        return _shared(call, record)
    return None


def sights(calls: Iterable[Call], record: Record) -> list[Sight]:
    """What `calls` show, in order. Of several modals or Home tabs for one
    person only the last counts: it replaced the others on the screen (a
    modal opens with "Loading…" and is replaced once built)."""
    found = [s for call in calls if (s := sight(call, record))]
    last_view = {(s.audience, s.kind): index for index, s in enumerate(found) if s.is_view}
    return [
        s
        for index, s in enumerate(found)
        if not s.is_view or last_view[(s.audience, s.kind)] == index
    ]


def _ack(reply: Reply) -> dict[str, Any]:
    body = reply.json() if reply.body.startswith("{") else None
    return body if isinstance(body, dict) else {}


def field_errors(reply: Reply) -> dict[str, str]:
    """The errors (by block id) a form submission was answered with, if any."""
    body = _ack(reply)
    return dict(body.get("errors") or {}) if body.get("response_action") == "errors" else {}


def acked_modal(reply: Reply, actor: str, submitted_id: str | None = None) -> Sight | None:
    """The modal a submission was answered with (`update` replaces the form and
    keeps its id, `submitted_id`; `push` stacks a new one on it): it appears
    without any Web API call."""
    body = _ack(reply)
    action = body.get("response_action")
    if action in ("update", "push"):
        view_id = submitted_id if action == "update" else None
        return Sight(actor, Kind.MODAL, {"view": body["view"]}, view_id=view_id)
    return None
