"""Events API listeners. Slack retries events (and may send a retry while the
first attempt still runs), so each event acts once: `app_home_opened` keyed by
its event_id; the others change nothing when applied again.

Slack's lifecycle events: `user_change` (a deactivated or deleted account
leaves the programme; a new name, time zone or title is taken, as the
`profiles` job takes them for someone first seen while Slack could not say),
`app_uninstalled` and `tokens_revoked` (sending to the workspace stops; its
data is kept). They may come from a workspace the bot has never seen (nothing
to do then). Any other signed request from a paused workspace shows that the
app is installed there again, and resumes sending (see domain.installs)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.installs import app_removed
from domain.membership import slack_account_changed
from domain.model import Actor
from domain.profiles import unnamed_people
from handlers import outcome
from handlers.context import Acting, HandlerDeps
from handlers.listen import BUSY_OUTCOME
from handlers.notifier import TOKEN_ERRORS
from handlers.slack_users import SlackUser, slack_user
from handlers.trace import where

log = logging.getLogger("mentorbot.events")

# People asked about again per run of the `profiles` job, in each process that
# runs the jobs (no lease: asking twice is harmless): Slack allows `users.info`
# about 100 times a minute, and a run every 10 minutes asks at most this many.
ASKED_PER_RUN = 20
RUN_STOPPERS = TOKEN_ERRORS | {"ratelimited"}
# The events that say the app is gone: they must not count as hearing from it.
REMOVALS = frozenset({"app_uninstalled", "tokens_revoked"})


def handle_event_app_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    """Acked at once (Bolt acks events before the listener); the Home is
    published after the ack."""
    if event.get("tab") != "home" or context["person"] is None:
        return
    deps: HandlerDeps = context["deps"]
    slot = deps.work.reserve(body, context, client)
    slot.acked()
    if not slot.granted:
        outcome.set(BUSY_OUTCOME)  # the Home shows what it showed; the next visit publishes
        slot.finish()
        return
    acting: Acting = context["person"]
    slot.run(lambda: _home_opened(deps, acting, str(body.get("event_id") or "")))


def _home_opened(deps: HandlerDeps, acting: Acting, event_id: str) -> None:
    # First sight also records the workspace the event id belongs to.
    acting.known(lambda: deps.notifier.home_opened(acting.viewer(), event_id))


def resume_sending(
    body: dict[str, Any], req: BoltRequest, context: dict[str, Any], next: Callable[[], None]
) -> None:
    """Middleware: a signed request from a workspace resumes sending there. Not a
    retry (Slack retries what it sent before, perhaps before the uninstall)."""
    event = body.get("event")
    removal = isinstance(event, dict) and event.get("type") in REMOVALS
    retry = bool(req.headers.get("x-slack-retry-num"))
    team_id = context.get("team_id")
    if team_id and not removal and not retry:
        context["deps"].notifier.heard_from(str(team_id))
    next()


def handle_event_user_change(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    deps: HandlerDeps = context["deps"]
    user = event.get("user") or {}
    # The workspace the event came from, where the profile lives; a user's own
    # team_id differs in Enterprise Grid and Slack Connect.
    team_id = str(body.get("team_id") or user.get("team_id") or "")
    if not team_id or not user.get("id"):
        return
    said = slack_user(user)
    slack_id = str(user["id"])
    _after_ack(deps, body, context, client, lambda: _account_changed(deps, team_id, slack_id, said))


def ask_slack_again(client: WebClient, deps: HandlerDeps, *, limit: int = ASKED_PER_RUN) -> int:
    """The `profiles` job: Slack is asked again about people first seen while
    it could not say who they are (their Slack id as name), and what first
    sight had to make up is filled in from its answer (a deleted account
    leaves, as on a `user_change` event). A refusal or a timeout skips that
    person; rate limited or shut out, the run stops. Whoever is left is asked
    at a later run. Returns how many Slack told of."""
    told = 0
    for team_id, slack_id in unnamed_people(deps.system_uow(), limit=limit):
        try:
            said = slack_user(client.users_info(user=slack_id).get("user"))
        except SlackApiError as error:
            # Rate limited (the client has waited once already) or no longer let
            # in: asking about the rest now would fare no better than the next run.
            if str(error.response.get("error")) in RUN_STOPPERS:
                break
            continue
        except OSError:
            continue
        if not (said.display_name or said.deleted):
            continue
        try:
            _account_changed(deps, team_id, slack_id, said, fill_only=True)
        # Whatever failed (a lock held too long, a lost connection) concerns this
        # person's transaction only: it was rolled back, and the rest go on.
        except Exception as error:
            log.error("profile of %s in %s not taken\n%s", slack_id, team_id, where(error))
            continue
        told += 1
    return told


def _account_changed(
    deps: HandlerDeps, team_id: str, slack_id: str, said: SlackUser, *, fill_only: bool = False
) -> None:
    changed = slack_account_changed(
        deps.unit_of_work(Actor.system(team_id)),
        deps.clock,
        slack_user_id=slack_id,
        deleted=said.deleted,
        display_name=said.display_name,
        time_zone=said.time_zone,
        title=said.title,
        fill_only=fill_only,
    )
    if changed.written:
        # The system's notices wait in the outbox: claimed here, sent now.
        deps.notifier.deliver(changed.written)


def _after_ack(
    deps: HandlerDeps,
    body: dict[str, Any],
    context: dict[str, Any],
    client: WebClient,
    work: Callable[[], None],
) -> None:
    """Run `work` after the ack; when the pool is full, here and now (a change
    Slack tells of once must not be dropped)."""
    slot = deps.work.reserve(body, context, client)
    slot.acked()
    if slot.granted:
        slot.run(work)
        return
    try:
        work()
    except Exception as error:
        slot.fail(error)
        return
    slot.finish()


def handle_event_app_uninstalled(
    body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    deps: HandlerDeps = context["deps"]
    _after_ack(deps, body, context, client, lambda: _removed(deps, body, "app_uninstalled"))


def handle_event_tokens_revoked(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    # Only the bot's token matters: the app holds no user tokens.
    if (event.get("tokens") or {}).get("bot"):
        deps: HandlerDeps = context["deps"]
        _after_ack(deps, body, context, client, lambda: _removed(deps, body, "tokens_revoked"))


def _removed(deps: HandlerDeps, body: dict[str, Any], because: str) -> None:
    team_id = str(body.get("team_id") or "")
    if team_id:
        app_removed(deps.unit_of_work(Actor.system(team_id)), deps.clock, because=because)
        deps.notifier.forget_heard_from(team_id)


def register(app: App) -> None:
    app.middleware(resume_sending)
    app.event("app_home_opened")(handle_event_app_home_opened)
    app.event("user_change")(handle_event_user_change)
    app.event("app_uninstalled")(handle_event_app_uninstalled)
    app.event("tokens_revoked")(handle_event_tokens_revoked)
