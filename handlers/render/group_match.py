"""Programme matching: the managers' modal, the preview (pairs with score and
reasons, each with Drop; Send introductions), who stayed unmatched and why,
and the introduction each pair reads in their group DM."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.blocks.block_elements import (
    NumberInputElement,
    PlainTextInputElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from domain import limits
from domain.group_matching import MAX_MENTEES, MAX_MENTORS, MAX_PER_MENTOR, Unmatched
from domain.introductions import Introduction, MenteePick, Preview, Proposal, Sent
from domain.model import Profile
from handlers.ids import Action, Field, Modal
from handlers.metadata import IntroductionRef, MentorRef, PreviewRef
from handlers.render.common import (
    actions,
    button,
    context,
    escape,
    header,
    input_block,
    section,
    slack_time,
)

# Pairs shown one by one (each with Drop); the rest are counted. A message
# holds 50 blocks.
SHOWN_PAIRS = 20
SHOWN_UNMATCHED = 30
SHOWN_OUTCOMES = 10  # sent, failed or not retried pairs named after a sending
DEFAULT_PER_MENTOR = 2

_PICKS = {
    MenteePick.WITHOUT_MENTOR: "Every mentee without a mentor",
    MenteePick.DEPARTMENT: "Mentees without a mentor in one department",
    MenteePick.PICKED: "The people I pick below",
}


def group_modal() -> View:
    pick = StaticSelectElement(
        options=[Option(value=k.value, text=v) for k, v in _PICKS.items()],
        initial_option=Option(
            value=MenteePick.WITHOUT_MENTOR.value, text=_PICKS[MenteePick.WITHOUT_MENTOR]
        ),
    )
    blocks: list[Block] = [
        input_block(Field.GROUP_PICK, "Mentees", pick),
        input_block(
            Field.GROUP_DEPARTMENT,
            "Department",
            PlainTextInputElement(max_length=limits.DEPARTMENT, placeholder="e.g. Sales"),
            optional=True,
            hint="For “in one department”.",
        ),
        input_block(
            Field.GROUP_MENTEES,
            "Pick mentees",
            UserMultiSelectElement(placeholder="People to match"),
            optional=True,
            hint=f"For “the people I pick”; at most {MAX_MENTEES:,}.",
        ),
        input_block(
            Field.GROUP_MENTORS,
            "Mentors",
            UserMultiSelectElement(placeholder="Every mentor with free time"),
            optional=True,
            hint="Leave empty for every mentor who offers weekly free time"
            f" (at most {MAX_MENTORS:,}).",
        ),
        input_block(
            Field.GROUP_PER_MENTOR,
            "Most new mentees per mentor",
            NumberInputElement(
                is_decimal_allowed=False,
                min_value="1",
                max_value=str(MAX_PER_MENTOR),
                initial_value=str(DEFAULT_PER_MENTOR),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=Modal.GROUP_MATCH,
        title="Match a group",
        submit="Preview",
        close="Cancel",
        blocks=blocks,
    )


def _pair(proposal: Proposal) -> Block:
    lines = [
        f"*{escape(proposal.mentee.display_name)}* → *{escape(proposal.mentor.display_name)}*"
        f" · score {proposal.score:.2f}"
    ]
    lines += [f"• {escape(reason)}" for reason in proposal.reasons[:4]]
    ref = IntroductionRef(preview_id=proposal.preview_id, introduction_id=proposal.id).encode()
    return section("\n".join(lines), accessory=button("Drop", Action.DROP_INTRODUCTION, ref))


def preview_message(preview: Preview) -> tuple[str, list[Block]]:
    """The pairs still proposed, best first; Send introductions for all of them."""
    pairs = preview.proposed
    total = sum(p.score for p in pairs)
    dropped = len(preview.proposals) - len(pairs)
    summary = f"{len(pairs)} pair{'' if len(pairs) == 1 else 's'}, total score {total:.2f}"
    if dropped:
        summary += f" ({dropped} dropped)"
    text = f"Programme matching preview: {summary}"
    blocks: list[Block] = [header("Programme matching — preview"), context(summary)]
    blocks += [_pair(p) for p in pairs[:SHOWN_PAIRS]]
    if len(pairs) > SHOWN_PAIRS:
        blocks.append(context(f"…and {len(pairs) - SHOWN_PAIRS} more pairs, sent with these."))
    if pairs:
        ref = PreviewRef(preview_id=preview.preview_id).encode()
        blocks.append(
            actions(
                button(
                    f"Send {len(pairs)} introduction{'' if len(pairs) == 1 else 's'}",
                    Action.SEND_INTRODUCTIONS,
                    ref,
                    style="primary",
                )
            )
        )
    else:
        blocks.append(section("No pair left to introduce."))
    return text, blocks


def unmatched_message(
    unmatched: Sequence[tuple[Profile, Unmatched]], no_capacity: Sequence[Profile]
) -> tuple[str, list[Block]] | None:
    """Who stayed unmatched and why, and the mentors left out for lack of free time."""
    if not unmatched and not no_capacity:
        return None
    lines = [f"• {escape(p.display_name)} — {why.value}" for p, why in unmatched[:SHOWN_UNMATCHED]]
    if len(unmatched) > SHOWN_UNMATCHED:
        lines.append(f"…and {len(unmatched) - SHOWN_UNMATCHED} more")
    blocks: list[Block] = []
    if lines:
        blocks.append(section(f"*Stayed unmatched ({len(unmatched)})*\n" + "\n".join(lines)))
    if no_capacity:
        names = ", ".join(escape(m.display_name) for m in no_capacity[:SHOWN_UNMATCHED])
        blocks.append(context(f"Mentors left out, no weekly free time (no capacity): {names}"))
    return f"{len(unmatched)} mentees stayed unmatched", blocks


def _names(p: Proposal) -> str:
    return f"*{escape(p.mentee.display_name)}* → *{escape(p.mentor.display_name)}*"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sent_summary(sent: Sent) -> str:
    sending = sent.sending
    if sending.introductions:
        said = (
            f"Sent {_plural(len(sent.went), 'introduction')}, each in a group DM with both people."
        )
        if len(sent.went) < len(sending.introductions):
            said += f" {len(sending.introductions) - len(sent.went)} could not be sent."
        return said
    if sending.not_retried:
        return "Nothing was sent: the failed pairs' people changed meanwhile."
    if sending.under_way:
        return f"{_plural(sending.under_way, 'introduction')} being sent by another click."
    if sending.retry:
        return "No failed introduction left to retry: nothing was sent twice."
    if not sending.already_sent and not sending.failed:
        return "Every pair of this preview was dropped: nothing was sent."
    return (
        f"These introductions were already sent ({sending.already_sent}); nothing was sent twice."
    )


def sent_message(sent: Sent) -> tuple[str, list[Block]]:
    """What the manager reads after Send or Retry failed: the pairs that went,
    those that did not and why (with Retry failed), and those a retry left out."""
    sending = sent.sending
    text = _sent_summary(sent)
    if sent.failed:
        text += f" Not sent: {_plural(len(sent.failed), 'pair')}."
    blocks: list[Block] = [section(text)]
    if sent.went:
        lines = [f"• {_names(p)}" for p in sent.went[:SHOWN_OUTCOMES]]
        if len(sent.went) > SHOWN_OUTCOMES:
            lines.append(f"…and {len(sent.went) - SHOWN_OUTCOMES} more")
        blocks.append(section("*Sent*\n" + "\n".join(lines)))
    if sent.failed:
        blocks.append(section(f"*Not sent ({len(sent.failed)})*"))
        blocks += [section(f"• {_names(p)} — {p.failure}") for p in sent.failed[:SHOWN_OUTCOMES]]
        if len(sent.failed) > SHOWN_OUTCOMES:
            blocks.append(context(f"…and {len(sent.failed) - SHOWN_OUTCOMES} more"))
    if sending.not_retried:
        lines = [f"• {_names(p)} — {escape(why)}" for p, why in sending.not_retried]
        blocks.append(section("*Not retried, dropped*\n" + "\n".join(lines[:SHOWN_OUTCOMES])))
    if sent.failed:
        ref = PreviewRef(preview_id=sent.failed[0].preview_id).encode()
        blocks.append(
            actions(button(f"Retry {len(sent.failed)} failed", Action.RETRY_INTRODUCTIONS, ref))
        )
    return text, blocks


def introduction_message(intro: Introduction, manager_id: str) -> tuple[str, list[Block]]:
    """The group DM: who is who, goals, skills, zones, why, and three times to book."""
    p = intro.proposal
    mentee, mentor = p.mentee, p.mentor
    text = f"{mentee.display_name}, meet {mentor.display_name}: your mentor in the programme"
    goals = ", ".join(escape(g) for g in mentee.learning_goals) or "—"
    skills = ", ".join(escape(s) for s in mentor.expertise) or "—"
    blocks: list[Block] = [
        section(
            f":wave: <@{mentee.slack_user_id}>, meet <@{mentor.slack_user_id}>!"
            f" <@{manager_id}> matched you in the mentorship programme."
        ),
        section(
            f"*{escape(mentee.display_name)} wants to learn:* {goals}\n"
            f"*{escape(mentor.display_name)} knows:* {skills}\n"
            f"*Zones:* {escape(mentee.display_name)} {escape(mentee.time_zone)}"
            f" · {escape(mentor.display_name)} {escape(mentor.time_zone)}"
        ),
    ]
    if p.reasons:
        blocks.append(context("Why: " + "; ".join(escape(r) for r in p.reasons[:4])))
    ref = MentorRef(mentor_id=mentor.id).encode()
    if intro.free_times:
        blocks.append(section(f"<@{mentee.slack_user_id}>, times you are both free — book one:"))
        blocks += [
            section(
                slack_time(slot.starts_at, mentee.time_zone),
                accessory=button(
                    "Book",
                    Action.BOOK,
                    MentorRef(mentor_id=mentor.id, starts=int(slot.starts_at.timestamp())).encode(),
                    style="primary",
                ),
            )
            for slot in intro.free_times
        ]
    else:
        blocks.append(
            section(
                f"{escape(mentor.display_name)} has no time free for you both in the next"
                " two weeks: agree on one here, or look again later.",
                accessory=button("Book", Action.BOOK, ref),
            )
        )
    return text, blocks
