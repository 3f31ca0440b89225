"""A manager's introductions (migration 0020), and the people a group match reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased

from domain.introductions import NewProposal, Proposal, Status
from domain.model import ACTIVE_STATUSES, MentorRating, Profile
from storage.models import IntroductionRow, Rating, SessionRow, User
from storage.repos.common import average, id_list
from storage.repos.rows import profile_from_row

_ACTIVE = [status.value for status in ACTIVE_STATUSES]
_SENDABLE = [Status.PROPOSED.value, Status.FAILED.value]
# The advisory locks' first key for sending introductions (the second: the
# workspace's hash); storage.repos.snapshots uses another.
SENDING_LOCK_SPACE = 0x696E74  # "int"


def _introduced() -> ColumnElement[bool]:
    """Sent, or claimed by a sending under way (uq_introductions_sent_pair's rows)."""
    return or_(
        IntroductionRow.status == Status.SENT.value, IntroductionRow.sending_since.is_not(None)
    )


class SqlIntroductionRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def _has_mentor(self) -> object:
        return (
            select(SessionRow.id)
            .where(SessionRow.mentee_id == User.id, SessionRow.status.in_(_ACTIVE))
            .exists()
        )

    def mentees_without_mentor(
        self, workspace_id: str, *, department: str | None, limit: int
    ) -> list[Profile]:
        statement = select(User).where(
            User.workspace_id == workspace_id,
            User.is_mentee.is_(True),
            User.is_active.is_(True),
            ~self._has_mentor(),  # type: ignore[operator]  # an EXISTS clause negates
        )
        if department is not None:
            statement = statement.where(func.lower(User.department) == department.lower())
        rows = self._session.scalars(statement.order_by(User.id).limit(limit))
        return [profile_from_row(row) for row in rows]

    def mentors(self, workspace_id: str, *, limit: int) -> list[Profile]:
        rows = self._session.scalars(
            select(User)
            .where(
                User.workspace_id == workspace_id,
                User.is_mentor.is_(True),
                User.is_active.is_(True),
            )
            .order_by(User.id)
            .limit(limit)
        )
        return [profile_from_row(row) for row in rows]

    def people(self, workspace_id: str, slack_ids: Iterable[str]) -> dict[str, Profile]:
        ids = sorted(set(slack_ids))
        if not ids:
            return {}
        rows = self._session.scalars(
            select(User).where(User.workspace_id == workspace_id, User.slack_user_id.in_(ids))
        )
        return {row.slack_user_id: profile_from_row(row) for row in rows}

    def ratings(self, mentor_ids: Iterable[int]) -> dict[int, MentorRating]:
        ids = id_list(mentor_ids)
        if not ids:
            return {}
        rows = self._session.execute(
            select(Rating.mentor_id, Rating.rating_count, Rating.average_rating).where(
                Rating.mentor_id.in_(ids)
            )
        )
        return {m: MentorRating(m, count, average(avg)) for m, count, avg in rows}

    def with_mentor(self, mentee_ids: Iterable[int]) -> set[int]:
        ids = id_list(mentee_ids)
        if not ids:
            return set()
        return set(
            self._session.scalars(
                select(SessionRow.mentee_id)
                .where(SessionRow.mentee_id.in_(ids), SessionRow.status.in_(_ACTIVE))
                .distinct()
            )
        )

    def propose(
        self,
        workspace_id: str,
        preview_id: UUID,
        proposals: Sequence[NewProposal],
        *,
        by: str,
        at: datetime,
    ) -> None:
        if not proposals:
            return
        self._session.execute(
            insert(IntroductionRow),
            [
                {
                    "workspace_id": workspace_id,
                    "preview_id": preview_id,
                    "mentee_id": p.mentee_id,
                    "mentor_id": p.mentor_id,
                    "score": p.score,
                    "reasons": list(p.reasons),
                    "status": Status.PROPOSED.value,
                    "proposed_by": by,
                    "proposed_at": at,
                }
                for p in proposals
            ],
        )

    def preview(self, preview_id: UUID, *, for_update: bool = False) -> list[Proposal]:
        mentee, mentor = aliased(User), aliased(User)
        statement = (
            select(IntroductionRow, mentee, mentor)
            .join(mentee, mentee.id == IntroductionRow.mentee_id)
            .join(mentor, mentor.id == IntroductionRow.mentor_id)
            .where(IntroductionRow.preview_id == preview_id)
            .order_by(IntroductionRow.score.desc(), IntroductionRow.id)
        )
        if for_update:
            # Two clicks on Send wait for each other: the second sees them sent.
            statement = statement.with_for_update(of=IntroductionRow)
        return [
            Proposal(
                id=row.id,
                preview_id=row.preview_id,
                mentee=profile_from_row(e),
                mentor=profile_from_row(r),
                score=row.score,
                reasons=tuple(row.reasons),
                status=Status(row.status),
                sent_at=row.sent_at,
                proposed_at=row.proposed_at,
                failure=row.failure,
                sending=row.sending_since is not None,
            )
            for row, e, r in self._session.execute(statement)
        ]

    def drop(self, preview_id: UUID, introduction_id: int) -> bool:
        result = self._session.execute(
            update(IntroductionRow)
            .where(
                IntroductionRow.id == introduction_id,
                IntroductionRow.preview_id == preview_id,
                IntroductionRow.status == Status.PROPOSED.value,
                # A pair a sending claimed is past dropping: its DM may be out.
                IntroductionRow.sending_since.is_(None),
            )
            .values(status=Status.DROPPED.value)
            .returning(IntroductionRow.id)
        )
        return result.first() is not None

    def claim(self, ids: Iterable[int], *, at: datetime) -> int:
        chosen = id_list(ids)
        if not chosen:
            return 0
        result = self._session.execute(
            update(IntroductionRow)
            .where(
                IntroductionRow.id.in_(chosen),
                IntroductionRow.status.in_(_SENDABLE),
                IntroductionRow.sending_since.is_(None),
            )
            .values(sending_since=at)
            .returning(IntroductionRow.id)
        )
        return len(result.all())

    def drop_failed(self, ids: Iterable[int]) -> None:
        chosen = id_list(ids)
        if chosen:
            self._session.execute(
                update(IntroductionRow)
                .where(
                    IntroductionRow.id.in_(chosen),
                    IntroductionRow.status == Status.FAILED.value,
                )
                .values(status=Status.DROPPED.value, failure=None, failed_at=None)
            )

    def fail_abandoned(
        self, preview_id: UUID, *, claimed_before: datetime, failure: str, at: datetime
    ) -> None:
        self._session.execute(
            update(IntroductionRow)
            .where(
                IntroductionRow.preview_id == preview_id,
                IntroductionRow.sending_since < claimed_before,
            )
            .values(status=Status.FAILED.value, failure=failure, failed_at=at, sending_since=None)
        )

    def record_outcomes(
        self, *, channels: dict[int, str], failures: dict[int, str], by: str, at: datetime
    ) -> None:
        claimed = IntroductionRow.sending_since.is_not(None)
        for introduction_id, channel in sorted(channels.items()):
            self._session.execute(
                update(IntroductionRow)
                .where(IntroductionRow.id == introduction_id, claimed)
                .values(
                    status=Status.SENT.value,
                    sent_by=by,
                    sent_at=at,
                    channel_id=channel,
                    failure=None,
                    failed_at=None,
                    sending_since=None,
                )
            )
        for introduction_id, failure in sorted(failures.items()):
            self._session.execute(
                update(IntroductionRow)
                .where(IntroductionRow.id == introduction_id, claimed)
                .values(
                    status=Status.FAILED.value,
                    failure=failure,
                    failed_at=at,
                    sending_since=None,
                )
            )

    def sent_pairs(self, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        wanted = sorted(set(pairs))
        if not wanted:
            return set()
        rows = self._session.execute(
            select(IntroductionRow.mentee_id, IntroductionRow.mentor_id).where(
                _introduced(),
                tuple_(IntroductionRow.mentee_id, IntroductionRow.mentor_id).in_(wanted),
            )
        )
        return {(e, r) for e, r in rows}

    def lock_sending(self, workspace_id: str) -> None:
        self._session.execute(
            select(func.pg_advisory_xact_lock(SENDING_LOCK_SPACE, func.hashtext(workspace_id)))
        )

    def introduced_since(
        self, mentee_ids: Iterable[int], *, since: datetime, besides: UUID
    ) -> set[int]:
        ids = id_list(mentee_ids)
        if not ids:
            return set()
        return set(
            self._session.scalars(
                select(IntroductionRow.mentee_id)
                .where(
                    IntroductionRow.mentee_id.in_(ids),
                    _introduced(),
                    IntroductionRow.preview_id != besides,
                    func.coalesce(IntroductionRow.sent_at, IntroductionRow.sending_since) >= since,
                )
                .distinct()
            )
        )
