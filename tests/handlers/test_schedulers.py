"""Three whole bots tick every job at the same simulated minutes through a day of
sessions, over the fake Slack: every notice is DMed exactly once and every
weekly digest is posted exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from bot.jobs import JOBS, run_job
from bot.runtime import build_bot
from tests.dates import MONDAY
from tests.handlers.conftest import Harness
from tests.storage.seed import add_session, add_user, set_actor

CHANNEL = "C0DIGEST"


def _day(engine: Engine) -> None:
    """Maya mentors Ben, Cara and Dev on Monday; one request is never accepted."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        people = {
            slack: add_user(conn, "T1", slack, mentee=True) for slack in ("UBEN", "UCARA", "UDEV")
        }
        for hour, mentee, status in (
            (9, "UBEN", "scheduled"),
            (11, "UCARA", "scheduled"),
            (14, "UDEV", "requested"),
        ):
            add_session(
                conn,
                "T1",
                maya,
                people[mentee],
                starts_at=MONDAY + timedelta(hours=hour),
                status=status,
                created_at=MONDAY - timedelta(days=3),
            )


def _ticks() -> list[datetime]:
    """Every hour at a quarter to, Sunday 08:45 to Wednesday 19:45: a quarter to
    the hour is inside the 15-minute reminders' window of a session on the hour,
    and each other job finds its work at the first tick after it is due. (A tick
    every 15 minutes, 240 ticks of three bots, took this test a minute.)"""
    start = MONDAY - timedelta(hours=16) + timedelta(minutes=45)
    return [start + timedelta(hours=n) for n in range(60)]


def test_three_bots_tick_every_job_and_each_message_goes_out_exactly_once(
    h: Harness, owner_engine: Engine, app_database_url: str
) -> None:
    _day(owner_engine)
    settings = h.bot.settings.model_copy(update={"mentorship_digest_channel": CHANNEL})
    bots = [build_bot(settings, app_database_url, clock=h.clock) for _ in range(3)]
    ticks = _ticks()
    start, done = threading.Barrier(4), threading.Barrier(4)
    errors: list[BaseException] = []

    def scheduler(index: int) -> None:
        names = list(JOBS)
        names = names[index:] + names[:index]  # each bot in its own order
        for _ in ticks:
            start.wait(timeout=60)
            try:
                for name in names:
                    run_job(JOBS[name], bots[index])
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)
            done.wait(timeout=120)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    try:
        for tick in ticks:
            h.clock.set(tick)
            start.wait(timeout=60)
            done.wait(timeout=120)
    finally:
        for thread in threads:
            thread.join(timeout=120)
        for bot in bots:
            bot.engine.dispose()
    assert errors == []

    with owner_engine.connect() as conn:
        notices = Counter(
            dict(
                conn.execute(
                    text(
                        "SELECT u.slack_user_id, count(*) FROM notifications n"
                        " JOIN users u ON u.id = n.recipient_id GROUP BY 1"
                    )
                ).all()
            )
        )
        kinds = Counter(
            dict(conn.execute(text("SELECT kind, count(*) FROM notifications GROUP BY 1")).all())
        )
        undelivered = conn.execute(
            text("SELECT count(*) FROM notifications WHERE delivered_at IS NULL")
        ).scalar_one()
        digests = conn.execute(
            text("SELECT count(*) FROM digests WHERE posted_at IS NOT NULL")
        ).scalar_one()
    # Day-before and 15-minute reminders for both people of both scheduled
    # sessions, a completion prompt and a nudge for each, one expiry notice.
    assert kinds == {"reminder": 8, "complete_prompt": 4, "request_expired": 1}
    assert undelivered == 0
    dms = Counter(
        call.params["channel"]
        for call in h.slack.calls_to("chat.postMessage")
        if call.params["channel"] != CHANNEL
    )
    assert dms == notices
    posts = [
        call for call in h.slack.calls_to("chat.postMessage") if call.params["channel"] == CHANNEL
    ]
    assert len(posts) == digests == 2  # last week's (caught up at once) and Monday's
    assert len({call.text() for call in posts}) == 2
