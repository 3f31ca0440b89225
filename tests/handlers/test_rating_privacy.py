"""Privacy through the bot: written feedback is read by the session's two
people only, never by a manager; and the threshold: a mentor's average rating reaches a
manager (and the digest's channel) only when it rests on at least 3 ratings,
whichever figure would carry it. With one mentor rated once, the programme's
average and the mentee's department's average are that one rating."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from bot import jobs
from bot.standin.payloads import text_input
from domain.feedback import give_feedback
from domain.sessions import accept, complete, request_session
from handlers.ids import Action, Field
from handlers.metadata import MentorRef
from tests.handlers.booked import user_id
from tests.handlers.conftest import NOW, Harness
from tests.handlers.people import mentor_and_mentee

TUESDAY = NOW + timedelta(days=1, hours=2)  # in Maya's hours, London on GMT or BST
A_WEEK_LATER = NOW + timedelta(days=7, hours=1, minutes=1)  # Monday 09:01 UTC
# However a figure shows the one rating of 2: as stars or as a number.
SHOWN = ("★★☆☆☆", "2.0 (1)", "rating 2.0", "2.00")
COMMENT = "Late twice, and cut me short"  # Ben's written feedback on Maya


def _rated_once(h: Harness, engine: Engine) -> None:
    """Maya mentored Ben (Sales) once last week and he rated her 2; Olga, the
    programme manager, is in the programme (her Home has the dashboard)."""
    mentor_and_mentee(h)
    h.command("UOLGA", "signup mentee")
    h.submit(
        "UOLGA",
        h.opened_view(),
        {Field.DEPARTMENT: text_input("People"), Field.LEARNING_GOALS: text_input("coaching")},
    )
    deps, clock = h.bot.deps, h.clock
    maya = user_id(engine, "UMAYA")
    session = request_session(deps.uow("T1", "UBEN"), clock, mentor_id=maya, starts_at=TUESDAY)
    accept(deps.uow("T1", "UMAYA"), clock, session_id=session.id)
    h.clock.set(TUESDAY + timedelta(minutes=1))
    jobs.lifecycle(h.bot)
    h.clock.set(TUESDAY + timedelta(hours=1))
    complete(deps.uow("T1", "UMAYA"), clock, session_id=session.id, notes="", actual_minutes=30)
    give_feedback(deps.uow("T1", "UBEN"), clock, session_id=session.id, rating=2, comment=COMMENT)
    h.settle()
    h.clock.set(A_WEEK_LATER)
    h.slack.clear()


def _leaks(said: str) -> list[str]:
    return [shown for shown in SHOWN if shown in said]


def test_no_average_resting_on_one_rating_reaches_the_managers_dashboard(
    h: Harness, owner_engine: Engine
) -> None:
    _rated_once(h, owner_engine)

    h.open_home("UOLGA")
    home = h.next_call("views.publish", user_id="UOLGA")
    h.command("UOLGA", "stats")
    stats = h.next_call("response_url")

    for said in (str(home.view()["blocks"]), str(stats.params)):
        assert "Average rating" in said
        assert "Sales" in said  # Ben's department, with its one rated session
        assert _leaks(said) == []
        assert "too few to show an average" in said
        assert COMMENT not in said


def test_no_average_resting_on_one_rating_reaches_the_digest_channel(
    h: Harness, owner_engine: Engine
) -> None:
    _rated_once(h, owner_engine)
    settings = h.bot.settings.model_copy(update={"mentorship_digest_channel": "C0DIGEST"})

    assert jobs.digest(replace(h.bot, settings=settings)) == 1

    (post,) = h.calls("chat.postMessage", channel="C0DIGEST")
    said = f"{post.params.get('text')}\n{post.blocks()}"
    assert "Maya" in said  # the week's top mentor, one completed session
    assert _leaks(said) == []
    assert "too few to show an average" in said
    assert COMMENT not in said


def test_a_manager_opening_a_mentors_profile_reads_no_one_elses_written_feedback(
    h: Harness, owner_engine: Engine
) -> None:
    """The database shows a manager no one else's feedback (migration 0026),
    and the mentor's card asks for a reader's own sessions' feedback only,
    whoever they are."""
    _rated_once(h, owner_engine)
    maya = MentorRef(mentor_id=user_id(owner_engine, "UMAYA")).encode()

    seen = {}
    for reader in ("UBEN", "UOLGA"):
        opened = len(h.calls("views.update"))
        h.click(reader, Action.VIEW_PROFILE, maya)
        seen[reader] = str(h.opened_view(after=opened)["blocks"])

    assert "Maya" in seen["UOLGA"]
    assert COMMENT not in seen["UOLGA"]
    assert "No feedback yet." in seen["UOLGA"]
    assert COMMENT in seen["UBEN"]  # his own, as before
