"""The demo's story, played through the real app: four people sign up, Maya
offers her mornings, Ben finds and books her, she accepts from the DM (both
get the session as a calendar file, with a meeting room made from the
operator's template: Maya has no link of her own), a reminder arrives, the
session is completed with notes, both leave feedback, Maya reads her
notifications and her App Home, Olga reads the dashboard and exports its
per-mentor table, and a week later the weekly digest is posted.

Every button pressed is one the person was shown, with the value the bot put
on it; every form is the one the bot opened, filled in as a person would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.demo.cast import BEN, CARA, DIGEST_CHANNEL, MAYA, OLGA, START, Person
from bot.demo.play import Stage, channel_post, dm, file, home, modal, press, reply
from bot.standin.forms import fill, form_fields
from bot.standin.seen import Sight
from handlers.ids import Action, Field, Modal

WEEKLY_HOURS = "mon-fri 09:00-12:00"


def _sign_up(
    stage: Stage, person: Person, kind: str, summary: str, answers: dict[str, str], welcome: str
) -> None:
    ws = stage.workspace
    callback = Modal.SIGNUP_MENTOR if kind == "mentor" else Modal.SIGNUP_MENTEE
    form = stage.act(
        person,
        f"types `/mentor signup {kind}`",
        lambda: ws.command(person.user_id, f"signup {kind}"),
        modal(person, callback),
    )[0]
    stage.act(
        person,
        f"fills in the form ({summary}) and submits it",
        lambda: ws.submit(person.user_id, form.view(), fill(form.view(), answers)),
        dm(person, welcome),
    )


def sign_ups(stage: Stage) -> None:
    """Everyone joins, and Maya offers her weekday mornings."""
    mentor, mentee = "You're a mentor now", "Welcome aboard"
    _sign_up(
        stage,
        MAYA,
        "mentor",
        "Engineering; Python, Leadership; 30-minute sessions",
        {
            Field.DEPARTMENT: "Engineering",
            Field.EXPERTISE: "Python, Leadership",
            Field.SESSION_MINUTES: "30",
        },
        mentor,
    )
    _sign_up(
        stage,
        BEN,
        "mentee",
        "Sales; wants to learn Python",
        {Field.DEPARTMENT: "Sales", Field.LEARNING_GOALS: "Python for data work"},
        mentee,
    )
    _sign_up(
        stage,
        CARA,
        "mentee",
        "Design; wants to learn leadership",
        {Field.DEPARTMENT: "Design", Field.LEARNING_GOALS: "Leading a team"},
        mentee,
    )
    _sign_up(
        stage,
        OLGA,
        "mentor",
        "People; Hiring, Management",
        {Field.DEPARTMENT: "People", Field.EXPERTISE: "Hiring, Management"},
        mentor,
    )
    stage.act(
        MAYA,
        f"types `/mentor availability add {WEEKLY_HOURS}`",
        lambda: stage.workspace.command(MAYA.user_id, f"availability add {WEEKLY_HOURS}"),
        reply(MAYA, "Added"),
    )


def _book(stage: Stage) -> tuple[Sight, datetime]:
    """Ben finds Maya and asks for her first free time; returns Maya's request
    DM and the session's start."""
    ws = stage.workspace
    found = stage.act(
        BEN,
        "looks for a mentor: `/mentor find python`",
        lambda: ws.command(BEN.user_id, "find python"),
        reply(BEN, MAYA.name, button=Action.BOOK),
    )[0]
    booking = stage.act(
        BEN,
        f"presses [Book] on {MAYA.name}'s card",
        press(ws, BEN, found, Action.BOOK),
        modal(BEN, Modal.BOOK),
    )[0]
    slots = next(f for f in form_fields(booking.view()) if f.block_id == Field.SLOT)
    first = slots.choices[0]
    answers: dict[str, str] = {
        Field.SLOT: str(first.option["value"]),
        Field.TOPIC: "Growing as an engineer",
    }
    request = stage.act(
        BEN,
        f"picks the first free time ({first.label}), the topic"
        " “Growing as an engineer”, and submits",
        lambda: ws.submit(BEN.user_id, booking.view(), fill(booking.view(), answers)),
        dm(MAYA, BEN.name, button=Action.ACCEPT),
        dm(BEN, "Request sent"),
    )[0]
    return request, datetime.fromtimestamp(int(first.option["value"]), tz=UTC)


