"""Programme matching: many mentees with many mentors at once, each mentor
taking at most their capacity, the assignment maximising the total match score.

A pair's score is the one `/mentor match` gives from what needs no diary
(relatedness of the goals to the mentor's expertise and bio, shared working
hours, rating, another department): over a cohort the capacities already
spread the load, and reading every mentor's diary for every mentee would cost
more than the whole assignment. A mentor unrelated to every goal of a mentee
is never paired with them, as `/mentor match` never suggests one.

The assignment is a min-cost flow (source → mentee, capacity 1; mentee →
mentor, cost −score; mentor → sink, capacity = the mentor's), solved by
networkx's network simplex; a zero-cost arc from source to sink lets a mentee
stay unmatched, so the flow maximises the total score, not the number of pairs.
Each mentee keeps their best `CANDIDATES_PER_MENTEE` mentors as arcs: an
optimum rarely reaches deeper, and it keeps 2,000 × 1,000 within seconds."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import networkx as nx

from domain.matching import (
    DEFAULT_MATCHING,
    FULL_DAY_HOURS,
    MIN_RELATEDNESS,
    RELATEDNESS_FLOOR,
    WEIGHTS,
    MatchPolicy,
    Part,
    _combined,
    _count,
    _rating_part,
    _shared_hours,
    _skill_reasons,
)
from domain.metrics import MIN_RATINGS_SHOWN
from domain.model import MentorRating, Profile
from domain.skills.relatedness import (
    COVERAGE,
    Goal,
    MentorSkill,
    read_goals,
    read_mentor,
    relatedness,
)
from domain.skills.vocabulary import Vocabulary, vocabulary

# The largest cohort matched at once (the bench's: 2,000 × 1,000 in seconds).
MAX_MENTEES = 2000
MAX_MENTORS = 1000
MAX_PER_MENTOR = 10
CANDIDATES_PER_MENTEE = 8
# Scores are 0 to 1 with 4 decimals; the solver works in whole numbers.
_SCALE = 10_000


class Unmatched(StrEnum):
    """Why a mentee of the group got no mentor."""

    NOT_A_MENTEE = "not signed up as a mentee"
    LEFT = "no longer in the programme"
    HAS_MENTOR = "already has a mentor (a session booked)"
    NO_GOALS = "no learning goals I can read: ask them to add some to their profile"
    NOBODY_RELATED = "no mentor of the group knows anything close to their goals"
    MENTORS_FULL = "the mentors close to their goals were given to others (all at capacity)"


@dataclass(frozen=True)
class Pair:
    mentee: Profile
    mentor: Profile
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GroupMatch:
    pairs: tuple[Pair, ...]
    unmatched: tuple[tuple[Profile, Unmatched], ...]
    # The arcs the solver chose among (mentee, mentor) -> score: what a
    # comparison with another assignment (the bench's greedy) needs.
    candidates: Mapping[tuple[int, int], float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(pair.score for pair in self.pairs), 4)


Scores = Mapping[tuple[int, int], float]  # (mentee id, mentor id) -> score


def best_assignment(scores: Scores, capacity: Mapping[int, int]) -> dict[int, int]:
    """mentee id -> mentor id, maximising the total score, each mentor given
    at most their capacity (a mentee at most one mentor)."""
    arcs = [(e, r, s) for (e, r), s in scores.items() if s > 0 and capacity.get(r, 0) > 0]
    if not arcs:
        return {}
    mentees = sorted({e for e, _, _ in arcs})
    mentors = sorted({r for _, r, _ in arcs})
    graph = nx.DiGraph()
    graph.add_node("source", demand=-len(mentees))
    graph.add_node("sink", demand=len(mentees))
    graph.add_edge("source", "sink", capacity=len(mentees), weight=0)
    for e in mentees:
        graph.add_edge("source", ("e", e), capacity=1, weight=0)
    for e, r, s in arcs:
        graph.add_edge(("e", e), ("r", r), capacity=1, weight=-round(s * _SCALE))
    for r in mentors:
        graph.add_edge(("r", r), "sink", capacity=min(capacity[r], len(mentees)), weight=0)
    _, flow = nx.network_simplex(graph)
    return {
        e: r
        for e in mentees
        for (_, r), units in flow[("e", e)].items()
        if units  # the arcs of a mentee lead to mentors only
    }


def greedy_assignment(scores: Scores, capacity: Mapping[int, int]) -> dict[int, int]:
    """The best pair first, then the best of what is left: what a person
    pairing by hand does. Kept to show (tests, bench) what the optimum adds."""
    left = dict(capacity)
    chosen: dict[int, int] = {}
    for (e, r), s in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        if s > 0 and e not in chosen and left.get(r, 0) > 0:
            chosen[e] = r
            left[r] -= 1
    return chosen


def total(assignment: Mapping[int, int], scores: Scores) -> float:
    return round(sum(scores[(e, r)] for e, r in assignment.items()), 4)


@dataclass(frozen=True)
class _Mentor:
    profile: Profile
    rating: MentorRating
    skills: dict[str, MentorSkill]

    @property
    def department(self) -> str:
        return self.profile.department.casefold()


class _Group:
    """Everything pair scores need, read once per person."""

    def __init__(
        self,
        mentors: Sequence[tuple[Profile, MentorRating]],
        mean_rating: float | None,
        now: datetime,
        matching: MatchPolicy,
        words: Vocabulary,
    ) -> None:
        self.words, self.now, self.matching, self.mean = words, now, matching, mean_rating
        self.mentors = {
            profile.id: _Mentor(
                profile,
                rating,
                read_mentor(
                    words,
                    expertise=profile.expertise,
                    bio=profile.bio,
                    around=(profile.title, profile.department),
                ),
            )
            for profile, rating in mentors
        }
        # skill -> mentors who know it: a mentee's candidates are the mentors
        # knowing a skill that helps with one of the goals, not every mentor.
        self.knowing: dict[str, list[tuple[int, float]]] = {}
        for mentor in self.mentors.values():
            for skill, known in mentor.skills.items():
                self.knowing.setdefault(skill, []).append((mentor.profile.id, known.weight))
        # The rating part depends on the mentor alone.
        self._hours: dict[tuple[str, str], float] = {}
        self._bests: dict[tuple[tuple[str, tuple[float, str]], ...], dict[int, float]] = {}
        self.rating_part = {
            m.profile.id: _rating_part(m.rating, mean_rating) for m in self.mentors.values()
        }

    def goals(self, mentee: Profile) -> tuple[Goal, ...]:
        return read_goals(
            self.words, mentee.learning_goals, around=(mentee.title, mentee.department)
        )

    def scores(
        self,
        mentee: Profile,
        goals: Sequence[Goal],
        *,
        best: int | None = None,
        capacity: Mapping[int, int] | None = None,
    ) -> dict[int, float]:
        """The related mentors' scores for `mentee` (the `best` highest only,
        when given; mentors with room only, when `capacity` is given): the same
        figures as `relatedness` and `_combined` give (same operations, same
        order), without building the reasons' objects for a million pairs."""
        bests = [self._best_per_mentor(goal) for goal in goals]
        related: list[tuple[float, int]] = []
        for r in {r for per_mentor in bests for r in per_mentor}:
            if r == mentee.id or (capacity is not None and capacity.get(r, 0) <= 0):
                continue
            best_sum, top = 0.0, 0.0
            for per_mentor in bests:
                value = per_mentor.get(r, 0.0)
                best_sum += value
                top = max(top, value)
            score = COVERAGE * (best_sum / len(goals)) + (1 - COVERAGE) * top
            if score >= MIN_RELATEDNESS:
                related.append((score, r))
        # A score is at most its relatedness: once a mentor's relatedness is
        # below the `best`-th score found, nobody after them can enter.
        related.sort(key=lambda item: (-item[0], item[1]))
        department = mentee.department.casefold()
        team = self.matching.prefer_other_department
        weight = WEIGHTS[Part.HOURS] + WEIGHTS[Part.RATING] + (WEIGHTS[Part.TEAM] if team else 0)
        scored: dict[int, float] = {}
        kept: list[float] = []  # a min-heap of the `best` highest scores so far
        for relatedness_score, r in related:
            if best is not None and len(kept) == best and relatedness_score < kept[0]:
                break
            mentor = self.mentors[r]
            rest = WEIGHTS[Part.HOURS] * self._hours_part(
                mentee.time_zone, mentor.profile.time_zone
            )
            rest += WEIGHTS[Part.RATING] * self.rating_part[r]
            if team:
                rest += WEIGHTS[Part.TEAM] * (1.0 if mentor.department != department else 0.0)
            score = round(
                relatedness_score * (RELATEDNESS_FLOOR + (1 - RELATEDNESS_FLOOR) * rest / weight),
                4,
            )
            scored[r] = score
            if best is not None:
                (heapq.heappush if len(kept) < best else heapq.heappushpop)(kept, score)
        if best is None:
            return scored
        return dict(heapq.nlargest(best, scored.items(), key=lambda item: (item[1], -item[0])))

    def _best_per_mentor(self, goal: Goal) -> dict[int, float]:
        """Per mentor, the best strength of a (goal skill, mentor skill) pair,
        walking only the mentors who know a skill that helps (far fewer steps
        than every mentor's skills against every goal). Mentees share goals
        ("kubernetes", "public speaking"): each is worked out once per group."""
        key = tuple(goal.helped_by.items())
        best = self._bests.get(key)
        if best is None:
            best = self._bests[key] = {}
            for skill, (strength, _) in goal.helped_by.items():
                for r, weight in self.knowing.get(skill, ()):
                    if strength * weight > best.get(r, 0.0):
                        best[r] = strength * weight
        return best

    def _hours_part(self, zone_a: str, zone_b: str) -> float:
        key = (zone_a, zone_b)
        part = self._hours.get(key)
        if part is None:
            part = self._hours[key] = min(
                _shared_hours(zone_a, zone_b, self.now) / FULL_DAY_HOURS, 1.0
            )
        return part

    def _parts(self, mentee: Profile, mentor: _Mentor) -> dict[Part, float]:
        parts = {
            Part.HOURS: self._hours_part(mentee.time_zone, mentor.profile.time_zone),
            Part.RATING: self.rating_part[mentor.profile.id],
        }
        if self.matching.prefer_other_department:
            other = mentor.profile.department.casefold() != mentee.department.casefold()
            parts[Part.TEAM] = 1.0 if other else 0.0
        return parts

    def score(self, mentee: Profile, goals: Sequence[Goal], mentor: _Mentor) -> float | None:
        related = relatedness(goals, mentor.skills)
        if related.score < MIN_RELATEDNESS:
            return None
        return _combined(related.score, self._parts(mentee, mentor))

    def reasons(self, mentee: Profile, goals: Sequence[Goal], mentor: _Mentor) -> tuple[str, ...]:
        """The reasons in words, as `/mentor match` gives them (to the mentee: "your")."""
        related = relatedness(goals, mentor.skills)
        # The manager reads them, about the mentee: their goals, not "your".
        reasons = [
            r.replace("your goal", "their goal") for r in _skill_reasons(related, self.words)
        ]
        hours = _shared_hours(mentee.time_zone, mentor.profile.time_zone, self.now)
        if hours >= 1:
            reasons.append(f"{hours:.0f} h of their working days overlap")
        rating = mentor.rating
        # A manager reads these (the preview): an average resting on fewer
        # than `MIN_RATINGS_SHOWN` ratings is not theirs to see.
        if rating.count >= MIN_RATINGS_SHOWN and rating.average is not None:
            reasons.append(f"{rating.average:.1f}★ from {_count(rating.count, 'rating')}")
        other = mentor.profile.department.casefold() != mentee.department.casefold()
        if self.matching.prefer_other_department and other and mentor.profile.department:
            reasons.append(f"from {mentor.profile.department} — another team")
        return tuple(reasons)


