"""Sends notices as Slack DMs from the outbox, and keeps App Homes fresh.

No transaction is open while Slack is called: the notices are claimed (leased)
in one transaction, sent, then marked in another. A failure leaves the notice in
the outbox with the reason and the time of the next try; a permanent refusal
(the person left Slack, say) is recorded and not retried."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import Enum
from uuid import UUID

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.analytics import dashboard
from domain.home import my_home
from domain.model import Actor, Role
from domain.outbox import LEASE, Delivery, claim_deliveries, delivered, failed
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
        "account_inactive",
        "user_disabled",
        "is_archived",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


class Sent(Enum):
    OK = "ok"
    REFUSED = "refused"  # Slack answered no; recorded, retried later or never
    UNREACHABLE = "unreachable"  # no answer at all


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
            for delivery in batch:
                if time.monotonic() - started > LEASE.total_seconds() / 2:
                    break  # the rest of the batch is claimed again once its lease ends
                outcome = self._send(delivery)
                if outcome is Sent.UNREACHABLE:
                    # Slack is down: the rest keep their lease and come back with it.
                    return self._finish(sent, refresh)
                if outcome is Sent.OK:
                    sent += 1
                    refresh.add((delivery.recipient.workspace_id, delivery.recipient.slack_user_id))
            if len(batch) < BATCH:
                break
        return self._finish(sent, refresh)

    def _finish(self, sent: int, refresh: set[tuple[str, str]]) -> int:
        for team_id, user_id in sorted(refresh):
            self.refresh_home(team_id, user_id)
        return sent

    def _send(self, delivery: Delivery) -> Sent:
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
            retry_after = error.response.headers.get("Retry-After") if error.response else None
            log.warning("DM %s to %s failed: %s", notice.id, recipient.slack_user_id, code)
            failed(
                system,
                self._clock,
                notification_id=notice.id,
                error=code,
                attempts=notice.attempts,
                permanent=code in PERMANENT_ERRORS,
                retry_after=timedelta(seconds=int(retry_after)) if retry_after else None,
            )
            return Sent.REFUSED
        except OSError as error:  # connection refused, timeouts: Slack unreachable
            log.warning("DM %s to %s failed: %s", notice.id, recipient.slack_user_id, error)
            failed(
                system,
                self._clock,
                notification_id=notice.id,
                error=f"connection: {type(error).__name__}",
                attempts=notice.attempts,
                permanent=False,
            )
            return Sent.UNREACHABLE
        delivered(system, self._clock, notification_id=notice.id)
        return Sent.OK

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
        )
