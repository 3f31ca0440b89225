"""Background jobs. APScheduler only ticks; what there is to do, and who does it,
is decided by rows in PostgreSQL (idempotency keys, digest records, leased or
skip-locked claims), so any number of `serve` or `scheduler` processes may run
the same jobs at once."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.jobs import JOBS, Job, run_job
from bot.runtime import Bot

# Seconds between ticks. A tick that finds nothing to do costs one query.
INTERVALS: dict[str, int] = {
    "deliver": 5,
    "reminders": 60,
    "lifecycle": 60,
    "digest": 300,
    # Dashboard snapshots: `domain.analytics` states the staleness this gives.
    "analytics": 300,
    # Asking Slack again about people it could not tell of at first sight.
    "profiles": 600,
}
# Run once as soon as the scheduler starts too: after a deploy that changed the
# snapshots' format, no snapshot is servable, and until the first tick (five
# minutes later) every dashboard would be computed live (seconds at a million
# sessions). The job's lease keeps replicas starting together from racing.
AT_START = ("analytics",)


def add_jobs(scheduler: BaseScheduler, bot: Bot, jobs: dict[str, Job]) -> None:
    for name, job in jobs.items():
        interval = INTERVALS[name]
        # A failing tick is logged by APScheduler and the next tick runs as usual.
        scheduler.add_job(
            run_job,
            "interval",
            args=(job, bot),
            seconds=interval,
            id=name,
            # A late tick is run once, whatever the delay: the rows say what is due.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    for name in AT_START:
        # No trigger: APScheduler runs it once, now.
        scheduler.add_job(run_job, args=(jobs[name], bot), id=f"{name}-at-start")


def start_background(bot: Bot) -> BackgroundScheduler:
    """The scheduler inside `serve` (one per worker: safe, see the module doc)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, bot, JOBS)
    scheduler.start()
    return scheduler


def run_forever(bot: Bot) -> None:
    """`mentorbot scheduler`: the jobs alone, in the foreground."""
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, bot, JOBS)
    scheduler.start()
