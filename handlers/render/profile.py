"""Profiles: sign-up and edit modals, the App Home summary, and a mentor's page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
)
from slack_sdk.models.views import View

from domain.model import Feedback, MentorRating, Profile
from handlers.ids import Action, Modal
from handlers.metadata import MentorRef
from handlers.render.common import (
    actions,
    button,
    context,
    divider,
    escape,
    header,
    section,
    stars,
    truncate,
    zone,
)

# --- showing a profile -------------------------------------------------------


def _link(url: str, label: str) -> str:
    """A mrkdwn link to a URL someone typed; shown as inert text if it could break out."""
    if any(char in url for char in "<>| \n"):
        return escape(url)
    return f"<{escape(url)}|{escape(label)}>"


def _roles(profile: Profile) -> str:
    pairs = (("Mentor", profile.is_mentor), ("Mentee", profile.is_mentee))
    held = [role for role, has in pairs if has]
    return " and ".join(held) if held else "Not in the programme yet"


def _tags(tags: Sequence[str]) -> str:
    return ", ".join(escape(tag) for tag in tags)


def _headline(profile: Profile) -> str:
    """'*Ana Lima*\nStaff engineer · Platform'."""
    role_line = " · ".join(escape(part) for part in (profile.title, profile.department) if part)
    name = f"*{escape(profile.display_name)}*"
    return f"{name}\n{role_line}" if role_line else name


def _details(profile: Profile, rating: MentorRating | None) -> str:
    lines = [_headline(profile), f"*Roles:* {_roles(profile)}"]
    if profile.is_mentor:
        lines.append(f"*Can help with:* {_tags(profile.expertise) or '—'}")
        average, count = (rating.average, rating.count) if rating else (None, 0)
        lines.append(f"*Rating:* {stars(average, count)}")
    if profile.is_mentee:
        lines.append(f"*Learning:* {_tags(profile.learning_goals) or '—'}")
    lines.append(f"*Time zone:* {zone(profile.time_zone).key}")
    if profile.is_mentor:
        link = _link(profile.meeting_link, "Join") if profile.meeting_link else "not set"
        lines.append(f"*Meeting link:* {link}")
    return "\n".join(lines)


def _danger_button(
    text: str, action_id: Action, *, title: str, warning: str, confirm: str, deny: str
) -> ButtonElement:
    element = button(text, action_id, style="danger")
    element.confirm = ConfirmObject(
        title=title, text=warning, confirm=confirm, deny=deny, style="danger"
    )
    return element


def _step_down_button() -> ButtonElement:
    return _danger_button(
        "Step down as mentor",
        Action.STEP_DOWN,
        title="Step down as mentor?",
        warning=(
            "Nobody will be able to book you any more, and your upcoming sessions as a"
            " mentor will be cancelled with a note to each mentee. You can sign up again"
            " at any time."
        ),
        confirm="Step down",
        deny="Keep mentoring",
    )


def _leave_button() -> ButtonElement:
    return _danger_button(
        "Leave the programme",
        Action.LEAVE_PROGRAMME,
        title="Leave the programme?",
        warning=(
            "Your profile is deactivated and every upcoming session you have, as mentor"
            " or mentee, is cancelled with a note to the other person. Sign up again at"
            " any time to come back."
        ),
        confirm="Leave",
        deny="Stay",
    )


def _summary_buttons(profile: Profile) -> list[ButtonElement]:
    buttons = [button("Edit profile", Action.EDIT_PROFILE)]
    if profile.is_mentor:
        buttons.append(button("Availability", Action.OPEN_AVAILABILITY))
    else:
        buttons.append(button("Become a mentor", Action.SIGNUP_MENTOR))
    if not profile.is_mentee:
        buttons.append(button("Sign up as mentee", Action.SIGNUP_MENTEE))
    if profile.is_mentor:
        buttons.append(_step_down_button())
    if profile.is_mentor or profile.is_mentee:
        buttons.append(_leave_button())
    return buttons


def profile_summary(profile: Profile, rating: MentorRating | None) -> list[Block]:
    """Your own profile, for App Home, with what you can do next."""
    blocks: list[Block] = [header("Your profile")]
    if not (profile.is_mentor or profile.is_mentee):
        blocks.append(
            section(
                f"Hi {escape(profile.display_name)}! You haven't joined the mentorship"
                " programme yet. Sign up as a mentor to share what you know, or as a"
                " mentee to find someone to learn from — or both."
            )
        )
        blocks.append(
            actions(
                button("Become a mentor", Action.SIGNUP_MENTOR, style="primary"),
                button("Sign up as mentee", Action.SIGNUP_MENTEE),
            )
        )
        return blocks
    blocks.append(section(_details(profile, rating)))
    if profile.bio:
        blocks.append(context(escape(profile.bio)))
    blocks.append(actions(*_summary_buttons(profile)))
    return blocks


def _rating_stars(rating: int) -> str:
    rating = min(max(rating, 0), 5)
    return "★" * rating + "☆" * (5 - rating)


def _slack_date(moment: datetime, fallback_zone: str) -> str:
    local = moment.astimezone(zone(fallback_zone))
    fallback = f"{local.day} {local:%b %Y}"
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{fallback}>"


def _feedback_line(item: Feedback, authors: dict[int, Profile], viewer_zone: str) -> str:
    author = authors.get(item.author_id)
    parts = [_rating_stars(item.rating)]
    if item.comment:
        parts.append(f"“{escape(truncate(item.comment, 500))}”")
    byline = f"— {escape(author.display_name)}" if author else "— a mentee"
    if item.created_at is not None:
        byline += f", {_slack_date(item.created_at, viewer_zone)}"
    parts.append(byline)
    return " ".join(parts)


def _sessions_completed(completed: int) -> str:
    return f"{completed} session{'' if completed == 1 else 's'} completed"


def _feedback_blocks(
    feedback: list[Feedback], authors: dict[int, Profile], viewer_zone: str, *, more: bool
) -> list[Block]:
    if not feedback:
        return [context("No feedback yet.")]
    blocks: list[Block] = [context(_feedback_line(item, authors, viewer_zone)) for item in feedback]
    if more:
        blocks.append(context(f"Showing the {len(feedback)} most recent."))
    return blocks


def profile_modal(
    profile: Profile,
    rating: MentorRating,
    completed: int,
    feedback: list[Feedback],
    authors: dict[int, Profile],
    viewer_zone: str,
    *,
    more_feedback: bool,
    can_book: bool,
) -> View:
    """A mentor's page, as another person sees it; read-only, so no submit.
    `more_feedback`: there is older feedback than `feedback`."""
    about = [
        _headline(profile),
        f"*Can help with:* {_tags(profile.expertise) or '—'}",
        f"*Rating:* {stars(rating.average, rating.count)}",
        _sessions_completed(completed),
        f"*Time zone:* {zone(profile.time_zone).key}",
        f"*Sessions last:* {profile.session_minutes} minutes",
    ]
    blocks: list[Block] = [section("\n".join(about))]
    if profile.bio:
        blocks.append(section(escape(profile.bio)))
    if can_book:
        blocks.append(
            actions(
                button(
                    "Book a session",
                    Action.BOOK,
                    MentorRef(mentor_id=profile.id).encode(),
                    style="primary",
                )
            )
        )
    blocks += [divider(), section("*Recent feedback*")]
    blocks += _feedback_blocks(feedback, authors, viewer_zone, more=more_feedback)
    return View(
        type="modal",
        callback_id=Modal.PROFILE,
        title="Mentor profile",
        close="Close",
        blocks=blocks,
    )
