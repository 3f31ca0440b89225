"""Sends notices as Slack DMs from the outbox, and keeps App Homes fresh.

No transaction is open while Slack is called: the notices are claimed (leased)
in one transaction, sent, then marked in another. A failure leaves the notice in
the outbox with the reason and the time of the next try; a permanent refusal
(the person left Slack, say) is recorded and not retried (see domain.outbox for
the bound on tries). A refusal of the bot's own token pauses the workspace:
nothing more is sent there, and its notices wait, until it is heard from."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import Enum
from uuid import UUID

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.analytics import dashboard
from domain.home import my_home
from domain.installs import heard_from
from domain.model import Actor, Role
from domain.outbox import (
    LEASE,
    Delivery,
    claim_deliveries,
    delivered,
    failed,
    workspace_unreachable,
)
from domain.ports import Clock, UnitOfWork
from handlers.render.home import HomeData, home_view
from handlers.render.notifications import dm_message
from handlers.render.profile import profile_summary
from handlers.render.stats import dashboard_blocks
from handlers.trace import where

log = logging.getLogger(__name__)

DEFAULT_PERIOD = 30  # days of the dashboard on the App Home
# Ten DMs take seconds even when Slack is slow; the lease is minutes.
BATCH = 10
MAX_BATCHES = 20

# Slack's answers that no retry will change.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "channel_not_found",
        "user_disabled",
        "is_archived",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


# Slack's answers that the bot's token no longer works in the workspace: the
# app was uninstalled or its token revoked. No fault of the notice.
TOKEN_ERRORS = frozenset({"account_inactive", "token_revoked", "invalid_auth", "not_authed"})
# How long a process trusts that a workspace it heard from is not paused.
HEARD_FROM_TTL_S = 60.0


class Sent(Enum):
    OK = "ok"
    REFUSED = "refused"  # Slack answered no; recorded, retried later or never
    UNREACHABLE = "unreachable"  # no answer at all
    TOKEN_REFUSED = "token_refused"  # the workspace no longer takes the bot's token


class SlackNotifier:
    def __init__(
        self,
        client: WebClient,
        unit_of_work: Callable[[Actor], UnitOfWork],
        clock: Clock,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self._client = client
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._admins = admins
        self._heard: dict[str, float] = {}  # workspace -> when last resumed (monotonic)
        self._heard_lock = threading.Lock()

    def heard_from(self, team_id: str) -> None:
        """A signed request came from `team_id`, so the app is installed there:
        resume sending if it was paused. Asks the database at most once a
        `HEARD_FROM_TTL_S` per workspace and process."""
        now = time.monotonic()
        with self._heard_lock:
            if now - self._heard.get(team_id, -HEARD_FROM_TTL_S) < HEARD_FROM_TTL_S:
                return
            self._heard[team_id] = now
        if heard_from(self._unit_of_work(Actor.system(team_id))):
            log.info("workspace %s is back: sending again", team_id)

    def forget_heard_from(self, team_id: str) -> None:
        """The workspace was just paused: the next request from it resumes it."""
        with self._heard_lock:
            self._heard.pop(team_id, None)

    def deliver(self, ids: Sequence[UUID] | None) -> int:
        """Send these notices (all that are due when None); returns how many went.

        Claims are small batches, each sent well within its lease: a notice
        whose lease ran out could be claimed and sent again by another process."""
        if ids is not None and not ids:
            return 0
        system = Actor.system()
        sent = 0
        refresh: set[tuple[str, str]] = set()
        for _ in range(MAX_BATCHES):
            started = time.monotonic()
            batch = claim_deliveries(self._unit_of_work(system), self._clock, ids=ids, limit=BATCH)
            # Workspaces whose token Slack refused in this batch, with their notices.
            held: dict[str, tuple[str, list[UUID]]] = {}
            for delivery in batch:
                if time.monotonic() - started > LEASE.total_seconds() / 2:
                    break  # the rest of the batch is claimed again once its lease ends
                workspace_id = delivery.notification.workspace_id
                if workspace_id in held:
                    held[workspace_id][1].append(delivery.notification.id)
                    continue
                outcome, error = self._send(delivery)
                if outcome is Sent.UNREACHABLE:
                    # Slack is down: the rest keep their lease and come back with it.
                    self._hold(held)
                    return self._finish(sent, refresh)
                if outcome is Sent.TOKEN_REFUSED:
                    held[workspace_id] = (error, [delivery.notification.id])
                if outcome is Sent.OK:
                    sent += 1
                    refresh.add((delivery.recipient.workspace_id, delivery.recipient.slack_user_id))
            self._hold(held)
            if len(batch) < BATCH:
                break
        return self._finish(sent, refresh)

    def _hold(self, held: dict[str, tuple[str, list[UUID]]]) -> None:
        for workspace_id, (error, notices) in held.items():
            log.warning("workspace %s refuses the bot's token (%s): paused", workspace_id, error)
            workspace_unreachable(
                self._unit_of_work(Actor.system()),
                self._clock,
                workspace_id=workspace_id,
                error=error,
                held=notices,
            )
            self.forget_heard_from(workspace_id)

    def _finish(self, sent: int, refresh: set[tuple[str, str]]) -> int:
        for team_id, user_id in sorted(refresh):
            self.refresh_home(team_id, user_id)
        return sent

    def _send(self, delivery: Delivery) -> tuple[Sent, str]:
        """How the DM went, and Slack's error code when it was refused."""
        notice, recipient = delivery.notification, delivery.recipient
        text, blocks = dm_message(
            notice,
            recipient=recipient,
            session=delivery.session,
            meeting_link=delivery.meeting_link,
            zone=recipient.time_zone,
        )
        system = self._unit_of_work(Actor.system())
        try:
            self._client.chat_postMessage(channel=recipient.slack_user_id, text=text, blocks=blocks)
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown_error")
            if code in TOKEN_ERRORS:
                return Sent.TOKEN_REFUSED, code
            retry_after = error.response.headers.get("Retry-After") if error.response else None
            log.warning("DM %s to %s failed: %s", notice.id, recipient.slack_user_id, code)
            gave_up = failed(
                system,
                self._clock,
                notice=notice,
                error=code,
                permanent=code in PERMANENT_ERRORS,
                retry_after=timedelta(seconds=int(retry_after)) if retry_after else None,
            )
            if gave_up:
                log.warning(
                    "DM %s to %s given up after %d tries",
                    notice.id,
                    recipient.slack_user_id,
                    notice.attempts,
                )
            return Sent.REFUSED, code
        except OSError as error:  # connection refused, timeouts: Slack unreachable
            log.warning("DM %s to %s failed: %s", notice.id, recipient.slack_user_id, error)
            failed(
                system,
                self._clock,
                notice=notice,
                error=f"connection: {type(error).__name__}",
                permanent=False,
            )
            return Sent.UNREACHABLE, ""
        delivered(system, self._clock, notification_id=notice.id)
        return Sent.OK, ""

    def refresh_home(
        self,
        team_id: str,
        user_id: str,
        *,
        period_days: int | None = DEFAULT_PERIOD,
        notifications_page: int = 1,
    ) -> None:
        """Publish the person's App Home as it is now. Never raises: it follows a
        change that has committed (someone's feedback, a booking), and a Home
        that could not be built or sent must not report that change as failed;
        the next change or visit publishes it again."""
        actor = Actor(team_id, user_id, Role.ADMIN if user_id in self._admins else Role.MEMBER)
        try:
            data = self.home_data(
                actor, period_days=period_days, notifications_page=notifications_page
            )
            self._client.views_publish(user_id=user_id, view=home_view(data))
        except (SlackApiError, OSError) as error:
            log.warning("home of %s not published: %s", user_id, error)
        # Whatever else went wrong (a refusal, a lost connection, a bug) is
        # logged with its traceback, for this Home only.
        except Exception as error:
            log.error("home of %s not built\n%s", user_id, where(error))

    def home_data(
        self,
        actor: Actor,
        *,
        period_days: int | None = DEFAULT_PERIOD,
        notifications_page: int = 1,
    ) -> HomeData:
        snapshot = my_home(self._unit_of_work(actor), self._clock, page=notifications_page)
        overview = snapshot.overview
        board = None
        if actor.role is Role.ADMIN and snapshot.profile is not None:
            figures = dashboard(self._unit_of_work(actor), self._clock, period_days=period_days)
            zone = snapshot.profile.time_zone
            board = dashboard_blocks(figures, zone)
        return HomeData(
            profile=snapshot.profile,
            rating=snapshot.rating,
            upcoming=overview.upcoming,
            pending=overview.pending,
            past=overview.past,
            people=overview.people,
            feedback=overview.feedback,
            meeting_links=overview.meeting_links,
            notifications=snapshot.notifications,
            unread=snapshot.unread,
            now=self._clock.now(),
            dashboard=board,
            profile_blocks=(
                profile_summary(snapshot.profile, snapshot.rating) if snapshot.profile else []
            ),
            has_left=snapshot.has_left,
            undelivered=snapshot.undelivered,
        )
