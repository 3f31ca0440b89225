"""Profiles: first sight, sign-up as mentor and mentee, editing, leaving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.membership import leave_programme, step_down_as_mentor
from domain.model import NotificationKind, Role, SessionStatus
from domain.profiles import (
    MenteeSignup,
    MentorSignup,
    ProfileEdit,
    current_profile,
    edit_profile,
    identify,
    register_mentee,
    register_mentor,
    unnamed_people,
)
from domain.sessions import accept, request_session
from domain.text import normalize_tags
from tests.dates import on
from tests.domain.anchors import TUE, WED
from tests.domain.conftest import People, UowFor
from tests.fakes.uow import FakeClock, Store


def test_someone_slack_could_not_name_at_first_sight_is_asked_about_again_by_the_system_only(
    uow_for: UowFor, clock: FakeClock
) -> None:
    identify(uow_for("UNAMED"), clock, display_name="Nia Brown")
    identify(uow_for("UNONAME"), clock, display_name="")  # Slack gave nothing: the id
    assert unnamed_people(uow_for(), limit=5) == [("T1", "UNONAME")]
    assert unnamed_people(uow_for(), limit=0) == []
    for role in (Role.MEMBER, Role.ADMIN):
        with pytest.raises(NotAllowed):
            unnamed_people(uow_for("UNAMED", role), limit=5)


def test_first_sight_creates_the_profile_from_slack_and_is_idempotent(
    uow_for: UowFor, store: Store, clock: FakeClock
) -> None:
    first = identify(
        uow_for("UNEW"), clock, display_name="  Nia\x00 Brown ", time_zone="Europe/Paris"
    )
    again = identify(uow_for("UNEW"), clock, display_name="Someone else", time_zone="UTC")
    assert first == again
    assert first.display_name == "Nia Brown"
    assert first.time_zone == "Europe/Paris"
    assert "T1" in store.workspaces


def test_an_unknown_slack_time_zone_falls_back_to_utc(uow_for: UowFor, clock: FakeClock) -> None:
    assert (
        identify(uow_for("UNEW"), clock, display_name="Nia", time_zone="Mars/Olympus").time_zone
        == "UTC"
    )


def test_someone_never_seen_is_asked_to_sign_up(uow_for: UowFor) -> None:
    with pytest.raises(NotFound, match="/mentor signup"), uow_for("UGHOST") as uow:
        current_profile(uow)


def test_mentor_signup_needs_a_department_and_an_expertise(
    uow_for: UowFor, clock: FakeClock
) -> None:
    identify(uow_for("UNEW"), clock, display_name="Nia")
    with pytest.raises(InvalidInput) as missing_expertise:
        register_mentor(
            uow_for("UNEW"), clock, signup=MentorSignup(department="Sales", expertise=" , ")
        )
    with pytest.raises(InvalidInput) as missing_department:
        register_mentor(
            uow_for("UNEW"), clock, signup=MentorSignup(department=" ", expertise="sql")
        )
    assert missing_expertise.value.field == "expertise"
    assert missing_department.value.field == "department"


def test_mentor_signup_normalizes_tags_and_keeps_settings(
    uow_for: UowFor, clock: FakeClock
) -> None:
    identify(uow_for("UNEW"), clock, display_name="Nia")
    mentor = register_mentor(
        uow_for("UNEW"),
        clock,
        signup=MentorSignup(
            department="Data",
            expertise="Python , python; SQL\nData  Viz",
            bio="Hi",
            meeting_link="https://meet.example.com/nia",
            max_sessions_per_week=3,
            session_minutes=45,
            time_zone="Asia/Kolkata",
        ),
    ).profile
    assert mentor.is_mentor
    assert mentor.expertise == ("python", "sql", "data viz")
    assert (mentor.max_sessions_per_week, mentor.session_minutes) == (3, 45)
    assert mentor.time_zone == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("signup", "field"),
    [
        (
            MentorSignup(department="D", expertise="x", meeting_link="javascript:alert(1)"),
            "meeting_link",
        ),
        (
            MentorSignup(department="D", expertise="x", meeting_link="meet.example.com"),
            "meeting_link",
        ),
        (MentorSignup(department="D", expertise="x", time_zone="Nowhere/Land"), "time_zone"),
        (
            MentorSignup(department="D", expertise="x", max_sessions_per_week=0),
            "max_sessions_per_week",
        ),
        (MentorSignup(department="D", expertise="x", session_minutes=7), "session_minutes"),
        (MentorSignup(department="D" * 81, expertise="x"), "department"),
        (MentorSignup(department="D", expertise="x" * 41), "expertise"),
        (MentorSignup(department="D", expertise="x", bio="b" * 1001), "bio"),
    ],
)
def test_bad_signup_fields_are_refused_with_the_field_named(
    uow_for: UowFor, store: Store, signup: MentorSignup, field: str, clock: FakeClock
) -> None:
    identify(uow_for("UNEW"), clock, display_name="Nia")
    with pytest.raises(InvalidInput) as refused:
        register_mentor(uow_for("UNEW"), clock, signup=signup)
    assert refused.value.field == field
    assert not store.users[1].is_mentor


def test_a_person_can_be_mentor_and_mentee(uow_for: UowFor, clock: FakeClock) -> None:
    identify(uow_for("UNEW"), clock, display_name="Nia")
    register_mentor(uow_for("UNEW"), clock, signup=MentorSignup(department="Data", expertise="sql"))
    both = register_mentee(
        uow_for("UNEW"),
        clock,
        signup=MenteeSignup(department="Data", learning_goals="Public speaking"),
    )
    assert (both.is_mentor, both.is_mentee, both.learning_goals) == (
        True,
        True,
        ("public speaking",),
    )


def test_mentee_signup_needs_a_learning_goal(uow_for: UowFor, clock: FakeClock) -> None:
    identify(uow_for("UNEW"), clock, display_name="Nia")
    with pytest.raises(InvalidInput) as refused:
        register_mentee(
            uow_for("UNEW"), clock, signup=MenteeSignup(department="Data", learning_goals="")
        )
    assert refused.value.field == "learning_goals"


def test_editing_keeps_what_is_not_changed_and_refuses_emptying_a_role(
    uow_for: UowFor, people: People, clock: FakeClock
) -> None:
    edited = edit_profile(
        uow_for(people.maya), clock, edit=ProfileEdit(title="Principal", bio="New")
    )
    assert (edited.title, edited.bio, edited.expertise) == (
        "Principal",
        "New",
        ("python", "leadership"),
    )
    with pytest.raises(InvalidInput) as refused:
        edit_profile(uow_for(people.maya), clock, edit=ProfileEdit(expertise=""))
    assert refused.value.field == "expertise"


def test_tags_are_one_whatever_their_case_and_spacing() -> None:
    assert normalize_tags(["python", "Python ", " PYTHON"], field="f", label="l") == ("python",)


def _booked_sessions(uow_for: UowFor, clock: FakeClock, people: People) -> list[int]:
    first = request_session(
        uow_for(people.ben), clock, mentor_id=people.maya.id, starts_at=on(TUE, 9, 0)
    )
    second = request_session(
        uow_for(people.cara), clock, mentor_id=people.maya.id, starts_at=on(WED, 14, 0)
    )
    accept(uow_for(people.maya), clock, session_id=first.id)
    return [first.id, second.id]


def test_stepping_down_cancels_future_sessions_and_tells_the_mentees(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    session_ids = _booked_sessions(uow_for, clock, people)
    cancelled = step_down_as_mentor(uow_for(people.maya), clock).cancelled
    assert sorted(s.id for s in cancelled) == session_ids
    assert {store.sessions[i].status for i in session_ids} == {SessionStatus.CANCELLED}
    assert not store.users[people.maya.id].is_mentor
    told = {
        n.recipient_id for n in store.notifications if n.kind is NotificationKind.SESSION_CANCELLED
    }
    assert told == {people.ben.id, people.cara.id}


def test_leaving_the_programme_deactivates_and_blocks_further_use(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    _booked_sessions(uow_for, clock, people)
    cancelled = leave_programme(uow_for(people.ben), clock).cancelled
    assert [s.mentee_id for s in cancelled] == [people.ben.id]
    assert not store.users[people.ben.id].is_active
    with pytest.raises(NotAllowed, match="deactivated"), uow_for(people.ben) as uow:
        current_profile(uow)
    # Signing up again brings the person back.
    back = register_mentee(
        uow_for(people.ben), clock, signup=MenteeSignup(department="Eng", learning_goals="go")
    )
    assert back.is_active


def test_rejoining_as_a_mentee_does_not_make_a_mentor_who_left_bookable_again(
    uow_for: UowFor, clock: FakeClock, people: People, store: Store
) -> None:
    leave_programme(uow_for(people.maya), clock)
    back = register_mentee(
        uow_for(people.maya), clock, signup=MenteeSignup(department="Eng", learning_goals="go")
    )
    assert (back.is_active, back.is_mentee, back.is_mentor) == (True, True, False)
    with pytest.raises(NotAllowed, match="not taking mentees"):
        request_session(
            uow_for(people.ben),
            clock,
            mentor_id=people.maya.id,
            starts_at=clock.now() + timedelta(days=1),
        )


def test_a_mentor_who_comes_back_is_shown_the_availability_they_left_to_confirm_it(
    uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    leave_programme(uow_for(people.maya), clock)
    welcome = register_mentor(
        uow_for(people.maya), clock, signup=MentorSignup(department="Eng", expertise="python")
    )
    assert (welcome.profile.is_mentor, welcome.profile.is_mentee) == (True, False)
    assert welcome.kept_availability is not None
    assert len(welcome.kept_availability.weekly) == 10  # weekdays, mornings and afternoons
    # A first-time mentor has nothing to confirm.
    first_time = register_mentor(
        uow_for(people.cara), clock, signup=MentorSignup(department="Eng", expertise="go")
    )
    assert first_time.kept_availability is None
