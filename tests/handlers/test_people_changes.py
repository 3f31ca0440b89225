"""People leave, and Slack tells the bot when people and installs change: the
App Home of someone who left, the requests of the people around them, Slack's
`user_change`, `app_uninstalled` and `tokens_revoked` events, DMs that keep
failing; and with several workspaces, each one's digest in its own channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot import jobs
from bot.errors import is_apology
from bot.standin import payloads
from bot.standin.payloads import select, text_input
from domain.outbox import MAX_ATTEMPTS
from handlers.ids import Action, Field
from handlers.metadata import SessionRef
from tests.dates import MONDAY
from tests.handlers.conftest import Harness, wait_for
from tests.storage.seed import add_session, add_user, set_actor


def _pair(h: Harness, engine: Engine, *, status: str, days: int) -> tuple[int, int, int]:
    """Maya mentors Ben in a session `days` from the harness's now; (maya, ben, session)."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        session = add_session(
            conn,
            "T1",
            maya,
            ben,
            starts_at=h.clock.now() + timedelta(days=days),
            status=status,
        )
    return maya, ben, session


def _leave(engine: Engine, slack_user: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET is_active = false WHERE slack_user_id = :u"), {"u": slack_user}
        )


def _texts(h: Harness, method: str, **match: Any) -> list[str]:
    return [call.text() for call in h.calls(method, **match)]


def _apologies(h: Harness) -> list[str]:
    return [t for t in _texts(h, "chat.postMessage") if is_apology(t)]


# --- (5) someone who left ------------------------------------------------------


def test_someone_who_left_sees_a_home_that_says_so_and_how_to_rejoin(
    h: Harness, owner_engine: Engine
) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    _leave(owner_engine, "UMAYA")
    h.open_home("UMAYA")
    home = h.next_call("views.publish", user_id="UMAYA").view()
    h.settle()
    shown = str(home)
    assert "You have left the mentorship programme" in shown
    assert "/mentor signup" in shown
    assert {Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE} <= {
        e.get("action_id") for b in home["blocks"] for e in b.get("elements", [])
    }
    assert _apologies(h) == []


def test_feedback_on_a_session_with_someone_who_left_is_saved_and_reported_as_saved(
    h: Harness, owner_engine: Engine
) -> None:
    _maya, ben, session = _pair(h, owner_engine, status="completed", days=-2)
    _leave(owner_engine, "UMAYA")
    h.click("UBEN", Action.LEAVE_FEEDBACK, SessionRef(session_id=session).encode())
    form = h.last_view_opened()
    reply = h.submit("UBEN", form, {Field.RATING: select("5"), Field.COMMENT: text_input("Kind")})
    assert "errors" not in reply.body, reply.body
    wait_for(
        lambda: "Thank you for your feedback!" in _texts(h, "chat.postMessage", channel="UBEN")
    )
    h.settle()
    assert _apologies(h) == []
    with owner_engine.connect() as conn:
        saved = conn.execute(text("SELECT author_id, rating FROM feedback")).all()
    assert [tuple(row) for row in saved] == [(ben, 5)]


# --- (10) Slack's lifecycle: accounts, installs, failed DMs ---------------------


def _notice(engine: Engine, h: Harness, recipient: int, name: str) -> None:
    """An undelivered reminder for `recipient`, due now by the harness's clock."""
    now = h.clock.now()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO notifications (id, workspace_id, recipient_id, kind, payload,"
                " created_at, next_attempt_at) VALUES (gen_random_uuid(), 'T1', :who, 'reminder',"
                " CAST(:payload AS jsonb), :now, :now)"
            ),
            {
                "who": recipient,
                "now": now,
                "payload": f'{{"other_name": "{name}", "lead_minutes": 15,'
                f' "starts_at": "{(now + timedelta(minutes=15)).isoformat()}"}}',
            },
        )


def _outbox(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT payload->>'other_name', delivered_at IS NOT NULL,"
                    " gave_up_at IS NOT NULL, attempts FROM notifications"
                    " ORDER BY payload->>'other_name'"
                )
            )
        ]


def _workspace(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text("SELECT paused_at IS NOT NULL, paused_because FROM workspaces")).one()
        )


def _dms_to(h: Harness, user: str) -> int:
    return len(h.calls("chat.postMessage", channel=user))


