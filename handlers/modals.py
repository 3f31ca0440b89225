"""Opening modals within the trigger_id's 3 seconds: a small view at once, the real
one (built after the slow work) in its place, or the reason there is none."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.models.views import View

from domain.errors import DomainError
from handlers import outcome
from handlers.render.common import section

TITLE = "Mentorship"


def _notice(text: str) -> View:
    return View(type="modal", title=TITLE, close="Close", blocks=[section(text)])


def open_modal(
    client: WebClient, trigger_id: str, build: Callable[[], View], *, push: bool = False
) -> None:
    opener = client.views_push if push else client.views_open
    opened = opener(trigger_id=trigger_id, view=_notice(":hourglass_flowing_sand: Loading…"))
    view_id = opened["view"]["id"]
    try:
        view = build()
    except DomainError as error:
        outcome.refused(error)
        view = _notice(error.message)
    client.views_update(view_id=view_id, view=view)