def match_group(
    mentees: Sequence[Profile],
    mentors: Sequence[tuple[Profile, MentorRating]],
    *,
    capacity: Mapping[int, int],
    now: datetime,
    mean_rating: float | None = None,
    has_mentor: frozenset[int] = frozenset(),
    matching: MatchPolicy = DEFAULT_MATCHING,
    candidates: int = CANDIDATES_PER_MENTEE,
) -> GroupMatch:
    """The best pairs of `mentees` with `mentors` under `capacity` (mentor id
    -> most new mentees), and why each of the others stayed unmatched."""
    group = _Group(mentors, mean_rating, now, matching, vocabulary())
    unmatched: dict[int, Unmatched] = {}
    goals_of: dict[int, tuple[Goal, ...]] = {}
    scores: dict[tuple[int, int], float] = {}
    for mentee in mentees:
        if not mentee.is_active:
            unmatched[mentee.id] = Unmatched.LEFT
        elif not mentee.is_mentee:
            unmatched[mentee.id] = Unmatched.NOT_A_MENTEE
        elif mentee.id in has_mentor:
            unmatched[mentee.id] = Unmatched.HAS_MENTOR
        elif not (goals := group.goals(mentee)):
            unmatched[mentee.id] = Unmatched.NO_GOALS
        else:
            found = group.scores(mentee, goals, best=candidates, capacity=capacity)
            if not found:
                unmatched[mentee.id] = Unmatched.NOBODY_RELATED
                continue
            goals_of[mentee.id] = goals
            scores.update(((mentee.id, r), s) for r, s in found.items())
    chosen = best_assignment(scores, capacity)
    pairs = []
    for mentee in mentees:
        r = chosen.get(mentee.id)
        if r is None:
            unmatched.setdefault(mentee.id, Unmatched.MENTORS_FULL)
            continue
        mentor = group.mentors[r]
        reasons = group.reasons(mentee, goals_of[mentee.id], mentor)
        pairs.append(Pair(mentee, mentor.profile, scores[(mentee.id, r)], reasons))
    pairs.sort(key=lambda p: (-p.score, p.mentee.display_name.casefold(), p.mentee.id))
    by_id = {m.id: m for m in mentees}
    left = sorted(
        ((by_id[i], why) for i, why in unmatched.items()),
        key=lambda item: (item[0].display_name.casefold(), item[0].id),
    )
    return GroupMatch(tuple(pairs), tuple(left), scores)
