"""Help, your own profile in App Home, and a mentor's profile as others see it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

import pytest

from domain.model import (
    ExtraSlot,
    Feedback,
    MentorRating,
    Profile,
    Schedule,
    SubjectRole,
    WeeklySlot,
)
from handlers.ids import Action, Modal
from handlers.metadata import MentorRef
from handlers.render.availability import mentor_welcome_text
from handlers.render.help import days_off_example, help_blocks, help_text
from handlers.render.profile import profile_modal, profile_summary
from tests.dates import MONDAY
from tests.handlers.samples import as_text, buttons, dump

TODAY = MONDAY.date()

ANA = Profile(
    id=5,
    workspace_id="T1",
    slack_user_id="U5",
    display_name="Ana Lima",
    time_zone="Europe/Paris",
    title="Staff engineer",
    department="Platform",
    is_mentor=True,
    bio="Ask me anything <!channel>",
    expertise=("python", "leadership"),
    learning_goals=("public speaking",),
    meeting_link="https://meet.example.com/ana",
)
BEN = Profile(id=6, workspace_id="T1", slack_user_id="U6", display_name="Ben <@U1>")
RATING = MentorRating(mentor_id=5, count=2, average=4.5)
WHEN = MONDAY - timedelta(days=10) + timedelta(hours=15)  # a Friday afternoon


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["action_id"] for b in buttons(blocks)]


def feedback(rating: int, comment: str, *, author_id: int = 6, session_id: int = 1) -> Feedback:
    return Feedback(
        session_id=session_id,
        workspace_id="T1",
        author_id=author_id,
        subject_id=5,
        subject_role=SubjectRole.MENTOR,
        rating=rating,
        comment=comment,
        created_at=WHEN,
    )


# --- help ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "/mentor help",
        "/mentor signup [mentor|mentee|both]",
        "/mentor profile",
        "/mentor availability",
        "/mentor availability add mon,wed 09:00-12:00",
        "/mentor availability clear",
        f"/mentor availability off {days_off_example(TODAY)}",
        "/mentor find [words]",
        "/mentor book @user",
        "/mentor sessions",
        "/mentor goals",
        "/mentor notifications",
        "/mentor stats",
        "/mentor digest #channel",
    ],
)
def test_help_explains_every_command_in_blocks_and_in_plain_text(command: str) -> None:
    assert f"`{command}`" in as_text(dump(help_blocks(TODAY)))
    assert command in help_text(TODAY)


def test_the_days_off_example_is_a_working_week_two_to_three_weeks_ahead() -> None:
    for offset in range(7):
        today = TODAY + timedelta(days=offset)
        first, last = (date.fromisoformat(day) for day in days_off_example(today).split())
        assert (first.weekday(), last - first) == (0, timedelta(days=4))
        assert timedelta(days=14) <= first - today < timedelta(days=21)


def test_help_offers_both_ways_to_sign_up() -> None:
    blocks = dump(help_blocks(TODAY))
    assert action_ids(blocks) == [Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE]
    assert [b["text"]["text"] for b in buttons(blocks)] == ["Become a mentor", "Sign up as mentee"]
    assert "`" not in help_text(TODAY)
    assert "coming soon" not in (as_text(blocks) + help_text(TODAY)).lower()


# --- profile summary -------------------------------------------------------------


def test_a_mentors_summary_shows_who_they_are_and_what_they_can_do() -> None:
    blocks = dump(profile_summary(ANA, RATING))
    text = as_text(blocks)
    for expected in (
        "*Ana Lima*",
        "Staff engineer · Platform",
        "*Roles:* Mentor",
        "python, leadership",
        "2 ratings (too few to show an average)",
        "Europe/Paris",
        "<https://meet.example.com/ana|Join>",
    ):
        assert expected in text
    assert "public speaking" not in text  # not a mentee
    assert action_ids(blocks) == [
        Action.EDIT_PROFILE,
        Action.OPEN_AVAILABILITY,
        Action.SIGNUP_MENTEE,
        Action.STEP_DOWN,
        Action.LEAVE_PROGRAMME,
    ]


def test_stepping_down_is_a_danger_button_that_asks_first() -> None:
    blocks = dump(profile_summary(ANA, RATING))
    step_down = next(b for b in buttons(blocks) if b.get("style") == "danger")
    assert step_down["action_id"] == Action.STEP_DOWN
    assert step_down["confirm"]["style"] == "danger"
    assert step_down["confirm"]["confirm"]["text"] == "Step down"
    assert "cancelled" in step_down["confirm"]["text"]["text"]


def test_a_mentees_summary_offers_becoming_a_mentor_and_no_availability() -> None:
    mentee = replace(ANA, is_mentor=False, is_mentee=True)
    blocks = dump(profile_summary(mentee, None))
    text = as_text(blocks)
    assert "*Roles:* Mentee" in text
    assert "public speaking" in text
    assert "★" not in text
    assert "meet.example.com" not in text
    assert action_ids(blocks) == [Action.EDIT_PROFILE, Action.SIGNUP_MENTOR, Action.LEAVE_PROGRAMME]


def test_someone_in_both_roles_sees_both_and_no_sign_up_buttons() -> None:
    both = replace(ANA, is_mentee=True)
    blocks = dump(profile_summary(both, MentorRating(mentor_id=5)))
    assert "*Roles:* Mentor and Mentee" in as_text(blocks)
    assert "No ratings yet" in as_text(blocks)
    assert action_ids(blocks) == [
        Action.EDIT_PROFILE,
        Action.OPEN_AVAILABILITY,
        Action.STEP_DOWN,
        Action.LEAVE_PROGRAMME,
    ]


def test_someone_not_yet_in_the_programme_is_invited_to_join() -> None:
    newcomer = replace(ANA, is_mentor=False, is_mentee=False)
    blocks = dump(profile_summary(newcomer, None))
    assert "haven't joined" in as_text(blocks)
    assert action_ids(blocks) == [Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE]


def test_a_bio_with_a_channel_mention_is_made_harmless() -> None:
    text = as_text(dump(profile_summary(ANA, RATING)))
    assert "Ask me anything &lt;!channel&gt;" in text
    assert "<!channel>" not in text


def test_a_meeting_link_that_could_break_out_of_its_link_is_shown_as_text() -> None:
    tricky = replace(ANA, meeting_link="https://evil.example.com/|<!channel>")
    text = as_text(dump(profile_summary(tricky, RATING)))
    assert "https://evil.example.com/|&lt;!channel&gt;" in text
    assert "<https://evil" not in text


# --- a mentor's profile, as others see it ---------------------------------------------


def test_the_profile_modal_shows_the_mentor_their_record_and_a_book_button() -> None:
    view = profile_modal(
        ANA, RATING, 7, [], {}, "UTC", more_feedback=False, can_book=True
    ).to_dict()
    text = as_text(view)
    assert view["callback_id"] == Modal.PROFILE
    assert len(view["title"]["text"]) <= 24
    assert "submit" not in view
    for expected in (
        "*Ana Lima*",
        "python, leadership",
        "2 ratings (too few to show an average)",
        "7 sessions completed",
    ):
        assert expected in text
    assert "Ask me anything &lt;!channel&gt;" in text
    book = buttons(view["blocks"])
    assert [(b["action_id"], b["value"]) for b in book] == [
        (Action.BOOK, MentorRef(mentor_id=5).encode())
    ]
    assert "No feedback yet." in text


def test_the_profile_modal_has_no_book_button_when_booking_is_not_possible() -> None:
    view = profile_modal(
        ANA, RATING, 1, [], {}, "UTC", more_feedback=False, can_book=False
    ).to_dict()
    assert buttons(view["blocks"]) == []
    assert "1 session completed" in as_text(view)


def test_recent_feedback_shows_stars_the_escaped_comment_the_author_and_the_date() -> None:
    items = [feedback(4, "Great <!here> advice & tips"), feedback(5, "", author_id=99)]
    view = profile_modal(
        ANA, RATING, 2, items, {6: BEN}, "Asia/Kolkata", more_feedback=False, can_book=True
    )
    text = as_text(view.to_dict())
    assert "★★★★☆ “Great &lt;!here&gt; advice &amp; tips” — Ben &lt;@U1&gt;" in text
    assert f"<!date^{int(WHEN.timestamp())}^{{date_short}}|{WHEN:%-d %b %Y}>" in text
    assert "★★★★★ — a mentee" in text  # an author we could not load stays anonymous
    assert "<!here>" not in text


def test_a_long_feedback_history_shows_the_most_recent_with_a_note() -> None:
    items = [feedback(5, f"Thanks {i}", session_id=i) for i in range(1, 6)]
    view = profile_modal(
        ANA, RATING, 30, items, {6: BEN}, "UTC", more_feedback=True, can_book=True
    ).to_dict()
    text = as_text(view)
    assert "Thanks 5”" in text
    assert "Showing the 5 most recent." in text
    shorter = profile_modal(
        ANA, RATING, 30, items, {6: BEN}, "UTC", more_feedback=False, can_book=True
    )
    assert "Showing the" not in as_text(shorter.to_dict())


def test_a_returning_mentor_is_shown_the_availability_they_left_and_asked_to_confirm_it() -> None:
    kept = Schedule(
        weekly=(WeeklySlot(0, time(9), time(12)),),
        extra=(ExtraSlot(MONDAY.date(), time(14), time(15)),),
    )
    text = mentor_welcome_text(kept)
    assert text.startswith("Welcome back!")
    assert "Monday 09:00–12:00" in text
    assert "14:00–15:00" in text
    assert "confirm" in text
    assert "`/mentor availability`" in text
    assert "Welcome back" not in mentor_welcome_text(None)


def test_an_average_is_shown_to_anyone_only_from_three_ratings() -> None:
    # One or two ratings would tell the mentor, a manager or a mentee who gave which.
    from handlers.render.common import stars

    assert stars(None, 0) == "No ratings yet"
    assert stars(5.0, 1) == "1 rating (too few to show an average)"
    assert stars(4.5, 2) == "2 ratings (too few to show an average)"
    assert stars(4.0, 3) == "★★★★☆ 4.0 (3)"