def test_a_dm_slack_keeps_refusing_is_retried_with_backoff_then_given_up_and_counted_for_admins(
    h: Harness, owner_engine: Engine
) -> None:
    maya, _ben, _session = _pair(h, owner_engine, status="completed", days=-2)
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_user(conn, "T1", "UOLGA", name="Olga Ivanova")
    _notice(owner_engine, h, maya, "Ben Okafor")
    h.slack.fail("chat.postMessage", error="fatal_error", times=100, match={"channel": "UMAYA"})
    notifier = h.bot.deps.notifier
    notifier.deliver(None)
    h.clock.advance(seconds=29)
    notifier.deliver(None)  # backing off: not tried again yet
    assert _dms_to(h, "UMAYA") == 1
    for _ in range(MAX_ATTEMPTS + 2):
        h.clock.advance(hours=1)
        notifier.deliver(None)
    assert _dms_to(h, "UMAYA") == MAX_ATTEMPTS
    assert _outbox(owner_engine) == [("Ben Okafor", False, True, MAX_ATTEMPTS)]
    h.open_home("UOLGA")
    home = str(h.next_call("views.publish", user_id="UOLGA").view())
    assert "1 DM could not be delivered" in home
    assert f"kept failing for {MAX_ATTEMPTS} tries" in home


def test_a_bot_token_slack_no_longer_takes_pauses_the_workspace_and_loses_no_notice(
    h: Harness, owner_engine: Engine
) -> None:
    maya, _ben, _session = _pair(h, owner_engine, status="completed", days=-2)
    for name in ("Ben Okafor", "Cara Lindqvist"):
        _notice(owner_engine, h, maya, name)
    h.slack.fail("chat.postMessage", error="account_inactive")
    h.bot.deps.notifier.deliver(None)
    assert _dms_to(h, "UMAYA") == 1  # the second was held back, not tried
    assert _workspace(owner_engine) == (True, "account_inactive")
    pending = [("Ben Okafor", False, False, 0), ("Cara Lindqvist", False, False, 0)]
    assert _outbox(owner_engine) == pending
    h.clock.advance(hours=2)
    h.bot.deps.notifier.deliver(None)
    assert _dms_to(h, "UMAYA") == 1  # paused: nothing is sent
    assert _outbox(owner_engine) == pending

    # Slack retrying what it sent before says nothing of a reinstall.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    h.sender.event(payloads.event_callback(payloads.home_opened("UMAYA")), extra_headers=retry)
    h.settle()
    assert _workspace(owner_engine) == (True, "account_inactive")
    h.open_home("UMAYA")  # a signed request: the app is installed again
    h.settle()
    assert _workspace(owner_engine) == (False, None)
    h.bot.deps.notifier.deliver(None)
    delivered = [row[:2] for row in _outbox(owner_engine)]
    assert delivered == [("Ben Okafor", True), ("Cara Lindqvist", True)]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ],
)
def test_an_uninstalled_app_or_revoked_bot_token_stops_sending_and_keeps_the_data(
    h: Harness, owner_engine: Engine, event: dict[str, Any]
) -> None:
    maya, _ben, _session = _pair(h, owner_engine, status="completed", days=-2)
    assert h.event(event).status == 200
    h.settle()
    assert _workspace(owner_engine) == (True, event["type"])
    _notice(owner_engine, h, maya, "Ben Okafor")
    h.bot.deps.notifier.deliver(None)
    assert _dms_to(h, "UMAYA") == 0
    assert _outbox(owner_engine) == [("Ben Okafor", False, False, 0)]
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1

    h.command("UBEN", "help")  # reinstalled: Slack sends requests again
    h.settle()
    assert _workspace(owner_engine) == (False, None)
    h.bot.deps.notifier.deliver(None)
    assert _dms_to(h, "UMAYA") == 1


def test_revoking_only_user_tokens_changes_nothing(h: Harness, owner_engine: Engine) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    h.event({"type": "tokens_revoked", "tokens": {"oauth": ["UMAYA"], "bot": []}})
    h.settle()
    assert _workspace(owner_engine) == (False, None)


def test_events_about_a_workspace_or_person_never_seen_change_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    stranger = _user_change("USTRANGER", deleted=True)
    stranger["user"]["team_id"] = "T0ELSEWHERE"
    for event in (stranger, _user_change("UNOBODY", display_name="Nobody")):
        assert h.event(event).status == 200
    h.settle()
    assert _apologies(h) == []
    assert _workspace(owner_engine) == (False, None)


