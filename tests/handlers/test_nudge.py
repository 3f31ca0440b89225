"""The Nudge button of an at-risk pair, over HTTP: the manager's App Home lists
the pair with its button; a click DMs both people once; a second click within
14 days is refused with when the last nudge went; a member's forged click is
refused and sends nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from handlers.ids import Action
from handlers.metadata import PairRef
from tests.handlers.conftest import IDLE_WAIT_S, NOW, Harness
from tests.storage.seed import add_session, add_user, set_actor


def _pair_gone_quiet(engine: Engine) -> tuple[int, int]:
    """Maya mentored Ben 40 days ago, rated 2, and nothing since: at risk."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        session = add_session(
            conn, "T1", maya, ben, starts_at=NOW - timedelta(days=40), status="completed"
        )
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :ben, :maya, 'mentor', 2)"
            ),
            {"s": session, "ben": ben, "maya": maya},
        )
    return maya, ben


def _nudge_buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        block["accessory"]
        for block in view.get("blocks", [])
        if (block.get("accessory") or {}).get("action_id") == Action.NUDGE_PAIR
    ]


def _dms(h: Harness, user_id: str) -> list[str]:
    assert h.bot.listeners.wait_idle(IDLE_WAIT_S)
    return [call.text() for call in h.calls("chat.postMessage", channel=user_id)]


def test_a_manager_nudges_an_at_risk_pair_from_the_home_tab_and_both_get_a_dm(
    h: Harness, owner_engine: Engine
) -> None:
    maya, ben = _pair_gone_quiet(owner_engine)
    h.open_home("UOLGA")
    home = h.next_call("views.publish", user_id="UOLGA").view()
    texts = str(home["blocks"])
    assert "Pairs at risk" in texts
    assert "no session in 30 days since the last one" in texts
    [nudge] = _nudge_buttons(home)
    assert nudge["value"] == PairRef(mentor_id=maya, mentee_id=ben).encode()
    assert "Privacy: a mentor's average rating is shown only" in texts

    reply = h.click("UOLGA", Action.NUDGE_PAIR, nudge["value"], view=home)

    assert reply.status == 200
    to_maya, to_ben = _dms(h, "UMAYA"), _dms(h, "UBEN")
    assert len(to_maya) == len(to_ben) == 1
    assert "gentle nudge" in to_maya[0]
    assert "Ben Okafor" in to_maya[0]
    assert "gentle nudge" in to_ben[0]
    assert "Maya Patel" in to_ben[0]
    assert any("Nudged Ben Okafor and Maya Patel" in t for t in _dms(h, "UOLGA"))
    with owner_engine.begin() as conn:
        sent = conn.execute(text("SELECT mentor_id, mentee_id, sent_at FROM nudges")).all()
    assert [(m, e, at) for m, e, at in sent] == [(maya, ben, NOW)]


def test_a_second_click_within_14_days_is_refused_and_says_when_the_last_went(
    h: Harness, owner_engine: Engine
) -> None:
    maya, ben = _pair_gone_quiet(owner_engine)
    value = PairRef(mentor_id=maya, mentee_id=ben).encode()
    h.click("UOLGA", Action.NUDGE_PAIR, value)
    assert h.bot.listeners.wait_idle(IDLE_WAIT_S)
    h.clock.set(NOW + timedelta(days=13))

    h.click("UOLGA", Action.NUDGE_PAIR, value)

    refusal = h.next_call("response_url", after=1).text()
    assert f"already nudged on {NOW:%Y-%m-%d at %H:%M} UTC" in refusal
    assert len(_dms(h, "UMAYA")) == len(_dms(h, "UBEN")) == 1
    with owner_engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM nudges")).scalar_one() == 1


def test_a_members_forged_nudge_is_refused_and_nobody_is_messaged(
    h: Harness, owner_engine: Engine
) -> None:
    maya, ben = _pair_gone_quiet(owner_engine)

    h.click("UBEN", Action.NUDGE_PAIR, PairRef(mentor_id=maya, mentee_id=ben).encode())

    assert "Only programme managers" in h.next_call("response_url").text()
    assert _dms(h, "UMAYA") == []
    with owner_engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM nudges")).scalar_one() == 0
        assert (
            conn.execute(text("SELECT count(*) FROM notifications WHERE kind = 'nudge'"))
        ).scalar_one() == 0


def test_a_forged_nudge_of_the_pair_swapped_or_of_strangers_is_refused(
    h: Harness, owner_engine: Engine
) -> None:
    """The 14 days hold for the two people, whichever way round a tampered
    button names them; and two people who never met are no pair to nudge."""
    maya, ben = _pair_gone_quiet(owner_engine)
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        cara = add_user(conn, "T1", "UCARA", mentee=True, name="Cara Singh")
    h.click("UOLGA", Action.NUDGE_PAIR, PairRef(mentor_id=maya, mentee_id=ben).encode())
    assert h.bot.listeners.wait_idle(IDLE_WAIT_S)

    # The same two people with their roles swapped, a day later.
    h.clock.set(NOW + timedelta(days=1))
    h.click("UOLGA", Action.NUDGE_PAIR, PairRef(mentor_id=ben, mentee_id=maya).encode())
    swapped = h.next_call("response_url", after=1).text()
    # Maya and Cara never had a session.
    h.click("UOLGA", Action.NUDGE_PAIR, PairRef(mentor_id=maya, mentee_id=cara).encode())
    strangers = h.next_call("response_url", after=2).text()

    assert "never had a session" in swapped
    assert "never had a session" in strangers
    assert len(_dms(h, "UMAYA")) == len(_dms(h, "UBEN")) == 1
    assert _dms(h, "UCARA") == []
    with owner_engine.begin() as conn:
        rows = conn.execute(text("SELECT mentor_id, mentee_id FROM nudges")).all()
    assert [tuple(row) for row in rows] == [(maya, ben)]
