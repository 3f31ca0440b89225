"""Suggested mentors for a mentee, best first, each with its reasons in words.

Candidates come from the mentor directory: the mentors whose name,
department or expertise names a skill that helps with one of the mentee's
goals (at most `MatchPolicy.candidates` of them, the best matches first).
Each is scored in two steps, the cheap parts for every candidate, the rest
(history, load, free slots, completed sessions: what each mentor's diary
says) for the best few of the first step:

- relatedness of the goals to the mentor's expertise, bio and history (the
  goals of mentees who rated them highly), from the skills vocabulary;
- shared working hours (08:00–18:00 on weekdays in both zones);
- a free slot in the next 14 days, inside both working days if possible (the
  weekly cap and both people's sessions taken into account);
- load: sessions they mentor lately or soon and requests waiting for them,
  against what they offer, so the same popular mentor does not top every list;
- rating (the dashboard's Bayesian average) and completed sessions;
- another department (a preference, on by default: mentoring across teams).

Relatedness carries the score: a mentor unrelated to every goal is never
suggested, and the other parts move a related mentor up or down by at most
half. Excluded: oneself, mentors one has an active session with (listed apart
as "your mentors") and mentors who declined one in the last 30 days."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import chain
from zoneinfo import ZoneInfo

from domain.metrics import MIN_RATINGS_SHOWN, bayesian_score
from domain.model import (
    ACTIVE_STATUSES,
    BusyPeriod,
    Candidate,
    MentorRating,
    Profile,
    Schedule,
    SessionStatus,
    Slot,
)
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.search import goal_terms
from domain.skills.relatedness import (
    Goal,
    GoalMatch,
    MentorSkill,
    Relatedness,
    Source,
    read_goals,
    read_mentor,
    relatedness,
)
from domain.skills.vocabulary import Vocabulary, vocabulary
from domain.slots import each_free_slot, validate_zone
from domain.working_hours import in_shared_working_day, shared_working_hours

SHOWN = 5
HOME_SHOWN = 3
# A mentor this much related at least is suggested at all.
MIN_RELATEDNESS = 0.12
# Relatedness counts this much whatever the rest says.
RELATEDNESS_FLOOR = 0.5
# A weekly load this high (sessions mentored in the window, per week of it)
# counts as full for a mentor without a weekly cap of their own.
USUAL_WEEKLY_LOAD = 3
# A request still waiting for the mentor's answer weighs this many sessions.
WAITING_REQUEST = 2.0
FULL_DAY_HOURS = 8.0  # this much shared working time a day counts as plenty
SESSIONS_FOR_FULL_CREDIT = 30


class Part(StrEnum):
    """The parts of a score beside relatedness, each 0 to 1."""

    HOURS = "hours"
    FREE = "free"
    LOAD = "load"
    RATING = "rating"
    COMPLETED = "completed"
    TEAM = "team"


# How much each part counts (relative to the others).
WEIGHTS = {
    Part.HOURS: 0.2,
    Part.FREE: 0.25,
    Part.LOAD: 0.2,
    Part.RATING: 0.15,
    Part.COMPLETED: 0.05,
    Part.TEAM: 0.15,
}


@dataclass(frozen=True)
class MatchPolicy:
    """What an operator may tune about suggestions."""

    prefer_other_department: bool = True
    # How many mentors the directory hands over to be scored (the best matches
    # of the goals' terms, then the best rated): each costs the first step. The
    # App Home, published after every change, looks at fewer.
    candidates: int = 100
    home_candidates: int = 40
    # How many of the best of the first step are scored in full, per mentor shown.
    pool_per_shown: int = 2
    declined_window: timedelta = timedelta(days=30)
    # Sessions mentored in this window on either side of now are the load.
    load_window: timedelta = timedelta(days=14)
    # A rating at least this good teaches what the mentor is good for.
    satisfied_rating: int = 4


DEFAULT_MATCHING = MatchPolicy()


class MatchState(StrEnum):
    READY = "ready"
    NOT_A_MENTEE = "not_a_mentee"
    NO_GOALS = "no_goals"  # no goal the vocabulary can read


@dataclass(frozen=True)
class Suggestion:
    mentor: Profile
    score: float
    reasons: tuple[str, ...]
    rating: MentorRating
    completed: int
    next_free_slot: Slot | None
    relatedness: float
    parts: dict[Part, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Matches:
    me: Profile
    state: MatchState
    suggestions: tuple[Suggestion, ...] = ()
    your_mentors: tuple[Profile, ...] = ()


def suggest_mentors(
    uow: UnitOfWork,
    clock: Clock,
    *,
    shown: int = SHOWN,
    policy: BookingPolicy = DEFAULT_POLICY,
    matching: MatchPolicy = DEFAULT_MATCHING,
) -> Matches:
    """`/mentor match`: the acting person's best `shown` mentors."""
    with uow:
        return suggestions_within(
            uow,
            clock,
            current_profile(uow),
            shown=shown,
            candidates=matching.candidates,
            policy=policy,
            matching=matching,
        )


