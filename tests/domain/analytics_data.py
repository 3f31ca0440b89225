"""A small programme whose every dashboard figure is computed by hand in the
tests (`tests/domain/test_analytics*.py`); `tests/storage/test_analytics_repository.py`
loads the same people and sessions into PostgreSQL and expects the same dashboards.

Now is a Monday, 08:00 UTC, that is the 30th of June or of November: the first
such Monday from `tests.dates.MONDAY` on (they come every few years). Every
session is placed a whole number of days before or after it, so the weekly
figures hold on any Monday; the 30th of those two months also makes the calendar
months of the all-time trend fall the same way in every run: the month before
now's has 31 days, the one before that 30, the one before that 31.

The 30-day period starts on the Saturday 30 days ago, the 31st of last month, at
08:00; its days are that Saturday .. yesterday: Saturdays and Sundays occur 5
times, the other weekdays 4 times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.model import Feedback, Profile, Session, SessionStatus, SubjectRole, WeeklySlot
from tests.dates import MONDAY, on
from tests.fakes.store import SentIntroduction
from tests.fakes.uow import Store

S = SessionStatus


def _month_end_monday(monday: date) -> date:
    """The first Monday from `monday` on that is the 30th of June or of November."""
    while not (monday.day == 30 and monday.month in (6, 11)):
        monday += timedelta(days=7)
    return monday


TODAY = _month_end_monday(MONDAY.date())  # a Monday, the last day of its month
NOW = on(TODAY, 8, 0)
WEEK = TODAY  # the Monday of now's week, as the weekly trend names it


def ago(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` days before today, at hour:minute UTC (negative: after today)."""
    return on(TODAY - timedelta(days=days), hour, minute)


def months_before(n: int) -> date:
    """The first day of the month `n` months before now's."""
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - n, 12)
    return date(year, month + 1, 1)


@dataclass(frozen=True)
class Person:
    slack_id: str
    name: str
    department: str
    mentor: bool = False
    mentee: bool = False
    active: bool = True
    workspace: str = "T1"
    expertise: tuple[str, ...] = ()


@dataclass(frozen=True)
class Held:
    """A session; `rating` is the mentee's rating of the mentor, `mentor_rating`
    the mentor's of the mentee (which never counts towards anything here)."""

    mentor: str
    mentee: str
    starts_at: datetime
    minutes: int
    status: SessionStatus
    rating: int | None = None
    mentor_rating: int | None = None
    workspace: str = "T1"


PEOPLE: tuple[Person, ...] = (
    Person("UMAYA", "Maya Patel", "Engineering", mentor=True, expertise=("python", "leadership")),
    Person("UNOAH", "Noah Berg", "Data", mentor=True, mentee=True, expertise=("python", "sql")),
    # Left the programme: her sessions count, her expertise is no supply.
    Person(
        "UOMAR", "Omar Haddad", "Engineering", mentor=True, active=False, expertise=("kubernetes",)
    ),
    # Offers time, nobody booked her.
    Person("UPIA", "Pia Lund", "Design", mentor=True, expertise=("ux", "leadership")),
    Person("UBEN", "Ben Okafor", "Sales", mentee=True),
    Person("UCARA", "Cara Singh", "Engineering", mentee=True),
    Person("UDAN", "Dan Wu", "Sales", mentee=True, active=False),
    Person("UADMIN", "Olga Ivanova", ""),  # a programme manager, in no role nor department
    Person("UZED", "Zed Novak", "Ops", mentor=True, workspace="T2", expertise=("go",)),
    Person("UYUKI", "Yuki Sato", "Ops", mentee=True, workspace="T2"),
)

# (who, weekday with 0 = Monday, start, end)
WEEKLY: tuple[tuple[str, int, time, time], ...] = (
    ("UMAYA", 0, time(9), time(12)),  # Monday 3 h
    ("UMAYA", 0, time(14), time(15)),  # Monday 1 h
    ("UMAYA", 2, time(14), time(16)),  # Wednesday 2 h
    ("UMAYA", 5, time(10), time(11)),  # Saturday 1 h
    ("UNOAH", 1, time(9), time(11)),  # Tuesday 2 h
    ("UOMAR", 3, time(9), time(10)),  # Thursday 1 h, but Omar is inactive
    ("UPIA", 4, time(9), time(10)),  # Friday 1 h
    ("UZED", 0, time(9), time(17)),  # workspace T2
)

