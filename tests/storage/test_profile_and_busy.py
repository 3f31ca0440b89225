"""`SqlUserRepository.by_slack_id_with_busy`, the acting person with the
sessions of others (a search's mentors) and of themselves, read in one
statement (a LATERAL join on `busy_periods()` of `others` and the person), on
PostgreSQL as the application role: whatever it returns, `by_slack_id` and
`SqlSessionRepository.busy_periods` return apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import Actor, BusyPeriod, Profile
from storage.uow import SqlUnitOfWork
from tests.statements import statements
from tests.storage.seed import BASE_TIME, Org, add_session, add_user, set_actor
from tests.storage.sessions_seed import HOUR, S, as_member

pytestmark = pytest.mark.usefixtures("clean_tables")

MINUTES_30 = timedelta(minutes=30)
# The window most tests read: [START, END).
START = BASE_TIME
END = BASE_TIME + 8 * HOUR


@dataclass(frozen=True)
class Diary:
    """The org's mentor (UMENTOR) with sessions of every status either side
    of [START, END), on its edges and inside it, as mentor of two people and
    as mentee of a second mentor; and a session of two other people, in the
    window."""

    org: Org
    second_mentor: int


@pytest.fixture
def diary(app_engine: Engine, org: Org) -> Diary:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        second = add_user(conn, "T1", "UMENTOR2", mentor=True, mentee=True)

        def mentoring(at: datetime, status: str, mentee: int, minutes: int = 30) -> None:
            add_session(
                conn, "T1", org.mentor, mentee, starts_at=at, minutes=minutes, status=status
            )

        def mentored(at: datetime, status: str) -> None:
            add_session(conn, "T1", second, org.mentor, starts_at=at, status=status)

        mentoring(START - 2 * HOUR, "completed", org.mentee)  # long before the window
        mentoring(START - HOUR, "scheduled", org.mentee, minutes=60)  # ends at START
        mentoring(START, "completed", org.mentee)
        mentoring(START + HOUR, "ongoing", org.bystander)
        mentoring(START + 2 * HOUR, "cancelled", org.mentee)
        mentoring(START + 2 * HOUR + MINUTES_30, "declined", org.bystander)
        mentoring(START + 3 * HOUR, "expired", org.mentee)
        mentoring(START + 3 * HOUR + MINUTES_30, "no_show", org.bystander)
        mentored(START + MINUTES_30, "requested")
        mentored(START + 5 * HOUR, "scheduled")
        mentoring(END, "requested", org.bystander)  # starts at END
        # Someone else's session, inside the window.
        add_session(conn, "T1", second, org.mentee, starts_at=START + 6 * HOUR, status="scheduled")
    return Diary(org, second)


@dataclass(frozen=True)
class Abroad:
    """The diary, with a mentor of T2 (UFOREIGN2) who mentors T2's member
    (UFOREIGN) in the window, at times the people of T1 are busy too; and an
    id nobody has."""

    diary: Diary
    foreign_mentor: int
    nobody: int


@pytest.fixture
def abroad(app_engine: Engine, diary: Diary) -> Abroad:
    org = diary.org
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        foreign_mentor = add_user(conn, "T2", "UFOREIGN2", mentor=True)
        for at in (START, START + HOUR, START + 6 * HOUR):
            add_session(conn, "T2", foreign_mentor, org.foreigner, starts_at=at, status="scheduled")
        nobody = conn.execute(text("SELECT max(id) + 1000 FROM users")).scalar_one()
    return Abroad(diary, foreign_mentor, nobody)


def _apart(
    uow: SqlUnitOfWork,
    workspace: str,
    slack_user: str,
    start: datetime,
    end: datetime,
    others: Iterable[int] = (),
) -> tuple[Profile, list[BusyPeriod]] | None:
    """What the two reads the one replaces return."""
    profile = uow.users.by_slack_id(workspace, slack_user)
    if profile is None:
        return None
    return profile, uow.sessions.busy_periods([*others, profile.id], start, end)


def _read(
    session_factory: sessionmaker[OrmSession], reader: str, others: Iterable[int]
) -> tuple[Profile, list[BusyPeriod]] | None:
    """What `reader`, a member of T1, reads of themselves with `others`."""
    with as_member(session_factory, reader) as uow:
        return uow.users.by_slack_id_with_busy("T1", reader, others, START, END)


def test_a_person_with_sessions_gets_their_profile_and_the_periods_busy_periods_returns(
    session_factory: sessionmaker[OrmSession], diary: Diary
) -> None:
    org = diary.org
    with as_member(session_factory, "UMENTOR") as uow:
        together = uow.users.by_slack_id_with_busy("T1", "UMENTOR", (), START, END)
        apart = _apart(uow, "T1", "UMENTOR", START, END)
    assert together is not None
    assert together == apart
    profile, periods = together
    assert (profile.id, profile.slack_user_id, profile.is_mentor) == (org.mentor, "UMENTOR", True)
    # [START, END): the session ending at START and the one starting at END are
    # outside; cancelled, declined, expired and no-show ones never count; the
    # second mentor's session with someone else is not theirs.
    assert [(p.starts_at, p.status, p.as_mentor) for p in periods] == [
        (START, S.COMPLETED, True),
        (START + MINUTES_30, S.REQUESTED, False),
        (START + HOUR, S.ONGOING, True),
        (START + 5 * HOUR, S.SCHEDULED, False),
    ]
    assert {p.user_id for p in periods} == {org.mentor}
    assert all(p.ends_at == p.starts_at + MINUTES_30 for p in periods)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Each edge a minute either side of a session's start or end.
        (START - timedelta(minutes=1), END + timedelta(minutes=1)),
        (START + timedelta(minutes=1), END - timedelta(minutes=1)),
        (START - 3 * HOUR, START - HOUR + timedelta(minutes=1)),
        (START + HOUR + MINUTES_30, START + 2 * HOUR),  # between two sessions: nothing
        (START + HOUR + MINUTES_30 / 2, END - HOUR),  # from the middle of a session
        (START - HOUR, START + 5 * HOUR + MINUTES_30 / 2),  # to the middle of one
        (START - 8 * HOUR, END + 8 * HOUR),
    ],
)
def test_every_window_reads_the_same_periods_in_the_same_order_as_busy_periods(
    session_factory: sessionmaker[OrmSession], diary: Diary, start: datetime, end: datetime
) -> None:
    org = diary.org
    others = [diary.second_mentor, org.mentee, org.bystander]
    with as_member(session_factory, "UMENTOR") as uow:
        alone = uow.users.by_slack_id_with_busy("T1", "UMENTOR", (), start, end)
        alone_apart = _apart(uow, "T1", "UMENTOR", start, end)
        with_others = uow.users.by_slack_id_with_busy("T1", "UMENTOR", others, start, end)
        with_others_apart = _apart(uow, "T1", "UMENTOR", start, end, others)
    assert alone == alone_apart
    assert with_others == with_others_apart


def test_the_other_people_read_their_own_sessions_only(
    session_factory: sessionmaker[OrmSession], diary: Diary
) -> None:
    with as_member(session_factory, "UMENTEE") as uow:
        mentee = uow.users.by_slack_id_with_busy("T1", "UMENTEE", (), START, END)
        mentee_apart = _apart(uow, "T1", "UMENTEE", START, END)
    with as_member(session_factory, "UMENTOR2") as uow:
        second = uow.users.by_slack_id_with_busy("T1", "UMENTOR2", (), START, END)
        second_apart = _apart(uow, "T1", "UMENTOR2", START, END)
    assert mentee == mentee_apart
    assert second == second_apart
    assert mentee is not None
    assert second is not None
    assert [(p.starts_at, p.as_mentor) for p in mentee[1]] == [
        (START, False),
        (START + 6 * HOUR, False),
    ]
    assert [(p.starts_at, p.as_mentor) for p in second[1]] == [
        (START + MINUTES_30, True),
        (START + 5 * HOUR, True),
        (START + 6 * HOUR, True),
    ]


def test_a_person_without_sessions_gets_their_profile_and_no_periods(
    session_factory: sessionmaker[OrmSession], diary: Diary
) -> None:
    with as_member(session_factory, "UADMIN") as uow:
        together = uow.users.by_slack_id_with_busy("T1", "UADMIN", (), START - 8 * HOUR, END)
        profile = uow.users.by_slack_id("T1", "UADMIN")
    assert profile is not None
    assert together == (profile, [])
    assert profile.id == diary.org.admin


def test_others_sessions_come_with_the_persons_by_start_then_person(
    session_factory: sessionmaker[OrmSession], diary: Diary
) -> None:
    org, second = diary.org, diary.second_mentor
    with as_member(session_factory, "UMENTOR") as uow:
        together = uow.users.by_slack_id_with_busy(
            "T1", "UMENTOR", [second, org.mentee], START, END
        )
        apart = _apart(uow, "T1", "UMENTOR", START, END, [second, org.mentee])
    assert together is not None
    assert together == apart
    profile, periods = together
    assert profile.id == org.mentor
    # Each session once per person of the three in it; at the same start, the
    # person with the lower id first, whichever is the mentor.
    expected = [
        (START, org.mentor, True),
        (START, org.mentee, False),
        (START + MINUTES_30, org.mentor, False),
        (START + MINUTES_30, second, True),
        (START + HOUR, org.mentor, True),
        (START + 5 * HOUR, org.mentor, False),
        (START + 5 * HOUR, second, True),
        (START + 6 * HOUR, org.mentee, False),
        (START + 6 * HOUR, second, True),
    ]
    assert org.mentor < org.mentee < second
    assert [(p.starts_at, p.user_id, p.as_mentor) for p in periods] == expected
    assert periods == sorted(periods, key=lambda p: (p.starts_at, p.user_id))


@pytest.mark.parametrize(
    ("reader", "whose"),
    [
        # Several people, the reader among them or not, in any order, some twice.
        ("UMENTOR", ["second", "mentee", "bystander"]),
        ("UMENTOR", ["bystander", "mentor", "second"]),
        ("UMENTOR", ["mentor"]),
        ("UMENTOR", ["mentee", "mentee", "second", "mentor", "second"]),
        ("UADMIN", ["mentor", "second", "mentee", "bystander", "admin"]),
        ("UMENTEE", ["second"]),
        # Nobody has the id; people of T2, whose sessions are in the same hours.
        ("UMENTOR", ["nobody"]),
        ("UMENTOR", ["foreigner", "foreign_mentor"]),
        ("UMENTOR", ["nobody", "foreigner", "second", "foreign_mentor", "mentee"]),
        ("UADMIN", ["foreigner", "nobody"]),
    ],
)
def test_with_others_it_is_by_slack_id_with_busy_periods_of_them_and_the_person(
    session_factory: sessionmaker[OrmSession], abroad: Abroad, reader: str, whose: list[str]
) -> None:
    org = abroad.diary.org
    ids = {
        "mentor": org.mentor,
        "mentee": org.mentee,
        "bystander": org.bystander,
        "admin": org.admin,
        "second": abroad.diary.second_mentor,
        "foreigner": org.foreigner,
        "foreign_mentor": abroad.foreign_mentor,
        "nobody": abroad.nobody,
    }
    others = [ids[name] for name in whose]
    in_t1 = {org.mentor, org.mentee, org.bystander, org.admin, abroad.diary.second_mentor}
    with as_member(session_factory, reader) as uow:
        together = uow.users.by_slack_id_with_busy("T1", reader, others, START, END)
        # An iterator, read once, is read as the list is.
        once = uow.users.by_slack_id_with_busy("T1", reader, iter(others), START, END)
        apart = _apart(uow, "T1", reader, START, END, others)
    assert together is not None
    assert together == apart
    assert once == together
    profile, periods = together
    assert profile.slack_user_id == reader
    # Only the people asked for, and only those of the reader's workspace.
    assert {p.user_id for p in periods} <= ({*others, profile.id} & in_t1)
    assert len(set(periods)) == len(periods), "a period read twice"
    assert periods == sorted(periods, key=lambda p: (p.starts_at, p.user_id))
    without = _read(session_factory, reader, ())
    assert without is not None
    assert [p for p in periods if p.user_id == profile.id] == without[1]


def test_others_of_another_workspace_or_that_nobody_is_add_nothing(
    session_factory: sessionmaker[OrmSession], abroad: Abroad
) -> None:
    org = abroad.diary.org
    alone = _read(session_factory, "UMENTOR", ())
    assert alone is not None
    for others in (
        [abroad.nobody],
        [org.foreigner, abroad.foreign_mentor],
        [abroad.nobody, org.foreigner, org.mentor, abroad.foreign_mentor],
    ):
        assert _read(session_factory, "UMENTOR", others) == alone
    # And the admin, who has no session, reads no period of theirs either.
    admin = _read(session_factory, "UADMIN", [org.foreigner, abroad.nobody])
    assert admin is not None
    assert admin[1] == []


@pytest.mark.parametrize("others", [(), ("mentor", "second")])
@pytest.mark.parametrize(
    ("workspace", "slack_user"),
    [
        ("T1", "UFOREIGN"),  # a member of T2, asked for in T1
        ("T2", "UFOREIGN"),  # in T2, which a member of T1 may not read
        ("T2", "UMENTOR"),  # a person of T1, asked for in T2
        ("T1", "UNOBODY"),  # nobody
    ],
)
def test_a_person_of_another_workspace_or_nobody_is_none(
    session_factory: sessionmaker[OrmSession],
    diary: Diary,
    workspace: str,
    slack_user: str,
    others: tuple[str, ...],
) -> None:
    ids = {"mentor": diary.org.mentor, "second": diary.second_mentor}
    with as_member(session_factory, "UMENTOR") as uow:
        together = uow.users.by_slack_id_with_busy(
            workspace, slack_user, [ids[name] for name in others], START, END
        )
        apart = _apart(uow, workspace, slack_user, START, END)
    assert together is None
    assert apart is None


def test_a_member_of_another_workspace_does_not_read_a_person_of_this_one(
    session_factory: sessionmaker[OrmSession], diary: Diary
) -> None:
    with SqlUnitOfWork(session_factory, Actor.member("T2", "UFOREIGN")) as uow:
        mentor = uow.users.by_slack_id_with_busy("T1", "UMENTOR", (), START, END)
        mine = uow.users.by_slack_id_with_busy("T2", "UFOREIGN", (), START, END)
    assert mentor is None
    assert mine is not None
    assert (mine[0].id, mine[1]) == (diary.org.foreigner, [])


def test_a_member_of_another_workspace_reads_no_session_of_this_ones_people(
    session_factory: sessionmaker[OrmSession], abroad: Abroad
) -> None:
    org, second = abroad.diary.org, abroad.diary.second_mentor
    with SqlUnitOfWork(session_factory, Actor.member("T2", "UFOREIGN")) as uow:
        mine = uow.users.by_slack_id_with_busy(
            "T2", "UFOREIGN", [org.mentor, second, abroad.foreign_mentor], START, END
        )
        apart = (
            uow.users.by_slack_id("T2", "UFOREIGN"),
            uow.sessions.busy_periods(
                [org.mentor, second, abroad.foreign_mentor, org.foreigner], START, END
            ),
        )
    assert mine == apart
    assert mine is not None
    assert [(p.starts_at, p.user_id) for p in mine[1]] == sorted(
        (at, person)
        for at in (START, START + HOUR, START + 6 * HOUR)
        for person in (org.foreigner, abroad.foreign_mentor)
    )


def test_a_deactivated_person_is_read_inactive_with_their_sessions(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, diary: Diary
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text("UPDATE users SET is_active = false WHERE id = :id"), {"id": diary.org.mentor}
        )
    with as_member(session_factory, "UMENTOR") as uow:
        together = uow.users.by_slack_id_with_busy("T1", "UMENTOR", (), START, END)
        apart = _apart(uow, "T1", "UMENTOR", START, END)
    assert together is not None
    assert together == apart
    profile, periods = together
    assert profile.is_active is False
    assert len(periods) == 4


@pytest.mark.parametrize("with_others", [False, True])
@pytest.mark.parametrize("slack_user", ["UMENTOR", "UADMIN", "UNOBODY"])
def test_the_profile_and_the_sessions_are_read_in_one_statement(
    session_factory: sessionmaker[OrmSession],
    app_engine: Engine,
    diary: Diary,
    slack_user: str,
    with_others: bool,
) -> None:
    org = diary.org
    others = [diary.second_mentor, org.mentee, org.mentor] if with_others else []
    with as_member(session_factory, "UMENTOR") as uow:
        uow.session.connection()  # the transaction, and its settings, begun
        with statements(app_engine) as sent:
            found = uow.users.by_slack_id_with_busy("T1", slack_user, others, START, END)
    assert len(sent) == 1, sent
    assert "busy_periods" in sent[0]
    assert (found is None) == (slack_user == "UNOBODY")
    if found is not None and with_others:
        assert {p.user_id for p in found[1]} == {diary.second_mentor, org.mentee, org.mentor}
