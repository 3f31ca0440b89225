"""The background jobs through the real unit of work on PostgreSQL, as the
system actor: the lifecycle, the completion prompts and the weekly digest.
Several schedulers at once: `test_jobs_schedulers_storage.py`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.digest import LEASE, claim_digest, mark_digest_posted, record_digest_failure
from domain.lifecycle import LifecycleReport, prompt_completion, run_lifecycle
from domain.model import Actor, Delivery, Role
from domain.outbox import Failure, claim_deliveries, delivered, failed, settle
from domain.sessions import cancel
from storage.uow import SqlUnitOfWork
from tests.dates import on
from tests.fakes.uow import FakeClock
from tests.storage.jobs_world import (
    CHANNEL,
    DAY,
    MONDAY_9,
    T2_CHANNEL,
    TUESDAY_9,
    TUESDAY_930,
    WEEK,
    S,
    World,
)

pytestmark = pytest.mark.usefixtures("clean_tables")


def _notices(world: World, kind: str) -> list[tuple[object, ...]]:
    return world.rows(
        "SELECT session_id, recipient_id, idempotency_key, payload FROM notifications"
        " WHERE kind = :kind ORDER BY created_at, idempotency_key",
        kind=kind,
    )


# --- lifecycle ----------------------------------------------------------------


def test_a_session_starts_then_its_mentor_is_prompted_and_nudged_once_on_postgres(
    world: World,
) -> None:
    session_id = world.session("UMAYA", "UBEN", TUESDAY_9)
    clock = FakeClock(TUESDAY_9 - timedelta(minutes=1))
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    clock.set(TUESDAY_9)
    assert run_lifecycle(world.system, clock) == LifecycleReport(started=1)
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    assert world.rows(
        "SELECT actor_id, from_status, to_status, created_at FROM session_history"
        " WHERE session_id = :s",
        s=session_id,
    ) == [(None, "scheduled", "ongoing", TUESDAY_9)]

    clock.set(TUESDAY_930)
    assert run_lifecycle(world.system, clock) == LifecycleReport(prompted=1)
    assert prompt_completion(world.system(), clock) == 0
    clock.set(TUESDAY_930 + timedelta(hours=24))
    assert prompt_completion(world.system(), clock) == 1
    assert prompt_completion(world.system(), clock) == 0

    prompt, nudge = _notices(world, "complete_prompt")
    start = TUESDAY_9.isoformat()
    assert prompt[:3] == (session_id, world.ids["UMAYA"], f"complete_prompt:{session_id}:{start}")
    assert nudge[:3] == (session_id, world.ids["UMAYA"], f"complete_nudge:{session_id}:{start}")
    assert prompt[3]["other_name"] == "Ben Okafor"  # type: ignore[index]
    assert nudge[3]["nudge"] == 1  # type: ignore[index]


def test_finished_sessions_are_neither_started_nor_prompted_on_postgres(world: World) -> None:
    for hour, status in ((9, S.COMPLETED), (10, S.NO_SHOW), (11, S.CANCELLED), (12, S.DECLINED)):
        world.session("UMAYA", "UBEN", on(WEEK + DAY, hour), status=status)  # Tuesday
    clock = FakeClock(on(WEEK + DAY, 13))
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    clock.advance(hours=24)
    assert run_lifecycle(world.system, clock) == LifecycleReport()
    assert _notices(world, "complete_prompt") == []


def test_a_scheduler_skips_the_ended_sessions_another_scheduler_holds(world: World) -> None:
    first = world.session("UMAYA", "UBEN", TUESDAY_9, status=S.ONGOING)
    second = world.session("UNOOR", "UCARA", TUESDAY_9, status=S.SCHEDULED)
    world.session("UXIA", "UYUSUF", TUESDAY_9, status=S.COMPLETED)
    running = (S.SCHEDULED, S.ONGOING)
    with world.system() as one:
        held = one.sessions.ending_between(running, None, TUESDAY_930, limit=1)
        assert [s.id for s in held] == [first]
        with world.system() as two:
            assert [s.id for s in two.sessions.ending_between(running, None, TUESDAY_930)] == [
                second
            ]
    with world.system() as three:
        assert three.sessions.ending_between(running, TUESDAY_930, TUESDAY_930 + LEASE) == []
        assert three.sessions.ending_between([S.ONGOING], TUESDAY_9, TUESDAY_930)[0].id == first


def test_the_system_lists_the_workspaces_that_have_people(world: World) -> None:
    with world.system() as uow:
        assert uow.workspaces.with_people() == ["T1", "T2"]


# --- weekly digest -------------------------------------------------------------


def test_the_digest_is_claimed_once_posted_once_and_figured_by_postgres(world: World) -> None:
    # The week reported: last Monday 09:00 to this Monday (WEEK) 09:00 UTC.
    world.session("UMAYA", "UBEN", on(WEEK - 6 * DAY, 10), status=S.COMPLETED, rating=5)
    world.session("UNOOR", "UCARA", on(WEEK - 5 * DAY, 10), status=S.COMPLETED, rating=3)
    world.session("UNOOR", "UDEV", on(WEEK - 7 * DAY, 9), status=S.CANCELLED)
    world.session("UMAYA", "UCARA", on(WEEK, 9), status=S.SCHEDULED)  # the next week
    world.session("UMAYA", "UDEV", on(WEEK - 13 * DAY, 10), status=S.COMPLETED)  # the week before
    world.session("UXIA", "UYUSUF", on(WEEK - 6 * DAY, 10), status=S.COMPLETED, rating=2)  # T2

    wednesday = on(WEEK + 2 * DAY, 15)
    clock = FakeClock(wednesday)  # Monday's digest is still due
    digests = claim_digest(world.system(), clock, schedule=MONDAY_9, default_channel=CHANNEL)
    assert [(d.workspace_id, d.week_start, d.attempts) for d in digests] == [
        ("T1", WEEK, 1),
        ("T2", WEEK, 1),
    ]
    t1 = digests[0]
    # Two ratings (5 and 3): too few for the channel to see their average.
    assert (t1.new_sessions, t1.completed, t1.average_rating, t1.rating_count) == (3, 2, None, 2)
    assert (t1.previous_new_sessions, t1.previous_completed) == (1, 1)
    assert (t1.new_sessions_change, t1.completed_change) == (2.0, 1.0)
    # One completed each, ranked by score: the T1 mean rating is (5 + 3) / 2 = 4,
    # Maya (5 * 4 + 5) / 6 before Noor. One rating each: too few for the
    # channel to see an average or score.
    assert [
        (m.name, m.completed, m.rating_count, m.average_rating, m.score) for m in t1.top_mentors
    ] == [("Maya Patel", 1, 1, None, None), ("Noor Haddad", 1, 1, None, None)]
    assert claim_digest(world.system(), clock, schedule=MONDAY_9, default_channel=CHANNEL) == []

    for digest in digests:
        assert mark_digest_posted(
            world.system(), clock, workspace_id=digest.workspace_id, week=WEEK, ts="17.000100"
        )
    assert not mark_digest_posted(world.system(), clock, workspace_id="T1", week=WEEK, ts="18")
    clock.advance(days=3)
    assert claim_digest(world.system(), clock, schedule=MONDAY_9, default_channel=CHANNEL) == []
    assert world.rows(
        "SELECT workspace_id, week, channel, posted_at, message_ts, attempts FROM digests"
        " ORDER BY workspace_id"
    ) == [
        ("T1", WEEK, CHANNEL, wednesday, "17.000100", 1),
        ("T2", WEEK, T2_CHANNEL, wednesday, "17.000100", 1),
    ]


def test_a_failed_or_abandoned_digest_is_offered_again_on_postgres(world: World) -> None:
    clock = FakeClock(on(WEEK, 9))  # Monday 09:00, when the digest falls due
    one = SqlUnitOfWork(world.factory, Actor.system("T1"))
    [digest] = claim_digest(one, clock, default_channel=CHANNEL)
    assert digest.workspace_id == "T1"
    clock.advance(minutes=9)
    [t2] = claim_digest(world.system(), clock, default_channel=CHANNEL)
    assert t2.workspace_id == "T2"
    mark_digest_posted(world.system(), clock, workspace_id="T2", week=WEEK, ts="2.0")
    clock.advance(minutes=1)  # T1's poster died: its lease ran out
    [again] = claim_digest(world.system(), clock, default_channel=CHANNEL)
    assert (again.workspace_id, again.attempts) == ("T1", 2)
    record_digest_failure(
        world.system(), clock, workspace_id="T1", week=WEEK, error="service_unavailable"
    )
    clock.advance(minutes=1)  # backoff after the second attempt: two minutes
    assert claim_digest(world.system(), clock, default_channel=CHANNEL) == []
    clock.advance(minutes=1)
    [third] = claim_digest(world.system(), clock, default_channel="COTHER")
    assert (third.attempts, third.channel) == (3, CHANNEL)  # the channel it was claimed for
    record_digest_failure(
        world.system(), clock, workspace_id="T1", week=WEEK, error="not_in_channel", permanent=True
    )
    clock.advance(hours=5)
    assert claim_digest(world.system(), clock, default_channel=CHANNEL) == []
    assert world.rows(
        "SELECT attempts, next_attempt_at, last_error, posted_at FROM digests"
        " WHERE workspace_id = 'T1'"
    ) == [(3, None, "not_in_channel", None)]


def test_admins_read_their_own_workspaces_digests_and_members_none(world: World) -> None:
    clock = FakeClock(on(WEEK, 9))  # Monday 09:00, when the digest falls due
    claim_digest(world.system(), clock, default_channel=CHANNEL)
    with world.uow("UOLGA", role=Role.ADMIN) as uow:
        record = uow.digests.get("T1", WEEK)
        assert record is not None
        assert record.channel == CHANNEL
        assert uow.digests.get("T2", WEEK) is None
    with world.uow("UBEN") as uow:
        assert uow.digests.get("T1", WEEK) is None


# --- the outbox: a claim whose outcome was never recorded ------------------------


def _claim_later(world: World, clock: FakeClock) -> list[Delivery]:
    """Past every lease and backoff: claim what is due."""
    clock.advance(hours=2)
    return claim_deliveries(world.system(), clock)


def test_a_notice_whose_deliverer_recorded_no_answer_is_claimed_again_as_maybe_sent(
    world: World,
) -> None:
    session_id = world.session("UMAYA", "UBEN", TUESDAY_9)
    clock = FakeClock(TUESDAY_930)
    run_lifecycle(world.system, clock)  # the mentor's prompt to complete it
    [first] = claim_deliveries(world.system(), clock)
    assert (first.notification.session_id, first.notification.maybe_sent) == (session_id, False)
    # The deliverer dies here, between Slack and the record.
    [again] = _claim_later(world, clock)
    assert again.notification.maybe_sent
    # Slack refused it: nothing went, so the next try is an ordinary send.
    failed(world.system(), clock, notice=again.notification, error="ratelimited", permanent=False)
    [refused] = _claim_later(world, clock)
    assert not refused.notification.maybe_sent
    # No answer at all (a lost connection): Slack may have taken it.
    lost = Failure(refused.notification, "connection: TimeoutError", False, maybe_sent=True)
    settle(world.system(), clock, failures=[lost])
    [last] = _claim_later(world, clock)
    assert last.notification.maybe_sent
    delivered(world.system(), clock, notification_id=last.notification.id)
    assert world.rows("SELECT delivered_at, sending_since, attempts FROM notifications") == [
        (clock.now(), None, 4)
    ]


def test_a_notice_claimed_as_written_by_a_request_that_died_is_claimed_as_maybe_sent(
    world: World,
) -> None:
    session_id = world.session("UMAYA", "UBEN", TUESDAY_9)
    clock = FakeClock(TUESDAY_9 - DAY)
    outcome = cancel(world.uow("UBEN"), clock, session_id=session_id, reason="Ill")
    assert outcome.notices
    assert not any(d.notification.maybe_sent for d in outcome.notices)
    # The request's process is killed before it sends them: the outbox may not
    # know whether it did.
    claimed = _claim_later(world, clock)
    assert {d.notification.id for d in claimed} == {d.notification.id for d in outcome.notices}
    assert all(d.notification.maybe_sent for d in claimed)