def _feedback(stage: Stage, person: Person, prompt: Sight, stars: str, words: str) -> None:
    ws = stage.workspace
    form = stage.act(
        person,
        "presses [Leave feedback]",
        press(ws, person, prompt, Action.LEAVE_FEEDBACK),
        modal(person, Modal.FEEDBACK),
    )[0]
    answers: dict[str, str] = {Field.RATING: stars, Field.COMMENT: words}
    stage.act(
        person,
        f"gives {stars} stars, “{words}”, and submits",
        lambda: ws.submit(person.user_id, form.view(), fill(form.view(), answers)),
        dm(person, "Thank you for your feedback"),
    )


def _session(stage: Stage, request: Sight, starts_at: datetime) -> tuple[Sight, Sight]:
    """Maya accepts, both are reminded, the session happens and Maya completes
    it; returns the DMs asking Ben and Maya for feedback."""
    ws = stage.workspace
    stage.act(
        MAYA,
        "presses [Accept] in the request",
        press(ws, MAYA, request, Action.ACCEPT),
        reply(MAYA, "accepted"),
        dm(BEN, "accepted", button=Action.JOIN),
        file(MAYA, "mentoring-"),
        file(BEN, "mentoring-"),
    )
    stage.later(
        starts_at - timedelta(minutes=15),
        "reminders",
        "fifteen minutes to go; the reminders job runs",
        dm(MAYA, BEN.name),
        dm(BEN, MAYA.name),
    )
    stage.later(
        starts_at,
        "lifecycle",
        "the session's time; the lifecycle job starts it, and Ben types `/mentor sessions`",
        reply(BEN, "In progress"),
        then=(BEN, lambda: ws.command(BEN.user_id, "sessions")),
    )
    prompt = stage.later(
        starts_at + timedelta(minutes=31),
        "lifecycle",
        "the session is over; the lifecycle job runs",
        dm(MAYA, button=Action.COMPLETE),
    )[0]
    form = stage.act(
        MAYA,
        "presses [Complete]",
        press(ws, MAYA, prompt, Action.COMPLETE),
        modal(MAYA, Modal.COMPLETE),
    )[0]
    notes: dict[str, str] = {
        Field.NOTES: "Set three goals for Q1; read Fluent Python ch. 1-3",
        Field.ACTUAL_MINUTES: "30",
    }
    ben, maya = stage.act(
        MAYA,
        "writes her notes, 30 minutes, and submits",
        lambda: ws.submit(MAYA.user_id, form.view(), fill(form.view(), notes)),
        dm(BEN, button=Action.LEAVE_FEEDBACK),
        dm(MAYA, button=Action.LEAVE_FEEDBACK),
    )
    return ben, maya


def _afterwards(stage: Stage) -> None:
    """Maya reads her notifications and her App Home, Olga the dashboard and its
    export; a week later, the digest."""
    ws = stage.workspace
    notices = stage.act(
        MAYA,
        "types `/mentor notifications`",
        lambda: ws.command(MAYA.user_id, "notifications"),
        reply(MAYA, "unread", button=Action.MARK_ALL_READ),
    )[0]
    stage.act(
        MAYA,
        "presses [Mark all read]",
        press(ws, MAYA, notices, Action.MARK_ALL_READ),
        reply(MAYA, "0 unread"),
    )
    stage.act(
        MAYA,
        "opens her App Home",
        lambda: ws.open_home(MAYA.user_id),
        home(MAYA, "Past sessions"),
    )
    dashboard = stage.act(
        OLGA,
        "opens her App Home",
        lambda: ws.open_home(OLGA.user_id),
        home(OLGA, "Programme dashboard"),
    )[0]
    stage.act(
        OLGA,
        "presses [Export per-mentor CSV] on the dashboard",
        press(ws, OLGA, dashboard, Action.STATS_EXPORT),
        file(OLGA, "mentors-"),
    )
    stage.later(
        START.replace(hour=9, minute=5) + timedelta(days=7),
        "digest",
        "a week later; the digest job runs",
        channel_post(DIGEST_CHANNEL, "the week in review"),
    )


def the_rest(stage: Stage) -> None:
    """From the search to the weekly digest."""
    request, starts_at = _book(stage)
    ben, maya = _session(stage, request, starts_at)
    _feedback(stage, BEN, ben, "5", "Very helpful, clear next steps")
    _feedback(stage, MAYA, maya, "4", "Well prepared")
    _afterwards(stage)


def play(stage: Stage) -> None:
    sign_ups(stage)
    the_rest(stage)
