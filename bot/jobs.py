"""The background jobs, each one tick's work; `mentorbot jobs run NAME` runs one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from bot.runtime import Bot
from domain.analytics import refresh_workspace, snapshot_workspaces
from domain.lifecycle import run_lifecycle
from domain.reminders import send_due_reminders
from handlers.charts import publish_charts
from handlers.digests import post_digests
from handlers.events import ask_slack_again
from handlers.trace import where

log = logging.getLogger("mentorbot.jobs")

Job = Callable[[Bot], int]


def deliver(bot: Bot) -> int:
    """DMs from the outbox that are due (new, or due for a retry)."""
    return bot.deps.notifier.deliver(None)


def reminders(bot: Bot) -> int:
    leads = [timedelta(minutes=m) for m in bot.settings.mentorship_reminder_minutes]
    written = send_due_reminders(bot.deps.system_uow(), bot.deps.clock, leads=leads)
    if written:
        deliver(bot)  # now, rather than at the next delivery tick
    return written


def lifecycle(bot: Bot) -> int:
    """Expire unaccepted requests, start sessions at their time, ask mentors to
    complete them (and nudge once more a day later)."""
    report = run_lifecycle(bot.deps.system_uow, bot.deps.clock)
    done = report.expired + report.started + report.prompted
    if report.expired or report.prompted:
        deliver(bot)
    return done


def digest(bot: Bot) -> int:
    """Each workspace's weekly digest that is due, on its own schedule (the
    environment's where its managers set none)."""
    settings = bot.settings
    return post_digests(
        bot.app.client,
        bot.deps.system_uow,
        bot.deps.clock,
        schedule=settings.digest_schedule(),
        default_channel=settings.mentorship_digest_channel,
    )


def analytics(bot: Bot) -> int:
    """Every workspace's dashboard snapshots that are due (see domain.analytics),
    then the charts of those whose figures changed, drawn and uploaded (see
    handlers.charts). A workspace whose refresh fails is logged and the others
    are refreshed; its charts are still brought up to its last snapshot."""
    written = 0
    for workspace_id in snapshot_workspaces(bot.deps.system_uow):
        try:
            written += refresh_workspace(
                bot.deps.system_uow, bot.deps.clock, workspace_id, timer=time.perf_counter
            )
        # Whatever failed (a row the code did not expect, a statement timeout, a
        # lost connection) concerns this workspace's transaction only: it was
        # rolled back, and the next workspaces must not wait for a fix.
        except Exception as error:
            log.error("analytics for %s failed\n%s", workspace_id, where(error))
        try:
            publish_charts(bot.app.client, bot.deps.system_uow, bot.deps.clock, workspace_id)
        # As above: a chart that cannot be drawn or recorded leaves the text
        # figures, which the Home and digest show without it, and the next
        # workspaces' charts.
        except Exception as error:
            log.error("charts for %s failed\n%s", workspace_id, where(error))
    return written


def profiles(bot: Bot) -> int:
    """People first seen while Slack could not say who they are (named by
    their Slack id): asked about again, their name, zone and title taken."""
    return ask_slack_again(bot.app.client, bot.deps)


def run_job(job: Job, bot: Bot) -> int:
    done = job(bot)
    if done:
        log.info("%s: %d done", job.__name__, done)
    return done


JOBS: dict[str, Job] = {
    "deliver": deliver,
    "reminders": reminders,
    "lifecycle": lifecycle,
    "digest": digest,
    "analytics": analytics,
    "profiles": profiles,
}
