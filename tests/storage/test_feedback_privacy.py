"""Written feedback is the session's two people's alone, held by the database
(migration 0026): a manager's transaction reads none of it, while the ratings
it carries still reach every manager figure through the trigger-kept
`sessions.rating` and `ratings`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import dashboard
from domain.metrics import RiskReason
from domain.model import Actor
from storage.uow import SqlUnitOfWork
from tests.fakes.uow import FakeClock
from tests.storage.seed import BASE_TIME, Org, completed_session, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

FEEDBACK = (
    "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id, subject_role,"
    " rating, comment) VALUES ('T1', :s, :author, :subject, :role, :rating, :comment)"
)


def _comments(engine: Engine, slack_user: str, role: str, session_id: int) -> list[str]:
    with engine.begin() as conn:
        set_actor(conn, "T1", slack_user, role)
        return list(
            conn.scalars(
                text("SELECT comment FROM feedback WHERE session_id = :s ORDER BY comment"),
                {"s": session_id},
            )
        )


def test_a_manager_reads_no_written_feedback_while_both_participants_read_theirs(
    app_engine: Engine, org: Org
) -> None:
    session_id = completed_session(app_engine, org)
    for author, subject, role, comment, rating in (
        ("UMENTEE", org.mentor, "mentor", "Late, and cut me short", 2),
        ("UMENTOR", org.mentee, "mentee", "Came without questions", 3),
    ):
        with app_engine.begin() as conn:
            set_actor(conn, "T1", author, "member")
            author_id = org.mentee if author == "UMENTEE" else org.mentor
            conn.execute(
                text(FEEDBACK),
                {
                    "s": session_id,
                    "author": author_id,
                    "subject": subject,
                    "role": role,
                    "rating": rating,
                    "comment": comment,
                },
            )

    both = ["Came without questions", "Late, and cut me short"]
    assert _comments(app_engine, "UMENTEE", "member", session_id) == both
    assert _comments(app_engine, "UMENTOR", "member", session_id) == both
    assert _comments(app_engine, "UADMIN", "admin", session_id) == []
    assert _comments(app_engine, "UBYSTANDER", "member", session_id) == []
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UADMIN", "admin")
        kept = conn.execute(
            text(
                "SELECT s.rating, r.rating_count FROM sessions s"
                " JOIN ratings r ON r.mentor_id = s.mentor_id WHERE s.id = :s"
            ),
            {"s": session_id},
        ).one()
    assert tuple(kept) == (2, 1)


def test_a_managers_figures_still_count_the_rating_they_cannot_read_the_words_of(
    app_engine: Engine, session_factory: sessionmaker[OrmSession], org: Org
) -> None:
    session_id = completed_session(app_engine, org)
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")
        conn.execute(
            text(FEEDBACK),
            {
                "s": session_id,
                "author": org.mentee,
                "subject": org.mentor,
                "role": "mentor",
                "rating": 2,
                "comment": "Not for a manager's eyes",
            },
        )

    manager = SqlUnitOfWork(session_factory, Actor.admin("T1", "UADMIN"))
    d = dashboard(manager, FakeClock(BASE_TIME + timedelta(days=1)), period_days=30)

    assert d.rating_count == 1  # its average is withheld until 3 ratings
    [pair] = d.at_risk
    assert (pair.mentor_id, pair.mentee_id) == (org.mentor, org.mentee)
    assert RiskReason.LOW_RATING in pair.reasons
