"""Availability, feedback and notifications on PostgreSQL, as the real actors:
round trips, ownership, idempotent notices and the unit of work's list of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import Conflict, InvalidInput, NotAllowed
from domain.model import (
    Actor,
    ExtraSlot,
    Feedback,
    MentorRating,
    Notification,
    NotificationKind,
    Schedule,
    SubjectRole,
    TimeOff,
    WeeklySlot,
)
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, Org, add_session, completed_session, make_org, set_actor

EXTRA_DAY = BASE_TIME.date() + timedelta(days=18)  # a Saturday some weeks ahead
OFF = BASE_TIME.date() + timedelta(days=23)  # a Thursday after it

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(app_engine: Engine) -> Org:
    return make_org(app_engine)


def _as(factory: sessionmaker[OrmSession], slack_user_id: str) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.member("T1", slack_user_id))


# --- availability -----------------------------------------------------------


def test_a_schedule_reads_back_weekly_slots_time_off_and_extra_slots_with_ids(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with _as(session_factory, "UMENTOR") as uow:
        tuesday = uow.availability.add_weekly("T1", org.mentor, WeeklySlot(1, time(14), time(16)))
        monday = uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(9), time(12)))
        off = uow.availability.add_time_off("T1", org.mentor, TimeOff(OFF, OFF + timedelta(days=7)))
        extra = uow.availability.add_extra(
            "T1", org.mentor, ExtraSlot(EXTRA_DAY, time(10), time(11, 30))
        )
        uow.commit()
    assert None not in (monday.id, tuesday.id, off.id, extra.id)
    assert monday == WeeklySlot(0, time(9), time(12), id=monday.id)
    with _as(session_factory, "UMENTEE") as uow:
        schedule = uow.availability.schedule(org.mentor)
    assert schedule == Schedule(weekly=(monday, tuesday), time_off=(off,), extra=(extra,))


def test_schedules_of_several_people_load_at_once_with_an_empty_one_for_nobody(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with _as(session_factory, "UMENTOR") as uow:
        slot = uow.availability.add_weekly("T1", org.mentor, WeeklySlot(2, time(9), time(10)))
        uow.commit()
    with _as(session_factory, "UMENTEE") as uow:
        schedules = uow.availability.schedules(iter([org.mentor, org.mentee]))
        assert uow.availability.schedules([]) == {}
    assert schedules == {org.mentor: Schedule(weekly=(slot,)), org.mentee: Schedule()}


def test_availability_is_removed_only_by_its_owner_and_only_of_its_own_kind(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with _as(session_factory, "UMENTOR") as uow:
        slot = uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(9), time(10)))
        uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(13), time(14)))
        off = uow.availability.add_time_off("T1", org.mentor, TimeOff(OFF, OFF))
        extra = uow.availability.add_extra(
            "T1", org.mentor, ExtraSlot(EXTRA_DAY, time(10), time(11))
        )
        uow.commit()
    assert slot.id is not None
    assert off.id is not None
    assert extra.id is not None
    with _as(session_factory, "UMENTEE") as uow:
        assert not uow.availability.remove_weekly(org.mentor, slot.id)
        assert uow.availability.clear_weekly(org.mentor) == 0
        assert not uow.availability.remove_time_off(org.mentor, off.id)
        uow.commit()
    with _as(session_factory, "UMENTOR") as uow:
        assert not uow.availability.remove_extra(org.mentor, off.id)  # wrong kind
        assert not uow.availability.remove_time_off(org.mentor, extra.id)
        assert uow.availability.remove_weekly(org.mentor, slot.id)
        assert not uow.availability.remove_weekly(org.mentor, slot.id)
        assert uow.availability.remove_time_off(org.mentor, off.id)
        assert uow.availability.remove_extra(org.mentor, extra.id)
        assert uow.availability.clear_weekly(org.mentor) == 1
        assert uow.availability.schedule(org.mentor) == Schedule()


def test_bad_availability_is_refused_with_a_readable_error(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with pytest.raises(InvalidInput), _as(session_factory, "UMENTOR") as uow:
        uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(12), time(9)))
    with pytest.raises(InvalidInput), _as(session_factory, "UMENTOR") as uow:
        uow.availability.add_time_off(
            "T1",
            org.mentor,
            TimeOff(OFF, OFF - timedelta(days=4)),  # ends before it begins
        )
    with _as(session_factory, "UMENTOR") as uow:
        uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(9), time(10)))
        with pytest.raises(Conflict):
            uow.availability.add_weekly("T1", org.mentor, WeeklySlot(0, time(9), time(11)))


# --- feedback ---------------------------------------------------------------


def _feedback(org: Org, session_id: int, *, by_mentee: bool, rating: int) -> Feedback:
    return Feedback(
        session_id=session_id,
        workspace_id="T1",
        author_id=org.mentee if by_mentee else org.mentor,
        subject_id=org.mentor if by_mentee else org.mentee,
        subject_role=SubjectRole.MENTOR if by_mentee else SubjectRole.MENTEE,
        rating=rating,
        comment="Thanks" if by_mentee else "",
    )


def test_feedback_reads_back_per_session_and_about_a_person_newest_first(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    first = completed_session(app_engine, org, days=0)
    second = completed_session(app_engine, org, days=1)
    with _as(session_factory, "UMENTEE") as uow:
        older = uow.feedback.add(_feedback(org, first, by_mentee=True, rating=4), at=BASE_TIME)
        uow.commit()
    with _as(session_factory, "UMENTEE") as uow:
        newer = uow.feedback.add(
            _feedback(org, second, by_mentee=True, rating=2), at=BASE_TIME + timedelta(minutes=1)
        )
        uow.commit()
    with _as(session_factory, "UMENTOR") as uow:
        about_mentee = uow.feedback.add(
            _feedback(org, first, by_mentee=False, rating=5), at=BASE_TIME + timedelta(minutes=2)
        )
        uow.commit()
    assert older.id is not None
    assert older.created_at is not None
    assert replace(older, id=None, created_at=None) == _feedback(
        org, first, by_mentee=True, rating=4
    )
    with _as(session_factory, "UMENTOR") as uow:
        assert uow.feedback.for_session(first) == [older, about_mentee]
        assert uow.feedback.for_sessions([first, second, 999]) == {
            first: [older, about_mentee],
            second: [newer],
            999: [],
        }
        assert uow.feedback.about(org.mentor) == [newer, older]
        assert uow.feedback.about(org.mentor, limit=1) == [newer]
        assert uow.feedback.about(org.mentee) == [about_mentee]
    with _as(session_factory, "UBYSTANDER") as uow:
        assert uow.feedback.for_session(first) == []


def test_a_mentors_rating_follows_the_mentees_feedback_only(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    first = completed_session(app_engine, org, days=0)
    second = completed_session(app_engine, org, days=1)
    with _as(session_factory, "UBYSTANDER") as uow:
        assert uow.feedback.rating(org.mentor) == MentorRating(org.mentor, 0, None)
    with _as(session_factory, "UMENTEE") as uow:
        uow.feedback.add(_feedback(org, first, by_mentee=True, rating=4), at=BASE_TIME)
        uow.feedback.add(_feedback(org, second, by_mentee=True, rating=5), at=BASE_TIME)
        uow.commit()
    with _as(session_factory, "UMENTOR") as uow:
        uow.feedback.add(_feedback(org, first, by_mentee=False, rating=1), at=BASE_TIME)
        uow.commit()
    with _as(session_factory, "UBYSTANDER") as uow:
        assert uow.feedback.rating(org.mentor) == MentorRating(org.mentor, 2, 4.5)
        assert uow.feedback.rating(org.mentee) == MentorRating(org.mentee, 0, None)


def test_feedback_twice_on_one_session_is_a_conflict(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    session_id = completed_session(app_engine, org)
    with _as(session_factory, "UMENTEE") as uow:
        uow.feedback.add(_feedback(org, session_id, by_mentee=True, rating=4), at=BASE_TIME)
        uow.commit()
    with pytest.raises(Conflict), _as(session_factory, "UMENTEE") as uow:
        uow.feedback.add(_feedback(org, session_id, by_mentee=True, rating=1), at=BASE_TIME)


# --- notifications ----------------------------------------------------------


def _notice(
    org: Org,
    recipient: int,
    *,
    minutes: int = 0,
    key: str | None = None,
    session_id: int | None = None,
) -> Notification:
    return Notification(
        id=uuid4(),
        workspace_id="T1",
        recipient_id=recipient,
        kind=NotificationKind.REQUEST_RECEIVED,
        session_id=session_id,
        payload={"topic": "Growth", "minutes": minutes, "note": None},
        created_at=BASE_TIME + timedelta(minutes=minutes),
        idempotency_key=key,
    )


def test_notices_read_back_newest_first_a_page_at_a_time(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    notices = [_notice(org, org.mentee, minutes=n) for n in range(5)]
    with _as(session_factory, "UMENTEE") as uow:
        assert all(uow.notifications.add(notice) for notice in notices)
        uow.commit()
    with _as(session_factory, "UMENTEE") as uow:
        first = uow.notifications.list_for(org.mentee, limit=2, offset=0)
        rest = uow.notifications.list_for(org.mentee, limit=10, offset=2)
    assert first == [notices[4], notices[3]]
    assert rest == [notices[2], notices[1], notices[0]]


def test_marking_notices_read_counts_only_unread_ones(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    notices = [_notice(org, org.mentee, minutes=n) for n in range(3)]
    read_at = BASE_TIME + timedelta(hours=1)
    with _as(session_factory, "UMENTEE") as uow:
        for notice in notices:
            uow.notifications.add(notice)
        assert uow.notifications.unread_count(org.mentee) == 3
        assert uow.notifications.mark_read(org.mentee, notices[0].id, read_at)
        assert not uow.notifications.mark_read(org.mentee, notices[0].id, read_at)
        assert not uow.notifications.mark_read(org.mentee, uuid4(), read_at)
        assert uow.notifications.unread_count(org.mentee) == 2
        assert uow.notifications.mark_all_read(org.mentee, read_at) == 2
        assert uow.notifications.mark_all_read(org.mentee, read_at) == 0
        assert uow.notifications.unread_count(org.mentee) == 0
        [newest, *_] = uow.notifications.list_for(org.mentee, limit=1, offset=0)
    assert newest.read_at == read_at


def test_a_notice_with_a_used_idempotency_key_is_not_written_again(
    session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    with SqlUnitOfWork(session_factory, Actor.system("T1")) as uow:
        assert uow.notifications.add(_notice(org, org.mentee, key="reminder:1:24h"))
        uow.commit()
    with SqlUnitOfWork(session_factory, Actor.system("T1")) as uow:
        assert not uow.notifications.add(_notice(org, org.mentee, key="reminder:1:24h"))
        assert uow.new_notifications == []
        assert uow.notifications.add(_notice(org, org.mentee, key="reminder:1:15m"))
        uow.commit()
    with _as(session_factory, "UMENTEE") as uow:
        assert uow.notifications.unread_count(org.mentee) == 2


def test_a_mentee_writes_a_notice_for_the_mentor_but_cannot_read_it_back(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(conn, "T1", org.mentor, org.mentee)
    notice = _notice(
        org, org.mentor, key=f"feedback:{session_id}:{org.mentee}", session_id=session_id
    )
    with _as(session_factory, "UMENTEE") as uow:
        assert uow.notifications.add(notice)
        # Written twice in one go (a retried request): the key holds, even
        # though the writer cannot see the notice it collides with.
        assert not uow.notifications.add(
            _notice(
                org, org.mentor, key=f"feedback:{session_id}:{org.mentee}", session_id=session_id
            )
        )
        assert uow.notifications.list_for(org.mentor, limit=10, offset=0) == []
        assert uow.notifications.unread_count(org.mentor) == 0
        assert uow.notifications.mark_all_read(org.mentor, BASE_TIME) == 0
        uow.commit()
    with _as(session_factory, "UMENTOR") as uow:
        assert uow.notifications.list_for(org.mentor, limit=10, offset=0) == [notice]


def test_a_bystander_cannot_write_a_notice_about_someone_elses_session(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session_id = add_session(conn, "T1", org.mentor, org.mentee)
    with pytest.raises(NotAllowed), _as(session_factory, "UBYSTANDER") as uow:
        uow.notifications.add(_notice(org, org.mentor, session_id=session_id))


def test_the_unit_of_work_lists_the_notices_it_wrote_and_forgets_rolled_back_ones(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, org: Org
) -> None:
    kept, dropped = _notice(org, org.mentee), _notice(org, org.mentee, minutes=1)
    uow = _as(session_factory, "UMENTEE")
    with uow:
        uow.notifications.add(kept)
        uow.commit()
        uow.notifications.add(dropped)
        assert uow.new_notifications == [kept.id, dropped.id]
    # Exiting without a commit rolled `dropped` back: only `kept` exists.
    assert uow.new_notifications == [kept.id]
    with owner_engine.connect() as conn:
        stored = conn.execute(text("SELECT id FROM notifications")).scalars().all()
    assert stored == [kept.id]
    with uow:
        assert uow.new_notifications == []


def test_a_payload_round_trips_as_json(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, org: Org
) -> None:
    notice = _notice(org, org.mentee, minutes=7)
    with _as(session_factory, "UMENTEE") as uow:
        uow.notifications.add(notice)
        uow.commit()
    with owner_engine.connect() as conn:
        kind = conn.execute(
            text("SELECT jsonb_typeof(payload -> 'minutes') FROM notifications WHERE id = :id"),
            {"id": notice.id},
        ).scalar_one()
    with _as(session_factory, "UMENTEE") as uow:
        [back] = uow.notifications.list_for(org.mentee, limit=1, offset=0)
    assert kind == "number"
    assert back.payload == {"topic": "Growth", "minutes": 7, "note": None}
    assert isinstance(back.id, UUID)
