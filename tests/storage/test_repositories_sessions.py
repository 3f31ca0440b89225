"""The session repository on PostgreSQL, as the real actors: round trips, the
conditional update, overlap refusals (a deadlock included) and history. The
SECURITY DEFINER windows onto sessions a member may not read:
`test_repositories_sessions_windows.py`."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import SlotTaken
from domain.model import HistoryEntry, NewSession, Session, SessionStatus, Slot
from storage.errors import DEADLOCK_DETECTED, sqlstate
from tests.storage.seed import BASE_TIME, Org, add_user, seed_session, set_actor
from tests.storage.sessions_seed import HOUR, S, as_member, as_system

pytestmark = pytest.mark.usefixtures("clean_tables")


def _new(org: Org, at: datetime = BASE_TIME, *, mentee: int | None = None) -> NewSession:
    return NewSession(
        workspace_id="T1",
        mentor_id=org.mentor,
        mentee_id=mentee or org.mentee,
        starts_at=at,
        ends_at=at + timedelta(minutes=30),
        topic="Career growth",
        created_at=BASE_TIME,
    )


# --- round trips ------------------------------------------------------------


def test_a_requested_session_reads_back_as_it_was_written(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        uow.commit()
    with as_member(session_factory, "UMENTOR") as uow:
        assert uow.sessions.get(added.id) == added
        assert uow.sessions.get_for_update(added.id) == added
    assert (added.status, added.topic, added.notes) == (S.REQUESTED, "Career growth", "")
    assert added.created_at is not None


def test_a_session_nobody_may_see_reads_as_missing(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    session_id = seed_session(app_engine, org)
    with as_member(session_factory, "UBYSTANDER") as uow:
        assert uow.sessions.get(session_id) is None
        assert uow.sessions.get_for_update(session_id) is None
    with as_member(session_factory, "UMENTOR") as uow:
        assert uow.sessions.get(session_id + 1000) is None


def test_a_conditional_update_writes_every_mutable_field(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        uow.commit()
    moved = replace(
        added,
        status=S.SCHEDULED,
        starts_at=BASE_TIME + HOUR,
        ends_at=BASE_TIME + HOUR + timedelta(minutes=45),
        topic="Public speaking",
        notes="Practise the intro",
        actual_minutes=44,
        cancel_reason="not cancelled after all",
        previous_starts_at=BASE_TIME,
    )
    # As the system: no participant may write all of these at once (migration 0012).
    with as_system(session_factory) as uow:
        assert uow.sessions.update(moved, expected_status=S.REQUESTED, at=BASE_TIME)
        # The same unit of work reads the new values, not a stale cached row.
        assert uow.sessions.get(added.id) == moved
        uow.commit()
    with as_member(session_factory, "UMENTEE") as uow:
        assert uow.sessions.get(added.id) == moved


def test_a_conditional_update_loses_to_a_change_made_after_the_read(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        uow.commit()
    with as_member(session_factory, "UMENTOR") as mentor:
        seen = mentor.sessions.get(added.id)
        assert seen is not None
        with as_member(session_factory, "UMENTEE") as mentee:
            cancelled = replace(added, status=S.CANCELLED, cancel_reason="Ill")
            assert mentee.sessions.update(cancelled, expected_status=S.REQUESTED, at=BASE_TIME)
            mentee.commit()
        accepted = replace(seen, status=S.SCHEDULED)
        assert not mentor.sessions.update(accepted, expected_status=S.REQUESTED, at=BASE_TIME)
        assert mentor.sessions.get(added.id) == cancelled


def test_a_conditional_update_on_the_times_read_loses_to_a_move_made_after_the_read(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    """The status alone would not tell: a mentee's move keeps it requested."""
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        uow.commit()
    with as_member(session_factory, "UMENTOR") as mentor:
        seen = mentor.sessions.get(added.id)
        assert seen is not None
        with as_member(session_factory, "UMENTEE") as mentee:
            moved = replace(
                added,
                starts_at=added.starts_at + HOUR,
                ends_at=added.ends_at + HOUR,
                previous_starts_at=added.starts_at,
            )
            assert mentee.sessions.update(moved, expected_status=S.REQUESTED, at=BASE_TIME)
            mentee.commit()
        accepted = replace(seen, status=S.SCHEDULED)
        as_seen = Slot(seen.starts_at, seen.ends_at)
        assert not mentor.sessions.update(
            accepted, expected_status=S.REQUESTED, expected_slot=as_seen, at=BASE_TIME
        )
        assert mentor.sessions.get(added.id) == moved
        as_moved = Slot(moved.starts_at, moved.ends_at)
        assert mentor.sessions.update(
            replace(moved, status=S.SCHEDULED),
            expected_status=S.REQUESTED,
            expected_slot=as_moved,
            at=BASE_TIME,
        )


