"""The only place a Bolt App is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import errors
from bot.config import Settings, require
from bot.deps import Deps, SystemClock
from bot.observe import log_request, observe
from bot.work import AfterAck
from domain.model import Actor
from domain.ports import Clock, UnitOfWork
from domain.settings import Defaults
from handlers import actions, commands, events, views
from handlers.context import resolve_person
from handlers.notifier import SlackNotifier
from handlers.workspaces import Workspaces

# Slack waits 3 s for an acknowledgement, and a trigger_id lives 3 s: a Web API
# call on that path must give up well before (slack-sdk's default is 30 s).
SLACK_TIMEOUT_S = 3


def make_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token
    return WebClient(
        token=token.get_secret_value() if token else None,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_S,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=1),
            ConnectionErrorRetryHandler(max_retry_count=1),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
    )


def create_app(
    settings: Settings,
    unit_of_work: Callable[[Actor], UnitOfWork],
    *,
    clock: Clock | None = None,
    client: WebClient | None = None,
) -> tuple[App, Deps]:
    require(settings, "slack_bot_token", "slack_signing_secret")
    assert settings.slack_signing_secret is not None
    client = client or make_client(settings)
    clock = clock or SystemClock()
    work = AfterAck(
        on_error=errors.handle_unexpected_error,
        finished=log_request,
        workers=settings.mentorship_work_threads,
        queue_limit=settings.mentorship_work_queue,
    )
    workspaces = Workspaces(
        unit_of_work,
        Defaults(
            managers=settings.mentorship_admins,
            policy=settings.booking_policy(),
            schedule=settings.digest_schedule(),
        ),
    )
    deps = Deps(
        unit_of_work=unit_of_work,
        notifier=SlackNotifier(
            client,
            unit_of_work,
            clock,
            managers=workspaces.is_manager,
            later=work.later,
            home_every_s=settings.mentorship_home_every_s,
            meeting_template=settings.mentorship_meeting_url_template,
            matching=settings.match_policy(),
        ),
        work=work,
        workspaces=workspaces,
        clock=clock,
        matching=settings.match_policy(),
        public_url=settings.mentorship_public_url,
        meeting_template=settings.mentorship_meeting_url_template,
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # auth.test at start would make start-up depend on Slack being reachable.
        token_verification_enabled=False,
        # Each listener runs on the thread answering Slack and returns once it
        # has acked: the ack goes when it returns, never polled for, and what
        # follows runs on `work`, the pool apart from the threads answering Slack.
        process_before_response=True,
    )
    observe(app)

    @app.middleware
    def provide_deps(context: dict[str, Any], next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    app.middleware(resolve_person)
    for listeners in (commands, actions, views, events):
        listeners.register(app)
    errors.register(app)
    return app, deps
