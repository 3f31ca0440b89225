"""A deterministic, realistic organisation for demos and benchmarks, loaded with
PostgreSQL COPY.

`seed(url, users=…, mentors=…, sessions=…, seed=…, now=…)` builds one workspace:
departments, titles, time zones (DST and half-hour zones included), mentors with
expertise, weekly availability, time off and weekly caps, mentees with learning
goals, two years of sessions plus the next two weeks in every status, their
history, feedback, the mentors' rating aggregates and recent notifications.
The same arguments always give the same rows (the ids too, in a database whose
tables started empty).

How it stays fast and still honours the schema:
- Rows are generated as COPY text in Python (integers for times, formatted
  through lookup tables) and streamed while PostgreSQL ingests the previous
  chunk; every CHECK, foreign key, unique and exclusion constraint is checked by
  the server as usual.
- Sessions lie on a per-mentor grid of the mentor's own weekly windows (local
  wall-clock time converted with the zone's offset on that date), so a mentor's
  sessions never overlap; a mentee gets an active session (requested, scheduled,
  ongoing) only where they have no other active one, as mentee or as mentor.
- Feedback is copied with the per-row ratings trigger disabled, and `ratings` is
  then filled with one GROUP BY over it: the same figures the trigger keeps, at a
  fraction of the cost (the trigger is enabled again in the same transaction, so
  no other transaction ever sees it off).
- One transaction; `ANALYZE` after it.

COPY FROM does not pass row-level security, so the login must bypass it
(a superuser or BYPASSRLS role) or own the tables: then FORCE ROW LEVEL
SECURITY is lifted for the transaction and put back before it commits.
"""

from __future__ import annotations

import random
import time
import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from storage.seed_data import (
    CANCEL_REASONS,
    DECLINE_REASONS,
    DEPARTMENTS,
    FIRST_NAMES,
    GENERAL_SKILLS,
    LAST_NAMES,
    MENTEE_COMMENTS,
    MENTEE_RATING_MIX,
    MENTOR_COMMENTS,
    MENTOR_QUALITY_WEIGHTS,
    MENTOR_SENIORITY,
    NOTES,
    RATING_MIXES,
    SENIORITY,
    SKILLS,
    TIME_ZONES,
    TOPIC_FORMS,
    TOPICS,
)

DAY = 86_400
HISTORY_DAYS = 730  # sessions start from this long before `now` …
FUTURE_DAYS = 14  # … up to this long after it (the booking horizon)
RECENT_NOTICE_DAYS = 30  # notifications exist for sessions created this recently
CHUNK_ROWS = 20_000  # rows per COPY write

# Row-level security is forced on these (see the migrations); all are written here.
RLS_TABLES = (
    "workspaces",
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "feedback",
    "notifications",
    "ratings",
)
COUNTED_TABLES = (
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "feedback",
    "ratings",
    "notifications",
)


# Session statuses, as stored; the index is the status code used below.
STATUSES = (
    "requested",
    "scheduled",
    "ongoing",
    "completed",
    "declined",
    "cancelled",
    "expired",
    "no_show",
)
REQUESTED, SCHEDULED, ONGOING, COMPLETED, DECLINED, CANCELLED, EXPIRED, NO_SHOW = range(8)
ACTIVE = frozenset({REQUESTED, SCHEDULED, ONGOING})
CAPPED = frozenset({REQUESTED, SCHEDULED, ONGOING, COMPLETED})
# (cumulative probability, status) by when a session lies.
PAST_MIX = ((0.76, COMPLETED), (0.87, CANCELLED), (0.92, DECLINED), (0.97, EXPIRED), (1.0, NO_SHOW))
FUTURE_MIX = ((0.58, SCHEDULED), (0.85, REQUESTED), (0.95, CANCELLED), (1.0, DECLINED))
# A session that started in the last two days may still wait for the mentor's "complete".
RECENT_ONGOING_SHARE = 0.25
RECENT = 2 * DAY


@dataclass(frozen=True)
class SeedReport:
    """What `seed` wrote: rows per table, and how long it took."""

    workspace_id: str
    counts: dict[str, int]
    seconds: float
    # Seconds per phase (generation and COPY overlap, so these are wall-clock).
    phases: dict[str, float] = field(default_factory=dict)


