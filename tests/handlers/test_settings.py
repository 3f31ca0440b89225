"""Settings in Slack, through signed requests: a manager changes them in the
modal and each change is recorded; a forged submission by someone else, a
channel the bot is not in, a number out of range and an unknown zone are
refused with nothing stored; the next digest goes where and when the
settings say; a manager added in Slack gets the dashboard; the managers
named where the bot runs cannot be removed; bookings follow the new policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot import jobs
from bot.standin.forms import fill
from bot.standin.payloads import select
from domain.workspace import WorkspaceSettings
from handlers.ids import Action, Field, Modal
from handlers.metadata import MentorRef
from tests.handlers.conftest import NOW, Harness
from tests.handlers.people import NOT_PLACES, mentor_and_mentee, not_a_place

JOINED = "C0MENTORING"  # the bot is a member (bot.demo.cast)
NOT_INVITED = "C0QUIET"
PRIVATE = "G0SECRET"  # private, and the bot is not in it: Slack hides it from the bot
ONLY_MANAGERS = "Only programme managers change the programme's settings."


@pytest.fixture(autouse=True)
def channels_and_fresh_settings(h: Harness) -> Iterator[None]:
    h.slack.add_channel(NOT_INVITED, "quiet", bot_is_member=False)
    h.slack.add_channel(PRIVATE, "secret", bot_is_member=False, is_private=True)
    yield
    # The tables are emptied after each test: so is what the bot knows of them.
    h.bot.deps.workspaces.saved("T1", WorkspaceSettings())


def _open(h: Harness, user: str) -> dict[str, Any]:
    """What `/mentor settings` shows `user` once the modal has loaded."""
    mark = len(h.calls("views.update"))
    h.command(user, "settings")
    return h.opened_view(after=mark)


def _submit(h: Harness, user: str, view: dict[str, Any], **answers: str) -> dict[str, Any]:
    """Submit `view` with `answers` typed in (by block id), as Slack's client
    would let them through; the reply's body (empty when the modal closes)."""
    reply = h.submit(user, view, fill(view, answers))
    assert reply.status == 200
    h.settle()
    return reply.json() or {}


def _forged(h: Harness, user: str, view: dict[str, Any], **raw: str) -> dict[str, Any]:
    """Submit `view` with values Slack's client would have refused."""
    values = fill(view, {})
    for field, value in raw.items():
        values[field] = {**values[field], **_state(values[field]["type"], value)}
    reply = h.submit(user, view, values)
    h.settle()
    return reply.json() or {}


def _state(kind: str, value: str) -> dict[str, Any]:
    if kind == "static_select":
        return select(value)
    if kind == "timepicker":
        return {"selected_time": value}
    if kind == "multi_users_select":
        return {"selected_users": [part for part in value.split(",") if part]}
    if kind == "conversations_select":
        return {"selected_conversation": value}
    return {"value": value}


def _stored(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        settings = conn.execute(
            text(
                "SELECT managers, digest_weekday, digest_time::text, digest_zone,"
                " min_notice_minutes, max_open_per_mentee FROM workspace_settings"
            )
        ).all()
        channel = conn.execute(text("SELECT digest_channel FROM workspaces")).scalar()
    return tuple(tuple(row) for row in settings), channel


def _audit(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT actor, at, field, old_value, new_value"
                    " FROM workspace_settings_audit ORDER BY id"
                )
            )
        ]


NOTHING: tuple[Any, ...] = ((), None)


