"""What every button and select listener shares: the click, decoded once, and
the wrapper that acks, runs one action as the person who clicked, and turns a
refusal into a message to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from domain.errors import Conflict, DomainError
from handlers import outcome
from handlers.context import HandlerDeps, Who, ensure_known, who
from handlers.metadata import Carried, SessionMessageRef, decode
from handlers.modals import open_modal

STALE = "That button no longer works. Please use the latest message or the Home tab."
M = TypeVar("M", bound=Carried)


class Click:
    """One interaction: who clicked, where, and what the element carried."""

    def __init__(
        self, body: dict[str, Any], client: WebClient, respond: Respond, deps: HandlerDeps
    ) -> None:
        self.body, self.client, self.respond, self.deps = body, client, respond, deps
        self.person: Who = who(body)
        action = (body.get("actions") or [{}])[0]
        self.value = action.get("value") or (action.get("selected_option") or {}).get("value")
        container = body.get("container") or {}
        self.in_message = container.get("type") == "message"
        self.in_modal = (body.get("view") or {}).get("type") == "modal"
        self.channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        self.ts = container.get("message_ts")

    def carried(self, model: type[M]) -> M:
        found = decode(model, self.value)
        if found is None:
            raise DomainError(STALE)
        return found

    def uow(self) -> Any:
        return self.deps.uow(self.person.team_id, self.person.user_id)

    def tell(self, text: str) -> None:
        """A short private answer where the person clicked."""
        if self.in_message and self.body.get("response_url"):
            self.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            self.client.chat_postMessage(channel=self.person.user_id, text=text)

    def open(self, build: Callable[[], Any]) -> None:
        """Open a modal, or stack it on the modal the click came from."""
        open_modal(self.client, self.body["trigger_id"], build, push=self.in_modal)

    def message_ref(self, session_id: int) -> str:
        channel, ts = (self.channel, self.ts) if self.in_message else (None, None)
        return SessionMessageRef(session_id=session_id, channel=channel, ts=ts).encode()


Listener = Callable[[Click], None]
Handler = Callable[..., None]


def listener(run: Listener, *, opens_modal: bool = False, on_session_dm: bool = False) -> Handler:
    """Ack, then run; a refusal becomes a message to the person who clicked.

    `opens_modal`: the modal's builder identifies the person once the modal is
    open, within the trigger's 3 seconds. `on_session_dm`: the button sits on a
    session's DM, which a conflict replaces."""

    def handle(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]
    ) -> None:
        ack()
        click = Click(body, client, respond, context["deps"])
        try:
            if not opens_modal:
                ensure_known(click.deps, client, click.person)
            run(click)
        except Conflict as error:
            outcome.refused(error)
            if click.in_message and on_session_dm:
                # A stale DM button (someone acted first): replace the message, so it
                # cannot be clicked again.
                click.respond(text=error.message, replace_original=True)
            else:
                click.tell(error.message)
        except DomainError as error:
            outcome.refused(error)
            click.tell(error.message)

    handle.__name__ = f"handle_action_{run.__name__.lstrip('_')}"
    return handle