def seed(
    database_url: str,
    *,
    users: int,
    mentors: int,
    sessions: int,
    seed: int,
    workspace_id: str = "T1",
    now: datetime,
) -> SeedReport:
    """Fill `workspace_id` (which must have no people yet) with a generated
    organisation; see the module docstring."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if users < 1 or not 0 <= mentors <= users or sessions < 0:
        raise ValueError("need users >= 1, 0 <= mentors <= users and sessions >= 0")
    if sessions and not mentors:
        raise ValueError("sessions need at least one mentor")
    started = time.perf_counter()
    org = _Organisation(random.Random(seed), users, mentors, int(now.timestamp()))
    phases: dict[str, float] = {}
    with psycopg.connect(_conninfo(database_url)) as conn:
        _prepare(conn, workspace_id)
        forced = _lift_forced_rls(conn)
        user_base = _max_id(conn, "users")
        session_base = _max_id(conn, "sessions")
        org.assign_ids(user_base)

        def phase(name: str, run: Callable[[], None]) -> None:
            began = time.perf_counter()
            run()
            phases[name] = round(time.perf_counter() - began, 2)

        w = workspace_id
        plan = _SessionPlan(org, sessions, session_base)
        # First: the weekly caps written with the people depend on the plan.
        phase("plan", plan.build)
        phase("users", lambda: _copy(conn, "users", USER_COLUMNS, org.user_rows(w)))
        phase(
            "availability",
            lambda: _copy(conn, "availability", AVAILABILITY_COLUMNS, org.availability_rows(w)),
        )
        phase(
            "availability_exceptions",
            lambda: _copy(
                conn, "availability_exceptions", EXCEPTION_COLUMNS, plan.exception_rows(w)
            ),
        )
        phase("sessions", lambda: _copy(conn, "sessions", SESSION_COLUMNS, plan.session_rows(w)))
        phase(
            "session_history",
            lambda: _copy(conn, "session_history", HISTORY_COLUMNS, plan.history_rows(w)),
        )
        phase("feedback", lambda: _copy_feedback(conn, plan.feedback_rows(w), w))
        phase(
            "notifications",
            lambda: _copy(conn, "notifications", NOTIFICATION_COLUMNS, plan.notification_rows(w)),
        )
        # The ids above were given explicitly: move the identities past them.
        for table in ("users", "sessions"):
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), max(id)) FROM {i}"
                    " HAVING max(id) IS NOT NULL"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
        for table in forced:
            conn.execute(
                sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(sql.Identifier(table))
            )
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE workspace_id = %s").format(
                    sql.Identifier(table)
                ),
                (workspace_id,),
            ).fetchone()[0]  # type: ignore[index]
            for table in COUNTED_TABLES
        }
        began = time.perf_counter()
        conn.commit()
        phases["commit"] = round(time.perf_counter() - began, 2)
        conn.autocommit = True
        began = time.perf_counter()
        conn.execute("ANALYZE")
        phases["analyze"] = round(time.perf_counter() - began, 2)
    return SeedReport(workspace_id, counts, round(time.perf_counter() - started, 2), phases)


# --- connection and COPY ------------------------------------------------------

USER_COLUMNS = (
    "id",
    "workspace_id",
    "slack_user_id",
    "display_name",
    "title",
    "department",
    "time_zone",
    "is_mentor",
    "is_mentee",
    "is_active",
    "bio",
    "expertise",
    "learning_goals",
    "meeting_link",
    "session_minutes",
    "max_sessions_per_week",
    "created_at",
    "updated_at",
)
AVAILABILITY_COLUMNS = ("workspace_id", "user_id", "weekday", "start_time", "end_time")
EXCEPTION_COLUMNS = (
    "workspace_id",
    "user_id",
    "kind",
    "first_day",
    "last_day",
    "start_time",
    "end_time",
)
SESSION_COLUMNS = (
    "id",
    "workspace_id",
    "mentor_id",
    "mentee_id",
    "starts_at",
    "ends_at",
    "status",
    "topic",
    "notes",
    "actual_minutes",
    "cancel_reason",
    "previous_starts_at",
    "created_at",
    "updated_at",
)
HISTORY_COLUMNS = (
    "workspace_id",
    "session_id",
    "actor_id",
    "from_status",
    "to_status",
    "starts_at",
    "ends_at",
    "reason",
    "created_at",
)
FEEDBACK_COLUMNS = (
    "workspace_id",
    "session_id",
    "author_id",
    "subject_id",
    "subject_role",
    "rating",
    "comment",
    "created_at",
)
NOTIFICATION_COLUMNS = (
    "id",
    "workspace_id",
    "recipient_id",
    "kind",
    "session_id",
    "payload",
    "idempotency_key",
    "created_at",
    "read_at",
    "delivered_at",
    "attempts",
    "next_attempt_at",
)


def _conninfo(url: str) -> str:
    """A libpq URL from any spelling SQLAlchemy accepts (`postgresql+psycopg://…`)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _prepare(conn: psycopg.Connection, workspace_id: str) -> None:
    # Scheduled jobs' actor: what the policies let through if a policy applies at all.
    conn.execute("SELECT set_config('app.role', 'system', true)")
    conn.execute("SET LOCAL synchronous_commit = off")
    conn.execute(
        "INSERT INTO workspaces (id, name) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
        (workspace_id, "Acme Corporation"),
    )
    taken = conn.execute(
        "SELECT count(*) FROM users WHERE workspace_id = %s", (workspace_id,)
    ).fetchone()
    if taken and taken[0]:
        raise ValueError(f"workspace {workspace_id} already has people; seed an empty one")


def _lift_forced_rls(conn: psycopg.Connection) -> list[str]:
    """COPY FROM refuses a table whose row-level security applies to the login.
    A superuser or BYPASSRLS login passes; the owner passes once FORCE is lifted
    (inside this transaction only). Returns the tables to force again."""
    row = conn.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row and row[0]:
        return []
    forced = [
        name
        for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relforcerowsecurity"
            " AND c.relname = ANY(%s)",
            (list(RLS_TABLES),),
        )
    ]
    for table in forced:
        conn.execute(
            sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(sql.Identifier(table))
        )
    return forced