def test_a_manager_changes_settings_in_the_modal_and_each_change_is_audited(
    h: Harness, owner_engine: Engine
) -> None:
    view = _open(h, "UOLGA")
    assert view["callback_id"] == Modal.SETTINGS
    assert "<@UOLGA>" in str(view["blocks"][0])  # the floor, as text: not in any input
    initial = {
        block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"
    }
    assert initial[Field.DIGEST_WEEKDAY]["initial_option"]["value"] == "0"  # the defaults
    assert initial[Field.DIGEST_TIME]["initial_time"] == "09:00"
    assert initial[Field.MIN_NOTICE]["initial_value"] == "2"
    assert initial[Field.MAX_OPEN]["initial_value"] == "3"
    assert "initial_users" not in initial[Field.MANAGERS]

    body = _submit(
        h,
        "UOLGA",
        view,
        managers="UMAYA",
        digest_channel=JOINED,
        digest_weekday="2",
        digest_time="16:30",
        digest_zone="Europe/Berlin",
        min_notice_minutes="0",
        max_open_per_mentee="1",
    )

    assert body == {}  # the modal closes
    assert h.calls("conversations.info", channel=JOINED)
    assert _stored(owner_engine) == (
        ((["UMAYA"], 2, "16:30:00", "Europe/Berlin", 0, 1),),
        JOINED,
    )
    assert _audit(owner_engine) == [
        ("UOLGA", NOW, "managers", "", "UMAYA"),
        ("UOLGA", NOW, "digest_channel", None, JOINED),
        ("UOLGA", NOW, "digest_weekday", None, "2"),
        ("UOLGA", NOW, "digest_time", None, "16:30"),
        ("UOLGA", NOW, "digest_zone", None, "Europe/Berlin"),
        ("UOLGA", NOW, "min_notice_minutes", None, "0"),
        ("UOLGA", NOW, "max_open_per_mentee", None, "1"),
    ]
    assert "Settings saved" in h.next_call("chat.postMessage", channel="UOLGA").text()
    again = _open(h, "UOLGA")
    assert "changed the digest time from the default to 16:30" in str(again["blocks"])


def test_a_non_managers_forged_submission_is_refused_and_nothing_changes(
    h: Harness, owner_engine: Engine
) -> None:
    view = _open(h, "UOLGA")
    # Ben, signed correctly, submits the modal Olga was shown, naming himself
    # a manager and moving the digest to a channel.
    body = _forged(
        h, "UBEN", view, managers="UBEN", digest_channel=NOT_INVITED, max_open_per_mentee="50"
    )

    assert body == {"response_action": "errors", "errors": {Field.MANAGERS: ONLY_MANAGERS}}
    assert _stored(owner_engine) == NOTHING
    assert _audit(owner_engine) == []
    assert not h.calls("conversations.info")  # refused before anything was asked of Slack
    assert ONLY_MANAGERS in _open(h, "UBEN")["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("channel", "said"),
    [
        (NOT_INVITED, "Invite the bot first: /invite @Mentorship in #quiet"),
        (PRIVATE, "Invite the bot first: /invite @Mentorship in that channel"),
    ],
)
def test_a_channel_the_bot_cannot_post_to_is_refused_with_how_to_invite_it(
    h: Harness, owner_engine: Engine, channel: str, said: str
) -> None:
    view = _open(h, "UOLGA")
    body = _submit(h, "UOLGA", view, digest_channel=channel, digest_time="07:00")

    assert body == {"response_action": "errors", "errors": {Field.DIGEST_CHANNEL: said}}
    assert _stored(owner_engine) == NOTHING  # the time beside it is not saved either
    h.command("UOLGA", f"digest <#{channel}|x>")
    assert h.next_call("response_url").text() == said
    assert _stored(owner_engine) == NOTHING


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        (Field.MAX_OPEN, "0", "Open requests per mentee are from 1 to 50."),
        (Field.MAX_OPEN, "51", "Open requests per mentee are from 1 to 50."),
        (Field.MIN_NOTICE, "169", "The minimum notice is from 0 to 168 hours."),
        (Field.MIN_NOTICE, "1.5", "The minimum notice must be a whole number."),
        (Field.DIGEST_ZONE, "Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known time zone"),
        *((Field.DIGEST_ZONE, key, not_a_place(key)) for key in NOT_PLACES),
        (Field.DIGEST_WEEKDAY, "9", "Pick a weekday from the list."),
        (Field.DIGEST_TIME, "25:00", "Pick a time."),
    ],
)
def test_an_out_of_range_number_or_an_unknown_or_placeless_zone_is_refused_beside_its_field(
    h: Harness, owner_engine: Engine, field: Field, value: str, said: str
) -> None:
    view = _open(h, "UOLGA")
    body = _forged(h, "UOLGA", view, **{field: value}, managers="UMAYA")

    assert body == {"response_action": "errors", "errors": {field: said}}
    assert _stored(owner_engine) == NOTHING
    assert _audit(owner_engine) == []


