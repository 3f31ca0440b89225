"""The generated organisation: loaded through every constraint, the same rows
for the same seed, sessions in every status at sensible times, and ratings that
agree with the feedback they summarise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from storage.seed import STATUSES, SeedReport, reference_now, seed
from tests import pg

NOW = reference_now()
SIZE = {"users": 300, "mentors": 40, "sessions": 3000}
# Every column but the workspace's creation time (the server's now()).
CHECKSUMMED = (
    "users",
    "availability",
    "availability_exceptions",
    "sessions",
    "session_history",
    "feedback",
    "ratings",
    "notifications",
)


@pytest.fixture
def fresh_database(server_url: str, template_database: str) -> Iterator[Any]:
    """Makes migrated databases on demand; drops them after the test."""
    made: list[str] = []

    def make() -> str:
        name = pg.fresh_name("mentorbot_seed")
        made.append(name)
        return pg.create_database(server_url, name, template=template_database)

    yield make
    for name in made:
        pg.drop_database(server_url, name)


@pytest.fixture(scope="module")
def seeded(server_url: str, template_database: str) -> Iterator[tuple[str, SeedReport]]:
    name = pg.fresh_name("mentorbot_seeded")
    url = pg.create_database(server_url, name, template=template_database)
    report = seed(url, **SIZE, seed=7, now=NOW)
    yield url, report
    pg.drop_database(server_url, name)


def _rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    named = len(params) == 1 and isinstance(params[0], dict)
    with psycopg.connect(url) as conn:
        return conn.execute(query, params[0] if named else params).fetchall()


def _one(url: str, query: str, *params: Any) -> Any:
    return _rows(url, query, *params)[0][0]


def _checksums(url: str) -> dict[str, str]:
    return {
        table: _one(url, f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM {table} t")
        for table in CHECKSUMMED
    }


def test_a_small_seed_has_the_people_and_sessions_asked_for(
    seeded: tuple[str, SeedReport],
) -> None:
    url, report = seeded
    assert report.counts["users"] == _one(url, "SELECT count(*) FROM users") == 300
    assert _one(url, "SELECT count(*) FROM users WHERE is_mentor") == 40
    assert report.counts["sessions"] == _one(url, "SELECT count(*) FROM sessions") == 3000
    for table, count in report.counts.items():
        assert _one(url, f"SELECT count(*) FROM {table}") == count
    assert _one(url, "SELECT count(*) FROM users WHERE is_mentee AND NOT is_mentor") > 200
    assert _one(url, "SELECT count(DISTINCT department) FROM users") >= 15
    assert _one(url, "SELECT count(DISTINCT time_zone) FROM users") >= 10
    assert report.counts["availability"] >= 2 * 40
    assert report.counts["feedback"] > 0
    assert report.counts["notifications"] > 0
    assert report.seconds > 0


def test_the_seed_left_every_constraint_trigger_and_policy_switched_on(
    seeded: tuple[str, SeedReport], fresh_database: Any
) -> None:
    url, _ = seeded
    # Rows entered through COPY with constraints checked; nothing was left off.
    assert _rows(url, "SELECT conname FROM pg_constraint WHERE NOT convalidated") == []
    # The foreign keys dropped for the load are back, as the migrations made them.
    constraints = "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    constraints += " FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    assert _rows(url, constraints) == _rows(fresh_database(), constraints)
    triggers = _rows(
        url,
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'feedback'::regclass"
        " AND NOT tgisinternal ORDER BY 1",
    )
    assert triggers == [("feedback_keeps_session_rating", "O"), ("feedback_maintains_rating", "O")]
    unforced = _rows(
        url,
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        " AND relname <> 'alembic_version' AND NOT (relrowsecurity AND relforcerowsecurity)",
    )
    assert unforced == []
    # The identities continue after the explicit ids.
    user_id = _one(
        url,
        "INSERT INTO users (workspace_id, slack_user_id, display_name)"
        " VALUES ('T1', 'UNEWCOMER', 'Newcomer') RETURNING id",
    )
    assert user_id == 301


def test_active_sessions_never_overlap_for_either_person(seeded: tuple[str, SeedReport]) -> None:
    url, _ = seeded
    for person in ("mentor_id", "mentee_id"):
        overlapping = _one(
            url,
            f"SELECT count(*) FROM sessions a JOIN sessions b ON a.{person} = b.{person}"
            " AND a.id < b.id AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at,"
            " b.ends_at) WHERE a.status IN ('requested', 'scheduled', 'ongoing')"
            " AND b.status IN ('requested', 'scheduled', 'ongoing')",
        )
        assert overlapping == 0
    # Nor as mentor in one and mentee in another.
    crossing = _one(
        url,
        "SELECT count(*) FROM sessions a JOIN sessions b ON a.mentor_id = b.mentee_id"
        " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
        " WHERE a.status IN ('requested', 'scheduled', 'ongoing')"
        " AND b.status IN ('requested', 'scheduled', 'ongoing')",
    )
    assert crossing == 0


def test_sessions_come_in_every_status_at_sensible_times(seeded: tuple[str, SeedReport]) -> None:
    url, _ = seeded
    counts = dict(_rows(url, "SELECT status, count(*) FROM sessions GROUP BY status"))
    assert set(counts) == set(STATUSES)
    assert counts["completed"] == max(counts.values())
    assert _one(url, "SELECT min(starts_at) >= %s - interval '731 days' FROM sessions", NOW)
    assert _one(url, "SELECT max(starts_at) < %s + interval '14 days' FROM sessions", NOW)
    misplaced = _rows(
        url,
        "SELECT id, status FROM sessions WHERE"
        " (status IN ('requested', 'scheduled') AND starts_at < %(now)s)"
        " OR (status = 'ongoing' AND starts_at > %(now)s)"
        " OR (status IN ('completed', 'no_show', 'expired') AND starts_at > %(now)s)"
        " OR created_at > %(now)s OR updated_at > %(now)s OR created_at > starts_at",
        {"now": NOW},
    )
    assert misplaced == []


def test_every_session_has_a_history_ending_in_its_status(seeded: tuple[str, SeedReport]) -> None:
    url, _ = seeded
    assert (
        _one(
            url,
            "SELECT count(*) FROM sessions s WHERE NOT EXISTS"
            " (SELECT 1 FROM session_history h WHERE h.session_id = s.id"
            " AND h.from_status IS NULL AND h.to_status = 'requested')",
        )
        == 0
    )
    wrong_end = _one(
        url,
        "SELECT count(*) FROM sessions s WHERE s.status <> (SELECT h.to_status"
        " FROM session_history h WHERE h.session_id = s.id ORDER BY h.created_at DESC, h.id DESC"
        " LIMIT 1)",
    )
    assert wrong_end == 0
    assert _one(url, "SELECT count(*) FROM session_history WHERE created_at > %s", NOW) == 0


def test_feedback_is_about_completed_sessions_by_their_participants(
    seeded: tuple[str, SeedReport],
) -> None:
    url, _ = seeded
    stray = _one(
        url,
        "SELECT count(*) FROM feedback f JOIN sessions s ON s.id = f.session_id"
        " WHERE s.status <> 'completed' OR f.created_at > %s OR NOT ("
        " (f.author_id = s.mentee_id AND f.subject_id = s.mentor_id"
        " AND f.subject_role = 'mentor')"
        " OR (f.author_id = s.mentor_id AND f.subject_id = s.mentee_id"
        " AND f.subject_role = 'mentee'))",
        NOW,
    )
    assert stray == 0
    mean = _one(url, "SELECT avg(rating) FROM feedback WHERE subject_role = 'mentor'")
    assert 3.8 < mean < 4.8  # skewed high, as people rate


def test_ratings_equal_a_recomputation_from_feedback(seeded: tuple[str, SeedReport]) -> None:
    url, _ = seeded
    stored = _rows(
        url,
        "SELECT mentor_id, rating_count, rating_sum, average_rating FROM ratings ORDER BY 1",
    )
    recomputed = _rows(
        url,
        "SELECT subject_id, count(*)::int, sum(rating)::int, round(avg(rating), 2)"
        " FROM feedback WHERE subject_role = 'mentor' GROUP BY subject_id ORDER BY 1",
    )
    assert stored
    assert stored == recomputed


def test_each_sessions_rating_is_its_mentees_rating_of_the_mentor(
    seeded: tuple[str, SeedReport],
) -> None:
    url, _ = seeded
    rated = "SELECT id, rating FROM sessions WHERE rating IS NOT NULL ORDER BY 1"
    from_feedback = (
        "SELECT session_id, rating FROM feedback WHERE subject_role = 'mentor' ORDER BY 1"
    )
    assert _rows(url, rated)
    assert _rows(url, rated) == _rows(url, from_feedback)


def test_the_seeded_workspace_has_its_dashboard_snapshots(seeded: tuple[str, SeedReport]) -> None:
    url, report = seeded
    snapshots = _rows(
        url,
        "SELECT period_days, computed_at, (figures->>'sessions')::int FROM analytics_snapshots"
        " WHERE workspace_id = 'T1' ORDER BY 1",
    )
    assert [(days, at) for days, at, _ in snapshots] == [(d, NOW) for d in (0, 7, 30, 90)]
    every_past_session = _one(url, "SELECT count(*) FROM sessions WHERE starts_at < %s", NOW)
    assert snapshots[0][2] == every_past_session
    assert "analytics" in report.phases


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(fresh_database: Any) -> None:
    first, second, other = fresh_database(), fresh_database(), fresh_database()
    seed(first, **SIZE, seed=11, now=NOW)
    seed(second, **SIZE, seed=11, now=NOW)
    seed(other, **SIZE, seed=12, now=NOW)

    assert _checksums(first) == _checksums(second)
    assert _checksums(first)["sessions"] != _checksums(other)["sessions"]


def test_seeding_a_workspace_that_has_people_changes_nothing(fresh_database: Any) -> None:
    url = fresh_database()
    seed(url, users=20, mentors=3, sessions=50, seed=1, now=NOW)

    with pytest.raises(ValueError, match="already has people"):
        seed(url, users=20, mentors=3, sessions=50, seed=2, now=NOW)
    assert _one(url, "SELECT count(*) FROM sessions") == 50


def test_sessions_need_room_in_the_mentors_weeks(fresh_database: Any) -> None:
    url = fresh_database()
    with pytest.raises(ValueError, match="do not fit"):
        seed(url, users=10, mentors=1, sessions=100_000, seed=1, now=NOW)
    assert _one(url, "SELECT count(*) FROM users") == 0


def test_the_reference_now_is_the_last_monday_8am_never_ahead_of_the_clock() -> None:
    # From a day before this week's reference to eight days after, every 61 minutes.
    monday = reference_now()
    for minutes in range(-24 * 60, 8 * 24 * 60, 61):
        at = monday + timedelta(minutes=minutes)
        found = reference_now(at)
        assert found <= at < found + timedelta(days=7), at
        assert (found.weekday(), found.time(), found.tzinfo) == (0, time(8), UTC)
    # A minute before, the reference of the week before (a Monday's early hours).
    assert reference_now(monday - timedelta(minutes=1)) == monday - timedelta(days=7)
    assert reference_now(monday) == monday
    # A clock in another zone tells the same instant.
    paris = ZoneInfo("Europe/Paris")
    assert reference_now(monday.astimezone(paris)) == monday