def _max_id(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(sql.Identifier(table))
    ).fetchone()
    return int(row[0]) if row else 0


def _copy(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[str]
) -> None:
    """COPY `rows` (each a text-format line, newline included) into `table`."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    buffer: list[str] = []
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for line in rows:
            buffer.append(line)
            if len(buffer) >= CHUNK_ROWS:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


def _copy_feedback(conn: psycopg.Connection, rows: Iterator[str], workspace_id: str) -> None:
    """Feedback without the per-row trigger, then each mentor's aggregate at once."""
    conn.execute("ALTER TABLE feedback DISABLE TRIGGER feedback_maintains_rating")
    _copy(conn, "feedback", FEEDBACK_COLUMNS, rows)
    conn.execute(
        "INSERT INTO ratings (mentor_id, workspace_id, rating_count, rating_sum)"
        " SELECT subject_id, workspace_id, count(*), sum(rating) FROM feedback"
        " WHERE workspace_id = %s AND subject_role = 'mentor'"
        " GROUP BY subject_id, workspace_id"
        " ON CONFLICT (mentor_id) DO UPDATE"
        " SET rating_count = ratings.rating_count + EXCLUDED.rating_count,"
        " rating_sum = ratings.rating_sum + EXCLUDED.rating_sum",
        (workspace_id,),
    )
    conn.execute("ALTER TABLE feedback ENABLE TRIGGER feedback_maintains_rating")


# --- text formatting ----------------------------------------------------------


class _Clock:
    """Epoch seconds to COPY text, through lookup tables (minute precision)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        self.days = [
            (date(1970, 1, 1) + timedelta(days=d)).isoformat() for d in range(first_day, last_day)
        ]
        self.minutes = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]

    def ts(self, seconds: int) -> str:
        """`YYYY-MM-DD HH:MM:00+00` (seconds dropped)."""
        day, rest = divmod(seconds, DAY)
        return f"{self.days[day - self.first_day]} {self.minutes[rest // 60]}+00"

    def iso(self, seconds: int) -> str:
        """As `datetime.isoformat()` writes an aware UTC time."""
        day, rest = divmod(seconds, DAY)
        return f"{self.days[day - self.first_day]}T{self.minutes[rest // 60]}+00:00"

    def day(self, day_number: int) -> str:
        return self.days[day_number - self.first_day]


def _text_array(values: tuple[str, ...] | list[str]) -> str:
    """A text[] literal for COPY text format (values hold no quotes or backslashes)."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...], n: int) -> list[str]:
    names = [name for name, _ in pairs]
    return rng.choices(names, weights=[w for _, w in pairs], k=n)


def _percent_table(mix: tuple[int, ...]) -> list[int]:
    """100 ratings drawn in the given proportions (5 first), for `table[int(r * 100)]`."""
    table: list[int] = []
    for stars, share in zip((5, 4, 3, 2, 1), mix, strict=True):
        table += [stars] * share
    return table


# --- people -------------------------------------------------------------------


@dataclass
class _Mentor:
    index: int  # into the people
    zone: str
    minutes: int  # session length
    windows: list[tuple[int, int, int]]  # (weekday, start minute, end minute), local
    quality: int  # index into RATING_MIXES
    active: bool
    mentee_too: bool
    cap: int | None = None
    topics: list[str] = field(default_factory=list)


