"""The weekly digest: exactly once per workspace and week however often and
wherever it is claimed, and figures checked by hand. When it is due:
`test_digest_schedule.py`."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.digest import (
    LEASE,
    Digest,
    claim_digest,
    digest_channels,
    mark_digest_posted,
    record_digest_failure,
)
from domain.errors import NotAllowed
from domain.model import (
    Actor,
    Feedback,
    NewProfile,
    NewSession,
    Profile,
    Role,
    SessionStatus,
    SubjectRole,
)
from domain.ports import DigestPlace
from tests.dates import on
from tests.domain.anchors import LAST_MON, MON, NEXT_MON, WED
from tests.domain.conftest import WORKSPACE, People, UowFor
from tests.domain.digest_data import CHANNEL, DIGEST_TIME, MONDAY_9, WEEK
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

S = SessionStatus
# The weekdays of the week the digest of `WEEK` reports on.
LAST_TUE, LAST_WED, LAST_THU, LAST_FRI = (LAST_MON + timedelta(days=n) for n in range(1, 5))


# --- exactly once -----------------------------------------------------------


@pytest.fixture
def system(store: Store, people: People) -> FakeUnitOfWork:
    return FakeUnitOfWork(store, Actor.system())


def _claim(uow_for: UowFor, clock: FakeClock, actor: Actor | None = None) -> list[Digest]:
    uow = uow_for() if actor is None else FakeUnitOfWork(uow_for().store, actor)
    return claim_digest(uow, clock, schedule=MONDAY_9, default_channel=CHANNEL)


def _post(uow_for: UowFor, clock: FakeClock, digest: Digest, ts: str = "1.0") -> bool:
    return mark_digest_posted(
        uow_for(), clock, workspace_id=digest.workspace_id, week=digest.week_start, ts=ts
    )


def test_each_workspace_gets_exactly_one_digest_a_week_however_often_it_is_claimed(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    clock.set(DIGEST_TIME - timedelta(minutes=1))
    [last_week] = _claim(uow_for, clock)  # the previous week's, never posted so far
    assert last_week.week_start == LAST_MON
    assert _post(uow_for, clock, last_week)
    assert _claim(uow_for, clock) == []
    clock.set(DIGEST_TIME)
    [digest] = _claim(uow_for, clock)
    assert (digest.workspace_id, digest.week_start, digest.channel, digest.attempts) == (
        WORKSPACE,
        WEEK,
        CHANNEL,
        1,
    )
    assert _claim(uow_for, clock) == []  # a second scheduler, the same minute
    assert _post(uow_for, clock, digest, "1700000000.000100")
    assert not _post(uow_for, clock, digest, "1700000000.000200")  # a replayed mark
    for later in (LEASE, timedelta(days=2), timedelta(days=6, hours=23)):
        clock.set(DIGEST_TIME + later)
        assert _claim(uow_for, clock) == []
    record = store.digests[WORKSPACE, WEEK]
    assert (record.message_ts, record.posted_at, record.attempts) == (
        "1700000000.000100",
        DIGEST_TIME,
        1,
    )
    clock.set(DIGEST_TIME + timedelta(days=7))
    assert [d.week_start for d in _claim(uow_for, clock)] == [NEXT_MON]


def test_a_digest_missed_during_downtime_is_posted_by_the_next_run(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    clock.set(on(WED, 15, 0))  # Wednesday: down since before Monday 09:00
    [digest] = _claim(uow_for, clock)
    assert digest.week_start == WEEK
    assert (digest.since, digest.until) == (on(LAST_MON, 9), DIGEST_TIME)


def test_after_more_than_a_week_of_downtime_only_the_latest_digest_is_posted(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    clock.set(DIGEST_TIME)
    [stale] = _claim(uow_for, clock)
    record_digest_failure(
        uow_for(), clock, workspace_id=WORKSPACE, week=stale.week_start, error="slack down"
    )
    clock.set(DIGEST_TIME + timedelta(days=9))
    assert [d.week_start for d in _claim(uow_for, clock)] == [NEXT_MON]
    assert _claim(uow_for, clock) == []  # the stale one is not retried any more
    assert store.digests[WORKSPACE, WEEK].posted_at is None


def test_a_digest_whose_poster_died_is_offered_again_once_its_lease_ran_out(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    clock.set(DIGEST_TIME)
    [first] = _claim(uow_for, clock)
    clock.set(DIGEST_TIME + LEASE - timedelta(seconds=1))
    assert _claim(uow_for, clock) == []
    clock.set(DIGEST_TIME + LEASE)
    [again] = _claim(uow_for, clock)
    assert (again.week_start, again.attempts) == (first.week_start, 2)
    assert replace(again, attempts=1) == first  # the same figures


def test_a_failed_post_is_retried_after_a_backoff_and_a_permanent_failure_never(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    clock.set(DIGEST_TIME)
    _claim(uow_for, clock)
    record_digest_failure(uow_for(), clock, workspace_id=WORKSPACE, week=WEEK, error="ratelimited")
    assert store.digests[WORKSPACE, WEEK].last_error == "ratelimited"
    clock.advance(seconds=59)
    assert _claim(uow_for, clock) == []
    clock.advance(seconds=1)  # the first retry comes after a minute
    [retried] = _claim(uow_for, clock)
    assert retried.attempts == 2
    record_digest_failure(
        uow_for(), clock, workspace_id=WORKSPACE, week=WEEK, error="x" * 900, retry_after=LEASE
    )
    assert len(store.digests[WORKSPACE, WEEK].last_error or "") == 500
    clock.advance(minutes=9)
    assert _claim(uow_for, clock) == []  # Slack's Retry-After beats the 2-minute backoff
    clock.advance(minutes=1)
    assert [d.attempts for d in _claim(uow_for, clock)] == [3]
    record_digest_failure(
        uow_for(),
        clock,
        workspace_id=WORKSPACE,
        week=WEEK,
        error="channel_not_found",
        permanent=True,
    )
    clock.advance(days=1)
    assert _claim(uow_for, clock) == []
    assert store.digests[WORKSPACE, WEEK].next_attempt_at is None


def test_a_failure_recorded_after_the_post_succeeded_changes_nothing(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    clock.set(DIGEST_TIME)
    [digest] = _claim(uow_for, clock)
    _post(uow_for, clock, digest)
    record_digest_failure(uow_for(), clock, workspace_id=WORKSPACE, week=WEEK, error="late")
    assert store.digests[WORKSPACE, WEEK].last_error is None


def test_the_system_claims_every_workspace_with_people_or_only_its_own(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, system: FakeUnitOfWork
) -> None:
    store.workspaces.update({"T2", "T3"})  # T3 has nobody: no digest
    store.digest_channels["T2"] = "C0T2"
    system.users.add(NewProfile("T2", "UZED", "Zed", created_at=DIGEST_TIME))
    clock.set(DIGEST_TIME)
    [only_t2] = _claim(uow_for, clock, Actor.system("T2"))
    assert only_t2.workspace_id == "T2"
    assert [d.workspace_id for d in _claim(uow_for, clock)] == [WORKSPACE]
    assert _claim(uow_for, clock) == []
    assert set(store.digests) == {(WORKSPACE, WEEK), ("T2", WEEK)}


def test_only_the_scheduler_handles_the_digest_and_none_goes_without_a_channel(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    admin = uow_for(people.olga, Role.ADMIN)
    with pytest.raises(NotAllowed):
        claim_digest(admin, clock, default_channel=CHANNEL)
    with pytest.raises(NotAllowed):
        mark_digest_posted(admin, clock, workspace_id=WORKSPACE, week=WEEK, ts="1.0")
    with pytest.raises(NotAllowed):
        record_digest_failure(admin, clock, workspace_id=WORKSPACE, week=WEEK, error="x")
    assert claim_digest(uow_for(), clock, default_channel="  ") == []


# --- figures ----------------------------------------------------------------


def _mentor(system: FakeUnitOfWork, slack_id: str, name: str) -> Profile:
    profile = system.users.add(NewProfile(WORKSPACE, slack_id, name, created_at=DIGEST_TIME))
    return system.users.save(
        replace(profile, is_mentor=True, department="Design", expertise=("ux",)), at=DIGEST_TIME
    )


def _held(
    store: Store,
    mentor: Profile,
    mentee: Profile,
    starts_at: datetime,
    status: SessionStatus,
    rating: int | None = None,
) -> None:
    uow = FakeUnitOfWork(store, Actor.system())
    session = uow.sessions.add(
        NewSession(
            WORKSPACE,
            mentor.id,
            mentee.id,
            starts_at,
            starts_at + timedelta(minutes=30),
            "",
            S.REQUESTED,
            created_at=starts_at - timedelta(days=1),
        )
    )
    store.sessions[session.id] = replace(session, status=status)
    if rating is not None:
        store.feedback.append(
            Feedback(session.id, WORKSPACE, mentee.id, mentor.id, SubjectRole.MENTOR, rating)
        )


def test_the_figures_match_a_hand_computation(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, system: FakeUnitOfWork
) -> None:
    maya, ben, cara = people.maya, people.ben, people.cara
    noor = _mentor(system, "UNOOR", "Noor Haddad")
    # The week reported: last Monday 09:00 (included) to this Monday 09:00 (excluded).
    _held(store, maya, ben, on(LAST_TUE, 10), S.COMPLETED, rating=5)
    _held(store, maya, cara, on(LAST_WED, 10), S.COMPLETED, rating=4)
    _held(store, noor, ben, on(LAST_THU, 10), S.COMPLETED, rating=3)
    _held(store, noor, cara, on(LAST_MON, 9), S.CANCELLED)
    _held(store, maya, ben, on(LAST_FRI, 10), S.NO_SHOW)
    _held(store, maya, cara, DIGEST_TIME, S.SCHEDULED)  # the next week's
    # The week before: the Monday before last 09:00 to last Monday 09:00.
    _held(store, maya, ben, on(LAST_MON - timedelta(days=6), 10), S.COMPLETED)  # Tuesday
    _held(store, noor, cara, on(LAST_MON, 8, 59), S.EXPIRED)
    # Older: only in the workspace's all-time mean rating, (5 + 4 + 3 + 1) / 4 = 3.25.
    _held(store, maya, ben, on(LAST_MON - timedelta(days=13), 10), S.COMPLETED, rating=1)  # Tue

    clock.set(on(MON, 9, 5))
    [digest] = _claim(uow_for, clock)
    assert (digest.new_sessions, digest.completed) == (5, 3)
    assert (digest.average_rating, digest.rating_count) == (4.0, 3)
    assert (digest.previous_new_sessions, digest.previous_completed) == (2, 1)
    assert (digest.new_sessions_delta, digest.new_sessions_change) == (3, 1.5)
    assert (digest.completed_delta, digest.completed_change) == (2, 2.0)
    first, second = digest.top_mentors
    # Maya's 2 ratings (4.5 on average; score (5 · 3.25 + 9) / 7, which ranks
    # her among equals) are too few to show a manager: no average, no score.
    assert (first.name, first.completed, first.rating_count, first.average_rating) == (
        "Maya Patel",
        2,
        2,
        None,
    )
    assert first.score is None
    # Booked: two completed and one no-show, 30 minutes each. Offered: six
    # hours on each of the five weekdays of the period.
    assert (first.booked_hours, first.offered_hours) == (1.5, 30.0)
    # Noor's one rating: not shown either (score (5 · 3.25 + 3) / 6).
    assert (second.name, second.completed, second.score) == ("Noor Haddad", 1, None)
    # Sessions of the week per mentor: Maya 3 (python, leadership), Noor 2 (ux),
    # each tag offered by one active mentor; ties by tag.
    assert [(g.tag, g.sessions, g.mentors) for g in digest.expertise] == [
        ("leadership", 3, 1),
        ("python", 3, 1),
        ("ux", 2, 1),
    ]


def test_top_mentors_are_ranked_by_completed_sessions_then_score_then_name(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store, system: FakeUnitOfWork
) -> None:
    maya, ben, cara = people.maya, people.ben, people.cara
    adam = _mentor(system, "UADAM", "adam Young")
    zoe = _mentor(system, "UZOE", "Zoe Lee")
    yan = _mentor(system, "UYAN", "Yan Chen")
    _held(store, zoe, ben, on(LAST_TUE, 10), S.COMPLETED, rating=5)
    _held(store, maya, ben, on(LAST_TUE, 12), S.COMPLETED, rating=4)
    _held(store, adam, cara, on(LAST_TUE, 14), S.COMPLETED)
    _held(store, yan, cara, on(LAST_WED, 14), S.COMPLETED)
    _held(store, yan, ben, on(LAST_THU, 14), S.COMPLETED)
    _held(store, maya, cara, on(LAST_FRI, 14), S.CANCELLED, rating=None)
    clock.set(DIGEST_TIME)
    [digest] = _claim(uow_for, clock)
    # Yan: two completed. Then one each: Zoe (5) and Maya (4) by score, then
    # Adam (no rating) — only the top three.
    assert [m.name for m in digest.top_mentors] == ["Yan Chen", "Zoe Lee", "Maya Patel"]


def test_an_empty_workspace_has_zero_figures_and_no_averages_or_changes(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    clock.set(DIGEST_TIME)
    [digest] = _claim(uow_for, clock)
    assert (digest.new_sessions, digest.completed, digest.rating_count) == (0, 0, 0)
    assert (digest.previous_new_sessions, digest.previous_completed) == (0, 0)
    assert digest.average_rating is None
    assert (digest.top_mentors, digest.expertise) == ([], [])
    assert (digest.new_sessions_delta, digest.completed_delta) == (0, 0)
    assert (digest.new_sessions_change, digest.completed_change) == (None, None)


@pytest.mark.parametrize(
    ("now", "before", "delta", "change"),
    [(4, 2, 2, 1.0), (0, 3, -3, -1.0), (3, 0, 3, None), (0, 0, 0, None), (5, 5, 0, 0.0)],
)
def test_week_over_week_change_never_divides_by_zero(
    now: int, before: int, delta: int, change: float | None
) -> None:
    digest = Digest(WORKSPACE, WEEK, now, now, None, [], before, before)
    assert (digest.new_sessions_delta, digest.new_sessions_change) == (delta, change)
    assert (digest.completed_delta, digest.completed_change) == (delta, change)
    assert change is None or not math.isnan(change)


def test_the_default_channel_serves_the_first_workspace_only_and_a_paused_one_gets_none() -> None:
    places = [
        DigestPlace("T1", None, has_people=True, paused=False),
        DigestPlace("T2", "C0T2", has_people=True, paused=False),
        DigestPlace("T3", None, has_people=True, paused=False),  # no channel of its own
        DigestPlace("T4", "C0T4", has_people=True, paused=True),  # app uninstalled there
        DigestPlace("T5", "C0T5", has_people=False, paused=False),
    ]
    assert digest_channels(places, " C0DEFAULT ") == {"T1": "C0DEFAULT", "T2": "C0T2"}
    assert digest_channels(places, None) == {"T2": "C0T2"}
