"""`/mentor match` and the Home's "Suggested for you": mentors best first, each
with its reasons in words and Book / See profile buttons."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from domain.matching import Matches, MatchState, Suggestion
from handlers.ids import Action
from handlers.metadata import MentorRef
from handlers.render.common import actions, button, context, divider, escape, header, section

GOALS_PROMPT = (
    "Tell me what you want to learn and I'll suggest mentors: add a few learning goals"
    " to your profile (“kubernetes”, “public speaking”, “moving into management”)."
)
NOT_A_MENTEE = (
    "Suggestions are for mentees. Sign up as a mentee with `/mentor signup mentee`,"
    " list what you want to learn, and I'll suggest mentors who fit."
)
NOBODY = (
    "Nobody in the programme matches your goals yet. Try `/mentor find` with other words,"
    " or add more goals to your profile."
)


def _card(suggestion: Suggestion) -> list[Block]:
    mentor = suggestion.mentor
    role = " · ".join(escape(part) for part in (mentor.title, mentor.department) if part)
    lines = [f"*{escape(mentor.display_name)}*" + (f" — {role}" if role else "")]
    lines += [f"• {escape(reason)}" for reason in suggestion.reasons]
    ref = MentorRef(mentor_id=mentor.id).encode()
    buttons = [button("See profile", Action.VIEW_PROFILE, ref)]
    if suggestion.next_free_slot is not None:
        buttons.insert(0, button("Book", Action.BOOK, ref, style="primary"))
    return [section("\n".join(lines)), actions(*buttons)]


def _yours(matches: Matches) -> list[Block]:
    if not matches.your_mentors:
        return []
    names = ", ".join(escape(p.display_name) for p in matches.your_mentors)
    return [context(f"Your mentors (a session booked): {names}")]


def suggestion_blocks(matches: Matches) -> list[Block]:
    """The suggestions, or what to do to get some."""
    if matches.state is MatchState.NOT_A_MENTEE:
        return [
            section(NOT_A_MENTEE),
            actions(button("Sign up as mentee", Action.SIGNUP_MENTEE, style="primary")),
        ]
    if matches.state is MatchState.NO_GOALS:
        return [
            section(GOALS_PROMPT),
            actions(button("Add learning goals", Action.EDIT_PROFILE, style="primary")),
            *_yours(matches),
        ]
    if not matches.suggestions:
        return [section(NOBODY), *_yours(matches)]
    blocks: list[Block] = []
    for suggestion in matches.suggestions:
        blocks += [divider(), *_card(suggestion)] if blocks else _card(suggestion)
    return [*blocks, *_yours(matches)]


def match_message(matches: Matches) -> tuple[str, list[Block]]:
    """`/mentor match`: text for notifications and screen readers, and the blocks."""
    count = len(matches.suggestions)
    if matches.state is not MatchState.READY:
        text = NOT_A_MENTEE if matches.state is MatchState.NOT_A_MENTEE else GOALS_PROMPT
    elif count:
        names = ", ".join(s.mentor.display_name for s in matches.suggestions)
        text = f"{count} mentor{'' if count == 1 else 's'} suggested for you: {names}"
    else:
        text = NOBODY
    title = [header("Suggested for you")] if count else []
    return text.replace("`", ""), [*title, *suggestion_blocks(matches)]
