"""Finding mentors: ranked matches with each one's next free slot.

A query is read with the skills vocabulary: each skill it names (or each
word it does not know) is a group of terms — what was typed, as a prefix,
every way of writing that skill, and the skills related to it, at their
weight. The directory ranks mentors by how many of the groups they match and
how well, so `postgres query tuning` finds the best partial matches first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from domain.model import SearchPage, SearchTerm
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.skills.relatedness import Goal
from domain.skills.vocabulary import Mention, Vocabulary, is_literal, vocabulary
from domain.skills.words import tokens
from domain.slots import first_free_slot
from domain.text import clean_text

MAX_PER_PAGE = 25
MAX_QUERY = 200
MAX_WORDS = 8
# Related skills at least this close are looked for too, when what they are
# worth (the reading's certainty times the closeness) is at least SEARCHED_FROM.
RELATED_FROM = 0.5
SEARCHED_FROM = 0.3
# A mentee's goal is looked for with the skills that help with it this much at
# least: the looser ones still count when the candidates are scored, but
# looking for them too would hand over every mentor of a big programme who
# writes "communication" or "writing" (0.5 read 0.005 better on the labelled
# set, bench/match_quality.py, and cost more than 0.6 at 10k mentors).
GOAL_RELATED_FROM = 0.6
# A literal word shorter than this is too short to look for by its stem.
SHORTEST_STEM_PREFIX = 3


def query_terms(query: str, words: Vocabulary | None = None) -> tuple[SearchTerm, ...]:
    """The terms of what a person typed: one group per skill or unknown word
    (stopwords only when nothing else is left, so a name like "Will" is still
    found)."""
    vocab = words or vocabulary()
    typed = tokens(query)[:MAX_WORDS]
    spans: dict[tuple[int, int], list[Mention]] = {}
    for mention in vocab.mentions(" ".join(typed), frozenset()):
        spans.setdefault((mention.start, mention.end), []).append(mention)
    if not spans:
        return tuple(SearchTerm(word, group, prefix=True) for group, word in enumerate(typed))
    terms: list[SearchTerm] = []
    for group, ((start, end), mentions) in enumerate(spans.items()):
        phrase = typed[start:end]
        terms.append(SearchTerm(" ".join(phrase), group, prefix=len(phrase) == 1))
        for mention in mentions:
            if is_literal(mention.skill):
                continue
            for skill, closeness in vocab.neighbours(mention.skill).items():
                worth = mention.weight * closeness
                if closeness >= RELATED_FROM and worth >= SEARCHED_FROM:
                    terms += _spellings(vocab, skill, group, worth)
    return _deduplicated(terms)


def goal_terms(goals: Iterable[Goal], words: Vocabulary | None = None) -> tuple[SearchTerm, ...]:
    """The terms that find mentors for a mentee's goals: one group per goal,
    every skill that helps with it at least `GOAL_RELATED_FROM`, at that strength."""
    vocab = words or vocabulary()
    terms: list[SearchTerm] = []
    for group, goal in enumerate(goals):
        for skill, (strength, _) in goal.helped_by.items():
            if strength < GOAL_RELATED_FROM:
                continue
            if not is_literal(skill):
                terms += _spellings(vocab, skill, group, strength)
            elif len(word := skill.removeprefix("~")) >= SHORTEST_STEM_PREFIX:
                terms.append(SearchTerm(word, group, strength, prefix=True))
    return _deduplicated(terms)


def _spellings(vocab: Vocabulary, skill: str, group: int, weight: float) -> list[SearchTerm]:
    return [SearchTerm(word, group, round(weight, 3)) for word in vocab.spellings[skill]]


def _deduplicated(terms: Iterable[SearchTerm]) -> tuple[SearchTerm, ...]:
    """One term per text and group, the strongest (a prefix beats a whole word)."""
    best: dict[tuple[str, int], SearchTerm] = {}
    for term in terms:
        key = (term.text, term.group)
        kept = best.get(key)
        if kept is None or (term.prefix, term.weight) > (kept.prefix, kept.weight):
            best[key] = term
    return tuple(best.values())


def find_mentors(
    uow: UnitOfWork,
    clock: Clock,
    *,
    query: str,
    page: int = 1,
    per_page: int = 10,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> SearchPage:
    """Active mentors matching `query` by name, department or expertise (all of
    them for a blank query), never the searcher, `per_page` at a time."""
    text = clean_text(query, field="query", label="a search", max_length=MAX_QUERY)
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    with uow:
        me = current_profile(uow)
        hits = uow.users.search_mentors(
            me.workspace_id,
            query_terms(text),
            exclude_user_id=me.id,
            limit=per_page + 1,
            offset=(page - 1) * per_page,
        )
        shown = hits[:per_page]
        now = clock.now()
        mentor_ids = [hit.profile.id for hit in shown]
        schedules = uow.availability.schedules(mentor_ids)
        # A week either side, so each mentor's weekly cap counts whole weeks.
        busy = uow.sessions.busy_periods(
            [*mentor_ids, me.id], now - timedelta(days=8), now + policy.horizon + timedelta(days=8)
        )
        with_slots = tuple(
            replace(
                hit,
                next_free_slot=first_free_slot(
                    schedule=schedules[hit.profile.id],
                    zone=hit.profile.time_zone,
                    mentor_id=hit.profile.id,
                    slot_minutes=hit.profile.session_minutes,
                    window_start=now,
                    window_end=now + policy.horizon,
                    not_before=now + policy.minimum_notice,
                    # Only this mentor's and the searcher's sessions block this card.
                    busy=[p for p in busy if p.user_id in (hit.profile.id, me.id)],
                    weekly_cap=hit.profile.max_sessions_per_week,
                ),
            )
            for hit in shown
        )
    return SearchPage(
        items=with_slots, number=page, has_more=len(hits) > per_page, zone=me.time_zone
    )
