"""Programme matching: the assignment maximises the total score under the
mentors' capacities (never exceeded), where pairing the best first does not."""

from __future__ import annotations

from itertools import permutations, product

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.group_matching import (
    Unmatched,
    best_assignment,
    greedy_assignment,
    match_group,
    total,
)
from domain.matching import DEFAULT_MATCHING as DEFAULT
from domain.model import MentorRating, Profile
from tests.dates import MONDAY

NOW = MONDAY


def test_the_optimum_beats_pairing_the_best_pair_first() -> None:
    # Ana fits both mentors; Ben fits only Xavier. Greedy gives Xavier to Ana
    # (the best single pair) and leaves Ben with Yoko, who barely fits him.
    scores = {(1, 10): 0.9, (1, 11): 0.8, (2, 10): 0.7, (2, 11): 0.1}
    capacity = {10: 1, 11: 1}
    greedy = greedy_assignment(scores, capacity)
    best = best_assignment(scores, capacity)
    assert greedy == {1: 10, 2: 11}
    assert total(greedy, scores) == 1.0
    assert best == {1: 11, 2: 10}
    assert total(best, scores) == 1.5


def test_a_mentor_takes_at_most_their_capacity() -> None:
    scores = {(e, 10): 0.9 for e in range(1, 6)} | {(e, 11): 0.2 for e in range(1, 6)}
    best = best_assignment(scores, {10: 2, 11: 1})
    assert list(best.values()).count(10) == 2
    assert list(best.values()).count(11) == 1
    assert len(best) == 3


def test_a_mentor_without_capacity_gets_nobody() -> None:
    assert best_assignment({(1, 10): 0.9}, {10: 0}) == {}
    assert best_assignment({}, {10: 3}) == {}


def _brute_force(scores: dict[tuple[int, int], float], capacity: dict[int, int]) -> float:
    mentees = sorted({e for e, _ in scores})
    options = [[None, *sorted({r for (x, r) in scores if x == e})] for e in mentees]
    best = 0.0
    for choice in product(*options):
        used = [r for r in choice if r is not None]
        if any(used.count(r) > capacity[r] for r in set(used)):
            continue
        best = max(best, sum(scores[(e, r)] for e, r in zip(mentees, choice, strict=True) if r))
    return round(best, 4)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1, 5), st.integers(10, 12)),
        st.integers(1, 10_000).map(lambda n: n / 10_000),
        max_size=15,
    ),
    st.lists(st.integers(0, 3), min_size=3, max_size=3),
)
def test_the_assignment_is_optimal_and_within_capacity(
    scores: dict[tuple[int, int], float], caps: list[int]
) -> None:
    capacity = {10 + i: c for i, c in enumerate(caps)}
    best = best_assignment(scores, capacity)
    for mentor, cap in capacity.items():
        assert list(best.values()).count(mentor) <= cap
    assert all((e, r) in scores for e, r in best.items())
    assert total(best, scores) == _brute_force(scores, capacity)
    assert total(best, scores) >= total(greedy_assignment(scores, capacity), scores)


def _person(pid: int, name: str, **fields: object) -> Profile:
    return Profile(pid, "T1", f"U{pid}", name, time_zone="Europe/London", **fields)  # type: ignore[arg-type]


def test_a_group_is_paired_by_skills_and_the_others_are_told_why() -> None:
    kube = _person(10, "Kim", is_mentor=True, expertise=("kubernetes", "go"), department="Platform")
    sales = _person(11, "Sam", is_mentor=True, expertise=("negotiation",), department="Sales")
    mentees = [
        _person(1, "Ana", is_mentee=True, learning_goals=("k8s",), department="Support"),
        _person(2, "Ben", is_mentee=True, learning_goals=("kubernetes",), department="Data"),
        _person(3, "Cy", is_mentee=True, learning_goals=(), department="Data"),
        _person(4, "Di", is_mentee=True, learning_goals=("negotiation",), department="Ops"),
        _person(5, "Ed", is_mentor=True, department="Ops"),
        _person(6, "Flo", is_mentee=True, learning_goals=("kubernetes",), department="Ops"),
    ]
    found = match_group(
        mentees,
        [(kube, MentorRating(10)), (sales, MentorRating(11))],
        capacity={10: 1, 11: 5},
        now=NOW,
        has_mentor=frozenset({6}),
    )
    paired = {(p.mentee.display_name, p.mentor.display_name) for p in found.pairs}
    assert ("Di", "Sam") in paired
    assert len([p for p in found.pairs if p.mentor.id == 10]) == 1
    assert any("Kubernetes" in r for p in found.pairs if p.mentor.id == 10 for r in p.reasons)
    why = {m.display_name: reason for m, reason in found.unmatched}
    assert why["Cy"] is Unmatched.NO_GOALS
    assert why["Ed"] is Unmatched.NOT_A_MENTEE
    assert why["Flo"] is Unmatched.HAS_MENTOR
    assert sorted(why)[:1] in (["Ana"], ["Ben"])
    assert Unmatched.MENTORS_FULL in why.values()
    assert found.total == round(sum(p.score for p in found.pairs), 4)


def test_small_groups_get_the_true_optimum() -> None:
    # Every ordering of the pairs by hand is no better than the solver's.
    scores = {(1, 10): 0.5, (1, 11): 0.45, (2, 10): 0.44, (3, 11): 0.3, (3, 10): 0.2}
    capacity = {10: 1, 11: 1}
    best = total(best_assignment(scores, capacity), scores)
    for order in permutations(scores):
        left, chosen = dict(capacity), {}
        for e, r in order:
            if e not in chosen and left[r]:
                chosen[e], left[r] = r, left[r] - 1
        assert total(chosen, scores) <= best


def test_the_fast_score_is_the_score_of_mentor_match() -> None:
    from domain.group_matching import _Group
    from domain.skills.vocabulary import vocabulary

    mentors = [
        _person(10, "Kim", is_mentor=True, expertise=("kubernetes", "go"), department="Platform"),
        _person(11, "Sam", is_mentor=True, expertise=("public speaking",), bio="I coach k8s"),
        _person(12, "Lee", is_mentor=True, expertise=("docker", "leadership"), department="Ops"),
    ]
    group = _Group(
        [(m, MentorRating(m.id, 3, 4.5)) for m in mentors], 4.0, NOW, DEFAULT, vocabulary()
    )
    mentee = _person(1, "Ana", is_mentee=True, learning_goals=("k8s", "presentation skills"))
    goals = group.goals(mentee)
    fast = group.scores(mentee, goals)
    slow = {m.id: group.score(mentee, goals, group.mentors[m.id]) for m in mentors}
    assert fast == {r: s for r, s in slow.items() if s is not None}
    assert len(fast) >= 2
    # Keeping the best few skips mentors who cannot enter them, not those who can.
    best = max(fast.items(), key=lambda item: (item[1], -item[0]))
    assert group.scores(mentee, goals, best=1) == dict([best])
    assert group.scores(mentee, goals, best=1, capacity={best[0]: 0}) != dict([best])
