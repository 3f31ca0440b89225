"""Finding mentors: ranked matches with each one's next free slot."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.model import MentorHit, Page
from domain.policy import DEFAULT_POLICY, BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile
from domain.slots import first_free_slot
from domain.text import clean_text

MAX_PER_PAGE = 25
MAX_QUERY = 200


def find_mentors(
    uow: UnitOfWork,
    clock: Clock,
    *,
    query: str,
    page: int = 1,
    per_page: int = 10,
    policy: BookingPolicy = DEFAULT_POLICY,
) -> Page[MentorHit]:
    """Active mentors matching `query` by name, department or expertise (all of
    them for a blank query), never the searcher, `per_page` at a time."""
    text = clean_text(query, field="query", label="a search", max_length=MAX_QUERY)
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    with uow:
        me = current_profile(uow)
        hits = uow.users.search_mentors(
            me.workspace_id,
            text,
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
    return Page(items=with_slots, number=page, has_more=len(hits) > per_page)
