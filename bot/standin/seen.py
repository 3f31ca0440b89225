"""Who sees what: the Web API calls the bot made, as the things that appear on
people's screens (and in channels) in Slack."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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


REPLIES = frozenset({Kind.REPLY, Kind.REPLY_IN_CHANNEL, Kind.REPLACED})


@dataclass(frozen=True)
class Sight:
    """One thing that appeared: a message, a change to one, a modal, a Home tab."""

    audience: str  # a Slack user id, or a channel id
    kind: Kind
    params: Mapping[str, Any]  # what the bot sent

    @property
    def is_view(self) -> bool:
        return self.kind in (Kind.MODAL, Kind.HOME)

    def view(self) -> dict[str, Any]:
        """The modal or Home tab, with its id when the bot named it."""
        raw = self.params["view"]
        view = dict(json.loads(raw) if isinstance(raw, str) else raw)
        if self.params.get("view_id"):
            view["id"] = self.params["view_id"]
        return view

    def message(self) -> dict[str, Any]:
        """The message, blocks decoded."""
        blocks = self.params.get("blocks")
        return {**self.params, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}

    def render(self, painter: Painter) -> str:
        return painter.view(self.view()) if self.is_view else painter.message(self.message())

    def blocks(self) -> list[dict[str, Any]]:
        return list((self.view() if self.is_view else self.message()).get("blocks") or [])


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


def sight(call: Call, *, actor: str | None, responders: Mapping[str, str]) -> Sight | None:
    """What `call` shows and to whom; None for calls nobody sees. Modals are
    shown to `actor`: only the person acting has a trigger to open one with."""
    params = call.params
    if call.method == "response_url":
        audience = responders.get(str(params.get("response_url_id")))
        return Sight(audience, _reply_kind(params), params) if audience else None
    if call.method in ("chat.postMessage", "chat.update"):
        channel = _person(str(params.get("channel") or ""))
        kind = Kind.DM if channel[:1] in ("U", "W") else Kind.POST
        return Sight(channel, Kind.UPDATED if call.method == "chat.update" else kind, params)
    if call.method == "chat.postEphemeral":
        return Sight(str(params.get("user")), Kind.PRIVATE, params)
    if call.method in _MODAL_CALLS and actor is not None:
        return Sight(actor, Kind.MODAL, params)
    if call.method == "views.publish":
        return Sight(str(params.get("user_id")), Kind.HOME, params)
    return None


def sights(
    calls: Iterable[Call], *, actor: str | None, responders: Mapping[str, str]
) -> list[Sight]:
    """What `calls` show, in order. Of several modals or Home tabs for one
    person only the last counts: it replaced the others on the screen (a
    modal opens with "Loading…" and is replaced once built)."""
    found = [s for call in calls if (s := sight(call, actor=actor, responders=responders))]
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


def acked_modal(reply: Reply, actor: str) -> Sight | None:
    """The modal a submission was answered with (`update` replaces the form,
    `push` stacks one on it): it appears without any Web API call."""
    body = _ack(reply)
    if body.get("response_action") in ("update", "push"):
        return Sight(actor, Kind.MODAL, {"view": body["view"]})
    return None
