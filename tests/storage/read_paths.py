"""Random programmes for the read-path attack (test_read_paths_attack.py), and
what plain SQL as the owner says the read paths must return for them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import (
    Actor,
    ExtraSlot,
    Feedback,
    Schedule,
    SessionStatus,
    SubjectRole,
    TimeOff,
    WeeklySlot,
)
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, add_user, set_actor

ACTIVE = ("requested", "scheduled", "ongoing", "completed")
OVER = ("declined", "cancelled", "expired", "no_show")
EXPERTISE = ("python", "go", "rust", "design", "sql")
QUERIES = ("", "python", "go rust", "design", "nobody-knows-this")
START = BASE_TIME.date()


@dataclass(frozen=True)
class Programme:
    """Two workspaces of random people, sessions, feedback and schedules."""

    people: dict[str, int]  # Slack id: user id
    workspace_of: dict[int, str]
    mentors: list[int]
    mentees: list[int]
    sessions: list[int]


def slot_rows(conn: Connection, rng: random.Random, workspace: str, user_id: int) -> None:
    for weekday in rng.sample(range(7), rng.randint(0, 4)):
        for hour in rng.sample(range(6, 20, 2), rng.randint(1, 3)):
            conn.execute(
                text(
                    "INSERT INTO availability (workspace_id, user_id, weekday, start_time,"
                    " end_time) VALUES (:w, :u, :d, :s, :e)"
                ),
                {"w": workspace, "u": user_id, "d": weekday, "s": time(hour), "e": time(hour + 1)},
            )
    # Time off and extra slots on the same days, written out of order, so that
    # ids, days and start times disagree.
    days = [START + timedelta(days=rng.randint(0, 20)) for _ in range(rng.randint(0, 6))]
    for day in days:
        if rng.random() < 0.5:
            conn.execute(
                text(
                    "INSERT INTO availability_exceptions (workspace_id, user_id, kind, first_day,"
                    " last_day) VALUES (:w, :u, 'time_off', :f, :l)"
                ),
                {"w": workspace, "u": user_id, "f": day, "l": day + timedelta(rng.randint(0, 3))},
            )
        for hour in rng.sample(range(6, 20), rng.randint(0, 3)):
            conn.execute(
                text(
                    "INSERT INTO availability_exceptions (workspace_id, user_id, kind, first_day,"
                    " last_day, start_time, end_time) VALUES (:w, :u, 'extra', :f, :f, :s, :e)"
                ),
                {"w": workspace, "u": user_id, "f": day, "s": time(hour), "e": time(hour, 45)},
            )


def build_programme(engine: Engine, seed: int) -> Programme:
    rng = random.Random(seed)
    people: dict[str, int] = {}
    workspace_of: dict[int, str] = {}
    mentors: list[int] = []
    mentees: list[int] = []
    sessions: list[int] = []
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
        for workspace, n_mentors, n_mentees in (("T1", 6, 5), ("T2", 2, 2)):
            for n in range(n_mentors + n_mentees):
                mentor = n < n_mentors
                mentee = not mentor or rng.random() < 0.3
                slack = f"U{workspace}{'M' if mentor else 'E'}{n}"
                user_id = add_user(
                    conn,
                    workspace,
                    slack,
                    mentor=mentor,
                    mentee=mentee,
                    name=f"{rng.choice('ABCDE')}{slack}",
                    expertise=rng.sample(EXPERTISE, rng.randint(1 if mentor else 0, 3)),
                    goals=rng.sample(EXPERTISE, rng.randint(1 if mentee else 0, 2)),
                )
                people[slack] = user_id
                workspace_of[user_id] = workspace
                (mentors if mentor else mentees).append(user_id)
                slot_rows(conn, rng, workspace, user_id)
        if rng.random() < 0.5:  # an inactive mentor, never found
            conn.execute(
                text("UPDATE users SET is_active = false WHERE id = :u"), {"u": mentors[0]}
            )
        hour = 0
        for _ in range(90):
            mentor_id = rng.choice(mentors)
            workspace = workspace_of[mentor_id]
            mentee_id = rng.choice([m for m in mentees if workspace_of[m] == workspace])
            series = None
            if rng.random() < 0.3:
                series = conn.execute(
                    text(
                        "INSERT INTO session_series (workspace_id, mentor_id, mentee_id,"
                        " every_weeks, times) VALUES (:w, :m, :e, 1, :t) RETURNING id"
                    ),
                    {"w": workspace, "m": mentor_id, "e": mentee_id, "t": rng.randint(2, 9)},
                ).scalar_one()
            status = rng.choice(ACTIVE + OVER)
            if status in ACTIVE:
                hour += 1
                starts = BASE_TIME + timedelta(hours=hour)
            else:  # sessions that hold no time share start times: ids break the ties
                starts = BASE_TIME + timedelta(hours=rng.randint(0, 6))
            booked = starts - timedelta(days=7)
            session_id = conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                    " status, topic, series_id, created_at, updated_at)"
                    " VALUES (:w, :m, :e, :s, :end, :status, :topic, :series, :c, :c)"
                    " RETURNING id"
                ),
                {
                    "w": workspace,
                    "m": mentor_id,
                    "e": mentee_id,
                    "s": starts,
                    "end": starts + timedelta(minutes=30),
                    "status": status,
                    "topic": f"topic {rng.randint(0, 99)}",
                    "series": series,
                    "c": booked,
                },
            ).scalar_one()
            sessions.append(session_id)
            if status == "completed":
                for author, subject, role in (
                    (mentee_id, mentor_id, "mentor"),
                    (mentor_id, mentee_id, "mentee"),
                ):
                    if rng.random() < 0.6:
                        conn.execute(
                            text(
                                "INSERT INTO feedback (workspace_id, session_id, author_id,"
                                " subject_id, subject_role, rating, comment, created_at)"
                                " VALUES (:w, :s, :a, :b, :r, :n, :c, :at)"
                            ),
                            {
                                "w": workspace,
                                "s": session_id,
                                "a": author,
                                "b": subject,
                                "r": role,
                                "n": rng.randint(1, 5),
                                "c": f"said {rng.randint(0, 9)}",
                                # Several at the same time: ids break the ties.
                                "at": starts + timedelta(hours=rng.randint(1, 2)),
                            },
                        )
    return Programme(people, workspace_of, mentors, mentees, sessions)


def slack_of(programme: Programme, user_id: int) -> str:
    return next(s for s, u in programme.people.items() if u == user_id)


def uow_of(factory: sessionmaker[OrmSession], programme: Programme, user_id: int) -> SqlUnitOfWork:
    slack = slack_of(programme, user_id)
    return SqlUnitOfWork(factory, Actor.member(programme.workspace_of[user_id], slack))


def owner_rows(owner: Engine, sql: str, **params: Any) -> list[Any]:
    with owner.connect() as conn:
        return list(conn.execute(text(sql), params))


# Oracles: plain SQL as the owner.


def expected_schedules(owner: Engine, user_ids: list[int]) -> dict[int, Schedule]:
    weekly: dict[int, list[WeeklySlot]] = {u: [] for u in user_ids}
    off: dict[int, list[TimeOff]] = {u: [] for u in user_ids}
    extra: dict[int, list[ExtraSlot]] = {u: [] for u in user_ids}
    for u, row_id, weekday, s, e in owner_rows(
        owner,
        "SELECT user_id, id, weekday, start_time, end_time FROM availability"
        " WHERE user_id = ANY(:ids) ORDER BY user_id, weekday, start_time",
        ids=user_ids,
    ):
        weekly[u].append(WeeklySlot(weekday, s, e, id=row_id))
    for u, row_id, kind, first, last, s, e in owner_rows(
        owner,
        "SELECT user_id, id, kind, first_day, last_day, start_time, end_time"
        " FROM availability_exceptions WHERE user_id = ANY(:ids)"
        " ORDER BY user_id, first_day, start_time, id",
        ids=user_ids,
    ):
        if kind == "time_off":
            off[u].append(TimeOff(first, last, id=row_id))
        else:
            extra[u].append(ExtraSlot(first, s, e, id=row_id))
    return {u: Schedule(tuple(weekly[u]), tuple(off[u]), tuple(extra[u])) for u in user_ids}


def expected_session_ids(
    owner: Engine,
    user_id: int,
    statuses: Sequence[SessionStatus] | None,
    after: datetime | None = None,
    before: datetime | None = None,
    *,
    newest_first: bool,
    limit: int,
) -> list[int]:
    direction = "DESC" if newest_first else "ASC"
    return [
        row.id
        for row in owner_rows(
            owner,
            "SELECT id FROM sessions WHERE (mentor_id = :u OR mentee_id = :u)"
            " AND (CAST(:any_status AS boolean) OR status = ANY(CAST(:statuses AS text[])))"
            " AND (CAST(:after AS timestamptz) IS NULL OR starts_at > :after)"
            " AND (CAST(:before AS timestamptz) IS NULL OR starts_at < :before)"
            f" ORDER BY starts_at {direction}, id {direction} LIMIT :limit",
            u=user_id,
            any_status=statuses is None,
            statuses=[status.value for status in statuses or ()],
            after=after,
            before=before,
            limit=limit,
        )
    ]


def expected_completed(owner: Engine) -> dict[int, int]:
    return {
        row.mentor_id: row.n
        for row in owner_rows(
            owner,
            "SELECT mentor_id, count(*) AS n FROM sessions WHERE status = 'completed'"
            " GROUP BY mentor_id",
        )
    }


def expected_feedback(owner: Engine, session_ids: list[int]) -> dict[int, list[Feedback]]:
    found: dict[int, list[Feedback]] = {s: [] for s in session_ids}
    for row in owner_rows(
        owner,
        "SELECT * FROM feedback WHERE session_id = ANY(:ids) ORDER BY created_at, id",
        ids=session_ids,
    ):
        found[row.session_id].append(
            Feedback(
                row.session_id,
                row.workspace_id,
                row.author_id,
                row.subject_id,
                SubjectRole(row.subject_role),
                row.rating,
                row.comment,
                id=row.id,
                created_at=row.created_at,
            )
        )
    return found
