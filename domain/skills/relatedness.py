"""How related a mentee's learning goals are to what a mentor knows.

Each goal is read into weighted canonical skills and spread to the skills
that help with it (itself at 1, related skills at their weight, the rest of
its area weakly). A mentor's skills come from their expertise (full weight),
their bio (weaker: a passing mention is not a commitment to teach) and what
the programme's history teaches (the goals of mentees who rated them highly,
weaker still). Per goal, the best pair of a goal skill and a mentor skill
counts; the score is mostly their mean over the goals (covering all of them
matters) and a little the best one. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.skills.vocabulary import Vocabulary, context_of, is_literal


class Source(StrEnum):
    """Where a mentor's skill was read."""

    EXPERTISE = "expertise"
    BIO = "bio"
    HISTORY = "history"


SOURCE_WEIGHT = {Source.EXPERTISE: 1.0, Source.BIO: 0.6, Source.HISTORY: 0.5}
# The score: this much the mean over goals, the rest the best single goal.
COVERAGE = 0.8


@dataclass(frozen=True)
class Goal:
    """One learning goal as typed, and how much knowing each skill helps with
    it: skill -> (strength, the goal's own skill it helps with)."""

    text: str
    helped_by: dict[str, tuple[float, str]]


@dataclass(frozen=True)
class MentorSkill:
    weight: float
    source: Source


@dataclass(frozen=True)
class GoalMatch:
    """The best reason a mentor helps with one goal."""

    goal: str
    goal_skill: str
    mentor_skill: str
    source: Source
    strength: float

    @property
    def same_skill(self) -> bool:
        return self.goal_skill == self.mentor_skill


@dataclass(frozen=True)
class Relatedness:
    score: float  # 0 to 1
    matches: tuple[GoalMatch, ...]  # per goal that the mentor helps with, in goal order


def read_goals(
    vocabulary: Vocabulary, goals: Sequence[str], *, around: Iterable[str] = ()
) -> tuple[Goal, ...]:
    """The mentee's goals; `around`: their other words (title, department),
    which with the goals choose the sense of an ambiguous word."""
    context = context_of([*goals, *around])
    read = []
    for text in goals:
        helped_by: dict[str, tuple[float, str]] = {}
        for mention in vocabulary.mentions(text, context):
            for skill, similarity in vocabulary.neighbours(mention.skill).items():
                strength = mention.weight * similarity
                if strength > helped_by.get(skill, (0.0, ""))[0]:
                    helped_by[skill] = (strength, mention.skill)
        if helped_by:
            read.append(Goal(text, helped_by))
    return tuple(read)


def read_mentor(
    vocabulary: Vocabulary,
    *,
    expertise: Sequence[str],
    bio: str = "",
    history: Sequence[str] = (),
    around: Iterable[str] = (),
) -> dict[str, MentorSkill]:
    """A mentor's skills, each at its strongest source. Words of the bio that
    the vocabulary does not know are left out: only the expertise is a list of
    what they teach."""
    context = context_of([*expertise, bio, *around])
    skills: dict[str, MentorSkill] = {}

    def add(texts: Iterable[str], source: Source, literals: bool, context: frozenset[str]) -> None:
        for text in texts:
            for mention in vocabulary.mentions(text, context):
                if is_literal(mention.skill) and not literals:
                    continue
                weight = mention.weight * SOURCE_WEIGHT[source]
                if weight > skills.get(mention.skill, MentorSkill(0.0, source)).weight:
                    skills[mention.skill] = MentorSkill(weight, source)

    add(expertise, Source.EXPERTISE, True, context)
    add([bio], Source.BIO, False, context)
    # Other people's goals are read in their own words only.
    add(history, Source.HISTORY, False, frozenset())
    return skills


def relatedness(goals: Sequence[Goal], mentor: dict[str, MentorSkill]) -> Relatedness:
    best: list[GoalMatch] = []
    for goal in goals:
        found: GoalMatch | None = None
        for skill, known in mentor.items():
            helps = goal.helped_by.get(skill)
            if helps is None:
                continue
            strength = helps[0] * known.weight
            if found is None or strength > found.strength:
                found = GoalMatch(goal.text, helps[1], skill, known.source, strength)
        if found is not None:
            best.append(found)
    if not goals or not best:
        return Relatedness(0.0, ())
    mean = sum(match.strength for match in best) / len(goals)
    top = max(match.strength for match in best)
    return Relatedness(COVERAGE * mean + (1 - COVERAGE) * top, tuple(best))
