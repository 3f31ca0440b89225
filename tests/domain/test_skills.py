"""The skills vocabulary: the shipped file loads and is consistent, a phrase is
read into canonical skills (abbreviations, word forms, longest match first,
senses chosen by context), relatedness, and a reader's own extension."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from domain.search import MAX_WORDS, goal_terms, query_terms, searched_words
from domain.skills.relatedness import Source, read_goals, read_mentor, relatedness
from domain.skills.vocabulary import Vocabulary, VocabularyError, context_of, vocabulary
from domain.working_hours import in_shared_working_day, shared_working_hours
from tests.dates import MONDAY, NEXT_YEAR, dst_changes

WORDS = vocabulary()


def _read(text: str, *around: str) -> dict[str, float]:
    return {m.skill: m.weight for m in WORDS.mentions(text, context_of(around))}


def test_the_shipped_vocabulary_loads_with_a_version_and_every_area() -> None:
    assert WORDS.version
    assert {skill.area for skill in WORDS.skills.values()} == WORDS.areas
    assert len(WORDS.skills) >= 150


@pytest.mark.parametrize(
    ("typed", "skill"),
    [
        ("k8s", "kubernetes"),
        ("ML", "machine learning"),
        ("JS", "javascript"),
        ("Postgres", "postgresql"),
        ("golang", "go"),
        ("a11y", "accessibility"),
        ("SRE", "site reliability"),
        ("FP&A", "fp&a"),
        ("C++", "c++"),
        ("CI/CD", "ci/cd"),
        ("Node.js", "node.js"),
    ],
)
def test_abbreviations_and_other_spellings_name_the_canonical_skill(typed: str, skill: str) -> None:
    assert _read(typed) == {skill: 1.0}


@pytest.mark.parametrize(
    ("typed", "skill"),
    [
        ("negotiating", "negotiation"),
        ("Negotiations", "negotiation"),
        ("presentations", "presentation skills"),
        ("roadmaps", "roadmapping"),
        ("managing people", "people management"),
        ("engineering manager", "people management"),
        ("giving talks", "public speaking"),
    ],
)
def test_word_forms_are_the_same_skill(typed: str, skill: str) -> None:
    assert skill in _read(typed)


def test_a_multi_word_skill_is_read_before_the_words_in_it() -> None:
    assert _read("machine learning") == {"machine learning": 1.0}
    assert _read("graphic design") == {"visual design": 1.0}
    assert _read("system design") == {"system design": 1.0}
    assert _read("time management") == {"time management": 1.0}
    assert _read("postgres query tuning") == {"postgresql": 1.0, "database performance": 1.0}


def test_an_ambiguous_word_takes_the_sense_its_context_chooses() -> None:
    assert _read("design", "Backend Engineer") == {"system design": 0.9}
    assert _read("design", "figma", "Product Designer") == {"ux design": 0.9}
    assert _read("design", "Marketing", "brand") == {"visual design": 0.9}
    assert _read("pipeline", "sales") == {"sales pipeline management": 0.9}
    assert _read("pipeline", "airflow") == {"data engineering": 0.9}
    assert _read("networking", "kubernetes") == {"computer networking": 0.9}
    assert _read("networking", "career growth") == {"personal branding": 0.9}


def test_without_context_an_ambiguous_word_counts_only_weakly() -> None:
    assert set(_read("design").values()) == {0.35}
    assert set(_read("PM")) == {"product management", "project management"}


def test_a_short_word_is_matched_only_as_typed_never_as_a_form() -> None:
    assert _read("go") == {"go": 0.8}  # a whole goal: the language
    assert _read("go into management") == {"people management": 0.8}
    assert "go" not in _read("going remote")
    assert _read("Go, kubernetes") == {"go": 0.9, "kubernetes": 1.0}


def test_a_word_whose_context_says_it_is_not_the_skill_is_not_read_as_it() -> None:
    assert "python" not in _read("Monty Python sketches")
    assert _read("get better at python") == {"python": 0.8}
    assert "excel" not in _read("excel at interviews")


def test_unknown_words_are_kept_as_themselves_and_stopwords_dropped() -> None:
    assert _read("quantum annealing") == {"~quantum": 0.5, "~anneal": 0.5}
    assert _read("learn more about it") == {}


def test_related_skills_help_by_their_weight_both_ways() -> None:
    assert WORDS.similarity("public speaking", "presentation skills") == 0.9
    assert WORDS.similarity("presentation skills", "public speaking") == 0.9
    assert WORDS.similarity("people management", "leadership") == 0.8
    assert WORDS.similarity("postgresql", "sql") == 0.8
    assert WORDS.similarity("python", "kubernetes") == 0.1  # same area only
    assert WORDS.similarity("python", "negotiation") == 0.0


def _related(goals: tuple[str, ...], expertise: tuple[str, ...], bio: str = "") -> float:
    mentor = read_mentor(WORDS, expertise=expertise, bio=bio)
    return relatedness(read_goals(WORDS, goals), mentor).score


def test_relatedness_prefers_the_same_skill_then_close_ones() -> None:
    same = _related(("public speaking",), ("public speaking",))
    close = _related(("public speaking",), ("presentation skills",))
    loose = _related(("public speaking",), ("writing",))
    none = _related(("public speaking",), ("kubernetes",))
    assert same == 1.0
    assert same > close > loose > none == 0.0


def test_a_shared_word_with_another_meaning_relates_weakly_at_most() -> None:
    # The trap: "design" for someone in marketing is not system design.
    goals = read_goals(WORDS, ["design"], around=["Marketing"])
    graphic = read_mentor(WORDS, expertise=["graphic design"])
    systems = read_mentor(WORDS, expertise=["system design"], around=["Backend Engineer"])
    assert relatedness(goals, graphic).score > 0.8
    assert relatedness(goals, systems).score == 0.0
    # And "go into management" says nothing of Go.
    go = read_mentor(WORDS, expertise=["go"])
    assert _related(("go into management",), ("go",)) == 0.0
    assert relatedness(read_goals(WORDS, ["go"]), go).score > 0.6


def test_the_bio_and_history_count_less_than_the_expertise() -> None:
    goals = read_goals(WORDS, ["negotiation"])
    taught = read_mentor(WORDS, expertise=["negotiation"])
    bio = read_mentor(WORDS, expertise=["accounting"], bio="I negotiate supplier contracts.")
    history = read_mentor(WORDS, expertise=["accounting"], history=["negotiation"])
    scores = [relatedness(goals, m).score for m in (taught, bio, history)]
    assert scores == sorted(scores, reverse=True)
    assert relatedness(goals, history).matches[0].source is Source.HISTORY


def test_covering_more_goals_is_more_related() -> None:
    goals = ("kubernetes", "public speaking", "sql")
    assert _related(goals, ("kubernetes", "sql")) > _related(goals, ("kubernetes",))


def test_search_terms_keep_what_was_typed_and_add_related_skills() -> None:
    terms = query_terms("postgres query tuning")
    groups = {term.group for term in terms}
    assert len(groups) == 2  # postgres; query tuning
    assert any(t.text == "postgres" and t.prefix and t.weight == 1.0 for t in terms)
    assert any(t.text == "sql" and not t.prefix and t.weight == 0.8 for t in terms)
    assert [t.text for t in query_terms("Ana Lima")] == ["ana", "lima"]
    assert [t.text for t in query_terms("will")] == ["will"]  # a stopword, but all there is


def test_words_of_other_scripts_are_searched_as_typed_each_a_group_of_its_own() -> None:
    terms = query_terms("Юлия python 田中")
    assert [(t.text, t.group, t.prefix) for t in terms if t.group != 0] == [
        ("Юлия", 1, True),
        ("田中", 2, True),
    ]
    assert all(t.text != "Юлия" for t in terms if t.group == 0)  # python's spellings
    # A Devanagari vowel sign is part of its word; accents on Latin letters fold.
    assert searched_words("प्रिया, José!") == ("jose", "प्रिया")
    # A word of two scripts is searched by both parts.
    assert searched_words("田中san ЮлияSmith") == ("san", "smith", "田中", "Юлия")
    # Marks, symbols and emoji alone are no word; the words are at most MAX_WORDS.
    assert searched_words("\u0301 ☕ 🐍 !!!") == ()
    assert len(searched_words(" ".join(["Юлия"] * 5 + ["ana"] * 5))) == MAX_WORDS


def test_goal_terms_give_each_goal_a_group() -> None:
    terms = goal_terms(read_goals(WORDS, ["k8s", "public speaking"]))
    assert {t.group for t in terms} == {0, 1}
    assert any(t.text == "kubernetes" and t.group == 0 for t in terms)
    assert any(t.text == "presentations" and t.group == 1 for t in terms)


def test_a_reader_extends_the_vocabulary_with_a_table() -> None:
    shipped = tomllib.loads(
        resources.files("domain.skills").joinpath("vocabulary.toml").read_text("utf-8")
    )
    shipped["skill"]["quantum computing"] = {
        "area": "engineering",
        "aliases": ["qc", "qubits"],
        "related": {"python": 0.3},
    }
    extended = Vocabulary(shipped)
    assert {m.skill for m in extended.mentions("qubits")} == {"quantum computing"}
    assert extended.similarity("quantum computing", "python") == 0.3


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"skill": {"x": {"area": "astrology"}}}, "unknown area"),
        ({"skill": {"x": {"area": "data", "related": {"nothing like it": 0.5}}}}, "not in"),
        ({"skill": {"x": {"area": "data", "aliases": ["sql"]}}}, "written for both"),
        ({"skill": {"x": {"area": "data", "related": {"sql": 1.5}}}}, "not a relation"),
        ({"ambiguous": {"two words": {}}}, "one word"),
        ({"ambiguous": {"x": {"senses": {"no such skill": ["a"]}}}}, "not a skill"),
    ],
)
def test_a_file_that_contradicts_itself_is_refused_when_it_loads(
    change: dict[str, dict[str, object]], complaint: str
) -> None:
    data = {
        "areas": ["data"],
        "skill": {"sql": {"area": "data"}},
        **{k: v for k, v in change.items() if k != "skill"},
    }
    data["skill"] = {**data["skill"], **change.get("skill", {})}  # type: ignore[dict-item]
    with pytest.raises(VocabularyError, match=complaint):
        Vocabulary(data)


def test_shared_working_hours_agree_with_in_shared_working_day_step_by_step() -> None:
    """The exact intersection against the working-day rule sampled every 15
    minutes, on an ordinary week and on the weeks of next year's DST changes."""
    weeks = [MONDAY.date()] + [
        (change - timedelta(days=change.weekday())).date()
        for change in dst_changes("Europe/London", NEXT_YEAR)
    ]
    pairs = [
        ("Europe/London", "America/New_York"),
        ("America/Los_Angeles", "Asia/Tokyo"),
        ("Asia/Kolkata", "Europe/Berlin"),
        ("Australia/Sydney", "Europe/London"),
    ]
    for monday in weeks:
        for a, b in pairs:
            zones = [ZoneInfo(a), ZoneInfo(b)]
            assert shared_working_hours(zones, monday) == pytest.approx(
                _sampled(zones, monday), abs=0.01
            ), (a, b, monday)


def _sampled(zones: list[ZoneInfo], monday: date) -> float:
    step = timedelta(minutes=15)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zones[0])
    moment, inside = start, 0
    while moment < start + timedelta(days=7):
        in_week = moment.astimezone(zones[0]).weekday() < 5
        if in_week and in_shared_working_day(moment, moment + step, zones):
            inside += 1
        moment += step
    return inside * step / timedelta(hours=1) / 5