SESSIONS: tuple[Held, ...] = (
    # In the 30-day period [Saturday 30 days ago 08:00, now):
    Held("UMAYA", "UBEN", ago(28, 9, 0), 60, S.COMPLETED, rating=5),  # 1: Monday
    Held("UMAYA", "UCARA", ago(26, 14, 0), 30, S.COMPLETED, rating=4),  # 2: Wednesday
    Held("UMAYA", "UBEN", ago(21, 9, 0), 60, S.NO_SHOW),  # 3: Monday
    Held("UMAYA", "UCARA", ago(19, 14, 0), 30, S.CANCELLED),  # 4: Wednesday
    Held("UNOAH", "UBEN", ago(27, 9, 0), 60, S.COMPLETED, rating=3, mentor_rating=2),  # 5
    Held("UNOAH", "UCARA", ago(20, 9, 0), 30, S.DECLINED),  # 6: Tuesday
    Held("UNOAH", "UBEN", ago(6, 9, 0), 60, S.EXPIRED),  # 7: Tuesday last week
    Held("UMAYA", "UBEN", ago(0, 7, 45), 30, S.ONGOING),  # 8: today
    Held("UNOAH", "UCARA", ago(13, 9, 0), 30, S.REQUESTED),  # 9 (never confirmed)
    Held("UOMAR", "UCARA", ago(25, 10, 0), 45, S.COMPLETED, rating=5),  # 10: Thursday
    Held("UMAYA", "UCARA", ago(30, 8, 0), 30, S.COMPLETED),  # 11: exactly at `since`
    # Not in the 30-day period:
    Held("UNOAH", "UCARA", ago(0, 8, 0), 30, S.SCHEDULED),  # 12: exactly now
    Held("UMAYA", "UBEN", ago(41, 9, 0), 60, S.COMPLETED, rating=2),  # 13: the 20th, last month
    Held("UNOAH", "UCARA", ago(60, 9, 0), 30, S.COMPLETED, rating=4),  # 14: the 1st, last month
    Held("UMAYA", "UCARA", ago(-2, 14, 0), 30, S.SCHEDULED),  # 15: future, Wednesday
    Held("UMAYA", "UBEN", ago(119, 9, 0), 60, S.COMPLETED, rating=4),  # 16: > 90 days ago
    # Another workspace, never in T1's figures:
    Held("UZED", "UYUKI", ago(24, 10, 0), 60, S.COMPLETED, rating=1, workspace="T2"),
)


@dataclass(frozen=True)
class Introduced:
    """A manager's introduction of a mentee to a mentor: `sent_at` None is a
    pair only proposed (shown in a preview, never sent), which never counts."""

    mentor: str
    mentee: str
    sent_at: datetime | None
    workspace: str = "T1"


# Each pair's first session booked (`booked()`: a week before it starts) at or
# after the introduction, and the days in between; see
# tests/domain/test_introduction_figures.py for the sums.
INTRODUCTIONS: tuple[Introduced, ...] = (
    Introduced("UMAYA", "UCARA", ago(3, 9)),  # Maya-Cara booked before only: none
    Introduced("UPIA", "UBEN", ago(10, 12)),  # Pia was never booked: none
    Introduced("UNOAH", "UBEN", ago(20, 9)),  # session 7, booked 13 days ago: 7 days
    Introduced("UNOAH", "UCARA", ago(29, 21)),  # session 6, booked 27 days ago at 09:00: 1.5
    Introduced("UOMAR", "UCARA", ago(33, 10)),  # session 10, booked 32 days ago: 1 day
    Introduced("UMAYA", "UBEN", ago(40, 9)),  # session 1, booked 35 days ago (13 was before): 5
    Introduced("UOMAR", "UBEN", ago(100, 9)),  # never booked: none
    Introduced("UPIA", "UCARA", None),  # proposed, never sent
    Introduced("UZED", "UYUKI", ago(35, 10), workspace="T2"),  # booked 31 days ago: 4 days
)


# Everyone's profile was made (sign-up) this long before now, at 09:00.
SIGNED_UP = 150


def signed_up() -> datetime:
    return ago(SIGNED_UP, 9)


def booked(held: Held) -> datetime:
    """When a session was booked (and last changed), as tests.storage.seed.add_session has it."""
    return held.starts_at - timedelta(days=7)


def goals(person: Person) -> tuple[str, ...]:
    """What a mentee wants to learn (the schema asks mentees for one at least)."""
    return ("public speaking",) if person.mentee else ()


def load_programme(store: Store, ids: Mapping[str, int] | None = None) -> dict[str, int]:
    """Write the data set into a fake store; people get `ids` when given (the
    ids PostgreSQL gave them), otherwise the store's next ids. Slack id -> id."""
    given = dict(ids or {})
    assigned: dict[str, int] = {}
    store.last_id = max(given.values(), default=store.last_id)
    for person in PEOPLE:
        store.workspaces.add(person.workspace)
        user_id = given.get(person.slack_id) or store.next_id()
        assigned[person.slack_id] = user_id
        store.users[user_id] = Profile(
            id=user_id,
            workspace_id=person.workspace,
            slack_user_id=person.slack_id,
            display_name=person.name,
            department=person.department,
            is_mentor=person.mentor,
            is_mentee=person.mentee,
            is_active=person.active,
            expertise=person.expertise,
            learning_goals=goals(person),
        )
        store.signed_up[user_id] = signed_up()
    for slack_id, weekday, start, end in WEEKLY:
        store.weekly.setdefault(assigned[slack_id], []).append(
            WeeklySlot(weekday, start, end, id=store.next_id())
        )
    for held in SESSIONS:
        session = Session(
            id=store.next_id(),
            workspace_id=held.workspace,
            mentor_id=assigned[held.mentor],
            mentee_id=assigned[held.mentee],
            starts_at=held.starts_at,
            ends_at=held.starts_at + timedelta(minutes=held.minutes),
            status=held.status,
            created_at=booked(held),
            updated_at=booked(held),
        )
        store.sessions[session.id] = session
        for author, subject, role, rating in (
            (session.mentee_id, session.mentor_id, SubjectRole.MENTOR, held.rating),
            (session.mentor_id, session.mentee_id, SubjectRole.MENTEE, held.mentor_rating),
        ):
            if rating is not None:
                store.feedback.append(
                    Feedback(session.id, held.workspace, author, subject, role, rating)
                )
    store.introductions += [
        SentIntroduction(i.workspace, assigned[i.mentee], assigned[i.mentor], i.sent_at)
        for i in INTRODUCTIONS
        if i.sent_at is not None
    ]
    return assigned
