"""The background jobs against the fake Slack: deliveries survive 429s, 500s, a
Slack that cannot be reached, and a deliverer killed mid-batch; the CLI runs a
job once."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, text

from bot import jobs
from bot.app import make_client
from bot.config import Settings
from bot.runtime import Bot
from bot.standin.slack_api import FakeSlackServer
from domain.analytics import PERIODS
from domain.analytics_ports import ProgrammeTotals
from domain.model import Actor
from handlers.notifier import BATCH, SlackNotifier
from tests.domain.analytics_data import NOW, load_programme
from tests.fakes.analytics import FakeAnalytics
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store
from tests.handlers.conftest import SECRET, Harness, wait_for
from tests.shifted import python_command

NOTICES = 30


@pytest.fixture
def pending(h: Harness, owner_engine: Engine) -> list[str]:
    """Thirty undelivered reminders for Maya, each naming a different person, due
    both by the harness's clock and by the process clock a `mentorbot jobs`
    child runs on (the database's own clock plays no part)."""
    names = [f"Person {n:02d}" for n in range(NOTICES)]
    due = min(h.clock.now(), datetime.now(UTC)) - timedelta(minutes=1)
    with owner_engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name)"
                " VALUES ('T1', 'UMAYA', 'Maya Patel') RETURNING id"
            )
        ).scalar_one()
        for name in names:
            conn.execute(
                text(
                    "INSERT INTO notifications (id, workspace_id, recipient_id, kind, payload,"
                    " created_at, next_attempt_at) VALUES (:id, 'T1', :maya, 'reminder',"
                    " CAST(:payload AS jsonb), :due, :due)"
                ),
                {
                    "id": uuid.uuid4(),
                    "maya": maya,
                    "due": due,
                    "payload": f'{{"other_name": "{name}", "lead_minutes": 15,'
                    f' "starts_at": "{(h.clock.now() + timedelta(minutes=15)).isoformat()}"}}',
                },
            )
    return names


def _outbox(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT payload->>'other_name', delivered_at IS NOT NULL, attempts, last_error"
                    " FROM notifications ORDER BY payload->>'other_name'"
                )
            ).all()
        )


def _dms(h: Harness) -> list[str]:
    return [call.text() for call in h.calls("chat.postMessage", channel="UMAYA")]


