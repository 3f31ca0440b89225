"""The App Home tab: a welcome, the person's profile, mentors suggested for a
mentee and their goals, their sessions (requests to answer, upcoming, past),
their notifications and, for programme managers, the dashboard. Always within
Slack's 100 blocks: long lists are cut with a note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement
from slack_sdk.models.views import View

from domain.matching import Matches, MatchState
from domain.model import Feedback, Goal, MentorRating, Notification, Page, Profile, Session
from domain.outbox import MAX_ATTEMPTS
from handlers.ids import Action
from handlers.render.common import (
    MAX_VIEW_BLOCKS,
    actions,
    button,
    context,
    divider,
    header,
    section,
    stars,
)
from handlers.render.goals import home_goals
from handlers.render.match import suggestion_blocks
from handlers.render.notifications import notifications_blocks
from handlers.render.sessions import (
    at_least,
    fit_sessions,
    other_person,
    plural,
    session_blocks,
)

# Most sessions shown per section, before the whole view is squeezed to fit.
PENDING_CAP = 5
UPCOMING_CAP = 5
PAST_CAP = 3


@dataclass(frozen=True)
class HomeData:
    profile: Profile | None  # None: never signed up
    rating: MentorRating | None
    upcoming: list[Session]
    pending: list[Session]  # requests waiting for this person, as mentor
    past: list[Session]  # the most recent
    earlier: bool  # there are finished sessions before those in `past`
    later: bool  # there are sessions to come after those in `upcoming`
    people: dict[int, Profile]
    feedback: dict[int, list[Feedback]]
    meeting_links: dict[int, str | None]
    notifications: Page[Notification]
    unread: int
    now: datetime
    dashboard: list[Block] | None  # admins only; rendered as given
    profile_blocks: list[Block]  # the profile summary, rendered elsewhere
    has_left: bool = False  # profile is None because they left the programme
    undelivered: int = 0  # admins: DMs the outbox gave up on (shown with the dashboard)
    goals: Sequence[Goal] = ()  # a mentee's, in order
    suggestions: Matches | None = None  # mentees: mentors suggested for them


def signup_mentor_button() -> ButtonElement:
    return button("Become a mentor", Action.SIGNUP_MENTOR, style="primary")


def signup_mentee_button() -> ButtonElement:
    return button("Find a mentor (sign up as mentee)", Action.SIGNUP_MENTEE)


def _newcomer() -> list[Block]:
    return [
        header("Welcome to the mentorship programme 👋"),
        section(
            "Learn from colleagues, or share what you know. Mentors offer a few hours "
            "a week; mentees book short one-to-one sessions in those hours. Requests, "
            "confirmations, reminders and feedback all happen right here in Slack."
        ),
        actions(signup_mentor_button(), signup_mentee_button()),
        context("You can be both. `/mentor help` lists every command."),
    ]


def _former_member() -> list[Block]:
    return [
        header("You have left the mentorship programme"),
        section(
            "Nobody can book you, and you get no requests or reminders. Your past "
            "sessions and feedback are kept. To join again, sign up as a mentor or a mentee."
        ),
        actions(signup_mentor_button(), signup_mentee_button()),
        context("Or run `/mentor signup`. `/mentor help` lists every command."),
    ]


def _greeting(me: Profile, rating: MentorRating | None) -> list[Block]:
    tips: list[str] = []
    if me.is_mentee:
        tips.append("`/mentor find` to find a mentor")
    if me.is_mentor:
        tips.append("`/mentor availability` to set your hours")
    tips.append("`/mentor help` for everything else")
    blocks: list[Block] = [header(f"Welcome back, {me.display_name}"), context(" · ".join(tips))]
    if me.is_mentor:
        count, average = (rating.count, rating.average) if rating else (0, None)
        blocks.append(section(f"*Your rating as a mentor:* {stars(average, count)}"))
    joins: list[ButtonElement] = []
    if not me.is_mentor:
        joins.append(signup_mentor_button())
    if not me.is_mentee:
        joins.append(signup_mentee_button())
    if joins:
        blocks.append(actions(*joins))
    return blocks


def _session_section(
    data: HomeData,
    me: Profile,
    title: str,
    sessions: Sequence[Session],
    *,
    cap: int,
    empty: str | None,
    more: Callable[[int], str],
    beyond: bool = False,
) -> list[Block]:
    """A titled list of at most `cap` sessions; a note (`more`) says how many
    were left out of it, `beyond` when there are more than were read."""
    if not sessions and empty is None:
        return []

    def render(session: Session) -> list[Block]:
        return session_blocks(
            session,
            me,
            other_person(session, me, data.people),
            me.time_zone,
            data.now,
            feedback=data.feedback.get(session.id, []),
            meeting_link=data.meeting_links.get(session.id),
        )

    shown, hidden = fit_sessions(sessions[:cap], render, 2 * cap)
    hidden += max(len(sessions) - cap, 0)
    blocks: list[Block] = [divider(), header(title)]
    if shown:
        blocks += shown
    elif not sessions and empty is not None and not beyond:
        blocks.append(section(empty))
    if hidden or beyond:
        blocks.append(context(more(hidden)))
    return blocks


def _more_to_come(hidden: int, *, later: bool = False) -> str:
    """`later`: there are sessions to come after those read, how many unknown."""
    if later:
        return f"…and {hidden} or more — `/mentor sessions`" if hidden else "…and more to come"
    return f"…and {hidden} more — `/mentor sessions`"


def _upcoming_empty(me: Profile) -> str:
    if me.is_mentee:
        return "No upcoming sessions. Find a mentor with `/mentor find` and book a time."
    if me.is_mentor:
        return (
            "No upcoming sessions. Keep your hours current with `/mentor availability` "
            "so mentees can book you."
        )
    return "No upcoming sessions."


def _sessions(data: HomeData, me: Profile, caps: Sequence[int]) -> list[Block]:
    pending_cap, upcoming_cap, past_cap = caps
    waiting = {session.id for session in data.pending}
    upcoming = [session for session in data.upcoming if session.id not in waiting]
    return [
        *_session_section(
            data,
            me,
            "Requests waiting for you",
            data.pending,
            cap=pending_cap,
            empty=None,
            more=_more_to_come,
        ),
        *_session_section(
            data,
            me,
            "Upcoming sessions",
            upcoming,
            cap=upcoming_cap,
            empty=_upcoming_empty(me),
            more=lambda hidden: _more_to_come(hidden, later=data.later),
            beyond=data.later,
        ),
        *_session_section(
            data,
            me,
            "Past sessions",
            data.past,
            cap=past_cap,
            empty="No past sessions yet.",
            more=lambda hidden: (
                f"…and {at_least(hidden, 'earlier session', more=data.earlier)}"
                " — `/mentor sessions` shows the most recent ones"
            ),
            beyond=data.earlier,
        ),
    ]


def settings_actions() -> ActionsBlock:
    """The programme managers' way to the programme's settings, by the dashboard."""
    return actions(
        button("⚙️ Programme settings", Action.OPEN_SETTINGS),
        button("🤝 Match a group", Action.OPEN_GROUP_MATCH),
    )


def _dashboard(blocks: list[Block] | None, undelivered: int = 0) -> list[Block]:
    if not blocks:
        return []
    blocks = [settings_actions(), *blocks]
    if not undelivered:
        return [divider(), *blocks]
    warning = context(
        f"⚠️ {plural(undelivered, 'DM')} could not be delivered: Slack refused them for good "
        f"(someone left Slack or blocked the app) or kept failing for {MAX_ATTEMPTS} tries. "
        "The notices stay in each person's `/mentor notifications`."
    )
    return [divider(), warning, *blocks]


def _within_limit(blocks: list[Block]) -> list[Block]:
    """The last resort when what was passed in (profile, dashboard) is too long."""
    if len(blocks) <= MAX_VIEW_BLOCKS:
        return blocks
    note = context("There is more than fits here: see `/mentor sessions` and `/mentor stats`.")
    return [*blocks[: MAX_VIEW_BLOCKS - 1], note]


def _suggested(matches: Matches | None) -> list[Block]:
    if matches is None or matches.state is MatchState.NOT_A_MENTEE:
        return []
    more = context("`/mentor match` shows more, and why each one.")
    return [divider(), header("Suggested for you"), *suggestion_blocks(matches), more]


def _member_blocks(data: HomeData, me: Profile) -> list[Block]:
    top = [*_greeting(me, data.rating), *data.profile_blocks, *_suggested(data.suggestions)]
    if me.is_mentee:
        top += home_goals(data.goals, data.now, me.time_zone)
    tail = [
        divider(),
        *notifications_blocks(data.notifications, data.unread, me.time_zone),
        *_dashboard(data.dashboard, data.undelivered),
    ]
    caps = [PENDING_CAP, UPCOMING_CAP, PAST_CAP]
    while True:
        blocks = [*top, *_sessions(data, me, caps), *tail]
        if len(blocks) <= MAX_VIEW_BLOCKS or not any(caps):
            return blocks
        caps[caps.index(max(caps))] -= 1


def home_view(data: HomeData) -> View:
    if data.profile is None:
        welcome = _former_member() if data.has_left else _newcomer()
        blocks = [*welcome, *data.profile_blocks, *_dashboard(data.dashboard)]
    else:
        blocks = _member_blocks(data, data.profile)
    return View(type="home", blocks=_within_limit(blocks))
