"""The background jobs, each one tick's work; `mentorbot jobs run NAME` runs one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot.runtime import Bot
from domain.reminders import send_due_reminders

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


def run_job(job: Job, bot: Bot) -> int:
    done = job(bot)
    if done:
        log.info("%s: %d done", job.__name__, done)
    return done


JOBS: dict[str, Job] = {"deliver": deliver, "reminders": reminders}
