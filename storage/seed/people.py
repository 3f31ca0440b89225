"""The people of the synthetic organisation: names, departments, roles, time
zones, mentors' expertise and weekly windows, mentees' goals; and their rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from storage.seed.common import DAY, FUTURE_DAYS, HISTORY_DAYS, TimeText, text_array, weighted
from storage.seed.names import FIRST_NAMES, LAST_NAMES
from storage.seed.vocabulary import (
    DEPARTMENTS,
    GENERAL_SKILLS,
    MENTOR_QUALITY_WEIGHTS,
    MENTOR_SENIORITY,
    RATING_MIXES,
    SENIORITY,
    SKILLS,
    TIME_ZONES,
    TOPIC_FORMS,
    TOPICS,
)


@dataclass
class Mentor:
    index: int  # into the people
    zone: str
    minutes: int  # session length
    windows: list[tuple[int, int, int]]  # (weekday, start minute, end minute), local
    quality: int  # index into RATING_MIXES
    active: bool
    mentee_too: bool
    cap: int | None = None
    topics: list[str] = field(default_factory=list)


class Organisation:
    """The people, their profiles and availability; all drawn from `rng` in a fixed order."""

    def __init__(self, rng: random.Random, users: int, mentors: int, now: int) -> None:
        self.rng = rng
        self.n = users
        self.now = now
        self.clock = TimeText(now // DAY - HISTORY_DAYS - 200, now // DAY + FUTURE_DAYS + 90)
        departments = list(DEPARTMENTS)
        self.department = rng.choices(
            departments, weights=[DEPARTMENTS[d][0] for d in departments], k=users
        )
        self.zone = weighted(rng, TIME_ZONES, users)
        self.name = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(users)]
        self.slack_id = self._slack_ids(users)
        mentor_indexes = sorted(rng.sample(range(users), mentors))
        self.is_mentor = [False] * users
        for i in mentor_indexes:
            self.is_mentor[i] = True
        self.active = [True] * users
        self.is_mentee = [False] * users
        self.mentors: list[Mentor] = []
        self.mentor_of: dict[int, Mentor] = {}
        for i in range(users):
            if self.is_mentor[i]:
                mentor = self._mentor(i)
                self.mentors.append(mentor)
                self.mentor_of[i] = mentor
                self.active[i] = mentor.active
                self.is_mentee[i] = mentor.mentee_too
            else:
                self.active[i] = rng.random() >= 0.02
                self.is_mentee[i] = rng.random() < (0.88 if self.active[i] else 0.5)
        self.seniority = [
            weighted(rng, MENTOR_SENIORITY if self.is_mentor[i] else SENIORITY, 1)[0]
            for i in range(users)
        ]
        self.role = [rng.choice(DEPARTMENTS[self.department[i]][1]) for i in range(users)]
        # Mentees booking sessions: active people who signed up as mentees.
        self.bookers = [i for i in range(users) if self.is_mentee[i] and self.active[i]]
        self.ids: list[int] = []

    def _slack_ids(self, n: int) -> list[str]:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        seen: set[str] = set()
        ids: list[str] = []
        while len(ids) < n:
            candidate = "U0" + "".join(self.rng.choices(alphabet, k=9))
            if candidate not in seen:
                seen.add(candidate)
                ids.append(candidate)
        return ids

    def _mentor(self, i: int) -> Mentor:
        rng = self.rng
        minutes = rng.choices((30, 45, 60), weights=(60, 15, 25))[0]
        # Distinct (weekday, half-day) pairs, so windows never overlap.
        halves = [(day, half) for day in range(5) for half in (0, 1)]
        if rng.random() < 0.1:
            halves.append((5, 0))
        windows: list[tuple[int, int, int]] = []
        for weekday, half in sorted(rng.sample(halves, rng.randint(2, 6))):
            if half == 0:
                start = rng.choice((8 * 60, 8 * 60 + 30, 9 * 60, 9 * 60 + 30, 10 * 60))
                end = min(start + rng.choice((60, 90, 120, 180)), 12 * 60 + 30)
            else:
                start = rng.choice((13 * 60, 14 * 60, 14 * 60 + 30, 15 * 60, 16 * 60))
                end = min(start + rng.choice((60, 90, 120, 180)), 19 * 60)
            if end - start < minutes:
                end = start + minutes
            windows.append((weekday, start, end))
        return Mentor(
            index=i,
            zone=self.zone[i],
            minutes=minutes,
            windows=windows,
            quality=rng.choices(range(len(RATING_MIXES)), weights=MENTOR_QUALITY_WEIGHTS)[0],
            active=rng.random() >= 0.01,
            mentee_too=rng.random() < 0.3,
        )

    def assign_ids(self, base: int) -> None:
        self.ids = list(range(base + 1, base + 1 + self.n))

    def _expertise(self, i: int) -> list[str]:
        rng = self.rng
        own = DEPARTMENTS[self.department[i]][2]
        wanted = rng.randint(1, 5)
        tags = rng.sample(own, min(len(own), max(1, wanted - rng.randint(0, 2))))
        while len(tags) < wanted:
            tag = rng.choice(GENERAL_SKILLS if rng.random() < 0.7 else SKILLS)
            if tag not in tags:
                tags.append(tag)
        return tags

    def user_rows(self, workspace_id: str) -> Iterator[str]:
        rng, clock, now = self.rng, self.clock, self.now
        joined_from = now - (HISTORY_DAYS + 120) * DAY
        for i in range(self.n):
            mentor = self.mentor_of.get(i)
            department = self.department[i]
            expertise = self._expertise(i) if mentor else []
            goals: list[str] = []
            if self.is_mentee[i]:
                pool = DEPARTMENTS[department][2] + GENERAL_SKILLS
                goals = rng.sample(pool, rng.randint(1, 3))
            title = self.seniority[i] + self.role[i]
            bio, link, minutes, cap = "", "\\N", 30, "\\N"
            if mentor:
                mentor.topics = [
                    rng.choice(TOPIC_FORMS).format(tag.capitalize()) for tag in expertise
                ] + rng.sample(TOPICS, 3)
                bio = f"{title} in {department}. Happy to help with {', '.join(expertise)}."
                if rng.random() < 0.6:
                    link = f"https://meet.example.com/{self.slack_id[i].lower()}"
                minutes = mentor.minutes
                if mentor.cap is not None:
                    cap = str(mentor.cap)
            elif rng.random() < 0.1:
                bio = f"{title}, {department}."
            created = joined_from + rng.randrange(0, 80 * DAY)
            updated = created + rng.randrange(0, 30 * DAY)
            yield (
                f"{self.ids[i]}\t{workspace_id}\t{self.slack_id[i]}\t{self.name[i]}\t{title}\t"
                f"{department}\t{self.zone[i]}\t{'t' if mentor else 'f'}\t"
                f"{'t' if self.is_mentee[i] else 'f'}\t{'t' if self.active[i] else 'f'}\t{bio}\t"
                f"{text_array(expertise)}\t{text_array(goals)}\t{link}\t{minutes}\t{cap}\t"
                f"{clock.ts(created)}\t{clock.ts(updated)}\n"
            )

    def availability_rows(self, workspace_id: str) -> Iterator[str]:
        for mentor in self.mentors:
            uid = self.ids[mentor.index]
            for weekday, start, end in mentor.windows:
                yield (
                    f"{workspace_id}\t{uid}\t{weekday}\t{start // 60:02d}:{start % 60:02d}\t"
                    f"{end // 60:02d}:{end % 60:02d}\n"
                )