class _Organisation:
    """The people, their profiles and availability; all drawn from `rng` in a fixed order."""

    def __init__(self, rng: random.Random, users: int, mentors: int, now: int) -> None:
        self.rng = rng
        self.n = users
        self.now = now
        self.clock = _Clock(now // DAY - HISTORY_DAYS - 200, now // DAY + FUTURE_DAYS + 90)
        departments = list(DEPARTMENTS)
        self.department = rng.choices(
            departments, weights=[DEPARTMENTS[d][0] for d in departments], k=users
        )
        self.zone = _weighted(rng, TIME_ZONES, users)
        self.name = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(users)]
        self.slack_id = self._slack_ids(users)
        mentor_indexes = sorted(rng.sample(range(users), mentors))
        self.is_mentor = [False] * users
        for i in mentor_indexes:
            self.is_mentor[i] = True
        self.active = [True] * users
        self.is_mentee = [False] * users
        self.mentors: list[_Mentor] = []
        self.mentor_of: dict[int, _Mentor] = {}
        for i in range(users):
            if self.is_mentor[i]:
                mentor = self._mentor(i)
                self.mentors.append(mentor)
                self.mentor_of[i] = mentor
                self.active[i] = mentor.active
                self.is_mentee[i] = mentor.mentee_too
            else:
                self.active[i] = rng.random() >= 0.02
                self.is_mentee[i] = rng.random() < (0.88 if self.active[i] else 0.5)
        self.seniority = [
            _weighted(rng, MENTOR_SENIORITY if self.is_mentor[i] else SENIORITY, 1)[0]
            for i in range(users)
        ]
        self.role = [rng.choice(DEPARTMENTS[self.department[i]][1]) for i in range(users)]
        # Mentees booking sessions: active people who signed up as mentees.
        self.bookers = [i for i in range(users) if self.is_mentee[i] and self.active[i]]
        self.ids: list[int] = []

    def _slack_ids(self, n: int) -> list[str]:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        seen: set[str] = set()
        ids: list[str] = []
        while len(ids) < n:
            candidate = "U0" + "".join(self.rng.choices(alphabet, k=9))
            if candidate not in seen:
                seen.add(candidate)
                ids.append(candidate)
        return ids

    def _mentor(self, i: int) -> _Mentor:
        rng = self.rng
        minutes = rng.choices((30, 45, 60), weights=(60, 15, 25))[0]
        # Distinct (weekday, half-day) pairs, so windows never overlap.
        halves = [(day, half) for day in range(5) for half in (0, 1)]
        if rng.random() < 0.1:
            halves.append((5, 0))
        windows: list[tuple[int, int, int]] = []
        for weekday, half in sorted(rng.sample(halves, rng.randint(2, 6))):
            if half == 0:
                start = rng.choice((8 * 60, 8 * 60 + 30, 9 * 60, 9 * 60 + 30, 10 * 60))
                end = min(start + rng.choice((60, 90, 120, 180)), 12 * 60 + 30)
            else:
                start = rng.choice((13 * 60, 14 * 60, 14 * 60 + 30, 15 * 60, 16 * 60))
                end = min(start + rng.choice((60, 90, 120, 180)), 19 * 60)
            if end - start < minutes:
                end = start + minutes
            windows.append((weekday, start, end))
        return _Mentor(
            index=i,
            zone=self.zone[i],
            minutes=minutes,
            windows=windows,
            quality=rng.choices(range(len(RATING_MIXES)), weights=MENTOR_QUALITY_WEIGHTS)[0],
            active=rng.random() >= 0.01,
            mentee_too=rng.random() < 0.3,
        )

    def assign_ids(self, base: int) -> None:
        self.ids = list(range(base + 1, base + 1 + self.n))

    def _expertise(self, i: int) -> list[str]:
        rng = self.rng
        own = DEPARTMENTS[self.department[i]][2]
        wanted = rng.randint(1, 5)
        tags = rng.sample(own, min(len(own), max(1, wanted - rng.randint(0, 2))))
        while len(tags) < wanted:
            tag = rng.choice(GENERAL_SKILLS if rng.random() < 0.7 else SKILLS)
            if tag not in tags:
                tags.append(tag)
        return tags

    def user_rows(self, workspace_id: str) -> Iterator[str]:
        rng, clock, now = self.rng, self.clock, self.now
        joined_from = now - (HISTORY_DAYS + 120) * DAY
        for i in range(self.n):
            mentor = self.mentor_of.get(i)
            department = self.department[i]
            expertise = self._expertise(i) if mentor else []
            goals: list[str] = []
            if self.is_mentee[i]:
                pool = DEPARTMENTS[department][2] + GENERAL_SKILLS
                goals = rng.sample(pool, rng.randint(1, 3))
            title = self.seniority[i] + self.role[i]
            bio, link, minutes, cap = "", "\\N", 30, "\\N"
            if mentor:
                mentor.topics = [
                    rng.choice(TOPIC_FORMS).format(tag.capitalize()) for tag in expertise
                ] + rng.sample(TOPICS, 3)
                bio = f"{title} in {department}. Happy to help with {', '.join(expertise)}."
                if rng.random() < 0.6:
                    link = f"https://meet.example.com/{self.slack_id[i].lower()}"
                minutes = mentor.minutes
                if mentor.cap is not None:
                    cap = str(mentor.cap)
            elif rng.random() < 0.1:
                bio = f"{title}, {department}."
            created = joined_from + rng.randrange(0, 80 * DAY)
            updated = created + rng.randrange(0, 30 * DAY)
            yield (
                f"{self.ids[i]}\t{workspace_id}\t{self.slack_id[i]}\t{self.name[i]}\t{title}\t"
                f"{department}\t{self.zone[i]}\t{'t' if mentor else 'f'}\t"
                f"{'t' if self.is_mentee[i] else 'f'}\t{'t' if self.active[i] else 'f'}\t{bio}\t"
                f"{_text_array(expertise)}\t{_text_array(goals)}\t{link}\t{minutes}\t{cap}\t"
                f"{clock.ts(created)}\t{clock.ts(updated)}\n"
            )

    def availability_rows(self, workspace_id: str) -> Iterator[str]:
        for mentor in self.mentors:
            uid = self.ids[mentor.index]
            for weekday, start, end in mentor.windows:
                yield (
                    f"{workspace_id}\t{uid}\t{weekday}\t{start // 60:02d}:{start % 60:02d}\t"
                    f"{end // 60:02d}:{end % 60:02d}\n"
                )


# --- sessions and everything that hangs off them ------------------------------