def _user_change(user_id: str, **fields: Any) -> dict[str, Any]:
    profile = {
        "display_name": fields.pop("display_name", ""),
        "real_name": fields.pop("real_name", ""),
        "title": fields.pop("title", ""),
    }
    user = {"id": user_id, "team_id": fields.pop("team_id", "T1"), "name": user_id.lower()}
    user |= {"profile": profile, **fields}
    return {"type": "user_change", "user": user}


# The user's own team is the event's (T1), or another one, as in Enterprise
# Grid and Slack Connect: the profile lives under the event's workspace.
@pytest.mark.parametrize("home_team", ["T1", "T0HOME"])
def test_a_deactivated_slack_account_leaves_the_programme_and_the_other_side_is_told(
    h: Harness, owner_engine: Engine, home_team: str
) -> None:
    _maya, _ben, session = _pair(h, owner_engine, status="scheduled", days=3)
    h.event(_user_change("UMAYA", deleted=True, display_name="Maya Patel", team_id=home_team))
    told = wait_for(lambda: _texts(h, "chat.postMessage", channel="UBEN"))
    h.settle()
    assert any("Maya Patel is no longer in this Slack workspace" in t for t in told), told
    with owner_engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT status FROM sessions WHERE id = :id"), {"id": session}
            ).scalar_one()
            == "cancelled"
        )
        assert (
            conn.execute(
                text("SELECT is_active FROM users WHERE slack_user_id = 'UMAYA'")
            ).scalar_one()
            is False
        )


def test_a_new_name_time_zone_and_title_in_slack_are_taken(
    h: Harness, owner_engine: Engine
) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    h.event(
        _user_change("UMAYA", tz="Asia/Tokyo", display_name="Maya P. Sato", title="Staff engineer")
    )
    h.settle()
    # An unknown zone keeps the known one; without a display name, Slack shows the real name.
    h.event(
        _user_change(
            "UMAYA",
            tz="Mars/Olympus",
            display_name="",
            real_name="Maya Sato",
            title="Staff engineer",
        )
    )
    h.settle()
    with owner_engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT display_name, time_zone, title, is_active FROM users"
                " WHERE slack_user_id = 'UMAYA'"
            )
        ).one()
    assert tuple(row) == ("Maya Sato", "Asia/Tokyo", "Staff engineer", True)


# --- (11) one workspace, one digest channel ------------------------------------


def test_each_workspaces_digest_goes_to_its_own_channel_only(
    h: Harness, owner_engine: Engine
) -> None:
    """T1, seen first, takes MENTORSHIP_DIGEST_CHANNEL; T2 has a channel of its
    own; T3 has neither, so it gets no digest (rather than T1's channel)."""
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for age, (team, channel) in enumerate((("T1", None), ("T2", "C0T2"), ("T3", None))):
            conn.execute(
                text(
                    "INSERT INTO workspaces (id, digest_channel, created_at)"
                    " VALUES (:id, :channel, :created)"
                ),
                {"id": team, "channel": channel, "created": MONDAY - timedelta(days=30 - age)},
            )
            add_user(conn, team, f"U{team}", mentor=True)
    h.clock.set(MONDAY + timedelta(hours=9, minutes=1))  # the default digest moment passed
    settings = h.bot.settings.model_copy(update={"mentorship_digest_channel": "C0DEFAULT"})
    assert jobs.digest(replace(h.bot, settings=settings)) == 2
    posted = sorted(call.params["channel"] for call in h.calls("chat.postMessage"))
    assert posted == ["C0DEFAULT", "C0T2"]
    with owner_engine.connect() as conn:
        rows = conn.execute(text("SELECT workspace_id, channel FROM digests ORDER BY 1")).all()
    assert [tuple(row) for row in rows] == [("T1", "C0DEFAULT"), ("T2", "C0T2")]


def test_a_manager_names_the_workspaces_digest_channel_and_nobody_else_can(
    h: Harness, owner_engine: Engine
) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    refusals = {
        "UBEN": "Only programme managers change the programme's settings.",
        "UOLGA": "Name the channel, for example `/mentor digest #mentoring`.",
    }
    for person, words in (("UBEN", "<#C0MINE|mine>"), ("UOLGA", "mentoring")):
        h.command(person, f"digest {words}")
        assert h.next_call("response_url").text() == refusals[person]
        h.slack.clear()
    h.command("UOLGA", "digest <#C0MENTORING|mentoring>")
    assert "now goes to <#C0MENTORING>" in h.next_call("response_url").text()
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT digest_channel FROM workspaces")).scalar_one() == (
            "C0MENTORING"
        )
