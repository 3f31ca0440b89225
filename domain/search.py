"""Finding mentors: ranked matches with each one's next free slot.

A query is read with the skills vocabulary: each skill it names (or each
word it does not know) is a group of terms — what was typed, as a prefix,
every way of writing that skill, and the skills related to it, at their
weight. The directory ranks mentors by how many of the groups they match and
how well, so `postgres query tuning` finds the best partial matches first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.model import (
    BusyPeriod,
    Listing,
    ListingKey,
    Profile,
    Schedule,
    SearchPage,
    SearchTerm,
    Slot,
)
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, Listings, UnitOfWork
from domain.profiles import current_profile_and_sessions
from domain.skills.relatedness import Goal
from domain.skills.vocabulary import Mention, Vocabulary, is_literal, vocabulary
from domain.skills.words import tokens
from domain.slots import first_free_slot, taken
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


class ReadEachTime:
    """No sharing: every search reads its own listing."""

    def get(self, key: ListingKey, read: Callable[[], Listing]) -> Listing:
        return read()


READ_EACH_TIME = ReadEachTime()


def find_mentors(
    uow: UnitOfWork,
    clock: Clock,
    *,
    query: str,
    page: int = 1,
    per_page: int = 10,
    policy: BookingPolicy = DEFAULT_POLICY,
    listings: Listings = READ_EACH_TIME,
) -> SearchPage:
    """Active mentors matching `query` by name, department or expertise (all of
    them for a blank query), never the searcher, `per_page` at a time.

    The first page's listing (who matches, their schedules and sessions) is
    the same for every member of the workspace, so `listings` may share a
    recent one; a later page's leaves the searcher out as it is read. The
    searcher's own sessions, which block their cards too, are always read."""
    text = clean_text(query, field="query", label="a search", max_length=MAX_QUERY)
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    with uow:
        now = clock.now()
        me, mine = current_profile_and_sessions(uow, *_sessions_around(now, policy))
        words = tuple(tokens(text)[:MAX_WORDS])
        if page == 1:
            # The first page, which a crowd searching the same words shares:
            # one row more to tell whether there are more, and one for the
            # searcher, who is left out afterwards.
            key = ListingKey(me.workspace_id, words, None, 0, per_page + 2, policy)
        else:
            key = ListingKey(
                me.workspace_id, words, me.id, (page - 1) * per_page, per_page + 1, policy
            )
        listing = listings.get(key, lambda: _read_listing(uow, key, text, now))
    others = [hit for hit in listing.hits if hit.profile.id != me.id]
    return SearchPage(
        items=tuple(
            replace(hit, next_free_slot=_first_free(listing, hit.profile, mine, now, policy))
            for hit in others[:per_page]
        ),
        number=page,
        has_more=len(others) > per_page,
        zone=me.time_zone,
    )


def _sessions_around(now: datetime, policy: BookingPolicy) -> tuple[datetime, datetime]:
    """A week either side of the booking window, so each mentor's weekly cap
    counts whole weeks (and still does for a listing read a few seconds ago)."""
    return now - timedelta(days=8), now + policy.horizon + timedelta(days=8)


def _read_listing(uow: UnitOfWork, key: ListingKey, text: str, now: datetime) -> Listing:
    hits = uow.users.search_mentors(
        key.workspace_id,
        query_terms(text),
        exclude_user_id=key.exclude,
        limit=key.limit,
        offset=key.offset,
    )
    mentor_ids = [hit.profile.id for hit in hits]
    schedules = uow.availability.schedules(mentor_ids)
    busy = tuple(uow.sessions.busy_periods(mentor_ids, *_sessions_around(now, key.policy)))
    return Listing(
        hits=tuple(hits),
        schedules=schedules,
        busy=busy,
        first_free={
            mentor.id: _free_slot(schedules, mentor, _of(busy, mentor), now, key.policy)
            for mentor in (hit.profile for hit in hits)
        },
    )


def _first_free(
    listing: Listing,
    mentor: Profile,
    mine: Sequence[BusyPeriod],
    now: datetime,
    policy: BookingPolicy,
) -> Slot | None:
    """The mentor's first free slot for this searcher: the listing's, unless
    it is too soon by now or the searcher is busy then. Adding sessions only
    takes slots away, so the listing's slot, when still free, is the first."""
    kept = listing.first_free[mentor.id]
    if kept is None or (kept.starts_at >= now + policy.minimum_notice and not taken(kept, mine)):
        return kept
    # Only this mentor's and the searcher's sessions block this card.
    return _free_slot(listing.schedules, mentor, [*_of(listing.busy, mentor), *mine], now, policy)


def _of(busy: Iterable[BusyPeriod], person: Profile) -> list[BusyPeriod]:
    return [p for p in busy if p.user_id == person.id]


def _free_slot(
    schedules: Mapping[int, Schedule],
    mentor: Profile,
    busy: Iterable[BusyPeriod],
    now: datetime,
    policy: BookingPolicy,
) -> Slot | None:
    return first_free_slot(
        schedule=schedules[mentor.id],
        zone=mentor.time_zone,
        mentor_id=mentor.id,
        slot_minutes=mentor.session_minutes,
        window_start=now,
        window_end=now + policy.horizon,
        not_before=now + policy.minimum_notice,
        busy=busy,
        weekly_cap=mentor.max_sessions_per_week,
    )
