"""Feedback after completion, the mentor's rating, and the notification inbox."""

from __future__ import annotations

import pytest

from domain.errors import Conflict, InvalidInput, NotAllowed
from domain.feedback import MAX_COMMENT, leave_feedback, session_feedback
from domain.lookups import FEEDBACK_ON_CARD, mentor_card
from domain.model import Feedback, NotificationKind, Role, Session, SubjectRole
from domain.notifications import mark_all_read, mark_read, notifications_page, unread_count
from domain.sessions import accept, complete, request_session
from tests.dates import on
from tests.domain.anchors import THU, TUE, WED
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store


@pytest.fixture
def completed(uow_for: UowFor, clock: FakeClock, people: People) -> Session:
    session = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(TUE, 9, 0)
    )
    accept(uow_for(people.maya), clock, session_id=session.id)
    clock.set(on(TUE, 9, 35))
    return complete(
        uow_for(people.maya), clock, session_id=session.id, notes="Good", actual_minutes=30
    ).session


def test_both_sides_rate_each_other_once_and_only_the_mentees_rating_counts_for_the_mentor(
    uow_for: UowFor, clock: FakeClock, people: People, completed: Session, store: Store
) -> None:
    by_mentee = leave_feedback(
        uow_for(people.ben), clock, session_id=completed.id, rating=5, comment="Very helpful"
    )
    by_mentor = leave_feedback(uow_for(people.maya), clock, session_id=completed.id, rating=3)
    assert (by_mentee.subject_id, by_mentee.subject_role) == (people.maya.id, SubjectRole.MENTOR)
    assert (by_mentor.subject_id, by_mentor.subject_role) == (people.ben.id, SubjectRole.MENTEE)
    with uow_for(people.ben) as uow:
        rating = uow.feedback.rating(people.maya.id)
    assert (rating.count, rating.average) == (1, 5.0)
    with pytest.raises(Conflict, match="already left feedback"):
        leave_feedback(uow_for(people.ben), clock, session_id=completed.id, rating=1)
    received = [n for n in store.notifications if n.kind is NotificationKind.FEEDBACK_RECEIVED]
    assert {n.recipient_id for n in received} == {people.maya.id, people.ben.id}


@pytest.mark.parametrize(
    ("rating", "comment", "field"),
    [
        (0, "", "rating"),
        (6, "", "rating"),
        (-1, "", "rating"),
        (5, "x" * (MAX_COMMENT + 1), "comment"),
    ],
)
def test_bad_ratings_and_long_comments_are_refused(
    uow_for: UowFor,
    clock: FakeClock,
    people: People,
    completed: Session,
    store: Store,
    rating: int,
    comment: str,
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        leave_feedback(
            uow_for(people.ben), clock, session_id=completed.id, rating=rating, comment=comment
        )
    assert refused.value.field == field
    assert store.feedback == []


def test_feedback_waits_for_completion_and_is_for_participants_only(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    session = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(TUE, 9, 0)
    )
    with pytest.raises(NotAllowed, match="once the session is completed"):
        leave_feedback(uow_for(people.ben), clock, session_id=session.id, rating=5)
    with pytest.raises(NotAllowed, match="participants"):
        leave_feedback(uow_for(people.cara), clock, session_id=session.id, rating=5)


def test_a_sessions_feedback_is_read_by_its_two_participants_only(
    uow_for: UowFor, clock: FakeClock, people: People, completed: Session
) -> None:
    leave_feedback(uow_for(people.ben), clock, session_id=completed.id, rating=4, comment="Nice")
    for reader in (uow_for(people.ben), uow_for(people.maya)):
        [entry] = session_feedback(reader, session_id=completed.id)
        assert entry.comment == "Nice"
    for outsider in (uow_for(people.cara), uow_for(people.olga, Role.ADMIN)):
        with pytest.raises(NotAllowed):
            session_feedback(outsider, session_id=completed.id)


def test_the_inbox_counts_lists_newest_first_and_marks_read(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    # Two with Ben, the most one mentee may have open with one mentor.
    for day, mentee in ((TUE, people.ben), (WED, people.ben), (THU, people.cara)):
        clock.advance(minutes=1)
        request_session(
            uow_for(mentee),
            clock,
            mentor_id=people.maya.id,
            starts_at=on(day, 14, 0),
        )
    assert unread_count(uow_for(people.maya)) == 3
    first_page = notifications_page(uow_for(people.maya), page=1, per_page=2)
    assert first_page.has_more
    assert [n.payload["starts_at"] for n in first_page.items] == [
        on(THU, 14, 0).isoformat(),
        on(WED, 14, 0).isoformat(),
    ]
    second_page = notifications_page(uow_for(people.maya), page=2, per_page=2)
    assert (len(second_page.items), second_page.has_more) == (1, False)

    newest = first_page.items[0]
    assert mark_read(uow_for(people.maya), clock, notification_id=newest.id)
    assert not mark_read(uow_for(people.maya), clock, notification_id=newest.id)
    # Someone else's notice cannot be marked.
    assert not mark_read(uow_for(people.ben), clock, notification_id=second_page.items[0].id)
    assert unread_count(uow_for(people.maya)) == 2
    assert mark_all_read(uow_for(people.maya), clock) == 2
    assert unread_count(uow_for(people.maya)) == 0


@pytest.mark.parametrize(("written", "more"), [(0, False), (FEEDBACK_ON_CARD, False), (7, True)])
def test_a_mentors_card_holds_the_readers_most_recent_feedback_and_says_whether_there_is_more(
    uow_for: UowFor, people: People, store: Store, written: int, more: bool
) -> None:
    store.feedback += [
        Feedback(
            session_id=n,
            workspace_id=people.maya.workspace_id,
            author_id=people.ben.id,
            subject_id=people.maya.id,
            subject_role=SubjectRole.MENTOR,
            rating=5,
            comment=f"Thanks {n}",
        )
        for n in range(1, written + 1)
    ]
    card = mentor_card(uow_for(people.ben), mentor_id=people.maya.id)
    newest = [f"Thanks {n}" for n in range(written, 0, -1)][:FEEDBACK_ON_CARD]
    assert [entry.comment for entry in card.feedback] == newest
    assert card.more_feedback is more