def test_a_rate_limit_with_retry_after_delays_the_dm_once_then_it_goes(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    # Two 429s: the client's own single retry meets the second one.
    h.slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    h.bot.deps.notifier.deliver(None)
    first = [row for row in _outbox(owner_engine) if row[3]]
    assert [row[3] for row in first] == ["ratelimited"]
    h.clock.advance(minutes=5)
    h.bot.deps.notifier.deliver(None)
    rows = _outbox(owner_engine)
    assert all(delivered for _, delivered, _, _ in rows)
    assert sorted(_dms(h)) == sorted(set(_dms(h)))  # nothing twice
    assert len(_dms(h)) == NOTICES


def test_server_errors_for_a_while_then_every_notice_arrives_once(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    h.slack.fail("chat.postMessage", status=500, times=6)
    for _ in range(4):
        h.bot.deps.notifier.deliver(None)
        h.clock.advance(minutes=5)
    rows = _outbox(owner_engine)
    assert all(delivered for _, delivered, _, _ in rows)
    assert len(_dms(h)) == NOTICES
    assert len(set(_dms(h))) == NOTICES
    assert max(attempts for _, _, attempts, _ in rows) >= 2


def test_a_slack_that_cannot_be_reached_loses_nothing(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    unreachable = Settings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url="http://127.0.0.1:9/api/",  # nothing listens on the discard port
    )
    cut_off = SlackNotifier(
        make_client(unreachable),
        h.bot.deps.unit_of_work,
        h.clock,
        managers=h.bot.deps.workspaces.is_manager,
    )
    assert cut_off.deliver(None) == 0
    errors = [row[3] for row in _outbox(owner_engine) if row[3]]
    # The first failure stops the run: the rest keep their lease and wait for it.
    assert errors == ["connection: URLError"]
    assert not any(delivered for _, delivered, _, _ in _outbox(owner_engine))
    h.clock.advance(minutes=5)
    assert h.bot.deps.notifier.deliver(None) == NOTICES
    assert len(set(_dms(h))) == NOTICES


def _cli_env(h: Harness, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-jobs",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": h.server.api_url,
    }


def test_a_deliverer_killed_mid_batch_leaves_each_notice_delivered_or_pending(
    h: Harness, pending: list[str], owner_engine: Engine, app_database_url: str
) -> None:
    h.slack.fail("chat.postMessage", delay_s=0.15, times=NOTICES)
    process = subprocess.Popen(
        python_command("-m", "bot.cli", "jobs", "run", "deliver"),
        env=_cli_env(h, app_database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: len(_dms(h)) >= 5, timeout=30)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    sent_before = set(_dms(h))
    for name, delivered, _, _ in _outbox(owner_engine):
        seen = any(name in dm for dm in sent_before)
        # Marked delivered only after Slack took it; never lost either way.
        assert seen or not delivered, name
    h.slack.faults.clear()
    # Past the killed run's leases, which it took on its own (process) clock.
    h.clock.set(max(h.clock.now(), datetime.now(UTC)) + timedelta(minutes=5))
    h.bot.deps.notifier.deliver(None)
    assert all(delivered for _, delivered, _, _ in _outbox(owner_engine))
    dms = _dms(h)
    # The DM in flight when the process died was found in Maya's DM, not sent again.
    assert all(sum(name in dm for dm in dms) == 1 for name in pending)
    assert len(dms) == NOTICES


class Killed(BaseException):
    """The deliverer's process ends here (no `except Exception` stops it)."""


def _killed_after_its_first_dm(h: Harness) -> str:
    """A deliverer claims a batch, sends the first DM and dies before recording
    it; the clock then passes its lease. The DM that went."""
    transactions = 0

    def dies_after_its_first_dm(actor: Actor) -> Any:
        # The claim is its first transaction; recording the first DM its second.
        nonlocal transactions
        transactions += 1
        if transactions > 1:
            raise Killed
        return h.bot.deps.unit_of_work(actor)

    doomed = SlackNotifier(
        make_client(h.bot.settings),
        dies_after_its_first_dm,
        h.clock,
        managers=h.bot.deps.workspaces.is_manager,
    )
    with pytest.raises(Killed):
        doomed.deliver(None)
    [went] = _dms(h)
    h.clock.advance(minutes=5)
    return went


def test_a_deliverer_killed_between_slack_and_its_record_leaves_one_dm(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    went = _killed_after_its_first_dm(h)
    assert not any(delivered for _, delivered, _, _ in _outbox(owner_engine))

    h.bot.deps.notifier.deliver(None)
    dms = _dms(h)
    assert len(dms) == NOTICES
    assert all(sum(name in dm for dm in dms) == 1 for name in pending)
    rows = _outbox(owner_engine)
    assert all(delivered for _, delivered, _, _ in rows)
    # The one that had gone was recorded on its second claim, without a DM.
    assert [attempts for name, _, attempts, _ in rows if name in went] == [2]
    # Only the notices the dead deliverer had claimed were looked for.
    assert len(h.calls("conversations.history")) == BATCH


def test_a_dm_history_slack_will_not_show_sends_the_notice_again_rather_than_lose_it(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    went = _killed_after_its_first_dm(h)
    # An install made before the bot asked for `im:history`.
    h.slack.fail("conversations.history", error="missing_scope", times=BATCH)
    h.bot.deps.notifier.deliver(None)
    assert all(delivered for _, delivered, _, _ in _outbox(owner_engine))
    assert sum(went == dm for dm in _dms(h)) == 2
    assert len(_dms(h)) == NOTICES + 1


def test_a_first_delivery_makes_one_slack_call_per_dm_carrying_its_notice(
    h: Harness, pending: list[str], owner_engine: Engine
) -> None:
    assert h.bot.deps.notifier.deliver(None) == NOTICES
    dm_calls = [c for c in h.slack.calls if c.method != "views.publish"]
    assert {c.method for c in dm_calls} == {"chat.postMessage"}
    assert len(dm_calls) == NOTICES
    with owner_engine.connect() as conn:
        ids = {str(i) for i in conn.execute(text("SELECT id FROM notifications")).scalars()}
    assert {c.params["metadata"]["event_payload"]["id"] for c in dm_calls} == ids


def test_jobs_run_runs_one_job_once_and_exits_zero(
    h: Harness, pending: list[str], app_database_url: str
) -> None:
    for name in ("reminders", "lifecycle", "digest", "analytics", "deliver", "profiles"):
        result = subprocess.run(
            python_command("-m", "bot.cli", "jobs", "run", name),
            env=_cli_env(h, app_database_url),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"{name}: ")
    assert len(_dms(h)) == NOTICES


def test_three_deliverers_at_once_send_each_notice_exactly_once(
    h: Harness, pending: list[str], app_database_url: str
) -> None:
    import threading

    from bot.runtime import build_bot

    bots = [build_bot(h.bot.settings, app_database_url, clock=h.clock) for _ in range(3)]
    start = threading.Barrier(3)

    def run(bot: Any) -> None:
        start.wait(timeout=10)
        for _ in range(3):
            bot.deps.notifier.deliver(None)

    threads = [threading.Thread(target=run, args=(bot,)) for bot in bots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for bot in bots:
        bot.engine.dispose()
    dms = _dms(h)
    assert len(dms) == NOTICES
    assert all(sum(name in dm for dm in dms) == 1 for name in pending)


def test_the_scheduler_only_ticks_and_never_drops_a_late_tick(h: Harness) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    from bot.jobs import JOBS
    from bot.scheduler import INTERVALS, add_jobs

    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, h.bot, JOBS)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    at_start = jobs.pop("analytics-at-start")
    assert set(jobs) == {"deliver", "reminders", "lifecycle", "digest", "analytics", "profiles"}
    assert set(jobs) == set(INTERVALS)
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
    # Snapshots are made at start, not five minutes after a deploy.
    assert isinstance(at_start.trigger, DateTrigger)
    assert at_start.args == (JOBS["analytics"], h.bot)


class BrokenFor(FakeAnalytics):
    """Fails for one workspace, as a row the code did not expect would."""

    def __init__(self, store: Store, broken: str) -> None:
        super().__init__(store)
        self.broken = broken

    def totals(
        self, workspace_id: str | None, since: datetime | None, until: datetime
    ) -> ProgrammeTotals:
        if workspace_id == self.broken:
            name = self.store.users[min(self.store.users)].display_name  # Maya Patel
            raise RuntimeError(f"unexpected row for {name}")
        return super().totals(workspace_id, since, until)


def test_the_analytics_job_goes_on_past_a_workspace_whose_refresh_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store()
    load_programme(store)  # T1 and T2

    def system_uow() -> FakeUnitOfWork:
        uow = FakeUnitOfWork(store, Actor.system())
        uow.analytics = BrokenFor(store, "T1")
        return uow

    with FakeSlackServer() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        bot = SimpleNamespace(
            deps=SimpleNamespace(system_uow=system_uow, clock=FakeClock(NOW)),
            app=SimpleNamespace(client=client),
        )
        with caplog.at_level(logging.ERROR, logger="mentorbot.jobs"):
            written = jobs.analytics(cast(Bot, bot))

    assert written == len(PERIODS)
    assert {workspace for workspace, _period in store.snapshots} == {"T2"}
    # T1 has no snapshot to draw; T2's charts were drawn and uploaded.
    assert {workspace for workspace, _period, _kind in store.charts} == {"T2"}
    assert slack.slack.calls_to("files.getUploadURLExternal")
    (record,) = [r for r in caplog.records if r.name == "mentorbot.jobs"]
    assert record.getMessage().startswith("analytics for T1 failed")
    assert "RuntimeError" in record.getMessage()
    assert "Maya" not in record.getMessage()  # the traceback, never the message
