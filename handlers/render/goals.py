"""Goals as people see them: the owner's list with its progress and buttons
(`/mentor goals`, and the top of it on the App Home), the Add and Update
modals, and the read-only view a mentor gets of a mentee's goals (in the
request's DM and from a session). Pieces the booking and feedback modals use
live here too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from domain import limits
from domain.goals import GoalBoard, GoalSaved, Progress, SessionGoals, progress
from domain.model import OPEN_GOAL_STATUSES, Goal, GoalStatus, Session
from handlers.ids import Action, Field, Modal
from handlers.metadata import GoalRef
from handlers.render.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_OPTION_TEXT,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    input_block,
    progress_bar,
    section,
    slack_time,
    truncate,
    zone,
)

G = GoalStatus
STATUS_LABELS: Mapping[GoalStatus, str] = {
    G.NOT_STARTED: "Not started",
    G.IN_PROGRESS: "In progress",
    G.ACHIEVED: "Achieved",
    G.DROPPED: "Dropped",
}
_MARKS: Mapping[GoalStatus, str] = {
    G.NOT_STARTED: "⚪",
    G.IN_PROGRESS: "🔵",
    G.ACHIEVED: "✅",
    G.DROPPED: "✖️",
}
HOME_SHOWN = 5  # goals on the App Home and in a request's DM
NOTES_SHOWN = 300
# Header, progress, a note, the buttons and a closing note around the goals.
_LIST_ROOM = MAX_MESSAGE_BLOCKS - 6


def status_label(status: GoalStatus) -> str:
    return f"{_MARKS[status]} {STATUS_LABELS[status]}"


def status_options() -> list[Option]:
    return [Option(value=status.value, text=status_label(status)) for status in GoalStatus]


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b} {day.year}"


def _today(now: datetime, viewer_zone: str) -> date:
    return now.astimezone(zone(viewer_zone)).date()


def progress_line(done: Progress) -> str:
    """'▓▓▓░░░░░░░ 33% · 1 of 3 achieved', or why there is no figure."""
    if done.fraction is None:
        return "No goals to count yet (dropped goals don't count)."
    return f"{progress_bar(done.fraction)} · {done.achieved} of {done.counted} achieved"


def _facts(goal: Goal, today: date | None) -> str:
    """Status and target date; `today` (the viewer's) marks an open goal late."""
    facts = [status_label(goal.status)]
    if goal.target_date is not None:
        facts.append(f"by {_day(goal.target_date)}")
        if goal.status in OPEN_GOAL_STATUSES and today is not None and goal.target_date < today:
            facts.append("overdue")
    return " · ".join(facts)


def _goal_text(goal: Goal, today: date | None) -> str:
    text = f"*{escape(goal.title)}*\n{_facts(goal, today)}"
    if goal.notes.strip():
        text += f"\n_{escape(truncate(' '.join(goal.notes.split()), NOTES_SHOWN))}_"
    return text


def _goal_section(goal: Goal, today: date) -> Block:
    """One goal with its Update button."""
    update = button("Update", Action.UPDATE_GOAL, GoalRef(goal_id=goal.id).encode())
    return section(_goal_text(goal, today), accessory=update)


def _add_goal_button() -> Block:
    return actions(button("Add goal", Action.ADD_GOAL, style="primary"))


def _heading(done: Progress) -> list[Block]:
    return [header("Your goals"), section(f"*Progress* {progress_line(done)}")]


def _more(hidden: int, where: str) -> list[Block]:
    """Callers pass all less those shown, below zero when all were shown."""
    return [context(f"…and {hidden} more {where}")] if hidden > 0 else []


# --- the owner's goals ------------------------------------------------------------


def goals_message(board: GoalBoard, now: datetime) -> tuple[str, list[Block]]:
    """`/mentor goals`: progress, each goal with its Update button, Add goal."""
    today = _today(now, board.owner.time_zone)
    done = board.progress
    blocks = _heading(done)
    if board.seeded:
        blocks.append(context("Your learning goals are now goals you can track. Update them!"))
    if not board.goals:
        blocks.append(
            section("You have no goals yet. What would you like to learn or get better at?")
        )
    shown = board.goals[:_LIST_ROOM]
    blocks += [_goal_section(goal, today) for goal in shown]
    blocks += _more(len(board.goals) - len(shown), "achieved or dropped goals.")
    blocks += [
        _add_goal_button(),
        context(
            "Dropped goals don't count towards your progress. Your mentor sees your goals"
            " while a session with them is booked."
        ),
    ]
    return f"Your goals: {_progress_words(done)}.", blocks


def _progress_words(done: Progress) -> str:
    return f"{done.achieved} of {done.counted} achieved" if done.counted else "none counted yet"


def home_goals(goals: Sequence[Goal], now: datetime, viewer_zone: str) -> list[Block]:
    """The App Home's part of `/mentor goals`: the first few goals."""
    today = _today(now, viewer_zone)
    blocks = [divider(), *_heading(progress(goals))]
    if not goals:
        blocks.append(
            section("No goals yet. `/mentor goals` turns your learning goals into goals to track.")
        )
    blocks += [_goal_section(goal, today) for goal in goals[:HOME_SHOWN]]
    blocks += _more(len(goals) - HOME_SHOWN, "— `/mentor goals`")
    blocks.append(_add_goal_button())
    return blocks


def goal_saved_text(saved: GoalSaved) -> str:
    """The confirmation after adding or updating a goal."""
    goal = saved.goal
    return (
        f"Saved: “{escape(goal.title)}” — {_facts(goal, None)}.\n"
        f"Your progress: {progress_line(saved.board.progress)}"
    )


def goal_moved_text(goal: Goal | None) -> str:
    """What the thanks for feedback adds when it moved the session's goal."""
    if goal is None:
        return ""
    return f" “{escape(goal.title)}” is now {status_label(goal.status)}."


# --- modals -------------------------------------------------------------------------


def _notes_input(initial: str) -> InputBlock:
    element = PlainTextInputElement(
        initial_value=initial or None,
        multiline=True,
        max_length=limits.GOAL_NOTES,
        placeholder="Why it matters, first steps, links…",
    )
    return input_block(Field.GOAL_NOTES, "Notes", element, optional=True)


def _target_input(initial: date | None) -> InputBlock:
    element = DatePickerElement(
        placeholder="Pick a day",
        initial_date=initial.isoformat() if initial is not None else None,
    )
    return input_block(Field.TARGET_DATE, "Target date", element, optional=True)


def add_goal_modal() -> View:
    title = PlainTextInputElement(
        max_length=limits.GOAL_TITLE, placeholder="e.g. Run a design review on my own"
    )
    return View(
        type="modal",
        callback_id=Modal.ADD_GOAL,
        title="Add a goal",
        submit="Add",
        close="Cancel",
        blocks=[
            input_block(Field.GOAL_TITLE, "What do you want to learn or reach?", title),
            _target_input(None),
            _notes_input(""),
        ],
    )


def update_goal_modal(goal: Goal) -> View:
    status = StaticSelectElement(
        options=status_options(),
        initial_option=Option(value=goal.status.value, text=status_label(goal.status)),
    )
    return View(
        type="modal",
        callback_id=Modal.UPDATE_GOAL,
        title="Update goal",
        submit="Save",
        close="Cancel",
        private_metadata=GoalRef(goal_id=goal.id).encode(),
        blocks=[
            section(f"*{escape(goal.title)}*"),
            input_block(Field.GOAL_STATUS, "Status", status),
            _target_input(goal.target_date),
            _notes_input(goal.notes),
        ],
    )


# --- what a mentor sees -----------------------------------------------------------------


def _read_only_lines(goals: Sequence[Goal], today: date | None, about: int | None) -> list[str]:
    lines = []
    for goal in goals:
        line = f"• *{escape(truncate(goal.title, 150))}* — {_facts(goal, today)}"
        if goal.id == about:
            line += " · _this session's goal_"
        lines.append(line)
    return lines


def mentee_goals(goals: Sequence[Goal], session: Session | None) -> list[Block]:
    """A request's mentee's goals, read only, for the mentor deciding on it (the
    one the session is about marked); nothing when they have none."""
    if not goals:
        return []
    about = session.goal_id if session is not None else None
    lines = _read_only_lines(goals[:HOME_SHOWN], None, about)
    blocks: list[Block] = [
        section("\n".join([f"*Their goals* {progress_line(progress(goals))}", *lines]))
    ]
    return blocks + _more(len(goals) - HOME_SHOWN, "goals.")


def session_goals_modal(seen: SessionGoals, now: datetime) -> View:
    """A session's mentee's goals, read only (from the session's card)."""
    owner, session, viewer_zone = seen.board.owner, seen.session, seen.viewer.time_zone
    blocks: list[Block] = [
        section(
            f"*{escape(owner.display_name)}*'s goals, for your session on"
            f" {slack_time(session.starts_at, viewer_zone)}."
        ),
        section(f"*Progress* {progress_line(seen.board.progress)}"),
    ]
    if seen.board.goals:
        today = _today(now, viewer_zone)
        shown = seen.board.goals[:_LIST_ROOM]
        blocks += [section(line) for line in _read_only_lines(shown, today, session.goal_id)]
        blocks += _more(len(seen.board.goals) - len(shown), "achieved or dropped goals.")
    else:
        blocks.append(section("No goals yet."))
    return View(
        type="modal",
        callback_id=Modal.SESSION_GOALS,
        title="Mentee's goals",
        close="Close",
        blocks=blocks,
    )


# --- in the booking and feedback modals --------------------------------------------------


def goal_picker(goals: Sequence[Goal], mentor_name: str) -> list[Block]:
    """Which of the mentee's open goals a session is about (optional)."""
    if not goals:
        return []
    element = StaticSelectElement(
        placeholder="Pick a goal",
        options=[
            Option(value=str(goal.id), text=truncate(goal.title, MAX_OPTION_TEXT)) for goal in goals
        ],
    )
    hint = truncate(f"{mentor_name} sees your goals with the request.", 150)
    return [input_block(Field.GOAL, "Which goal is it about?", element, optional=True, hint=hint)]


def goal_move(goal: Goal | None) -> list[Block]:
    """In the mentee's feedback: where the session's goal stands now."""
    if goal is None:
        return []
    element = StaticSelectElement(
        options=status_options(),
        initial_option=Option(value=goal.status.value, text=status_label(goal.status)),
    )
    label = truncate(f"This session was about “{goal.title}”. Where does it stand now?", 2000)
    return [input_block(Field.GOAL_STATUS, label, element, optional=True)]
