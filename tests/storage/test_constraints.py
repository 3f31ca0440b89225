"""Bad rows are refused by the database itself, whatever the code above it does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from domain.errors import Conflict, InvalidInput
from storage.errors import constraint_name, translated_errors
from tests.conftest import empty_tables
from tests.storage.seed import BASE_TIME, Org, completed_session, make_org, set_actor


@pytest.fixture(scope="module")
def org(app_engine: Engine, owner_engine: Engine) -> Iterator[Org]:
    yield make_org(app_engine)
    empty_tables(owner_engine)


def _refusal(engine: Engine, statement: str, **params: object) -> str | None:
    """Run `statement` as the system actor; return the constraint that refused it."""
    with engine.connect() as conn, conn.begin() as transaction:
        set_actor(conn, None, None, "system")
        try:
            conn.execute(text(statement), params)
        except DBAPIError as exc:
            return constraint_name(exc)
        finally:
            transaction.rollback()
    return None


FEEDBACK = (
    "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id, subject_role, rating)"
    " VALUES ('T1', :s, :author, :subject, 'mentor', :rating)"
)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused(app_engine: Engine, org: Org, rating: int) -> None:
    session_id = completed_session(app_engine, org, days=10 + rating)
    refused_by = _refusal(
        app_engine, FEEDBACK, s=session_id, author=org.mentee, subject=org.mentor, rating=rating
    )
    assert refused_by == "ck_feedback_rating_range"


def test_a_second_feedback_by_the_same_author_is_refused(app_engine: Engine, org: Org) -> None:
    session_id = completed_session(app_engine, org, days=20)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text(FEEDBACK),
            {"s": session_id, "author": org.mentee, "subject": org.mentor, "rating": 5},
        )
    refused_by = _refusal(
        app_engine, FEEDBACK, s=session_id, author=org.mentee, subject=org.mentor, rating=3
    )
    assert refused_by == "uq_feedback_session_id_author_id"


SESSION = (
    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at, status)"
    " VALUES ('T1', :mentor, :mentee, :starts, :ends, :status)"
)


@pytest.mark.parametrize("minutes", [-30, 0])
def test_a_session_that_does_not_end_after_it_starts_is_refused(
    app_engine: Engine, org: Org, minutes: int
) -> None:
    refused_by = _refusal(
        app_engine,
        SESSION,
        mentor=org.mentor,
        mentee=org.mentee,
        starts=BASE_TIME,
        ends=BASE_TIME + timedelta(minutes=minutes),
        status="requested",
    )
    assert refused_by == "ck_sessions_ends_after_it_starts"


@pytest.mark.parametrize("status", ["pending", "", "COMPLETED"])
def test_a_status_outside_the_list_is_refused(app_engine: Engine, org: Org, status: str) -> None:
    refused_by = _refusal(
        app_engine,
        SESSION,
        mentor=org.mentor,
        mentee=org.mentee,
        starts=BASE_TIME,
        ends=BASE_TIME + timedelta(minutes=30),
        status=status,
    )
    assert refused_by == "ck_sessions_status_known"


def test_a_session_cannot_point_at_a_person_of_another_workspace(
    app_engine: Engine, org: Org
) -> None:
    refused_by = _refusal(
        app_engine,
        SESSION,
        mentor=org.mentor,
        mentee=org.foreigner,
        starts=BASE_TIME,
        ends=BASE_TIME + timedelta(minutes=30),
        status="requested",
    )
    assert refused_by == "fk_sessions_workspace_id_mentee_id_users"


def test_a_mentor_without_expertise_is_refused(app_engine: Engine, org: Org) -> None:
    refused_by = _refusal(
        app_engine, "UPDATE users SET expertise = '{}' WHERE id = :id", id=org.mentor
    )
    assert refused_by == "ck_users_mentor_has_department_and_expertise"


def test_ended_sessions_free_their_time_for_a_new_booking(app_engine: Engine, org: Org) -> None:
    starts = BASE_TIME + timedelta(days=40)
    for status in ("cancelled", "declined", "requested"):
        assert (
            _refusal(
                app_engine,
                SESSION,
                mentor=org.mentor,
                mentee=org.mentee,
                starts=starts,
                ends=starts + timedelta(minutes=30),
                status=status,
            )
            is None
        )


def test_refusals_become_domain_errors_with_readable_messages(app_engine: Engine, org: Org) -> None:
    session_id = completed_session(app_engine, org, days=30)
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, None, None, "system")
        with pytest.raises(InvalidInput) as bad_rating, translated_errors():
            conn.execute(
                text(FEEDBACK),
                {"s": session_id, "author": org.mentee, "subject": org.mentor, "rating": 9},
            )
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, None, None, "system")
        params = {"s": session_id, "author": org.mentee, "subject": org.mentor, "rating": 4}
        conn.execute(text(FEEDBACK), params)
        with pytest.raises(Conflict) as twice, translated_errors():
            conn.execute(text(FEEDBACK), params)
    assert bad_rating.value.field == "rating"
    assert "already left feedback" in twice.value.message


def test_a_mentees_feedback_keeps_the_mentors_rating_true(app_engine: Engine, org: Org) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        before = conn.execute(
            text("SELECT rating_count, rating_sum FROM ratings WHERE mentor_id = :m"),
            {"m": org.mentor},
        ).one_or_none() or (0, 0)
    sessions = [completed_session(app_engine, org, days=50 + n) for n in range(3)]
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")
        for session_id, rating in zip(sessions, (5, 4, 3), strict=True):
            conn.execute(
                text(FEEDBACK),
                {"s": session_id, "author": org.mentee, "subject": org.mentor, "rating": rating},
            )
        # The mentor's feedback about the mentee does not touch the mentor's rating.
        set_actor(conn, "T1", "UMENTOR", "member")
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :author, :subject, 'mentee', 1)"
            ),
            {"s": sessions[0], "author": org.mentor, "subject": org.mentee},
        )
        count, total, average = conn.execute(
            text(
                "SELECT rating_count, rating_sum, average_rating FROM ratings WHERE mentor_id = :m"
            ),
            {"m": org.mentor},
        ).one()
    assert (count - before[0], total - before[1]) == (3, 12)
    assert float(average) == pytest.approx(total / count, abs=0.005)
