"""The related-skills vocabulary (vocabulary.toml beside this file, whose
header says how to extend it), and reading a phrase with it.

A phrase is read left to right, the longest known phrase first, so that a
multi-word skill ("graphic design", "machine learning") is never taken for
the single words in it. Each known phrase names one canonical skill; a word
with several meanings ("design", "pipeline") takes the sense its context
chooses (the person's other words); a word the vocabulary does not know is
kept as itself (a literal, which meets only the same word), unless it is a
stopword. Pure: no I/O beyond reading the packaged file once."""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from domain.skills.words import SHORTEST_STEMMED, stem, tokens

# How sure a reading is, by how it was made.
CONTEXT_SENSE = 0.9  # an ambiguous word whose context chose the sense
DEFAULT_SENSE = 0.8  # an ambiguous word taken in its usual sense
UNSURE_SENSE = 0.35  # an ambiguous word no context decides: each sense, weakly
LITERAL = 0.5  # a word the vocabulary does not know
# Two different skills of the same area are this related, unless said otherwise.
SAME_AREA = 0.1
LITERAL_PREFIX = "~"
NOT_A_SKILL = "none"
LONGEST_PHRASE = 6


class VocabularyError(ValueError):
    """The vocabulary file says something inconsistent (found when it loads)."""


@dataclass(frozen=True)
class Skill:
    key: str
    label: str
    area: str
    aliases: tuple[str, ...]  # every way of writing it, the key first


@dataclass(frozen=True)
class Sense:
    skill: str | None  # None: the word is not a skill in this sense
    context: frozenset[str]  # stems that choose it (the file's words)
    # Words of the sense's own area or related skills: they choose it too, less.
    near: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ambiguity:
    senses: tuple[Sense, ...]
    default: str | None  # taken when no context decides
    alone: str | None  # taken when the word is the whole phrase


@dataclass(frozen=True)
class Mention:
    """A skill read in a phrase: a canonical skill key, or a literal word
    (`~stem`) the vocabulary does not know; how sure the reading is; and the
    words it covers."""

    skill: str
    weight: float
    start: int
    end: int


def is_literal(skill: str) -> bool:
    return skill.startswith(LITERAL_PREFIX)


