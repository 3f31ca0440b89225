"""What `/mentor help` shows: every sub-command, and a way to join."""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import Block

from handlers.ids import Action
from handlers.render.common import actions, button, context, header, section

# (command, what it does); the blocks and the plain fallback are built from this.
# `{days_off}` is an example week off, built from today so it never lies in the past.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("/mentor help", "show this guide"),
    ("/mentor signup [mentor|mentee|both]", "join the programme"),
    ("/mentor profile", "see and edit your profile"),
    ("/mentor availability", "set when people can book you (mentors)"),
    ("/mentor availability add mon,wed 09:00-12:00", "add weekly hours"),
    ("/mentor availability clear", "remove all your weekly hours"),
    ("/mentor availability off {days_off}", "take days off"),
    ("/mentor find [words]", "find a mentor by name, team or skill; no words lists everyone"),
    ("/mentor match", "mentors suggested for you from your learning goals, with reasons"),
    ("/mentor book @user", "book a session with a mentor"),
    ("/mentor sessions", "your upcoming and past sessions"),
    ("/mentor goals", "what you want to learn, and how far you got (mentees)"),
    ("/mentor notifications", "what's new for you"),
    ("/mentor calendar", "your sessions in Google Calendar, Outlook or Apple Calendar"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/mentor stats", "how the programme is doing (programme managers)"),
    (
        "/mentor match group",
        "pair many mentees with mentors at once, preview, send introductions (programme managers)",
    ),
    ("/mentor digest #channel", "where this workspace's weekly digest goes (programme managers)"),
    (
        "/mentor settings",
        "who manages the programme, the digest's channel and time, the booking rules"
        " (programme managers)",
    ),
)

_INTRO = "Find someone to learn from, or share what you know. It all starts with `/mentor`:"


def _plain_lines(commands: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"• {command} — {what}" for command, what in commands)


def days_off_example(today: date) -> str:
    """Monday to Friday of the week that starts two to three weeks from `today`."""
    monday = today + timedelta(days=14 + (7 - today.weekday()) % 7)
    return f"{monday.isoformat()} {(monday + timedelta(days=4)).isoformat()}"


def _commands(today: date) -> tuple[tuple[str, str], ...]:
    example = days_off_example(today)
    return tuple((command.format(days_off=example), what) for command, what in COMMANDS)


def help_text(today: date) -> str:
    return (
        "Mentorship, right here in Slack.\n"
        f"{_INTRO.replace('`', '')}\n"
        f"{_plain_lines(_commands(today))}\n"
        f"{_plain_lines(ADMIN_COMMANDS)}"
    )


def _command_lines(commands: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"• `{command}` — {what}" for command, what in commands)


def help_blocks(today: date) -> list[Block]:
    return [
        header("Mentorship, right here in Slack"),
        section(_INTRO),
        section(_command_lines(_commands(today))),
        context(_command_lines(ADMIN_COMMANDS)),
        actions(
            button("Become a mentor", Action.SIGNUP_MENTOR, style="primary"),
            button("Sign up as mentee", Action.SIGNUP_MENTEE),
        ),
    ]