def test_a_changed_digest_channel_and_day_are_used_by_the_next_digest(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.command("UOLGA", f"digest <#{JOINED}|mentoring>")
    assert "now goes to" in h.next_call("response_url").text()
    h.slack.add_channel("C0WEEKLY", "weekly")
    view = _open(h, "UOLGA")
    assert _submit(h, "UOLGA", view, digest_channel="C0WEEKLY", digest_weekday="1") == {}
    h.slack.clear()

    # NOW is Monday 08:00 UTC; the digest now goes on Tuesdays, at 09:00 still.
    h.clock.set(NOW + timedelta(days=1, hours=1, minutes=1))
    assert jobs.digest(h.bot) == 1

    posts = h.calls("chat.postMessage")
    assert [call.params["channel"] for call in posts] == ["C0WEEKLY"]
    assert "week in review" in posts[0].text()
    with owner_engine.connect() as conn:
        rows = conn.execute(text("SELECT week, channel FROM digests")).all()
    assert [tuple(row) for row in rows] == [(NOW.date(), "C0WEEKLY")]


def test_a_manager_added_in_slack_sees_the_dashboard_on_their_home(h: Harness) -> None:
    mentor_and_mentee(h)
    h.open_home("UMAYA")
    assert "Programme settings" not in h.next_call("views.publish", user_id="UMAYA").text()

    view = _open(h, "UOLGA")
    assert _submit(h, "UOLGA", view, managers="UMAYA") == {}
    h.slack.clear()
    h.open_home("UMAYA")
    home = h.next_call("views.publish", user_id="UMAYA")
    assert "Programme settings" in home.text()
    assert "Top mentors by rating" in home.text()  # the dashboard

    # Her Home's button opens the settings, where she is listed.
    h.click("UMAYA", Action.OPEN_SETTINGS, "", view=home.view())
    opened = h.opened_view()
    assert opened["callback_id"] == Modal.SETTINGS
    managers = next(b for b in opened["blocks"] if b.get("block_id") == Field.MANAGERS)
    assert managers["element"]["initial_users"] == ["UMAYA"]

    h.open_home("UBEN")
    assert "Programme settings" not in h.next_call("views.publish", user_id="UBEN").text()


def test_the_managers_named_where_the_bot_runs_cannot_be_removed_in_slack(
    h: Harness, owner_engine: Engine
) -> None:
    view = _open(h, "UOLGA")
    # Olga picks herself as well: she is a manager anyway, and is not stored.
    assert _submit(h, "UOLGA", view, managers="UOLGA,UMAYA") == {}
    assert _stored(owner_engine)[0][0][0] == ["UMAYA"]

    # Maya, added in Slack, removes every manager the form lets her: herself.
    maya_view = _open(h, "UMAYA")
    assert "<@UOLGA>" in str(maya_view["blocks"][0])
    assert _forged(h, "UMAYA", maya_view, managers="") == {}
    assert _stored(owner_engine)[0][0][0] == []

    assert _open(h, "UOLGA")["callback_id"] == Modal.SETTINGS  # Olga still manages
    assert ONLY_MANAGERS in _open(h, "UMAYA")["blocks"][0]["text"]["text"]


def test_bookings_follow_the_workspaces_open_requests_setting(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    view = _open(h, "UOLGA")
    assert _submit(h, "UOLGA", view, max_open_per_mentee="1") == {}

    with owner_engine.connect() as conn:
        maya = conn.execute(text("SELECT id FROM users WHERE slack_user_id = 'UMAYA'")).scalar()
    mentor = MentorRef(mentor_id=maya).encode()
    h.slack.clear()
    h.click("UBEN", Action.BOOK, mentor)
    booking = h.last_view_opened()
    options = booking["blocks"][1]["element"]["option_groups"][0]["options"]
    assert h.submit("UBEN", booking, {Field.SLOT: select(options[0]["value"])}).json() is None
    h.settle()
    second = h.submit("UBEN", booking, {Field.SLOT: select(options[1]["value"])}).json()

    assert "You already have 1 sessions requested or coming up" in second["errors"][Field.SLOT]