class Vocabulary:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.areas = frozenset(data.get("areas", ()))
        self.stopwords = frozenset(stem(word) for word in data.get("stopwords", ()))
        self.skills: dict[str, Skill] = {}
        self.phrases: dict[tuple[str, ...], str] = {}
        self.related: dict[str, dict[str, float]] = {}
        for key, entry in data.get("skill", {}).items():
            self._add_skill(key, entry)
        for key, entry in data.get("skill", {}).items():
            for other, weight in entry.get("related", {}).items():
                self._relate(key, other, float(weight))
        self._area_words: dict[str, set[str]] = {}
        for words, key in self.phrases.items():
            if len(words) == 1:
                self._area_words.setdefault(self.skills[key].area, set()).add(words[0])
        self.ambiguous = {
            word: self._ambiguity(word, entry) for word, entry in data.get("ambiguous", {}).items()
        }
        # Every way a skill may be written: its aliases, and the ambiguous words
        # that may mean it (a mentor who wrote "networking" may mean either).
        self.spellings = {key: list(skill.aliases) for key, skill in self.skills.items()}
        for word, ambiguity in self.ambiguous.items():
            for sense in ambiguity.senses:
                if sense.skill is not None:
                    self.spellings[sense.skill].append(word)
        # The same profiles are read over and over (every mentee's candidates).
        self._read = lru_cache(maxsize=65536)(self._mentions)
        by_area: dict[str, dict[str, float]] = {}
        for key, skill in self.skills.items():
            by_area.setdefault(skill.area, {})[key] = SAME_AREA
        self._neighbours = {
            key: by_area[skill.area] | self.related.get(key, {}) | {key: 1.0}
            for key, skill in self.skills.items()
        }

    # --- building ------------------------------------------------------------

    def _add_skill(self, key: str, entry: Mapping[str, Any]) -> None:
        area = str(entry.get("area"))
        if area not in self.areas:
            raise VocabularyError(f"skill {key!r}: unknown area {area!r}")
        aliases = (key, *entry.get("aliases", ()))
        self.skills[key] = Skill(key, str(entry.get("label", key)), area, aliases)
        for alias in aliases:
            words = _stems(alias)
            if not words or len(words) > LONGEST_PHRASE:
                raise VocabularyError(f"skill {key!r}: alias {alias!r} has no or too many words")
            owner = self.phrases.setdefault(words, key)
            if owner != key:
                raise VocabularyError(f"{alias!r} is written for both {owner!r} and {key!r}")

    def _relate(self, key: str, name: str, weight: float) -> None:
        other = self.phrases.get(_stems(name))
        if other is None:
            raise VocabularyError(f"skill {key!r}: related skill {name!r} is not in the file")
        if not 0 < weight <= 1 or other == key:
            raise VocabularyError(f"skill {key!r}: {name!r} = {weight} is not a relation")
        for a, b in ((key, other), (other, key)):
            links = self.related.setdefault(a, {})
            links[b] = max(links.get(b, 0.0), weight)

    def _known(self, skill: str | None, word: str) -> str | None:
        if skill is not None and skill not in self.skills:
            raise VocabularyError(f"ambiguous {word!r}: {skill!r} is not a skill of the file")
        return skill

    def _ambiguity(self, word: str, entry: Mapping[str, Any]) -> Ambiguity:
        if len(tokens(word)) != 1:
            raise VocabularyError(f"ambiguous {word!r} must be one word")
        senses = []
        for skill, context in entry.get("senses", {}).items():
            if any(len(tokens(c)) != 1 for c in context):
                raise VocabularyError(f"ambiguous {word!r}: context words are single words")
            known = None if skill == NOT_A_SKILL else self._known(skill, word)
            senses.append(
                Sense(known, frozenset(stem(c) for c in context), self._near(known, word))
            )
        return Ambiguity(
            tuple(senses),
            self._known(entry.get("default"), word),
            self._known(entry.get("alone"), word),
        )

    def _near(self, skill: str | None, word: str) -> frozenset[str]:
        """Single-word names of the skills of `skill`'s area and of its related skills."""
        if skill is None:
            return frozenset()
        near = set(self._area_words.get(self.skills[skill].area, ()))
        for other in self.related.get(skill, {}):
            near |= {w[0] for w in map(_stems, self.skills[other].aliases) if len(w) == 1}
        return frozenset(near - {stem(word)})

    # --- reading -------------------------------------------------------------

    def mentions(self, text: str, context: Collection[str] = ()) -> tuple[Mention, ...]:
        """The skills `text` names, in order. `context`: stems of the person's
        other words, which choose the sense of an ambiguous word."""
        return self._read(text, frozenset(context))

    def _mentions(self, text: str, context: frozenset[str]) -> tuple[Mention, ...]:
        raw = tokens(text)
        stems = tuple(stem(word) for word in raw)
        found: list[Mention] = []
        start = 0
        while start < len(raw):
            taken = self._phrase_at(stems, start) or self._word_at(raw, stems, start, context)
            found += taken
            start = taken[0].end if taken else start + 1
        return tuple(found)

    def _phrase_at(self, stems: tuple[str, ...], start: int) -> list[Mention]:
        for end in range(min(len(stems), start + LONGEST_PHRASE), start + 1, -1):
            skill = self.phrases.get(stems[start:end])
            if skill is not None:
                return [Mention(skill, 1.0, start, end)]
        return []

    def _word_at(
        self, raw: tuple[str, ...], stems: tuple[str, ...], at: int, context: frozenset[str]
    ) -> list[Mention]:
        word = raw[at]
        ambiguity = self.ambiguous.get(word)
        if ambiguity is not None:
            around = {s for i, s in enumerate(stems) if i != at} | context
            alone = all(s in self.stopwords for i, s in enumerate(stems) if i != at)
            senses = _senses(ambiguity, around - {stems[at]}, alone=alone)
            return [Mention(skill, weight, at, at + 1) for skill, weight in senses]
        skill = self.phrases.get(stems[at : at + 1])
        # A short name is matched only as typed: "going" stems to "go", not Go.
        if skill is not None and (len(stems[at]) >= SHORTEST_STEMMED or word == stems[at]):
            return [Mention(skill, 1.0, at, at + 1)]
        if stems[at] in self.stopwords or len(word) < 2 or word.isdigit():
            return []
        return [Mention(LITERAL_PREFIX + stems[at], LITERAL, at, at + 1)]

    # --- comparing -----------------------------------------------------------

    def similarity(self, a: str, b: str) -> float:
        """How much knowing skill `b` helps with skill `a` (symmetric), 0 to 1."""
        if a == b:
            return 1.0
        if is_literal(a) or is_literal(b):
            return 0.0
        linked = self.related.get(a, {}).get(b)
        if linked is not None:
            return linked
        return SAME_AREA if self.skills[a].area == self.skills[b].area else 0.0

    def neighbours(self, skill: str) -> dict[str, float]:
        """Every skill `skill` helps with, and how much (itself at 1)."""
        return self._neighbours.get(skill) or {skill: 1.0}

    def label(self, skill: str) -> str:
        """How a skill is shown; a literal word as itself."""
        known = self.skills.get(skill)
        return known.label if known else skill.removeprefix(LITERAL_PREFIX)


def _stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in tokens(phrase))


def _senses(ambiguity: Ambiguity, around: set[str], *, alone: bool) -> list[tuple[str, float]]:
    """(skill, weight) for an ambiguous word, given the stems around it."""
    # A word the file lists for a sense counts twice a word of its area.
    hits = [
        (
            2 * len(around.intersection(sense.context)) + len(around.intersection(sense.near)),
            sense.skill,
        )
        for sense in ambiguity.senses
    ]
    best = max((count for count, _ in hits), default=0)
    if best:
        chosen = {skill for count, skill in hits if count == best and skill is not None}
        return [(skill, CONTEXT_SENSE) for skill in sorted(chosen)]
    usual = ambiguity.default or (ambiguity.alone if alone else None)
    if usual is not None:
        return [(usual, DEFAULT_SENSE)]
    if ambiguity.default is None and ambiguity.alone is None:
        return [(s.skill, UNSURE_SENSE) for s in ambiguity.senses if s.skill is not None]
    return []


def context_of(texts: Iterable[str]) -> frozenset[str]:
    """The stems of a person's words, for choosing senses."""
    return frozenset(stem(word) for text in texts for word in tokens(text))


_loading = threading.Lock()


def vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package (read once, by the first thread
    that needs it; the others wait for it)."""
    with _loading:
        return _packaged()


@lru_cache(maxsize=1)
def _packaged() -> Vocabulary:
    data = resources.files("domain.skills").joinpath("vocabulary.toml").read_text("utf-8")
    return Vocabulary(tomllib.loads(data))