class SuggestionMemo:
    """The App Home's suggestions for each mentee, kept for `keep`.

    A Home is published on every open and after every change that concerns
    its owner, and scoring the directory was most of a mentee's Home (at 1M
    sessions, 63 of 94 ms: cProfile of `read_homes`). What the mentee said or
    did (goals, title, department, zone, their mentors) is in the key, so a
    change of theirs shows at once; other mentors' diaries and ratings may be
    up to `keep` old, as a suggestion may be: Book reads the free time live.
    One per process, shared by its threads."""

    def __init__(self, keep: timedelta = timedelta(minutes=5), size: int = 10_000) -> None:
        self._keep, self._size = keep, size
        self._kept: OrderedDict[int, tuple[Hashable, datetime, Matches]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, mentee_id: int, key: Hashable, now: datetime) -> Matches | None:
        with self._lock:
            kept = self._kept.get(mentee_id)
            if kept is None or kept[0] != key or not now < kept[1] + self._keep:
                return None
            self._kept.move_to_end(mentee_id)
            return kept[2]

    def put(self, mentee_id: int, key: Hashable, now: datetime, matches: Matches) -> None:
        with self._lock:
            self._kept[mentee_id] = (key, now, matches)
            self._kept.move_to_end(mentee_id)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


def suggestions_within(
    uow: UnitOfWork,
    clock: Clock,
    me: Profile,
    *,
    shown: int,
    candidates: int,
    policy: BookingPolicy = DEFAULT_POLICY,
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> Matches:
    """The best `shown` of `candidates` for `me`, inside a unit of work the
    caller opened (the App Home reads them with the rest of the Home, as the
    system), or as `memo` kept them."""
    if not me.is_mentee:
        return Matches(me, MatchState.NOT_A_MENTEE)
    words = vocabulary()
    goals = read_goals(words, me.learning_goals, around=(me.title, me.department))
    now = clock.now()
    active = uow.sessions.for_user(me.id, statuses=ACTIVE_STATUSES, limit=100)
    mine = {s.mentor_id for s in active if s.mentee_id == me.id}
    your_mentors = tuple(uow.users.get_many(sorted(mine)).values())
    if not goals:
        return Matches(me, MatchState.NO_GOALS, your_mentors=your_mentors)
    key = (me.learning_goals, me.title, me.department, me.time_zone, frozenset(mine), shown)
    kept = memo.get(me.id, key, now) if memo else None
    if kept is not None:
        return replace(kept, me=me, your_mentors=your_mentors)
    scorer = _Scorer(me, goals, words, now, policy, matching)
    best = _best(uow, scorer, left_out=mine, shown=shown, candidates=candidates)
    matches = Matches(me, MatchState.READY, best, your_mentors)
    if memo:
        memo.put(me.id, key, now, matches)
    return matches


def _best(
    uow: UnitOfWork, scorer: _Scorer, *, left_out: set[int], shown: int, candidates: int
) -> tuple[Suggestion, ...]:
    me, now, matching, policy = scorer.me, scorer.now, scorer.matching, scorer.policy
    left_out = left_out | uow.sessions.declined_by(me.id, since=now - matching.declined_window)
    found = uow.users.mentor_candidates(
        me.workspace_id,
        goal_terms(scorer.goals, scorer.words),
        exclude_user_id=me.id,
        limit=candidates,
    )
    mean = uow.analytics.workspace_mean_rating(me.workspace_id)
    first = sorted(
        (
            scored
            for c in found
            if c.profile.id not in left_out and (scored := scorer.first_step(c, mean)) is not None
        ),
        key=lambda s: (
            -s.score,
            s.candidate.profile.display_name.casefold(),
            s.candidate.profile.id,
        ),
    )
    # The rest is read for the best of the first step only: what it costs
    # grows with each mentor's history and diary.
    pool = first[: shown * matching.pool_per_shown]
    ids = [s.candidate.profile.id for s in pool]
    diaries = _Diaries(
        history=uow.sessions.satisfied_goals(ids, min_rating=matching.satisfied_rating),
        busy=uow.sessions.busy_periods(
            [*ids, me.id], now - matching.load_window, now + policy.horizon + timedelta(days=8)
        ),
        schedules=uow.availability.schedules(ids),
        completed=uow.sessions.completed_counts(ids),
    )
    final = sorted(
        (scorer.second_step(s, diaries) for s in pool),
        key=lambda s: (-s.score, s.mentor.display_name.casefold(), s.mentor.id),
    )
    return tuple(final[:shown])


@dataclass(frozen=True)
class _FirstStep:
    candidate: Candidate
    score: float
    parts: dict[Part, float]
    reasons: list[str]  # beside the skills'


@dataclass
class _Diaries:
    """What the second step reads of the best candidates (and of the mentee)."""

    history: dict[int, tuple[str, ...]]
    busy: list[BusyPeriod]
    schedules: dict[int, Schedule]
    completed: dict[int, int]

    def __post_init__(self) -> None:
        self.busy_of: dict[int, list[BusyPeriod]] = {}
        for period in self.busy:
            self.busy_of.setdefault(period.user_id, []).append(period)


@lru_cache(maxsize=16_384)
def _own_skills(
    words: Vocabulary, expertise: tuple[str, ...], bio: str, title: str, department: str
) -> dict[str, MentorSkill]:
    """A mentor's skills read from their own words, the same for every mentee:
    reading them for each of a match's candidates was a fifth of `/mentor
    match` at 1M sessions (cProfile). The key is the words themselves, so an
    edited profile is read afresh. Callers only read the result."""
    return read_mentor(words, expertise=expertise, bio=bio, around=(title, department))


@dataclass(frozen=True)
class _Scorer:
    me: Profile
    goals: Sequence[Goal]
    words: Vocabulary
    now: datetime
    policy: BookingPolicy
    matching: MatchPolicy

    def _related(self, mentor: Profile, history: Sequence[str] = ()) -> Relatedness:
        if history:
            known = read_mentor(
                self.words,
                expertise=mentor.expertise,
                bio=mentor.bio,
                history=history,
                around=(mentor.title, mentor.department),
            )
        else:
            known = _own_skills(
                self.words, mentor.expertise, mentor.bio, mentor.title, mentor.department
            )
        return relatedness(self.goals, known)

    def first_step(self, candidate: Candidate, mean_rating: float | None) -> _FirstStep | None:
        mentor, rating = candidate.profile, candidate.rating
        related = self._related(mentor)
        if related.score < MIN_RELATEDNESS:
            return None
        reasons: list[str] = []
        hours = _shared_hours(self.me.time_zone, mentor.time_zone, self.now)
        if hours >= 1:
            reasons.append(f"{hours:.0f} h of your working day overlap")
        # One or two ratings would tell the mentee who rated how.
        if rating.count >= MIN_RATINGS_SHOWN and rating.average is not None:
            reasons.append(f"{rating.average:.1f}★ from {_count(rating.count, 'rating')}")
        parts = {
            Part.HOURS: min(hours / FULL_DAY_HOURS, 1.0),
            Part.RATING: _rating_part(rating, mean_rating),
        }
        if self.matching.prefer_other_department:
            other = mentor.department.casefold() != self.me.department.casefold()
            parts[Part.TEAM] = 1.0 if other else 0.0
            if other and mentor.department:
                reasons.append(f"from {mentor.department} — another team")
        return _FirstStep(candidate, _combined(related.score, parts), parts, reasons)

    def second_step(self, first: _FirstStep, diaries: _Diaries) -> Suggestion:
        mentor = first.candidate.profile
        related = self._related(mentor, diaries.history.get(mentor.id, ()))
        busy = diaries.busy_of.get(mentor.id, [])
        slot, free, free_reason = self._free_time(
            mentor, diaries.schedules[mentor.id], [*busy, *diaries.busy_of.get(self.me.id, [])]
        )
        completed = diaries.completed[mentor.id]
        parts = {
            **first.parts,
            Part.LOAD: self._load(mentor, busy),
            Part.FREE: free,
            Part.COMPLETED: min(math.log1p(completed) / math.log1p(SESSIONS_FOR_FULL_CREDIT), 1.0),
        }
        reasons = [*_skill_reasons(related, self.words), *first.reasons, free_reason]
        if completed:
            reasons.append(f"{_count(completed, 'session')} completed")
        return Suggestion(
            mentor=mentor,
            score=_combined(related.score, parts),
            reasons=tuple(reasons),
            rating=first.candidate.rating,
            completed=completed,
            next_free_slot=slot,
            relatedness=related.score,
            parts=parts,
        )

    def _load(self, mentor: Profile, busy: Sequence[BusyPeriod]) -> float:
        """1 for a mentor with nothing on, down to 0 for one as busy as they offer."""
        window = self.matching.load_window
        start, end = self.now - window, self.now + window
        weeks = 2 * window / timedelta(weeks=1)
        sessions = 0.0
        for period in busy:
            if not period.as_mentor or not (start <= period.starts_at < end):
                continue
            waiting = period.status is SessionStatus.REQUESTED
            if waiting or period.status in ACTIVE_STATUSES | {SessionStatus.COMPLETED}:
                sessions += WAITING_REQUEST if waiting else 1.0
        offered = weeks * (mentor.max_sessions_per_week or USUAL_WEEKLY_LOAD)
        return max(0.0, 1.0 - sessions / offered)

    def _free_time(
        self, mentor: Profile, schedule: Schedule, busy: Sequence[BusyPeriod]
    ) -> tuple[Slot | None, float, str]:
        """The slot to offer (the first inside both working days, else the
        first), what it is worth, and the words for it."""
        now = self.now
        slots = each_free_slot(
            schedule=schedule,
            zone=mentor.time_zone,
            mentor_id=mentor.id,
            slot_minutes=mentor.session_minutes,
            window_start=now,
            window_end=now + self.policy.horizon,
            not_before=now + self.policy.minimum_notice,
            busy=busy,
            weekly_cap=mentor.max_sessions_per_week,
        )
        first = next(slots, None)
        if first is None:
            return None, 0.0, f"no free time in the next {self.policy.horizon.days} days"
        zones = [ZoneInfo(self.me.time_zone), ZoneInfo(mentor.time_zone)]
        # Without a shared working hour no slot is inside both days: none is looked
        # at. The days after the first slot inside both are never expanded.
        overlap = _shared_hours(self.me.time_zone, mentor.time_zone, now) > 0
        inside_both = (
            s for s in chain([first], slots) if in_shared_working_day(s.starts_at, s.ends_at, zones)
        )
        shared = next(inside_both, None) if overlap else None
        slot = shared or first
        soon = slot.starts_at - now < timedelta(weeks=1)
        worth = (1.0 if soon else 0.8) if shared else 0.5
        return slot, worth, f"free {_when(slot.starts_at, self.me.time_zone, soon)} your time"


def _combined(related: float, parts: dict[Part, float]) -> float:
    weight = sum(WEIGHTS[part] for part in parts)
    rest = sum(WEIGHTS[part] * value for part, value in parts.items()) / weight
    return round(related * (RELATEDNESS_FLOOR + (1 - RELATEDNESS_FLOOR) * rest), 4)


def _rating_part(rating: MentorRating, mean: float | None) -> float:
    """The dashboard's Bayesian average, 1★ to 5★ as 0 to 1; the workspace's
    mean for a mentor nobody rated yet (and the middle when nobody was rated)."""
    prior = mean if mean is not None else 3.0
    if not rating.count or rating.average is None:
        score = prior
    else:
        score = bayesian_score(round(rating.average * rating.count), rating.count, prior)
    return (score - 1) / 4


def _skill_reasons(related: Relatedness, words: Vocabulary) -> list[str]:
    """ "knows Kubernetes and Go — your goals", and what else connects them."""
    same = _labels(words, (m for m in related.matches if m.same_skill and _taught(m)))
    reasons = [f"knows {_joined(same)} — your goals"] if same else []
    for match in related.matches:
        mentor, goal = words.label(match.mentor_skill), words.label(match.goal_skill)
        if match.source is Source.HISTORY:
            reasons.append(f"mentees who wanted {goal} rated them highly")
        elif match.source is Source.BIO:
            reasons.append(f"mentions {mentor} in their bio — your goal {goal}")
        elif not match.same_skill:
            reasons.append(f"knows {mentor}, close to your goal {goal}")
    return list(dict.fromkeys(reasons))


def _taught(match: GoalMatch) -> bool:
    return match.source is Source.EXPERTISE


def _labels(words: Vocabulary, matches: Iterable[GoalMatch]) -> list[str]:
    return list(dict.fromkeys(words.label(match.mentor_skill) for match in matches))


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _when(moment: datetime, zone: str, soon: bool) -> str:
    local = moment.astimezone(validate_zone(zone))
    day = f"{local:%a}" if soon else f"{local:%a} {local.day} {local:%b}"
    return f"{day} {local:%H:%M}"


def _shared_hours(zone_a: str, zone_b: str, now: datetime) -> float:
    """Hours of the working day two people share, in the week ahead of `now`."""
    monday = now.astimezone(validate_zone(zone_a)).date()
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    return _hours_between(zone_a, zone_b, monday.toordinal())


@lru_cache(maxsize=4096)
def _hours_between(zone_a: str, zone_b: str, monday: int) -> float:
    # Zones are few and a week is long: every pair of zones is worked out once a week.
    return shared_working_hours([ZoneInfo(zone_a), ZoneInfo(zone_b)], date.fromordinal(monday))