class _SessionPlan:
    """Every session as parallel arrays (ordered by creation time), and the rows
    derived from them."""

    def __init__(self, org: _Organisation, total: int, base_id: int) -> None:
        self.org = org
        self.total = total
        self.base_id = base_id
        self.time_off: list[tuple[int, int, int]] = []  # (user index, first day, last day)
        self.extra: list[tuple[int, int, int, int]] = []  # (user index, day, start, end)

    # -- the plan --

    def build(self) -> None:
        org, rng, now = self.org, self.org.rng, self.org.now
        first, last = now - HISTORY_DAYS * DAY, now + FUTURE_DAYS * DAY
        offsets = _ZoneOffsets(now // DAY - HISTORY_DAYS - 10, now // DAY + FUTURE_DAYS + 10)
        grids = [_Grid(m, offsets, first, last, org.now) for m in org.mentors]
        counts = self._shares(grids)
        # Weekly caps for a fifth of the mentors, above what they actually do.
        weeks = max(1, (HISTORY_DAYS + FUTURE_DAYS) // 7)
        for mentor, count in zip(org.mentors, counts, strict=True):
            if rng.random() < 0.2:
                mentor.cap = min(50, max(2, int(count / weeks * 1.5) + rng.randint(1, 4)))
        starts, ends, mentor_of, status = array("q"), array("q"), array("q"), array("b")
        mentee_of = array("q")
        days_busy: dict[int, set[int]] = {}
        for mentor, grid, count in zip(org.mentors, grids, counts, strict=True):
            if not count:
                continue
            picked = sorted(rng.sample(range(grid.lo, grid.hi), count))
            per_week: dict[int, int] = {}
            busy_days = days_busy.setdefault(mentor.index, set())
            for g in picked:
                start, local_day, week = grid.slot(g)
                end = start + mentor.minutes * 60
                code = _status(rng, start, end, now)
                if mentor.cap is not None and code in CAPPED:
                    per_week[week] = per_week.get(week, 0) + 1
                    if per_week[week] > mentor.cap:
                        code = CANCELLED
                busy_days.add(local_day)
                starts.append(start)
                ends.append(end)
                mentor_of.append(mentor.index)
                status.append(code)
        self._every_status(starts, ends, status)
        self._mentees(starts, ends, mentor_of, status, mentee_of)
        self._time_off(days_busy)
        self._lifecycle(starts, ends, mentor_of, mentee_of, status)

    def _shares(self, grids: list[_Grid]) -> list[int]:
        """Sessions per mentor: a long tail (a few very busy mentors), each at most
        70% of the slots their windows offer."""
        rng, total = self.org.rng, self.total
        weights = [min(rng.paretovariate(1.2), 60.0) for _ in grids]
        caps = [int((g.hi - g.lo) * 0.7) for g in grids]
        if sum(caps) < total:
            raise ValueError(
                f"{total} sessions do not fit the mentors' availability (room for {sum(caps)})"
            )
        whole = sum(weights) or 1.0
        counts = [min(cap, int(total * w / whole)) for w, cap in zip(weights, caps, strict=True)]
        rest = total - sum(counts)
        by_weight = sorted(range(len(grids)), key=lambda k: -weights[k])
        while rest > 0:
            for k in by_weight:
                if counts[k] < caps[k]:
                    room = min(caps[k] - counts[k], rest, max(1, rest // len(grids)))
                    counts[k] += room
                    rest -= room
                    if not rest:
                        break
        return counts

    def _every_status(self, starts: array, ends: array, status: array) -> None:
        """Make sure each status occurs (small seeds), changing sessions of a
        status that occurs more than once."""
        now = self.org.now
        seen: dict[int, int] = {}
        for code in status:
            seen[code] = seen.get(code, 0) + 1
        past = [k for k in range(len(starts)) if starts[k] < now]
        future = [k for k in range(len(starts)) if starts[k] >= now]
        # Latest first: a recent session can be awaiting completion.
        past.sort(key=lambda k: -starts[k])
        for code in range(len(STATUSES)):
            if seen.get(code):
                continue
            candidates = future if code in (REQUESTED, SCHEDULED) else past
            for k in candidates:
                if seen[status[k]] > 1:
                    seen[status[k]] -= 1
                    status[k] = code
                    seen[code] = 1
                    break

    def _mentees(
        self, starts: array, ends: array, mentor_of: array, status: array, mentee_of: array
    ) -> None:
        """A mentee per session, from a pool each mentor keeps; active sessions
        only where the mentee has no other active one at that time."""
        org, rng = self.org, self.org.rng
        bookers = org.bookers
        busy: dict[int, list[tuple[int, int]]] = {}
        for k in range(len(starts)):
            if status[k] in ACTIVE:
                busy.setdefault(mentor_of[k], []).append((starts[k], ends[k]))
        pools: dict[int, list[int]] = {}
        counts: dict[int, int] = {}
        for m in mentor_of:
            counts[m] = counts.get(m, 0) + 1
        for m, count in counts.items():
            size = min(len(bookers), max(2, count // 6 + 1))
            pool = [p for p in rng.sample(bookers, size) if p != m]
            pools[m] = pool or [p for p in bookers[:2] if p != m]
            if not pools[m]:
                raise ValueError("no mentee to book sessions with; seed more users")
        for k in range(len(starts)):
            pool = pools[mentor_of[k]]
            mentee = pool[int(rng.random() * len(pool))]
            if status[k] in ACTIVE:
                start, end = starts[k], ends[k]
                for attempt in range(40):
                    taken = busy.get(mentee)
                    if not taken or all(end <= s or e <= start for s, e in taken):
                        break
                    source = pool if attempt < 10 else bookers
                    mentee = source[int(rng.random() * len(source))]
                    if mentee == mentor_of[k]:
                        mentee = pool[0]
                else:
                    status[k] = CANCELLED
                if status[k] in ACTIVE:
                    busy.setdefault(mentee, []).append((start, end))
            mentee_of.append(mentee)

    def _time_off(self, days_busy: dict[int, set[int]]) -> None:
        """Time off on days without sessions, for some mentors; one-off extra
        Sunday slots for a few."""
        org, rng, now = self.org, self.org.rng, self.org.now
        today = now // DAY
        for mentor in org.mentors:
            busy = days_busy.get(mentor.index, set())
            if rng.random() < 0.15:
                for _ in range(rng.randint(1, 2)):
                    length = rng.randint(1, 10)
                    for _try in range(8):
                        first = today + rng.randint(-HISTORY_DAYS, FUTURE_DAYS + 30)
                        if not any(first + d in busy for d in range(length)):
                            self.time_off.append((mentor.index, first, first + length - 1))
                            busy.update(range(first, first + length))
                            break
            if rng.random() < 0.05:
                sunday = today + (6 - (today + 3) % 7) + 7 * rng.randint(0, 1)
                start = rng.choice((10 * 60, 11 * 60))
                self.extra.append((mentor.index, sunday, start, start + 120))

    def _lifecycle(
        self, starts: array, ends: array, mentor_of: array, mentee_of: array, status: array
    ) -> None:
        """When each session was booked and last changed, ordered by booking time."""
        org, rng, now = self.org, self.org.rng, self.org.now
        n = len(starts)
        created = array("q", bytes(8 * n))
        for k in range(n):
            start = starts[k]
            booked = start - rng.randrange(2 * 3600, 14 * DAY, 60)
            if booked > now - 60:
                booked = max(start - 14 * DAY, now - rng.randrange(60, 3 * DAY, 60))
            created[k] = booked
        order = sorted(range(n), key=created.__getitem__)
        self.starts = array("q", (starts[k] for k in order))
        self.ends = array("q", (ends[k] for k in order))
        self.created = array("q", (created[k] for k in order))
        self.status = array("b", (status[k] for k in order))
        ids = org.ids
        self.mentor_ids = array("q", (ids[mentor_of[k]] for k in order))
        self.mentee_ids = array("q", (ids[mentee_of[k]] for k in order))
        self.mentor_index = array("q", (mentor_of[k] for k in order))

    # -- rows --

    def exception_rows(self, workspace_id: str) -> Iterator[str]:
        ids, clock = self.org.ids, self.org.clock
        for who, first, last in self.time_off:
            yield (
                f"{workspace_id}\t{ids[who]}\ttime_off\t{clock.day(first)}\t{clock.day(last)}"
                "\t\\N\t\\N\n"
            )
        for who, day, start, end in self.extra:
            yield (
                f"{workspace_id}\t{ids[who]}\textra\t{clock.day(day)}\t{clock.day(day)}\t"
                f"{start // 60:02d}:{start % 60:02d}\t{end // 60:02d}:{end % 60:02d}\n"
            )

    def session_rows(self, workspace_id: str) -> Iterator[str]:
        """The sessions, deciding the times of their transitions on the way
        (kept for the history that follows)."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, random_ = org.clock.ts, rng.random
        mentors = org.mentor_of
        n = len(self.starts)
        # When accepted (or 0), when it reached its final status, and a few flags.
        self.accepted = accepted = array("q", bytes(8 * n))
        self.finished = finished = array("q", bytes(8 * n))
        self.moved_from = moved_from = array("q", bytes(8 * n))
        self.topic = topic_index = array("b", bytes(n))
        self.reason = reason_index = array("b", bytes(n))
        self.cancel_by_mentor = by_mentor = array("b", bytes(n))
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        base = self.base_id
        for k in range(n):
            start, end, booked, code = starts[k], ends[k], created[k], status[k]
            mentor = mentors[mentor_index[k]]
            until = min(start, now)
            accept = 0
            if code not in (REQUESTED, DECLINED, EXPIRED) and not (
                code == CANCELLED and random_() < 0.4
            ):
                accept = booked + min(rng.randrange(300, DAY, 60), max(60, (until - booked) // 2))
            accepted[k] = accept
            topic = int(random_() * len(mentor.topics))
            topic_index[k] = topic
            notes, minutes, reason, previous = "", "\\N", "\\N", "\\N"
            if code == COMPLETED:
                done = min(end + rng.randrange(0, 3 * 3600, 60), now)
                minutes = str(max(5, mentor.minutes + rng.randrange(-10, 16)))
                if random_() < 0.25:
                    notes = NOTES[int(random_() * len(NOTES))]
            elif code == NO_SHOW:
                done = min(start + 15 * 60, now)
            elif code in (ONGOING, EXPIRED):
                done = start
            elif code in (DECLINED, CANCELLED):
                lower = accept or booked
                done = lower + int(random_() * max(60, until - lower))
                done = min(done, now)
                if code == DECLINED:
                    r = int(random_() * len(DECLINE_REASONS))
                    reason = DECLINE_REASONS[r] or "\\N"
                else:
                    r = int(random_() * len(CANCEL_REASONS))
                    reason = CANCEL_REASONS[r]
                    by_mentor[k] = 1 if random_() < 0.4 else 0
                reason_index[k] = r
            else:  # requested, scheduled
                done = accept or booked
            finished[k] = done
            if accept and random_() < 0.03:
                # Moved earlier by the mentor, from the same time a few days later.
                moved = start + rng.randrange(1, 4) * DAY
                moved_from[k] = moved
                previous = ts(moved)
            yield (
                f"{base + k + 1}\t{workspace_id}\t{mentor_ids[k]}\t{mentee_ids[k]}\t{ts(start)}\t"
                f"{ts(end)}\t{STATUSES[code]}\t{mentor.topics[topic]}\t{notes}\t{minutes}\t"
                f"{reason}\t{previous}\t{ts(booked)}\t{ts(done)}\n"
            )

    def history_rows(self, workspace_id: str) -> Iterator[str]:
        """Every transition: booked (by the mentee), accepted (mentor), moved,
        started (the scheduler), and how it ended."""
        ts, now = self.org.clock.ts, self.org.now
        w = workspace_id
        base = self.base_id
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        accepted, finished, moved_from = self.accepted, self.finished, self.moved_from
        mentor_ids, mentee_ids = self.mentor_ids, self.mentee_ids
        reason_index, by_mentor = self.reason, self.cancel_by_mentor
        for k in range(len(starts)):
            sid = base + k + 1
            code, mentor, mentee = status[k], mentor_ids[k], mentee_ids[k]
            now_at = f"{ts(starts[k])}\t{ts(ends[k])}"
            moved = moved_from[k]
            first_at = now_at
            if moved:
                first_at = f"{ts(moved)}\t{ts(moved + ends[k] - starts[k])}"
            yield f"{w}\t{sid}\t{mentee}\t\\N\trequested\t{first_at}\t\\N\t{ts(created[k])}\n"
            accept = accepted[k]
            if accept:
                yield (
                    f"{w}\t{sid}\t{mentor}\trequested\tscheduled\t{first_at}\t\\N\t{ts(accept)}\n"
                )
                if moved:
                    at = ts(accept + (min(starts[k], now, finished[k]) - accept) // 3)
                    yield f"{w}\t{sid}\t{mentor}\tscheduled\tscheduled\t{now_at}\t\\N\t{at}\n"
            end_at = ts(finished[k])
            if code in (ONGOING, COMPLETED, NO_SHOW):
                yield f"{w}\t{sid}\t\\N\tscheduled\tongoing\t{now_at}\t\\N\t{ts(starts[k])}\n"
                if code == COMPLETED:
                    yield f"{w}\t{sid}\t{mentor}\tongoing\tcompleted\t{now_at}\t\\N\t{end_at}\n"
                elif code == NO_SHOW:
                    yield f"{w}\t{sid}\t{mentor}\tongoing\tno_show\t{now_at}\t\\N\t{end_at}\n"
            elif code == DECLINED:
                reason = DECLINE_REASONS[reason_index[k]] or "\\N"
                yield f"{w}\t{sid}\t{mentor}\trequested\tdeclined\t{now_at}\t{reason}\t{end_at}\n"
            elif code == EXPIRED:
                yield f"{w}\t{sid}\t\\N\trequested\texpired\t{now_at}\t\\N\t{end_at}\n"
            elif code == CANCELLED:
                actor = mentor if by_mentor[k] else mentee
                before = "scheduled" if accept else "requested"
                reason = CANCEL_REASONS[reason_index[k]]
                yield f"{w}\t{sid}\t{actor}\t{before}\tcancelled\t{now_at}\t{reason}\t{end_at}\n"

    def feedback_rows(self, workspace_id: str) -> Iterator[str]:
        """Mentees rate most completed sessions, mentors some; mostly kind."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, random_ = org.clock.ts, rng.random
        mentors = org.mentor_of
        tables = [_percent_table(mix) for mix in RATING_MIXES]
        mentee_table = _percent_table(MENTEE_RATING_MIX)
        base = self.base_id
        status, finished = self.status, self.finished
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        w = workspace_id
        for k in range(len(status)):
            if status[k] != COMPLETED:
                continue
            sid = base + k + 1
            done = finished[k]
            if random_() < 0.6:
                stars = tables[mentors[mentor_index[k]].quality][int(random_() * 100)]
                comment = ""
                if random_() < 0.5:
                    comment = MENTOR_COMMENTS[int(random_() * len(MENTOR_COMMENTS))]
                at = min(done + rng.randrange(60, 3 * DAY, 60), now)
                yield (
                    f"{w}\t{sid}\t{mentee_ids[k]}\t{mentor_ids[k]}\tmentor\t{stars}\t{comment}\t"
                    f"{ts(at)}\n"
                )
            if random_() < 0.25:
                stars = mentee_table[int(random_() * 100)]
                comment = ""
                if random_() < 0.4:
                    comment = MENTEE_COMMENTS[int(random_() * len(MENTEE_COMMENTS))]
                at = min(done + rng.randrange(60, 2 * DAY, 60), now)
                yield (
                    f"{w}\t{sid}\t{mentor_ids[k]}\t{mentee_ids[k]}\tmentee\t{stars}\t{comment}\t"
                    f"{ts(at)}\n"
                )

    def notification_rows(self, workspace_id: str) -> Iterator[str]:
        """The notices of recently booked sessions, all delivered; most older
        than two days read."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, iso, random_ = org.clock.ts, org.clock.iso, rng.random
        names = org.name
        index_of = {uid: i for i, uid in enumerate(org.ids)}
        mentors = org.mentor_of
        recent = now - RECENT_NOTICE_DAYS * DAY
        base = self.base_id
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        accepted, finished = self.accepted, self.finished
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        first = next((k for k in range(len(created)) if created[k] >= recent), len(created))
        for k in range(first, len(created)):
            sid, code = base + k + 1, status[k]
            mentor, mentee = mentor_ids[k], mentee_ids[k]
            topic = mentors[mentor_index[k]].topics[self.topic[k]]
            start_iso = iso(starts[k])
            common = f'"starts_at": "{start_iso}", "ends_at": "{iso(ends[k])}", "topic": "{topic}"'
            notices = [
                ("request_received", "requested", mentor, created[k], names[index_of[mentee]]),
            ]
            if accepted[k]:
                notices.append(
                    ("request_accepted", "scheduled", mentee, accepted[k], names[index_of[mentor]])
                )
            if code == DECLINED:
                notices.append(
                    ("request_declined", "declined", mentee, finished[k], names[index_of[mentor]])
                )
            elif code == CANCELLED:
                by_mentor = self.cancel_by_mentor[k]
                other, actor = (mentee, mentor) if by_mentor else (mentor, mentee)
                notices.append(
                    ("session_cancelled", "cancelled", other, finished[k], names[index_of[actor]])
                )
            elif code == EXPIRED:
                notices.append(("request_expired", "expired", mentee, finished[k], None))
            elif code == COMPLETED:
                notices.append(("complete_prompt", "ended", mentor, ends[k], None))
            for kind, event, recipient, at, other in notices:
                payload = common if other is None else common + f', "other_name": "{other}"'
                read = "\\N"
                if at < now - 2 * DAY and random_() < 0.8:
                    read = ts(min(at + rng.randrange(60, 2 * DAY, 60), now))
                key = f"session:{sid}:{event}:{start_iso}:{recipient}"
                notice_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                yield (
                    f"{notice_id}\t{workspace_id}\t{recipient}\t{kind}\t{sid}\t{{{payload}}}\t"
                    f"{key}\t{ts(at)}\t{read}\t{ts(at)}\t1\t{ts(at)}\n"
                )


def _status(rng: random.Random, start: int, end: int, now: int) -> int:
    draw = rng.random()
    if start >= now:
        mix = FUTURE_MIX
    elif end > now:
        return ONGOING if draw < 0.9 else CANCELLED
    elif start >= now - RECENT and draw < RECENT_ONGOING_SHARE:
        return ONGOING
    else:
        mix = PAST_MIX
        draw = rng.random()
    for threshold, code in mix:
        if draw < threshold:
            return code
    return mix[-1][1]


class _ZoneOffsets:
    """UTC offsets in seconds per zone and local date (taken at local noon)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        self.last_day = last_day
        self._cache: dict[str, list[int]] = {}

    def of(self, zone: str) -> list[int]:
        found = self._cache.get(zone)
        if found is None:
            tz = ZoneInfo(zone)
            epoch = datetime(1970, 1, 1, 12)
            found = []
            for day in range(self.first_day, self.last_day):
                offset = (epoch + timedelta(days=day)).replace(tzinfo=tz).utcoffset()
                found.append(int(offset.total_seconds()) if offset else 0)
            self._cache[zone] = found
        return found


class _Grid:
    """A mentor's bookable slots over the whole span, numbered in time order:
    slot g is window slot g % per_week of local week g // per_week."""

    def __init__(
        self, mentor: _Mentor, offsets: _ZoneOffsets, first: int, last: int, now: int
    ) -> None:
        self.offsets = offsets.of(mentor.zone)
        self.first_day = offsets.first_day
        self.slots = [
            (weekday, minute)
            for weekday, start, end in mentor.windows
            for minute in range(start, end - mentor.minutes + 1, mentor.minutes)
        ]
        self.per_week = len(self.slots)
        first_local = first // DAY - 1
        # Epoch day 0 was a Thursday: Monday is (day + 3) % 7 == 0.
        self.monday = first_local - (first_local + 3) % 7
        if not mentor.active:
            last = min(last, now - 30 * DAY)  # they left a month ago
        weeks = (last // DAY + 2 - self.monday) // 7 + 1
        size = weeks * self.per_week
        lo, hi = 0, size
        while lo < hi and self.slot(lo)[0] < first:
            lo += 1
        while hi > lo and self.slot(hi - 1)[0] >= last:
            hi -= 1
        self.lo, self.hi = lo, hi

    def slot(self, g: int) -> tuple[int, int, int]:
        """(UTC start in epoch seconds, local day number, local week) of slot g."""
        week, j = divmod(g, self.per_week)
        weekday, minute = self.slots[j]
        day = self.monday + 7 * week + weekday
        start = day * DAY + minute * 60 - self.offsets[day - self.first_day]
        return start, day, week


def reference_now() -> datetime:
    """A fixed `now` for reproducible demos and tests (a Monday morning, UTC)."""
    return datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
