"""Finding mentors: ranked matches with each one's next free slot.

A query is read with the skills vocabulary: each skill it names (or each
word it does not know) is a group of terms — what was typed, as a prefix,
every way of writing that skill, and the skills related to it, at their
weight. The directory ranks mentors by how many of the groups they match and
how well, so `postgres query tuning` finds the best partial matches first."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.errors import InvalidInput
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
from domain.profiles import current_profile_and_busy
from domain.skills.relatedness import Goal
from domain.skills.vocabulary import Mention, Vocabulary, is_literal, vocabulary
from domain.skills.words import tokens
from domain.slots import first_free_slot, taken
from domain.text import clean_text

MAX_PER_PAGE = 25
MAX_QUERY = 200
MAX_WORDS = 8
# Said of a query with no letter or digit ("🐍", "!!!"): it searched as a blank
# query does, and answered every mentor "matching" it.
NOTHING_TO_SEARCH = (
    "There's no word to look for in that search: it looks for names, departments"
    " and skills, by their letters and digits. Try `/mentor find python`,"
    " or `/mentor find` on its own to see every mentor."
)
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


def searched_words(query: str) -> tuple[str, ...]:
    """The words a search looks for: those `tokens` reads (Latin letters and
    digits, folded), then the words of other scripts as typed ("Юлия",
    "田中"), which the directory folds as it folds the names it holds."""
    latin = tokens(query)[:MAX_WORDS]
    return latin + _other_script_words(query)[: MAX_WORDS - len(latin)]


def _other_script_words(query: str) -> tuple[str, ...]:
    """Runs of letters, digits and marks (a Devanagari vowel sign is one) that
    `tokens` does not read, each with a letter or digit: "田中san" is "田中"
    here and "san" there."""
    runs = "".join(
        char if unicodedata.category(char)[0] in "LMN" and not tokens(char) else " "
        for char in unicodedata.normalize("NFC", query)
    ).split()
    return tuple(run for run in runs if any(unicodedata.category(c)[0] in "LN" for c in run))


def query_terms(query: str, words: Vocabulary | None = None) -> tuple[SearchTerm, ...]:
    """The terms of what a person typed: one group per skill or unknown word
    (stopwords only when nothing else is left, so a name like "Will" is still
    found), then one per word of another script."""
    typed = tokens(query)[:MAX_WORDS]
    terms = _latin_terms(typed, words or vocabulary())
    others = searched_words(query)[len(typed) :]
    first = max((term.group for term in terms), default=-1) + 1
    return terms + tuple(
        SearchTerm(word, group, prefix=True) for group, word in enumerate(others, first)
    )


def _latin_terms(typed: tuple[str, ...], vocab: Vocabulary) -> tuple[SearchTerm, ...]:
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

    Who matches a first page, and their schedules, are the same for every
    member of the workspace, so `listings` may share them from a recent
    search; the sessions that keep the mentors and the searcher busy are read
    by every search, so a free time shown is free now."""
    text = clean_text(query, field="query", label="a search", max_length=MAX_QUERY)
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    words = searched_words(text)
    if text and not words:
        raise InvalidInput(NOTHING_TO_SEARCH, field="query")
    with uow:
        now = clock.now()
        start, end = _sessions_around(now, policy)
        # The rows a page shows, and one more to tell whether there are more.
        key = ListingKey(uow.actor.workspace_id or "", words, per_page + 1, policy)
        read_now = False

        def read() -> Listing:
            nonlocal read_now
            read_now = True
            return _read_listing(uow, key, text, now)

        shared = listings.get(key, read) if page == 1 else None
        # Sessions change more often than who matches: a listing read earlier
        # has its mentors' read again, with the searcher's.
        shown = () if shared is None or read_now else shared.hits[:per_page]
        me, busy = current_profile_and_busy(uow, (hit.profile.id for hit in shown), start, end)
        if shared is None or any(hit.profile.id == me.id for hit in shared.hits):
            # A later page, or a mentor on the first page of their own search:
            # read for them alone, leaving them out (whether the directory
            # looks for close spellings too counts the matches it may show).
            listing = _read_listing(uow, key, text, now, after=(page - 1) * per_page, not_of=me)
            read_now = True
            busy = [period for period in busy if period.user_id == me.id]
        else:
            listing = shared
    by_person: dict[int, list[BusyPeriod]] = {}
    for period in (*busy, *(listing.busy if read_now else ())):
        by_person.setdefault(period.user_id, []).append(period)
    mine = by_person.get(me.id, [])
    return SearchPage(
        items=tuple(
            replace(
                hit,
                next_free_slot=_first_free(
                    listing, hit.profile, by_person.get(hit.profile.id, []), mine, now, policy
                ),
            )
            for hit in listing.hits[:per_page]
        ),
        number=page,
        has_more=len(listing.hits) > per_page,
        zone=me.time_zone,
        query=text,
    )