def test_a_locked_session_makes_a_concurrent_conditional_update_wait_and_then_lose(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        uow.commit()
    outcome: list[bool] = []
    started = threading.Event()

    def cancel_meanwhile() -> None:
        with as_member(session_factory, "UMENTEE") as uow:
            started.set()
            cancelled = replace(added, status=S.CANCELLED)
            outcome.append(
                uow.sessions.update(cancelled, expected_status=S.REQUESTED, at=BASE_TIME)
            )
            uow.commit()

    with as_member(session_factory, "UMENTOR") as uow:
        locked = uow.sessions.get_for_update(added.id)
        assert locked is not None
        thread = threading.Thread(target=cancel_meanwhile)
        thread.start()
        started.wait(timeout=10)
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the update should wait for the lock"
        assert uow.sessions.update(
            replace(locked, status=S.SCHEDULED), expected_status=S.REQUESTED, at=BASE_TIME
        )
        uow.commit()
    thread.join(timeout=10)
    assert outcome == [False]
    with as_member(session_factory, "UMENTEE") as uow:
        current = uow.sessions.get(added.id)
    assert current is not None
    assert current.status is S.SCHEDULED


def test_moving_a_session_onto_a_busy_time_raises_slot_taken(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        uow.sessions.add(_new(org, BASE_TIME))
        later = uow.sessions.add(_new(org, BASE_TIME + 2 * HOUR))
        uow.commit()
    onto_the_first = replace(
        later,
        starts_at=BASE_TIME + timedelta(minutes=15),
        ends_at=BASE_TIME + timedelta(minutes=45),
        previous_starts_at=later.starts_at,
    )
    with pytest.raises(SlotTaken), as_member(session_factory, "UMENTEE") as uow:
        uow.sessions.update(onto_the_first, expected_status=S.REQUESTED, at=BASE_TIME)


def _moved(session: Session, starts_at: datetime) -> Session:
    """A mentee's move: the session waits for the mentor again (migration 0012)."""
    return replace(
        session,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=S.REQUESTED,
        previous_starts_at=session.starts_at,
    )


def test_moving_a_session_onto_the_other_participants_busy_time_raises_slot_taken(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    # The bystander's session with the mentor blocks the mentor, whoever moves.
    seed_session(app_engine, org, mentee=org.bystander, status="scheduled")
    with as_member(session_factory, "UMENTEE") as uow:
        mine = uow.sessions.add(_new(org, BASE_TIME + 2 * HOUR))
        uow.commit()
    with pytest.raises(SlotTaken), as_member(session_factory, "UMENTEE") as uow:
        uow.sessions.update(
            _moved(mine, BASE_TIME),
            expected_status=S.REQUESTED,
            at=BASE_TIME,
        )


def test_a_session_may_be_moved_onto_the_time_of_a_cancelled_one(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, status="cancelled")
    with as_member(session_factory, "UMENTEE") as uow:
        mine = uow.sessions.add(_new(org, BASE_TIME + 2 * HOUR))
        assert uow.sessions.update(
            _moved(mine, BASE_TIME), expected_status=S.REQUESTED, at=BASE_TIME
        )


# --- queries ----------------------------------------------------------------


def test_sessions_of_a_person_are_filtered_by_status_and_start_and_ordered(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    first = seed_session(app_engine, org, at=BASE_TIME, status="completed")
    second = seed_session(app_engine, org, at=BASE_TIME + HOUR, status="scheduled")
    third = seed_session(app_engine, org, at=BASE_TIME + 2 * HOUR, status="requested")
    with_bystander = seed_session(app_engine, org, at=BASE_TIME + 3 * HOUR, mentee=org.bystander)
    with as_member(session_factory, "UMENTEE") as uow:
        mine = uow.sessions.for_user(org.mentee)
        assert [s.id for s in mine] == [first, second, third]
        newest = uow.sessions.for_user(org.mentee, newest_first=True, limit=2)
        assert [s.id for s in newest] == [third, second]
        active = uow.sessions.for_user(org.mentee, statuses=[S.REQUESTED, S.SCHEDULED])
        assert [s.id for s in active] == [second, third]
        between = uow.sessions.for_user(
            org.mentee, starts_after=BASE_TIME, starts_before=BASE_TIME + 2 * HOUR
        )
        assert [s.id for s in between] == [second]
        assert uow.sessions.for_user(org.mentee, statuses=[]) == []
    with as_member(session_factory, "UMENTOR") as uow:
        as_mentor = uow.sessions.for_user(org.mentor)
        assert [s.id for s in as_mentor] == [first, second, third, with_bystander]


def test_requests_whose_start_has_come_are_listed_for_the_scheduler(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    due = seed_session(app_engine, org, at=BASE_TIME)
    on_the_minute = seed_session(app_engine, org, at=BASE_TIME + HOUR, mentee=org.bystander)
    seed_session(app_engine, org, at=BASE_TIME + 2 * HOUR)  # still in the future
    seed_session(app_engine, org, at=BASE_TIME - HOUR, status="scheduled")  # accepted
    with as_system(session_factory) as uow:
        found = uow.sessions.starting_between(SessionStatus.REQUESTED, None, BASE_TIME + HOUR)
        assert [s.id for s in found] == [due, on_the_minute]
        assert [
            s.id
            for s in uow.sessions.starting_between(
                SessionStatus.REQUESTED, None, BASE_TIME + HOUR, 1
            )
        ] == [due]


def test_history_reads_back_oldest_first_with_the_time_it_was_given(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        added = uow.sessions.add(_new(org))
        requested = HistoryEntry(
            session_id=added.id,
            workspace_id="T1",
            actor_id=org.mentee,
            from_status=None,
            to_status=S.REQUESTED,
            starts_at=added.starts_at,
            ends_at=added.ends_at,
            at=BASE_TIME - timedelta(days=1),
        )
        uow.sessions.add_history(requested)
        uow.commit()
    with as_system(session_factory) as uow:
        expired = HistoryEntry(
            session_id=added.id,
            workspace_id="T1",
            actor_id=None,
            from_status=S.REQUESTED,
            to_status=S.EXPIRED,
            starts_at=added.starts_at,
            ends_at=added.ends_at,
            reason="Nobody answered",
            at=BASE_TIME,
        )
        uow.sessions.add_history(expired)
        uow.commit()
    with as_member(session_factory, "UMENTOR") as uow:
        history = uow.sessions.history(added.id)
    assert history == [requested, expired]
    with as_member(session_factory, "UBYSTANDER") as uow:
        assert uow.sessions.history(added.id) == []


def test_a_sessions_placement_is_the_history_row_that_gave_it_its_current_time(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    # As the system: a member's history must match the session's state as this
    # transaction left it (migration 0012); these rows are made up.
    with as_system(session_factory) as uow:
        added = uow.sessions.add(_new(org))
        later = added.starts_at + HOUR

        def step(starts_at: datetime, to: SessionStatus) -> int:
            return uow.sessions.add_history(
                HistoryEntry(
                    session_id=added.id,
                    workspace_id="T1",
                    actor_id=org.mentee,
                    from_status=S.REQUESTED,
                    to_status=to,
                    starts_at=starts_at,
                    ends_at=starts_at + HOUR,
                    at=BASE_TIME,
                )
            )

        created = step(added.starts_at, S.REQUESTED)
        assert uow.sessions.slot_changes([added.id]) == {added.id: created}
        step(added.starts_at, S.REQUESTED)  # a change that kept the time
        assert uow.sessions.slot_changes([added.id]) == {added.id: created}
        moved = step(later, S.REQUESTED)
        back = step(added.starts_at, S.REQUESTED)
        assert created < moved < back
        assert uow.sessions.slot_changes([added.id, 999]) == {added.id: back}


def test_two_bookings_deadlocked_on_each_others_overlap_check_end_in_one_slot_taken(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        other_mentor = add_user(conn, "T1", "UOTHERMENTOR", mentor=True)
    eleven = BASE_TIME + 2 * HOUR

    def booking(mentor: int, mentee: int, at: datetime) -> NewSession:
        return NewSession(
            "T1", mentor, mentee, at, at + timedelta(minutes=30), created_at=BASE_TIME
        )

    outcomes: dict[str, object] = {}
    both_hold_a_slot = threading.Barrier(2)

    def book(slack_user_id: str, first: NewSession, second: NewSession) -> None:
        try:
            with as_member(session_factory, slack_user_id) as uow:
                uow.sessions.add(first)
                both_hold_a_slot.wait(timeout=10)
                # Each second booking overlaps the other person's uncommitted
                # first one, so each waits for the other: a deadlock.
                uow.sessions.add(second)
                uow.commit()
            outcomes[slack_user_id] = "booked"
        except SlotTaken as exc:
            outcomes[slack_user_id] = exc

    threads = [
        threading.Thread(
            target=book,
            args=(
                "UMENTEE",
                booking(org.mentor, org.mentee, BASE_TIME),
                booking(other_mentor, org.mentee, eleven),
            ),
        ),
        threading.Thread(
            target=book,
            args=(
                "UBYSTANDER",
                booking(other_mentor, org.bystander, eleven),
                booking(org.mentor, org.bystander, BASE_TIME),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    [booked] = [who for who, outcome in outcomes.items() if outcome == "booked"]
    [lost] = [outcome for outcome in outcomes.values() if isinstance(outcome, SlotTaken)]
    assert booked in {"UMENTEE", "UBYSTANDER"}
    # PostgreSQL broke the deadlock by aborting one booking: the race was lost.
    assert sqlstate(lost.__cause__) == DEADLOCK_DETECTED  # type: ignore[arg-type]
