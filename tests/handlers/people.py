"""People the handler tests sign up through the bot, as a person would."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from handlers.ids import Field
from tests.handlers.conftest import Harness


def mentor_and_mentee(h: Harness, *, meeting_link: str | None = None) -> None:
    """Maya signs up as a mentor with weekday mornings free (and her own
    `meeting_link`, if given); Ben as a mentee."""
    h.command("UMAYA", "signup mentor")
    form = {
        Field.DEPARTMENT: text_input("Engineering"),
        Field.EXPERTISE: text_input("python"),
        Field.TIME_ZONE: select("Europe/London"),
        Field.SESSION_MINUTES: select("30"),
    }
    if meeting_link is not None:
        form[Field.MEETING_LINK] = {"type": "url_text_input", "value": meeting_link}
    h.submit("UMAYA", h.opened_view(), form)
    h.command("UMAYA", "availability add mon-fri 09:00-12:00")
    h.next_call("response_url")
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(after=1),
        {Field.DEPARTMENT: text_input("Sales"), Field.LEARNING_GOALS: text_input("python")},
    )
    h.slack.clear()


# Keys zoneinfo loads that are no place's clock, with what a person is told.
NOT_PLACES = ("localtime", "Factory", "posixrules", "posix/Europe/Paris", "right/Europe/Paris")


def not_a_place(key: str) -> str:
    return f"'{key}' is not the time zone of a place: pick one such as Europe/Paris."


def profile_row(engine: Engine, slack_id: str, workspace: str = "T1") -> tuple[str, str, str, bool]:
    """What the database holds of a person: name, zone, title, and whether active."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT display_name, time_zone, title, is_active FROM users"
                " WHERE workspace_id = :w AND slack_user_id = :u"
            ),
            {"w": workspace, "u": slack_id},
        ).one()
    return (row.display_name, row.time_zone, row.title, row.is_active)