def _sessions_around(now: datetime, policy: BookingPolicy) -> tuple[datetime, datetime]:
    """A week either side of the booking window, so each mentor's weekly cap
    counts whole weeks."""
    return now - timedelta(days=8), now + policy.horizon + timedelta(days=8)


def _read_listing(
    uow: UnitOfWork,
    key: ListingKey,
    text: str,
    now: datetime,
    *,
    after: int = 0,
    not_of: Profile | None = None,
) -> Listing:
    """The matches from `after` on (leaving out `not_of`), with what the cards
    of all but the last (read to tell whether there are more) need."""
    hits = uow.users.search_mentors(
        key.workspace_id,
        query_terms(text),
        exclude_user_id=not_of.id if not_of else None,
        limit=key.rows,
        offset=after,
    )
    mentor_ids = [hit.profile.id for hit in hits[: key.rows - 1]]
    schedules = uow.availability.schedules(mentor_ids)
    busy = tuple(uow.sessions.busy_periods(mentor_ids, *_sessions_around(now, key.policy)))
    return Listing(
        read_at=now,
        hits=tuple(hits),
        schedules=schedules,
        busy=busy,
        first_free={
            mentor.id: _free_slot(schedules, mentor, _of(busy, mentor), now, key.policy)
            for mentor in (hit.profile for hit in hits[: key.rows - 1])
        },
    )


def _first_free(
    listing: Listing,
    mentor: Profile,
    theirs: Sequence[BusyPeriod],
    mine: Sequence[BusyPeriod],
    now: datetime,
    policy: BookingPolicy,
) -> Slot | None:
    """The mentor's first free slot for this searcher, with their sessions as
    read now (`theirs`) and the searcher's (`mine`). While the mentor's
    sessions are as the listing read them, its answer stands but for what
    time changed since: more sessions and a later notice only take slots
    away, so its slot, still free and not too soon, is still the first; with
    none free then, only the part of the window reached since is looked at."""
    kept = listing.first_free[mentor.id]
    busy = [*theirs, *mine]  # only this mentor's and the searcher's block this card
    if listing.read_at <= now and list(theirs) == _of(listing.busy, mentor):
        if kept is None:
            reached = listing.read_at + policy.horizon
            return _free_slot(listing.schedules, mentor, busy, now, policy, since=reached)
        if kept.starts_at >= now + policy.minimum_notice and not taken(kept, mine):
            return kept
    return _free_slot(listing.schedules, mentor, busy, now, policy)


def _of(busy: Iterable[BusyPeriod], person: Profile) -> list[BusyPeriod]:
    return [p for p in busy if p.user_id == person.id]


def _free_slot(
    schedules: Mapping[int, Schedule],
    mentor: Profile,
    busy: Iterable[BusyPeriod],
    now: datetime,
    policy: BookingPolicy,
    *,
    since: datetime | None = None,
) -> Slot | None:
    """The first free slot in the booking window (starting from `since`)."""
    return first_free_slot(
        schedule=schedules[mentor.id],
        zone=mentor.time_zone,
        mentor_id=mentor.id,
        slot_minutes=mentor.session_minutes,
        window_start=since or now,
        window_end=now + policy.horizon,
        not_before=now + policy.minimum_notice,
        busy=busy,
        weekly_cap=mentor.max_sessions_per_week,
    )
