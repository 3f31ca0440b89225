"""A programme manager matches a group of mentees with mentors, previews the
pairs, drops some, and sends the introductions (a group DM per pair, with
three free times both share).

Every pair of a preview is stored as `proposed` (the preview is the database's,
not the message's: a message could not hold 2,000 pairs, and a stale one must
be told apart); a drop makes it `dropped`. Sending claims the `proposed` ones
in one transaction (`sending_since`), so a second click finds nothing left
to send; the DMs go after that commit (never inside a transaction), and a
second transaction records each pair's outcome: `sent` with the conversation
it went to, or `failed` with what Slack said. Retry failed claims the failed
pairs the same way; one whose people changed meanwhile is dropped, told why.

A preview is out of date, and sends nothing, when one of its mentees left,
booked a mentor, or was introduced by another preview sent since it was
made; sendings in a workspace take turns (the database's lock), so two
previews of one mentee sent at once introduce them once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from domain import limits
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.group_matching import (
    MAX_MENTEES,
    MAX_MENTORS,
    MAX_PER_MENTOR,
    Unmatched,
    match_group,
)
from domain.matching import DEFAULT_MATCHING, MatchPolicy
from domain.model import Actor, BusyPeriod, MentorRating, Profile, Schedule, Slot
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.settings import require_manager
from domain.slots import free_slots
from domain.text import clean_text
from domain.working_hours import in_shared_working_day

FREE_TIMES = 3
MAX_FAILURE = 500  # why a DM did not go, as kept for the manager
# A sending of the largest preview (two Slack calls a pair, at Slack's rate
# limits) ends within an hour or two; a claim older than this was left by a
# bot that stopped mid-sending, and its pair is failed, to retry.
ABANDONED_AFTER = timedelta(hours=6)
ABANDONED = "not sent: the bot stopped while sending (it may have gone out: check before retrying)"
MENTEES_FIELD = "group_mentees"
MENTORS_FIELD = "group_mentors"
PER_MENTOR_FIELD = "group_per_mentor"
DEPARTMENT_FIELD = "group_department"


class MenteePick(StrEnum):
    WITHOUT_MENTOR = "without_mentor"  # every mentee without an active mentor
    DEPARTMENT = "department"  # those of them in one department
    PICKED = "picked"  # people picked by name


class Status(StrEnum):
    PROPOSED = "proposed"
    DROPPED = "dropped"
    SENT = "sent"
    FAILED = "failed"  # its DM did not go out; a retry may send it


@dataclass(frozen=True)
class GroupChoice:
    """What the manager picked in the modal (Slack user ids)."""

    mentees: MenteePick = MenteePick.WITHOUT_MENTOR
    department: str = ""
    mentee_ids: tuple[str, ...] = ()
    mentor_ids: tuple[str, ...] = ()  # none: every mentor with free time
    per_mentor: int = 2


@dataclass(frozen=True)
class NewProposal:
    mentee_id: int
    mentor_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    id: int
    preview_id: UUID
    mentee: Profile
    mentor: Profile
    score: float
    reasons: tuple[str, ...]
    status: Status
    sent_at: datetime | None = None
    proposed_at: datetime | None = None
    failure: str | None = None  # why its DM did not go (failed)
    sending: bool = False  # claimed by a sending whose outcome is not recorded yet


@dataclass(frozen=True)
class Preview:
    preview_id: UUID
    proposals: tuple[Proposal, ...]
    unmatched: tuple[tuple[Profile, Unmatched], ...] = ()
    no_capacity: tuple[Profile, ...] = ()  # picked mentors without free time

    @property
    def proposed(self) -> tuple[Proposal, ...]:
        return tuple(p for p in self.proposals if p.status is Status.PROPOSED)


@dataclass(frozen=True)
class Introduction:
    """A pair to introduce now, with three times both are free."""

    proposal: Proposal
    free_times: tuple[Slot, ...]


@dataclass(frozen=True)
class Sending:
    """What one click on Send or Retry claimed, and the preview as it found it."""

    introductions: tuple[Introduction, ...]
    already_sent: int  # pairs of the preview sent before this click
    failed: tuple[Proposal, ...] = ()  # failed before, not claimed by this click
    not_retried: tuple[tuple[Proposal, str], ...] = ()  # dropped by a retry, and why
    under_way: int = 0  # claimed by another click whose outcome is not recorded yet
    retry: bool = False


@dataclass(frozen=True)
class Sent:
    """What the manager reads after Send or Retry: the pairs this click sent,
    those failing now (each with its failure), and why some were not retried."""

    went: tuple[Proposal, ...]
    failed: tuple[Proposal, ...]
    sending: Sending


class IntroductionRepository(Protocol):
    def mentees_without_mentor(
        self, workspace_id: str, *, department: str | None, limit: int
    ) -> list[Profile]:
        """Active mentees with no session requested, scheduled or under way as mentee."""
        ...

    def mentors(self, workspace_id: str, *, limit: int) -> list[Profile]:
        """Active mentors."""
        ...

    def people(self, workspace_id: str, slack_ids: Iterable[str]) -> dict[str, Profile]: ...

    def ratings(self, mentor_ids: Iterable[int]) -> dict[int, MentorRating]: ...

    def with_mentor(self, mentee_ids: Iterable[int]) -> set[int]:
        """Those of `mentee_ids` with a session requested, scheduled or under way as mentee."""
        ...

    def propose(
        self,
        workspace_id: str,
        preview_id: UUID,
        proposals: Sequence[NewProposal],
        *,
        by: str,
        at: datetime,
    ) -> None: ...

    def preview(self, preview_id: UUID, *, for_update: bool = False) -> list[Proposal]: ...

    def drop(self, preview_id: UUID, introduction_id: int) -> bool:
        """Drop a pair still proposed and not claimed by a sending; False when
        it is not (any more)."""
        ...

    def claim(self, ids: Iterable[int], *, at: datetime) -> int:
        """Claim the pairs proposed or failed and not claimed yet for a sending."""
        ...

    def drop_failed(self, ids: Iterable[int]) -> None: ...

    def fail_abandoned(
        self, preview_id: UUID, *, claimed_before: datetime, failure: str, at: datetime
    ) -> None:
        """The preview's pairs claimed before `claimed_before`: failed, unclaimed."""
        ...

    def record_outcomes(
        self, *, channels: dict[int, str], failures: dict[int, str], by: str, at: datetime
    ) -> None:
        """Claimed pairs: sent (to these conversations) or failed (for these reasons)."""
        ...

    def sent_pairs(self, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        """Those of (mentee, mentor) `pairs` introduced already, or being
        introduced (in any preview)."""
        ...

    def lock_sending(self, workspace_id: str) -> None:
        """Wait for any other sending of the workspace's introductions to end
        (held until this transaction ends)."""
        ...

    def introduced_since(
        self, mentee_ids: Iterable[int], *, since: datetime, besides: UUID
    ) -> set[int]:
        """Those of `mentee_ids` introduced (sent), or claimed to be, at or
        after `since` in a preview other than `besides`."""
        ...


ONLY_MANAGERS = "Only programme managers match groups of mentees and send introductions."


def require_group_manager(actor: Actor) -> str:
    """The workspace whose programme `actor` manages; anyone else is refused
    with words about matching (not about settings)."""
    try:
        return require_manager(actor)
    except NotAllowed:
        raise NotAllowed(ONLY_MANAGERS) from None


def check_choice(choice: GroupChoice) -> None:
    """What the modal's own fields must hold (the rest needs the database)."""
    if not 1 <= choice.per_mentor <= MAX_PER_MENTOR:
        raise InvalidInput(
            f"Give each mentor between 1 and {MAX_PER_MENTOR} new mentees.", field=PER_MENTOR_FIELD
        )
    if choice.mentees is MenteePick.DEPARTMENT and not choice.department.strip():
        raise InvalidInput("Name the department whose mentees to match.", field=DEPARTMENT_FIELD)
    if choice.mentees is MenteePick.DEPARTMENT:
        # No department is longer than a profile can name one (a forged form).
        clean_text(
            choice.department,
            field=DEPARTMENT_FIELD,
            label="the department",
            max_length=limits.DEPARTMENT,
        )
    if choice.mentees is MenteePick.PICKED and not choice.mentee_ids:
        raise InvalidInput("Pick at least one mentee.", field=MENTEES_FIELD)
    if len(choice.mentee_ids) > MAX_MENTEES:
        raise InvalidInput(f"Pick at most {MAX_MENTEES:,} mentees.", field=MENTEES_FIELD)
    if len(choice.mentor_ids) > MAX_MENTORS:
        raise InvalidInput(f"Pick at most {MAX_MENTORS:,} mentors.", field=MENTORS_FIELD)


def _picked(
    repo: IntroductionRepository, workspace_id: str, ids: Sequence[str], field: str
) -> list[Profile]:
    found = repo.people(workspace_id, ids)
    unknown = [i for i in ids if i not in found]
    if unknown:
        names = ", ".join(f"<@{i}>" for i in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise InvalidInput(
            f"{names}{more} {'is' if len(unknown) == 1 else 'are'} not in the mentorship"
            " programme yet: ask them to run `/mentor signup`, or leave them out.",
            field=field,
        )
    return [found[i] for i in dict.fromkeys(ids)]


def preview_group(
    uow: UnitOfWork,
    clock: Clock,
    *,
    choice: GroupChoice,
    matching: MatchPolicy = DEFAULT_MATCHING,
) -> Preview:
    """Match the chosen mentees with the chosen mentors and store the pairs as
    a preview (one transaction); nothing is sent."""
    workspace_id = require_group_manager(uow.actor)
    check_choice(choice)
    with uow:
        repo = uow.introductions
        if choice.mentees is MenteePick.PICKED:
            mentees = _picked(repo, workspace_id, choice.mentee_ids, MENTEES_FIELD)
        else:
            department = (
                choice.department.strip() if choice.mentees is MenteePick.DEPARTMENT else None
            )
            mentees = repo.mentees_without_mentor(
                workspace_id, department=department, limit=MAX_MENTEES + 1
            )
        if not mentees:
            where = (
                f" in {choice.department.strip()}"
                if choice.mentees is MenteePick.DEPARTMENT
                else ""
            )
            raise InvalidInput(
                f"There is nobody to match: every mentee{where} already has a mentor,"
                " or none signed up yet.",
                field=MENTEES_FIELD,
            )
        if len(mentees) > MAX_MENTEES:
            raise InvalidInput(
                f"That is more than {MAX_MENTEES:,} mentees, too many to match at once:"
                " pick a department or people.",
                field=MENTEES_FIELD,
            )
        if choice.mentor_ids:
            mentors = _picked(repo, workspace_id, choice.mentor_ids, MENTORS_FIELD)
            not_mentors = [m for m in mentors if not (m.is_mentor and m.is_active)]
            if not_mentors:
                names = ", ".join(m.display_name for m in not_mentors[:5])
                raise InvalidInput(f"{names}: not mentors in the programme.", field=MENTORS_FIELD)
        else:
            mentors = repo.mentors(workspace_id, limit=MAX_MENTORS + 1)
            if len(mentors) > MAX_MENTORS:
                raise InvalidInput(
                    f"There are more than {MAX_MENTORS:,} mentors: pick the ones to match with.",
                    field=MENTORS_FIELD,
                )
        schedules = uow.availability.schedules([m.id for m in mentors])
        # A mentor offering no weekly time has no room for a new mentee.
        free = [m for m in mentors if schedules.get(m.id) and schedules[m.id].weekly]
        no_capacity = tuple(m for m in mentors if m not in free)
        if not free:
            raise InvalidInput(
                "None of these mentors has capacity: none offers any weekly free time."
                " Ask them to set it with `/mentor availability`, or pick others.",
                field=MENTORS_FIELD,
            )
        ratings = repo.ratings([m.id for m in free])
        found = match_group(
            mentees,
            [(m, ratings.get(m.id, MentorRating(m.id))) for m in free],
            capacity={m.id: choice.per_mentor for m in free},
            now=clock.now(),
            mean_rating=uow.analytics.workspace_mean_rating(workspace_id),
            has_mentor=frozenset(repo.with_mentor([m.id for m in mentees])),
            matching=matching,
        )
        preview_id = uuid4()
        repo.propose(
            workspace_id,
            preview_id,
            [NewProposal(p.mentee.id, p.mentor.id, p.score, p.reasons) for p in found.pairs],
            by=uow.actor.slack_user_id or "",
            at=clock.now(),
        )
        proposals = tuple(repo.preview(preview_id))
        uow.commit()
    return Preview(preview_id, proposals, found.unmatched, no_capacity)


def drop_pair(uow: UnitOfWork, *, preview_id: UUID, introduction_id: int) -> Preview:
    """Take one pair out of a preview before it is sent."""
    require_group_manager(uow.actor)
    with uow:
        if not uow.introductions.drop(preview_id, introduction_id):
            proposals = uow.introductions.preview(preview_id)
            if not proposals:
                raise NotFound("That preview no longer exists. Run `/mentor match group` again.")
            if any(p.id == introduction_id and p.sending for p in proposals):
                raise Conflict(
                    "That pair is being sent by another click: it can no longer be dropped."
                )
            raise Conflict("That pair was already sent or dropped.")
        proposals = uow.introductions.preview(preview_id)
        uow.commit()
    return Preview(preview_id, tuple(proposals))


def _changed(
    repo: IntroductionRepository, preview_id: UUID, proposals: Sequence[Proposal]
) -> list[tuple[Proposal, str]]:
    """The pairs whose people changed since the preview, each with what
    changed in words (empty: none)."""
    changed: list[tuple[Proposal, str]] = []
    has_mentor = repo.with_mentor([p.mentee.id for p in proposals])
    for p in proposals:
        if not (p.mentee.is_active and p.mentee.is_mentee):
            changed.append((p, f"{p.mentee.display_name} left the programme"))
        elif p.mentee.id in has_mentor:
            changed.append((p, f"{p.mentee.display_name} booked a mentor meanwhile"))
        if not (p.mentor.is_active and p.mentor.is_mentor):
            changed.append((p, f"{p.mentor.display_name} is no longer a mentor"))
    made = min((p.proposed_at for p in proposals if p.proposed_at is not None), default=None)
    if made is not None:
        # Another preview, made before this one was, sent meanwhile.
        elsewhere = repo.introduced_since(
            [p.mentee.id for p in proposals], since=made, besides=preview_id
        )
        changed += [
            (p, f"{p.mentee.display_name} was introduced to a mentor meanwhile")
            for p in proposals
            if p.mentee.id in elsewhere
        ]
    for mentee_id, mentor_id in repo.sent_pairs((p.mentee.id, p.mentor.id) for p in proposals):
        p = next(p for p in proposals if (p.mentee.id, p.mentor.id) == (mentee_id, mentor_id))
        changed.append(
            (p, f"{p.mentee.display_name} and {p.mentor.display_name} were introduced meanwhile")
        )
    return changed


def send_introductions(
    uow: UnitOfWork,
    clock: Clock,
    *,
    preview_id: UUID,
    policy: BookingPolicy = DEFAULT_POLICY,
    retry: bool = False,
) -> Sending:
    """Claim the preview's proposed pairs (`retry`: its failed ones) for
    sending, once (a second click finds them claimed or sent), with three
    free times per pair. A stale preview sends nothing; a retry leaves out,
    as dropped, the failed pairs whose people changed, and says why."""
    workspace_id = require_group_manager(uow.actor)
    now = clock.now()
    with uow:
        repo = uow.introductions
        # One sending at a time per workspace: two previews pairing the same
        # mentee, sent at once, would each find the other not sent yet.
        repo.lock_sending(workspace_id)
        repo.fail_abandoned(
            preview_id, claimed_before=now - ABANDONED_AFTER, failure=ABANDONED, at=now
        )
        proposals = repo.preview(preview_id, for_update=True)
        if not proposals:
            raise NotFound("That preview no longer exists. Run `/mentor match group` again.")
        already = sum(1 for p in proposals if p.status is Status.SENT)
        under_way = sum(1 for p in proposals if p.sending)
        wanted = Status.FAILED if retry else Status.PROPOSED
        waiting = [p for p in proposals if p.status is wanted and not p.sending]
        failed = (
            ()
            if retry
            else tuple(p for p in proposals if p.status is Status.FAILED and not p.sending)
        )
        changed = _changed(repo, preview_id, waiting) if waiting else []
        if changed and not retry:
            said = [why for _, why in changed]
            shown = "; ".join(said[:5]) + (f"; and {len(said) - 5} more" if len(said) > 5 else "")
            raise Conflict(
                f"This preview is out of date ({shown}). Nothing was sent:"
                " run `/mentor match group` again for a fresh one."
            )
        reasons: dict[int, list[str]] = {}
        for p, why in changed:
            reasons.setdefault(p.id, []).append(why)
        not_retried = tuple((p, "; ".join(reasons[p.id])) for p in waiting if p.id in reasons)
        left_out = set(reasons)
        waiting = [p for p in waiting if p.id not in left_out]
        if not waiting and not left_out:
            return Sending((), already, failed, under_way=under_way, retry=retry)
        repo.drop_failed(left_out)
        ids = sorted({p.mentor.id for p in waiting} | {p.mentee.id for p in waiting})
        schedules = uow.availability.schedules(ids)
        busy = uow.sessions.busy_periods(ids, now, now + policy.horizon + timedelta(days=8))
        repo.claim([p.id for p in waiting], at=now)
        uow.commit()
    busy_of: dict[int, list[BusyPeriod]] = {}
    for period in busy:
        busy_of.setdefault(period.user_id, []).append(period)
    claimed = tuple(
        Introduction(
            p,
            _free_times(p, schedules.get(p.mentor.id), busy_of, now, policy),
        )
        for p in waiting
    )
    return Sending(claimed, already, failed, not_retried, under_way, retry)


def _free_times(
    p: Proposal,
    schedule: Schedule | None,
    busy_of: dict[int, list[BusyPeriod]],
    now: datetime,
    policy: BookingPolicy,
) -> tuple[Slot, ...]:
    """Three times both are free, inside both working days when possible, on
    different days where there are enough (a choice, not three in a row)."""
    if schedule is None:
        return ()
    mentor = p.mentor
    slots = free_slots(
        schedule=schedule,
        zone=mentor.time_zone,
        mentor_id=mentor.id,
        slot_minutes=mentor.session_minutes,
        window_start=now,
        window_end=now + policy.horizon,
        not_before=now + policy.minimum_notice,
        busy=[*busy_of.get(mentor.id, []), *busy_of.get(p.mentee.id, [])],
        weekly_cap=mentor.max_sessions_per_week,
    )
    zones = [ZoneInfo(p.mentee.time_zone), ZoneInfo(mentor.time_zone)]
    shared = [s for s in slots if in_shared_working_day(s.starts_at, s.ends_at, zones)] or slots
    chosen: list[Slot] = []
    days: set[object] = set()
    for slot in shared:
        day = slot.starts_at.astimezone(zones[0]).date()
        if day not in days:
            chosen.append(slot)
            days.add(day)
        if len(chosen) == FREE_TIMES:
            break
    for slot in shared:
        if len(chosen) == FREE_TIMES:
            break
        if slot not in chosen:
            chosen.append(slot)
    return tuple(sorted(chosen, key=lambda s: s.starts_at))


def record_sent(
    uow: UnitOfWork,
    clock: Clock,
    *,
    sending: Sending,
    channels: dict[int, str],
    failures: dict[int, str],
) -> Sent:
    """Each claimed pair's outcome, after the DMs (a transaction of its own):
    sent to its conversation, or failed with why (cut to `MAX_FAILURE`)."""
    failures = {i: why[:MAX_FAILURE] for i, why in failures.items()}
    if channels or failures:
        with uow:
            uow.introductions.record_outcomes(
                channels=channels,
                failures=failures,
                by=uow.actor.slack_user_id or "",
                at=clock.now(),
            )
            uow.commit()
    claimed = [intro.proposal for intro in sending.introductions]
    went = tuple(p for p in claimed if p.id in channels)
    failed_now = tuple(
        replace(p, status=Status.FAILED, failure=failures[p.id])
        for p in claimed
        if p.id in failures
    )
    return Sent(went, (*failed_now, *sending.failed), sending)
