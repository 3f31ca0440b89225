"""What every button and select listener shares: the click, decoded once, and
the wrapper that acks, runs the listener after the ack (on the pool for work
after acks), turns a refusal into a message to the person who clicked, and
hands the committed notices to delivery."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.errors import Conflict, DomainError, SessionMoved
from domain.home import Viewer
from domain.model import Delivery
from domain.ports import UnitOfWork
from handlers import outcome
from handlers.context import Acting, HandlerDeps, Person
from handlers.ids import Action
from handlers.listen import BUSY, BUSY_OUTCOME, named_after
from handlers.metadata import Carried, SessionMessageRef, decode
from handlers.modals import open_modal
from handlers.render.sessions import moved_text

STALE = "That button no longer works. Please use the latest message or the Home tab."
M = TypeVar("M", bound=Carried)


class Click:
    """One interaction: who clicked, where, and what the element carried."""

    def __init__(
        self,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        deps: HandlerDeps,
        acting: Acting,
    ) -> None:
        self.body, self.client, self.respond, self.deps = body, client, respond, deps
        self.acting = acting
        action = (body.get("actions") or [{}])[0]
        self.value = action.get("value") or (action.get("selected_option") or {}).get("value")
        container = body.get("container") or {}
        self.in_message = container.get("type") == "message"
        self.in_modal = (body.get("view") or {}).get("type") == "modal"
        self.channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        self.ts = container.get("message_ts")
        self.notices: list[Delivery] = []
        self.homes: list[Viewer] = []

    @property
    def me(self) -> Person:
        """The person who clicked (resolved once for the request)."""
        return self.acting.get()

    def carried(self, model: type[M]) -> M:
        found = decode(model, self.value)
        if found is None:
            raise DomainError(STALE)
        return found

    def uow(self) -> UnitOfWork:
        return self.acting.uow()

    def changed(self, notices: Sequence[Delivery] = ()) -> None:
        """A change committed: its notices go out, and the clicker's Home is
        published again, once the listener has returned."""
        self.notices.extend(notices)
        self.homes.append(self.acting.viewer())

    def tell(self, text: str, blocks: Sequence[Block] | None = None) -> None:
        """A short private answer where the person clicked."""
        if self.in_message and self.body.get("response_url"):
            self.respond(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        else:
            self.client.chat_postMessage(channel=self.acting.user_id, text=text, blocks=blocks)

    def open(self, build: Callable[[], View]) -> None:
        """Open a modal, or stack it on the modal the click came from."""
        open_modal(self.client, self.body["trigger_id"], build, push=self.in_modal)

    def message_ref(self, session_id: int) -> str:
        channel, ts = (self.channel, self.ts) if self.in_message else (None, None)
        return SessionMessageRef(session_id=session_id, channel=channel, ts=ts).encode()


Listener = Callable[[Click], None]
Handler = Callable[..., None]

# Every button and select listener, by its action id (see `action`).
LISTENERS: dict[Action, Handler] = {}


def action(
    action_id: Action, *, opens_modal: bool = False, on_session_dm: bool = False
) -> Callable[[Listener], Handler]:
    """Make `run` the listener of `action_id`: ack at once, then run it after
    the ack as the person who clicked (made known first, if this is the first
    time they are seen); a refusal becomes a message to them.

    `opens_modal`: the modal's builder resolves the person once the modal is
    open, within the trigger's 3 seconds. `on_session_dm`: the button sits on a
    session's DM, which a conflict replaces (so that it cannot be clicked again)."""

    def decorate(run: Listener) -> Handler:
        @named_after(run)
        def handle(
            ack: Ack,
            body: dict[str, Any],
            client: WebClient,
            respond: Respond,
            context: dict[str, Any],
        ) -> None:
            deps: HandlerDeps = context["deps"]
            click = Click(body, client, respond, deps, context["person"])
            slot = deps.work.reserve(body, context, client)
            ack()
            slot.acked()
            if not slot.granted:
                outcome.set(BUSY_OUTCOME)
                click.tell(BUSY)
                slot.finish()
                return
            slot.run(lambda: _run(run, click, opens_modal, on_session_dm))

        LISTENERS[action_id] = handle
        return handle

    return decorate


def _run(run: Listener, click: Click, opens_modal: bool, on_session_dm: bool) -> None:
    try:
        if not opens_modal:
            click.acting.get()
        run(click)
    except Conflict as error:
        outcome.refused(error)
        said = _conflict_text(error, click)
        if click.in_message and on_session_dm:
            # A stale DM button (someone acted first, or the session moved since
            # the message was sent): replace the message, so it cannot be
            # clicked again.
            click.respond(text=said, replace_original=True)
        else:
            click.tell(said)
    except DomainError as error:
        outcome.refused(error)
        click.tell(error.message)
    if click.notices or click.homes:
        click.deps.notifier.send(click.notices, click.homes)


def _conflict_text(error: Conflict, click: Click) -> str:
    """A conflict in words; a move shows the new time in the reader's zone."""
    if isinstance(error, SessionMoved):
        return moved_text(error, click.me.zone)
    return error.message
