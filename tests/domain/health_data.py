"""A small programme whose programme-health figures are computed by hand in
`tests/domain/test_health.py`; `tests/storage/test_health_repository.py` loads
the same people, sessions and goals into PostgreSQL and expects the same.

Now is `analytics_data.NOW`: a Monday, 08:00 UTC. The 30-day period is
[ago(30, 8), now), starting on a Saturday; its weekly buckets start on the
Mondays 35, 28, 21, 14, 7 and 0 days ago (the first and last partial).

Workspace H1:
  mentors Ana (Engineering), Bob (Data), Cat (Engineering), Dee (Design; no sessions)
  mentees Eve (Sales, signed up 40 days ago), Fay (Engineering, 20 days ago),
          Gus (Data, 100 days ago), Hal (Sales, 10 days ago),
          Ivy (Sales, 200 days ago; has left the programme)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.model import Feedback, Goal, GoalStatus, Profile, Session, SessionStatus, SubjectRole
from tests.domain.analytics_data import ago
from tests.fakes.store import Store

S = SessionStatus
G = GoalStatus
WORKSPACE = "H1"


@dataclass(frozen=True)
class Member:
    slack_id: str
    name: str
    department: str
    signed_up_days_ago: int
    mentor: bool = False
    mentee: bool = False
    active: bool = True

    @property
    def expertise(self) -> tuple[str, ...]:
        # A mentor lists some (the schema asks it of mentors).
        return ("coaching",) if self.mentor else ()

    @property
    def signed_up(self) -> datetime:
        return ago(self.signed_up_days_ago, 9)


@dataclass(frozen=True)
class Booked:
    """A session; `changed` is its last change (for a cancelled one, when it was
    cancelled), by default when it was booked, a week before its start."""

    number: int
    mentor: str
    mentee: str
    starts_at: datetime
    minutes: int
    status: SessionStatus
    actual_minutes: int | None = None
    rating: int | None = None  # the mentee's of the mentor
    changed: datetime | None = None

    @property
    def last_change(self) -> datetime:
        return self.changed or self.starts_at - timedelta(days=7)


@dataclass(frozen=True)
class SetGoal:
    owner: str
    title: str
    status: GoalStatus
    created_at: datetime


MEMBERS: tuple[Member, ...] = (
    Member("HANA", "Ana", "Engineering", 300, mentor=True),
    Member("HBOB", "Bob", "Data", 300, mentor=True),
    Member("HCAT", "Cat", "Engineering", 300, mentor=True),
    Member("HDEE", "Dee", "Design", 300, mentor=True),
    Member("HEVE", "Eve", "Sales", 40, mentee=True),
    Member("HFAY", "Fay", "Engineering", 20, mentee=True),
    Member("HGUS", "Gus", "Data", 100, mentee=True),
    Member("HHAL", "Hal", "Sales", 10, mentee=True),
    Member("HIVY", "Ivy", "Sales", 200, mentee=True, active=False),
    Member("HADMIN", "Manager", "", 300),
)

BOOKED: tuple[Booked, ...] = (
    # Eve's first completed session: 15 days after she signed up.
    Booked(1, "HANA", "HEVE", ago(25, 9), 60, S.COMPLETED, actual_minutes=50, rating=5),
    # Fay's first: 8 days after signing up; rated 2: Ana and Fay are at risk.
    Booked(2, "HANA", "HFAY", ago(12, 9), 30, S.COMPLETED, actual_minutes=45, rating=2),
    # Before the period: Gus's first session is not the period's.
    Booked(3, "HBOB", "HGUS", ago(60, 9), 60, S.COMPLETED, actual_minutes=60),
    # Cancelled 25 hours before its start: not late.
    Booked(4, "HBOB", "HGUS", ago(10, 9), 30, S.CANCELLED, changed=ago(11, 8)),
    # Cancelled 8 hours before its start: late. Bob and Gus: two cancellations
    # in a row, and nothing held for 60 days.
    Booked(5, "HBOB", "HGUS", ago(5, 9), 30, S.CANCELLED, changed=ago(5, 1)),
    Booked(6, "HANA", "HHAL", ago(3, 9), 30, S.NO_SHOW),
    # Completed without actual minutes (an old session): its 60 planned count.
    Booked(7, "HCAT", "HEVE", ago(2, 9), 60, S.COMPLETED),
    Booked(8, "HANA", "HEVE", ago(-3, 9), 30, S.SCHEDULED),  # yet to come
    Booked(9, "HCAT", "HHAL", ago(1, 10), 30, S.DECLINED),
    Booked(10, "HANA", "HEVE", ago(18, 9), 30, S.COMPLETED, actual_minutes=30),
    # Quiet for 50 days, but Ivy has left: not listed.
    Booked(11, "HCAT", "HIVY", ago(50, 9), 30, S.COMPLETED, actual_minutes=30),
)

GOALS: tuple[SetGoal, ...] = (
    SetGoal("HEVE", "Run a retro", G.ACHIEVED, ago(20, 9)),
    SetGoal("HEVE", "Negotiate a deal", G.IN_PROGRESS, ago(20, 10)),
    SetGoal("HFAY", "Learn Rust", G.DROPPED, ago(10, 9)),
    SetGoal("HGUS", "Write SQL", G.ACHIEVED, ago(5, 9)),
    # Set before the period: counts for all time only.
    SetGoal("HHAL", "Present to the board", G.ACHIEVED, ago(45, 9)),
)


def load_health(store: Store, ids: Mapping[str, int] | None = None) -> dict[str, int]:
    """Write the data set into a fake store (with the given ids: PostgreSQL's);
    Slack id -> id."""
    given = dict(ids or {})
    store.last_id = max([store.last_id, *given.values()])
    store.workspaces.add(WORKSPACE)
    assigned: dict[str, int] = {}
    for m in MEMBERS:
        user_id = assigned[m.slack_id] = given.get(m.slack_id) or store.next_id()
        store.users[user_id] = Profile(
            id=user_id,
            workspace_id=WORKSPACE,
            slack_user_id=m.slack_id,
            display_name=m.name,
            department=m.department,
            is_mentor=m.mentor,
            is_mentee=m.mentee,
            is_active=m.active,
            expertise=m.expertise,
        )
        store.signed_up[user_id] = m.signed_up
    for b in BOOKED:
        session = Session(
            id=store.next_id(),
            workspace_id=WORKSPACE,
            mentor_id=assigned[b.mentor],
            mentee_id=assigned[b.mentee],
            starts_at=b.starts_at,
            ends_at=b.starts_at + timedelta(minutes=b.minutes),
            status=b.status,
            actual_minutes=b.actual_minutes,
            created_at=b.starts_at - timedelta(days=7),
            updated_at=b.last_change,
        )
        store.sessions[session.id] = session
        if b.rating is not None:
            store.feedback.append(
                Feedback(
                    session.id,
                    WORKSPACE,
                    session.mentee_id,
                    session.mentor_id,
                    SubjectRole.MENTOR,
                    b.rating,
                )
            )
    for g in GOALS:
        goal_id = store.next_id()
        store.goals[goal_id] = Goal(
            goal_id,
            WORKSPACE,
            assigned[g.owner],
            g.title,
            g.status,
            created_at=g.created_at,
            updated_at=g.created_at,
        )
    return assigned
