"""The dashboard's part of the benchmark: its snapshots made current before the
screens are measured, and the per-mentor CSV export timed until Slack has the file."""

from __future__ import annotations

import time

from bench.harness import BenchFailure, BotUnderTest, Timed
from bot.jobs import JOBS, run_job
from bot.standin import payloads
from handlers.ids import Action
from handlers.metadata import PeriodRef


def refresh_snapshots(bot: BotUnderTest) -> str:
    """Run the `analytics` job once: a fresh seed has its snapshots already
    (nothing to do), a reused or older database gets them now."""
    began = time.perf_counter()
    written = run_job(JOBS["analytics"], bot.bot)
    return f"analytics job: {written} snapshots written in {time.perf_counter() - began:.1f} s"


def export_csv(bot: BotUnderTest, user_id: str, days: int | None) -> Timed:
    """The dashboard's export button; seen when the file is shared in the DM
    (files.completeUploadExternal, the last of the upload's three calls)."""
    payload = payloads.block_action(user_id, Action.STATS_EXPORT, PeriodRef(days=days).encode())
    mark = bot.calls.mark()
    began = time.perf_counter()
    reply = bot.sender.interaction(payload)
    acked = time.perf_counter()
    if reply.status != 200:
        raise BenchFailure(f"HTTP {reply.status}: {reply.body[:200]}")
    call, seen = bot.calls.wait_for(
        mark, lambda call: call.method == "files.completeUploadExternal", user_id=user_id
    )
    return Timed(began, acked - began, seen - began, reply, call)
