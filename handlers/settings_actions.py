"""The programme's settings: opened from the managers' App Home (or
`/mentor settings`), and saved the one way whichever surface changes them."""

from __future__ import annotations

from slack_sdk import WebClient

from domain.settings import Saved, change_settings, require_manager
from domain.workspace import Setting, SettingsEdit
from handlers import screens
from handlers.channels import require_postable
from handlers.click import Click, action
from handlers.context import Acting, HandlerDeps
from handlers.ids import Action, Field


@action(Action.OPEN_SETTINGS, opens_modal=True)
def handle_action_open_settings(click: Click) -> None:
    click.open(lambda: screens.settings(click.acting, click.deps))


def save_settings(
    acting: Acting, deps: HandlerDeps, client: WebClient, edit: SettingsEdit
) -> Saved:
    """A manager's change: refused at once for anyone else; a new digest
    channel is checked with Slack before the transaction (never inside it);
    then one transaction writes the settings and their audit, and this
    process's copy of them is replaced."""
    require_manager(acting.actor)
    channel = edit.values.digest_channel
    if Setting.DIGEST_CHANNEL in edit.settings and channel is not None:
        require_postable(client, channel, field=Field.DIGEST_CHANNEL)
    saved = change_settings(
        acting.uow(), deps.clock, edit=edit, floor=deps.workspaces.defaults.managers
    )
    deps.workspaces.saved(acting.team_id, saved.settings)
    return saved
