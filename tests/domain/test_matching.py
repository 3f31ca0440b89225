"""`/mentor match`: who is suggested, in which order, and why — on the fake
unit of work with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from itertools import count

import pytest

from domain.matching import (
    DEFAULT_MATCHING,
    Matches,
    MatchPolicy,
    MatchState,
    Part,
    SuggestionMemo,
    suggest_mentors,
    suggestions_within,
)
from domain.model import (
    Actor,
    Feedback,
    NewProfile,
    NewSession,
    Profile,
    SessionStatus,
    SubjectRole,
    WeeklySlot,
)
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

NOW = MONDAY + timedelta(hours=8)  # 08:00 UTC on a Monday
WORKSPACE = "T1"


class World:
    """People in a fake store, made as tersely as the tests need."""

    def __init__(self) -> None:
        self.store = Store()
        self.store.workspaces.add(WORKSPACE)
        self.clock = FakeClock(NOW)
        self._ids = count(1)

    def uow(self, person: Profile | None = None) -> FakeUnitOfWork:
        actor = Actor.member(WORKSPACE, person.slack_user_id) if person else Actor.system()
        return FakeUnitOfWork(self.store, actor)

    def person(self, name: str, zone: str = "Europe/London", **fields: object) -> Profile:
        uow = self.uow()
        slack_id = f"U{next(self._ids)}"
        made = uow.users.add(NewProfile(WORKSPACE, slack_id, name, time_zone=zone, created_at=NOW))
        return uow.users.save(replace(made, **fields), at=NOW)  # type: ignore[arg-type]

    def mentor(
        self, name: str, expertise: tuple[str, ...], *, free: bool = True, **fields: object
    ) -> Profile:
        fields.setdefault("department", "Engineering")
        mentor = self.person(name, is_mentor=True, expertise=expertise, **fields)
        if free:
            for weekday in range(5):
                slot = WeeklySlot(weekday, time(10), time(16))
                self.uow().availability.add_weekly(WORKSPACE, mentor.id, slot)
        return mentor

    def mentee(self, name: str, goals: tuple[str, ...], **fields: object) -> Profile:
        fields.setdefault("department", "Sales")
        return self.person(name, is_mentee=True, learning_goals=goals, **fields)

    def session(
        self,
        mentor: Profile,
        mentee: Profile,
        *,
        days: float,
        status: SessionStatus = SessionStatus.SCHEDULED,
        rating: int | None = None,
    ) -> None:
        starts = NOW + timedelta(days=days)
        uow = self.uow()
        made = uow.sessions.add(
            NewSession(
                WORKSPACE,
                mentor.id,
                mentee.id,
                starts,
                starts + timedelta(minutes=30),
                status=SessionStatus.REQUESTED,
                created_at=NOW,
            )
        )
        self.store.sessions[made.id] = replace(made, status=status, updated_at=NOW)
        if rating is not None:
            feedback = Feedback(
                made.id, WORKSPACE, mentee.id, mentor.id, SubjectRole.MENTOR, rating
            )
            uow.feedback.add(feedback, at=NOW)

    def matches(self, mentee: Profile, **kwargs: object) -> Matches:
        return suggest_mentors(self.uow(mentee), self.clock, **kwargs)  # type: ignore[arg-type]


def _names(matches: Matches) -> list[str]:
    return [s.mentor.display_name for s in matches.suggestions]


@pytest.fixture
def world() -> World:
    return World()


def test_goals_in_other_words_find_the_mentors_who_know_them(world: World) -> None:
    world.mentor("Kai", ("kubernetes", "go"))
    world.mentor("Pia", ("postgresql",))
    world.mentor("Sam", ("presentation skills",))
    world.mentor("Zed", ("accounting",))
    ben = world.mentee("Ben", ("k8s", "sql", "public speaking"))

    matches = world.matches(ben)

    assert matches.state is MatchState.READY
    assert set(_names(matches)) == {"Kai", "Pia", "Sam"}
    reasons = {s.mentor.display_name: s.reasons for s in matches.suggestions}
    assert "knows Kubernetes — your goals" in reasons["Kai"]
    assert "knows PostgreSQL, close to your goal SQL" in reasons["Pia"]
    assert "knows presentation skills, close to your goal public speaking" in reasons["Sam"]


def test_a_shared_word_with_another_meaning_does_not_match_strongly(world: World) -> None:
    world.mentor("Sys", ("system design", "distributed systems"), title="Staff Backend Engineer")
    world.mentor("Gia", ("graphic design", "branding"), department="Marketing")
    world.mentor("Gopher", ("go", "microservices"))
    world.mentor("Lead", ("people management",), department="People")
    ana = world.mentee("Ana", ("design", "go into management"), department="Marketing")

    matches = world.matches(ana)

    assert _names(matches)[:2] == ["Gia", "Lead"]
    assert "Gopher" not in _names(matches)  # "go into management" is not Go
    by_name = {s.mentor.display_name: s for s in matches.suggestions}
    assert by_name.get("Sys") is None or by_name["Sys"].relatedness < by_name["Gia"].relatedness


def test_oneself_ones_mentors_and_mentors_who_declined_lately_are_left_out(world: World) -> None:
    ben = world.mentee("Ben", ("python",), is_mentor=True, expertise=("python",))
    current = world.mentor("Current", ("python",))
    refused = world.mentor("Refused", ("python",))
    long_ago = world.mentor("LongAgo", ("python",))
    world.session(current, ben, days=3)
    world.session(refused, ben, days=5, status=SessionStatus.DECLINED)
    world.session(long_ago, ben, days=6, status=SessionStatus.DECLINED)
    world.store.sessions[max(world.store.sessions)] = replace(
        world.store.sessions[max(world.store.sessions)],
        updated_at=NOW - DEFAULT_MATCHING.declined_window - timedelta(days=1),
    )

    matches = world.matches(ben)

    assert _names(matches) == ["LongAgo"]
    assert [p.display_name for p in matches.your_mentors] == ["Current"]


def test_a_popular_mentor_with_a_full_diary_does_not_top_every_list(world: World) -> None:
    star = world.mentor("Star", ("leadership",), department="Product")
    quiet = world.mentor("Quiet", ("leadership",), department="Design")
    regulars = [world.mentee(f"Regular {i}", ("leadership",)) for i in range(8)]
    for day, regular in enumerate(regulars):
        world.session(star, regular, days=-10 + day, status=SessionStatus.COMPLETED, rating=5)
    for day, regular in enumerate(regulars[:4]):
        world.session(star, regular, days=day + 1, status=SessionStatus.REQUESTED)

    firsts = [world.matches(world.mentee(f"New {i}", ("leadership",))) for i in range(5)]

    assert all(m.suggestions[0].mentor.id == quiet.id for m in firsts)
    top = firsts[0].suggestions
    assert top[1].mentor.id == star.id
    assert top[1].parts[Part.LOAD] < top[0].parts[Part.LOAD]
    assert top[1].parts[Part.COMPLETED] > top[0].parts[Part.COMPLETED]


def test_the_goals_of_satisfied_mentees_count_as_what_a_mentor_teaches(world: World) -> None:
    coach = world.mentor("Coach", ("career growth",), department="People")
    world.mentor("Other", ("career growth",), department="Finance")
    for i in range(2):
        happy = world.mentee(f"Happy {i}", ("negotiation",))
        world.session(coach, happy, days=-3 - i, status=SessionStatus.COMPLETED, rating=5)
    ben = world.mentee("Ben", ("negotiation", "career growth"))

    matches = world.matches(ben)

    assert _names(matches) == ["Coach", "Other"]
    assert "mentees who wanted negotiation rated them highly" in matches.suggestions[0].reasons


def test_one_satisfied_mentee_alone_teaches_nothing(world: World) -> None:
    coach = world.mentor("Coach", ("career growth",))
    happy = world.mentee("Happy", ("negotiation",))
    world.session(coach, happy, days=-3, status=SessionStatus.COMPLETED, rating=5)

    assert world.matches(world.mentee("Ben", ("negotiation",))).suggestions == ()


def test_another_department_is_preferred_unless_turned_off(world: World) -> None:
    world.mentor("Same", ("python",), department="Sales")
    world.mentor("Other", ("python",), department="Finance")
    ben = world.mentee("Ben", ("python",), department="Sales")

    assert _names(world.matches(ben)) == ["Other", "Same"]
    plain = world.matches(ben, matching=MatchPolicy(prefer_other_department=False))
    assert _names(plain) == ["Other", "Same"]  # a tie, broken by name
    assert Part.TEAM not in plain.suggestions[0].parts
    assert plain.suggestions[0].score == plain.suggestions[1].score


def test_each_part_of_the_score_says_why_in_words(world: World) -> None:
    # Zones without daylight saving time, so the hours hold on any date: Lagos
    # is UTC+1, Dubai UTC+4; the working days share 07:00-14:00 UTC.
    maya = world.mentor("Maya", ("python",), department="Data", time_zone="Africa/Lagos")
    regular = world.mentee("Regular", ("python",))
    world.session(maya, regular, days=-2, status=SessionStatus.COMPLETED, rating=5)
    ben = world.mentee("Ben", ("python",), time_zone="Asia/Dubai")

    (suggestion,) = world.matches(ben).suggestions

    assert suggestion.reasons == (
        "knows Python — your goals",
        "7 h of your working day overlap",
        "from Data — another team",
        "free Mon 14:00 your time",  # 10:00 UTC: two hours' notice after 08:00
        "1 session completed",
    )
    assert suggestion.next_free_slot is not None
    assert suggestion.next_free_slot.starts_at == NOW + timedelta(hours=2)


def test_without_free_time_a_mentor_is_still_suggested_last_and_says_so(world: World) -> None:
    world.mentor("Busy", ("python",), free=False)
    world.mentor("Free", ("python",))
    ben = world.mentee("Ben", ("python",))

    matches = world.matches(ben)

    assert _names(matches) == ["Free", "Busy"]
    assert "no free time in the next 14 days" in matches.suggestions[1].reasons


def test_no_more_than_asked_best_first(world: World) -> None:
    for i in range(8):
        world.mentor(f"M{i}", ("python",) if i % 2 else ("python", "django"))
    ben = world.mentee("Ben", ("python", "django"))

    matches = world.matches(ben, shown=5)

    assert len(matches.suggestions) == 5
    scores = [s.score for s in matches.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert {s.mentor.display_name for s in matches.suggestions[:4]} == {"M0", "M2", "M4", "M6"}


def test_a_mentee_whose_goals_say_nothing_is_asked_for_goals(world: World) -> None:
    world.mentor("Maya", ("python",))
    ben = world.mentee("Ben", ("learn more",))

    assert world.matches(ben).state is MatchState.NO_GOALS


def test_someone_not_signed_up_as_a_mentee_is_told_so(world: World) -> None:
    maya = world.mentor("Maya", ("python",))

    assert world.matches(maya).state is MatchState.NOT_A_MENTEE


def test_the_homes_memo_keeps_suggestions_until_the_mentee_changes_or_they_age(
    world: World,
) -> None:
    ben = world.mentee("Ben", ("python",))
    ada = world.mentor("Ada", ("python",))
    memo = SuggestionMemo(keep=timedelta(minutes=5))

    def home() -> list[str]:
        uow = world.uow()
        with uow:
            found = suggestions_within(uow, world.clock, ben, shown=3, candidates=40, memo=memo)
        return _names(found)

    assert home() == ["Ada"]
    # A new mentor is not scored on the next open: the kept suggestions are shown.
    world.mentor("Grace", ("python",), department="Design")
    assert home() == ["Ada"]
    # Ben books Ada: his mentors are in the key, so he sees it at once.
    world.session(ada, ben, days=2)
    assert home() == ["Grace"]
    # Other mentors' changes show once the suggestions are `keep` old.
    world.mentor("Hopper", ("python",), department="Design")
    assert home() == ["Grace"]
    world.clock.advance(minutes=5)
    assert sorted(home()) == ["Grace", "Hopper"]
    # New goals are in the key too.
    ben = replace(ben, learning_goals=("kubernetes",))
    assert home() == []
