"""Programme matching through signed requests: `/mentor match group` opens the
modal, its submission brings a preview to the manager's DM, Drop takes a pair
out, Send introductions opens one group DM per pair, and a second click sends
nothing twice; the bad inputs each get a clear message."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import block_action, select
from bot.standin.seen import Sight
from bot.standin.slack_api import Call
from domain.introductions import ABANDONED, ABANDONED_AFTER, ONLY_MANAGERS
from handlers.group_actions import UNFINISHED
from handlers.ids import Action, Field, Modal
from handlers.metadata import IntroductionRef, PreviewRef
from tests.handlers.conftest import NOW, Harness, wait_for
from tests.threads import at_once

MANAGER = "UOLGA"
# slack id, name, department, zone, expertise
MENTORS = (
    ("UM0", "Kai Nakamura", "Platform", "Europe/Berlin", ["kubernetes", "go"]),
    ("UM1", "Ivy Chen", "Communications", "Europe/London", ["public speaking"]),
)
# slack id, name, department, zone, goals
MENTEES = (
    ("UE0", "Ana Silva", "Sales", "Europe/Lisbon", ["k8s"]),
    ("UE1", "Tom Berg", "Finance", "Europe/London", ["presentation skills"]),
    ("UE2", "Rui Costa", "Support", "Europe/Madrid", ["kubernetes"]),
)


def _people(h: Harness, engine: Engine, *, free: bool = True) -> dict[str, int]:
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
        for slack_id, name, department, zone, expertise in MENTORS:
            ids[slack_id] = conn.execute(
                text(
                    "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
                    " time_zone, is_mentor, expertise) VALUES ('T1', :u, :n, :d, :z, true, :e)"
                    " RETURNING id"
                ),
                {"u": slack_id, "n": name, "d": department, "z": zone, "e": expertise},
            ).scalar_one()
            if free:
                conn.execute(
                    text(
                        "INSERT INTO availability"
                        " (workspace_id, user_id, weekday, start_time, end_time)"
                        " SELECT 'T1', :m, d, '10:00', '16:00' FROM generate_series(0, 4) d"
                    ),
                    {"m": ids[slack_id]},
                )
        for slack_id, name, department, zone, goals in MENTEES:
            ids[slack_id] = conn.execute(
                text(
                    "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
                    " time_zone, is_mentee, learning_goals)"
                    " VALUES ('T1', :u, :n, :d, :z, true, :g) RETURNING id"
                ),
                {"u": slack_id, "n": name, "d": department, "z": zone, "g": goals},
            ).scalar_one()
    for slack_id, name, *_ in (*MENTORS, *MENTEES):
        h.slack.add_user(slack_id, name)
    return ids


def _open_modal(h: Harness) -> dict[str, Any]:
    assert h.command(MANAGER, "match group").status == 200
    view = h.opened_view()
    assert view["callback_id"] == Modal.GROUP_MATCH
    return view


def _number(value: str) -> dict[str, Any]:
    return {"type": "number_input", "value": value}


def _users(*ids: str) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(ids)}


def _submit(h: Harness, view: dict[str, Any], **values: dict[str, Any]) -> Any:
    # As Slack sends it: every input of the modal, the optional ones empty.
    fields = {
        Field.GROUP_PICK: select("without_mentor"),
        Field.GROUP_DEPARTMENT: {"type": "plain_text_input", "value": None},
        Field.GROUP_MENTEES: _users(),
        Field.GROUP_MENTORS: _users(),
        Field.GROUP_PER_MENTOR: _number("1"),
    }
    fields.update({Field(k): v for k, v in values.items()})
    return h.submit(MANAGER, view, fields).json()


def _dm_to_manager(h: Harness, starts: str, mark: int) -> Sight:
    def found() -> list[Sight]:
        return [
            s
            for s in h.sights(mark)
            if s.audience == MANAGER and str(s.params.get("text", "")).startswith(starts)
        ]

    return wait_for(found, what=f"a DM starting {starts!r}")[-1]


def _values(blocks: list[dict[str, Any]], action_id: str) -> list[str]:
    found = []
    for block in blocks:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        found += [e["value"] for e in elements if e.get("action_id") == action_id]
    return found


def _blocks(sight: Sight) -> list[dict[str, Any]]:
    blocks = sight.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


_ROWS = (
    "SELECT i.status, i.sent_by, i.sent_at, i.proposed_at, i.channel_id,"
    " i.failure, i.failed_at, i.sending_since,"
    " e.slack_user_id AS mentee, r.slack_user_id AS mentor FROM introductions i"
    " JOIN users e ON e.id = i.mentee_id JOIN users r ON r.id = i.mentor_id ORDER BY i.id"
)


def _rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.begin() as conn:
        return [dict(row) for row in conn.execute(text(_ROWS)).mappings()]


def test_the_group_flow_previews_drops_and_introduces_each_pair_once(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    mark = h.mark()
    assert _submit(h, _open_modal(h)) is None  # the modal closes; the preview follows

    left = _dm_to_manager(h, "1 mentees stayed unmatched", mark)
    assert "the mentors close to their goals were given to others" in json.dumps(_blocks(left))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    shown = json.dumps(_blocks(preview))
    for name in ("Ivy Chen", "Tom Berg", "Kai Nakamura"):
        assert name in shown
    assert "score" in shown
    drops = _values(_blocks(preview), Action.DROP_INTRODUCTION)
    assert len(drops) == 2

    # Drop the second pair: the preview is replaced by one pair.
    h.click(MANAGER, Action.DROP_INTRODUCTION, drops[1], on=preview)
    replaced = h.next_call("response_url", replace_original=True)
    assert replaced.text().startswith("Programme matching preview: 1 pair")
    send = _values(replaced.blocks(), Action.SEND_INTRODUCTIONS)
    assert len(send) == 1

    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send[0], on=preview)
    said = h.next_call("response_url", replace_original=True, after=1)
    assert said.text().startswith("Sent 1 introduction")
    h.settle()
    opened = [c for c in h.since(mark) if c.method == "conversations.open"]
    assert len(opened) == 1
    pair = set(str(opened[0].params["users"]).split(","))
    group_dm = "G" + "".join(sorted(pair))
    intro = h.next_call("chat.postMessage", channel=group_dm)
    books = _values(intro.blocks(), Action.BOOK)
    assert len(books) == 3  # three mutual free times, each a Book button
    assert "wants to learn" in json.dumps(intro.blocks())
    rows = _rows(owner_engine)
    sent = [r for r in rows if r["status"] == "sent"]
    assert len(sent) == 1
    assert {sent[0]["mentee"], sent[0]["mentor"]} == pair
    assert sent[0]["sent_by"] == MANAGER
    assert sent[0]["sent_at"] == NOW
    assert {r["proposed_at"] for r in rows} == {NOW}
    assert sent[0]["channel_id"] == group_dm
    assert sorted(r["status"] for r in rows) == ["dropped", "sent"]

    # The mentee's Book opens the booking modal with that time picked already.
    mentee = next(u for u in pair if u.startswith("UE"))
    updates = len(h.calls("views.update"))
    h.click(mentee, Action.BOOK, books[1])
    booking = h.opened_view(after=updates)
    picker = next(b for b in booking["blocks"] if b.get("block_id") == Field.SLOT)
    starts = json.loads(books[1])["starts"]
    assert picker["element"]["initial_option"]["value"] == str(starts)

    # A second click (a retried request, a double click) sends nothing again.
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send[0], on=preview)
    h.settle()
    again = h.since(mark)
    assert not [c for c in again if c.method == "conversations.open"]
    assert any("already sent" in c.text() for c in again if c.method == "response_url")
    assert len(_rows(owner_engine)) == 2


def test_someone_who_is_not_a_manager_is_refused(h: Harness, owner_engine: Engine) -> None:
    _people(h, owner_engine)
    assert h.command("UBEN", "match group").status == 200
    assert h.next_call("response_url").text() == ONLY_MANAGERS
    assert not h.calls("views.open")

    forged = PreviewRef(preview_id="00000000-0000-0000-0000-000000000001").encode()
    mark = h.mark()
    h.click("UBEN", Action.SEND_INTRODUCTIONS, forged)
    h.settle()
    assert any(ONLY_MANAGERS in c.text() for c in h.since(mark))
    assert not h.calls("conversations.open")


def test_the_managers_home_button_opens_the_modal_and_nobody_elses_does(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    h.click(MANAGER, Action.OPEN_GROUP_MATCH, "")
    assert h.opened_view()["callback_id"] == Modal.GROUP_MATCH

    mark = h.mark()
    h.click("UBEN", Action.OPEN_GROUP_MATCH, "")
    h.settle()
    assert any(ONLY_MANAGERS in c.text() for c in h.since(mark))
    assert not [c for c in h.since(mark) if c.method == "views.open"]


def test_help_lists_match_group_for_managers(h: Harness) -> None:
    assert h.command(MANAGER, "help").status == 200
    assert "/mentor match group" in h.next_call("response_url").text()


@pytest.mark.parametrize(
    ("values", "field", "said"),
    [
        ({"group_pick": select("picked")}, Field.GROUP_MENTEES, "Pick at least one mentee"),
        ({"group_per_mentor": _number("0")}, Field.GROUP_PER_MENTOR, "between 1 and 10"),
        ({"group_pick": select("department")}, Field.GROUP_DEPARTMENT, "Name the department"),
        (  # forged past the input's own limit: no department is named so
            {
                "group_pick": select("department"),
                "group_department": {"type": "plain_text_input", "value": "Sälęś 🚀" * 5000},
            },
            Field.GROUP_DEPARTMENT,
            "at most 80 characters",
        ),
    ],
)
def test_a_form_that_cannot_be_matched_says_so_by_its_field(
    h: Harness, owner_engine: Engine, values: dict[str, Any], field: Field, said: str
) -> None:
    _people(h, owner_engine)
    body = _submit(h, _open_modal(h), **values)
    assert body["response_action"] == "errors"
    assert said in body["errors"][field]
    assert _rows(owner_engine) == []


def test_unknown_people_nobody_and_mentors_without_capacity_are_told(
    h: Harness, owner_engine: Engine
) -> None:
    view = _open_modal(h)
    mark = h.mark()
    _submit(h, view)
    assert "There is nobody to match" in str(
        _dm_to_manager(h, "There is nobody", mark).params["text"]
    )

    _people(h, owner_engine, free=False)
    mark = h.mark()
    _submit(h, view, group_pick=select("picked"), group_mentees=_users("UE0", "UNOBODY"))
    said = str(_dm_to_manager(h, "<@UNOBODY>", mark).params["text"])
    assert "not in the mentorship programme" in said

    mark = h.mark()
    _submit(h, view)
    assert "has capacity" in str(_dm_to_manager(h, "None of these mentors", mark).params["text"])
    assert _rows(owner_engine) == []


def test_a_group_of_5000_is_too_big_to_match_at_once(h: Harness, owner_engine: Engine) -> None:
    _people(h, owner_engine)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
                " is_mentee, learning_goals)"
                " SELECT 'T1', 'UX' || n, 'Mentee ' || n, 'Sales', true, '{kubernetes}'"
                " FROM generate_series(1, 5000) n"
            )
        )
    mark = h.mark()
    _submit(h, _open_modal(h))
    said = str(_dm_to_manager(h, "That is more than", mark).params["text"])
    assert "more than 2,000 mentees" in said
    assert "pick a department or people" in said
    assert _rows(owner_engine) == []


def test_a_stale_preview_sends_nothing_and_says_why(h: Harness, owner_engine: Engine) -> None:
    ids = _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    # Tom books Ivy himself before the manager sends.
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status) VALUES ('T1', :r, :e, :s, :s + interval '30 minutes', 'requested')"
            ),
            {"r": ids["UM1"], "e": ids["UE1"], "s": NOW + timedelta(days=1, hours=6)},
        )
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()
    told = [c.text() for c in h.since(mark) if c.method in ("response_url", "chat.postMessage")]
    assert any("out of date" in t for t in told)
    assert any("Tom Berg booked a mentor meanwhile" in t for t in told)
    assert not h.calls("conversations.open")
    assert {r["status"] for r in _rows(owner_engine)} == {"proposed"}


def _group_dms(h: Harness, mark: int) -> list[str]:
    return [
        str(c.params["channel"])
        for c in h.since(mark)
        if c.method == "chat.postMessage" and str(c.params.get("channel")).startswith("G")
    ]


def test_two_clicks_on_send_at_once_send_each_group_dm_once(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]

    mark = h.mark()
    at_once(*[lambda: h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)] * 2)
    h.settle()

    assert len([c for c in h.since(mark) if c.method == "conversations.open"]) == 2
    dms = _group_dms(h, mark)
    assert len(dms) == len(set(dms)) == 2
    told = [c.text() for c in h.since(mark) if c.method == "response_url"]
    assert any(t.startswith("Sent 2 introductions") for t in told)
    # The other click came while the DMs went, or after.
    assert any("being sent by another click" in t or "already sent" in t for t in told)
    assert [r["status"] for r in _rows(owner_engine)] == ["sent", "sent"]


def _second_kubernetes_mentor(h: Harness, engine: Engine) -> None:
    with engine.begin() as conn:
        lee = conn.execute(
            text(
                "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
                " time_zone, is_mentor, expertise) VALUES ('T1', 'UM2', 'Lee Park', 'Platform',"
                " 'Europe/Madrid', true, '{kubernetes}') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO availability (workspace_id, user_id, weekday, start_time, end_time)"
                " SELECT 'T1', :m, d, '10:00', '16:00' FROM generate_series(0, 4) d"
            ),
            {"m": lee},
        )
    h.slack.add_user("UM2", "Lee Park")


def _preview_of_rui_with(h: Harness, view: dict[str, Any], mentor: str) -> tuple[Sight, str]:
    mark = h.mark()
    _submit(
        h,
        view,
        group_pick=select("picked"),
        group_mentees=_users("UE2"),
        group_mentors=_users(mentor),
    )
    preview = _dm_to_manager(h, "Programme matching preview: 1 pair", mark)
    return preview, _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]


def test_a_preview_whose_mentee_was_introduced_meanwhile_sends_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    """Two previews made before either was sent both pair Rui, with Kai and
    with Lee: once one is sent, the other is out of date."""
    _people(h, owner_engine)
    _second_kubernetes_mentor(h, owner_engine)
    view = _open_modal(h)
    with_kai = _preview_of_rui_with(h, view, "UM0")
    with_lee = _preview_of_rui_with(h, view, "UM2")

    h.click(MANAGER, Action.SEND_INTRODUCTIONS, with_kai[1], on=with_kai[0])
    h.settle()
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, with_lee[1], on=with_lee[0])
    h.settle()

    told = [c.text() for c in h.since(mark) if c.method in ("response_url", "chat.postMessage")]
    assert any("out of date" in t and "Rui Costa was introduced" in t for t in told), told
    assert _group_dms(h, mark) == []
    assert [(r["mentor"], r["status"]) for r in _rows(owner_engine)] == [
        ("UM0", "sent"),
        ("UM2", "proposed"),
    ]


def test_two_previews_of_one_mentee_sent_at_once_introduce_them_once(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    _second_kubernetes_mentor(h, owner_engine)
    view = _open_modal(h)
    previews = [_preview_of_rui_with(h, view, mentor) for mentor in ("UM0", "UM2")]

    mark = h.mark()
    at_once(
        *[
            lambda sight=sight, send=send: h.click(
                MANAGER, Action.SEND_INTRODUCTIONS, send, on=sight
            )
            for sight, send in previews
        ]
    )
    h.settle()

    assert len(_group_dms(h, mark)) == 1
    assert sorted(r["status"] for r in _rows(owner_engine)) == ["proposed", "sent"]


def test_a_manager_of_another_workspace_cannot_send_or_drop_this_ones_preview(
    h: Harness, owner_engine: Engine
) -> None:
    """Olga manages wherever the bot runs (MENTORSHIP_ADMINS); clicking from
    another workspace with this one's preview in the button finds nothing."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    drop = _values(_blocks(preview), Action.DROP_INTRODUCTION)[0]

    mark = h.mark()
    for action, value in ((Action.SEND_INTRODUCTIONS, send), (Action.DROP_INTRODUCTION, drop)):
        payload = block_action(MANAGER, action, value)
        payload["team"] = {"id": "T2", "domain": "other"}
        payload["user"]["team_id"] = "T2"
        assert h.sender.interaction(payload).status == 200
    h.settle()

    told = [c.text() for c in h.since(mark) if c.method == "chat.postMessage"]
    assert sum("That preview no longer exists" in t for t in told) == 2
    assert not [c for c in h.since(mark) if c.method == "conversations.open"]
    assert [r["status"] for r in _rows(owner_engine)] == ["proposed", "proposed"]


def test_a_forged_pick_of_5000_mentees_is_refused_beside_the_field(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    many = [f"UX{n}" for n in range(5000)]
    body = _submit(h, _open_modal(h), group_pick=select("picked"), group_mentees=_users(*many))
    assert body == {
        "response_action": "errors",
        "errors": {Field.GROUP_MENTEES: "Pick at most 2,000 mentees."},
    }
    assert _rows(owner_engine) == []


def _rated(engine: Engine, ids: dict[str, int], mentor: str, mentee: str, times: int) -> None:
    """`mentee` had `times` completed sessions with `mentor` last month, each rated 5."""
    with engine.begin() as conn:
        for n in range(times):
            session = conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                    " status) VALUES ('T1', :r, :e, :s, :s + interval '30 minutes', 'completed')"
                    " RETURNING id"
                ),
                {"r": ids[mentor], "e": ids[mentee], "s": NOW - timedelta(days=40 - n)},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                    " subject_role, rating) VALUES ('T1', :s, :e, :r, 'mentor', 5)"
                ),
                {"s": session, "e": ids[mentee], "r": ids[mentor]},
            )


def test_the_preview_shows_a_mentors_average_rating_only_on_3_ratings_or_more(
    h: Harness, owner_engine: Engine
) -> None:
    """The preview is a manager's view: Kai's one rating stays out of his
    pairs' reasons, Ivy's three show."""
    ids = _people(h, owner_engine)
    _rated(owner_engine, ids, "UM0", "UE0", 1)
    _rated(owner_engine, ids, "UM1", "UE1", 3)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)

    pairs = {
        block["text"]["text"].split("→")[1].split("*")[1]: block["text"]["text"]
        for block in _blocks(preview)
        if "→" in block.get("text", {}).get("text", "")
    }
    assert set(pairs) == {"Kai Nakamura", "Ivy Chen"}
    assert "★" not in pairs["Kai Nakamura"]
    assert "5.0★ from 3 ratings" in pairs["Ivy Chen"]


def test_a_preview_whose_mentee_left_or_mentor_stopped_mentoring_sends_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE slack_user_id = 'UE1'"))
        conn.execute(text("UPDATE users SET is_mentor = false WHERE slack_user_id = 'UM0'"))

    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()

    told = " ".join(c.text() for c in h.since(mark) if c.method == "response_url")
    assert "out of date" in told
    assert "Tom Berg left the programme" in told
    assert "Kai Nakamura is no longer a mentor" in told
    assert not [c for c in h.since(mark) if c.method == "conversations.open"]
    assert {r["status"] for r in _rows(owner_engine)} == {"proposed"}


def test_slack_unreachable_for_one_pair_still_records_where_the_others_went(
    h: Harness, owner_engine: Engine
) -> None:
    """A lost connection while opening one pair's group DM is told like a
    refusal: the other pair's introduction goes, and its conversation is
    recorded."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    h.slack.fail("conversations.open", times=5, close_connection=True, match={"users": "UE1,UM1"})

    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()

    told = " ".join(c.text() for c in h.since(mark) if c.method == "response_url")
    assert "Sent 1 introduction" in told
    assert (
        "*Tom Berg* → *Ivy Chen* — couldn't open a group DM with <@UE1> and <@UM1>:"
        " Slack could not be reached (RemoteDisconnected)"
    ) in told
    assert len(_group_dms(h, mark)) == 1
    rows = {r["mentee"]: r for r in _rows(owner_engine)}
    assert (rows["UE1"]["status"], rows["UE1"]["channel_id"]) == ("failed", None)
    assert [r["channel_id"] for u, r in rows.items() if u != "UE1"] == [_group_dms(h, mark)[0]]


TOM_AND_IVY = "GUE1UM1"  # their group DM in the stand-in
REFUSALS = {
    "conversations.open": (
        {"users": "UE1,UM1"},
        "user_not_found",
        "couldn't open a group DM with <@UE1> and <@UM1>: user_not_found",
    ),
    "chat.postMessage": (
        {"channel": TOM_AND_IVY},
        "channel_not_found",
        "couldn't post the introduction in the group DM of <@UE1> and <@UM1>: channel_not_found",
    ),
}


def _send_with_tom_and_ivy_refused(h: Harness, method: str) -> tuple[Sight, str, Sight, str]:
    """Send a preview of two pairs while Slack refuses `method` for Tom and
    Ivy's: the preview and its Send button, the message the manager is shown
    then, and its Retry button."""
    match, error, _ = REFUSALS[method]
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    h.slack.fail(method, match=match, error=error)
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()
    shown = _dm_to_manager(h, "Sent 1 introduction", mark)
    retry = _values(_blocks(shown), Action.RETRY_INTRODUCTIONS)
    assert len(retry) == 1
    return preview, send, shown, retry[0]


def _read(sight: Sight) -> str:
    """Every text of the message, as `Call.text` reads one."""
    return Call(sight.kind, dict(sight.params)).text()


def _by_mentee(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["mentee"]: r for r in _rows(engine)}


OPEN = "conversations.open"


def _by_id(engine: Engine) -> dict[str, int]:
    """Each mentee's pair's id."""
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT e.slack_user_id, i.id FROM introductions i"
                " JOIN users e ON e.id = i.mentee_id"
            )
        )
        return {str(u): int(i) for u, i in rows}


def _told(h: Harness, mark: int) -> str:
    return "\n".join(c.text() for c in h.since(mark) if c.method == "response_url")


@pytest.mark.parametrize("method", sorted(REFUSALS))
def test_a_pair_slack_refuses_is_failed_with_why_and_a_retry_sends_it_once(
    h: Harness, owner_engine: Engine, method: str
) -> None:
    _people(h, owner_engine)
    preview, send, shown, retry = _send_with_tom_and_ivy_refused(h, method)
    said = _read(shown)
    assert "*Sent*\n• *Ana Silva* → *Kai Nakamura*" in said
    assert f"• *Tom Berg* → *Ivy Chen* — {REFUSALS[method][2]}" in said
    assert "Retry 1 failed" in said
    rows = _by_mentee(owner_engine)
    assert rows["UE0"]["status"] == "sent"
    tom = rows["UE1"]
    assert (tom["status"], tom["failure"], tom["failed_at"]) == ("failed", REFUSALS[method][2], NOW)
    assert [tom[k] for k in ("sent_by", "sent_at", "channel_id", "sending_since")] == [None] * 4

    # Send again: nothing goes; the failure and Retry are shown again.
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()
    assert not [c for c in h.since(mark) if c.method == "conversations.open"]
    again = _dm_to_manager(h, "These introductions were already sent (1)", mark)
    assert REFUSALS[method][2] in _read(again)
    assert _values(_blocks(again), Action.RETRY_INTRODUCTIONS) == [retry]

    # Retry failed: Tom and Ivy's introduction goes, once.
    mark = h.mark()
    h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=shown)
    h.settle()
    opened = [c.params["users"] for c in h.since(mark) if c.method == "conversations.open"]
    assert opened == ["UE1,UM1"]
    assert _group_dms(h, mark) == [TOM_AND_IVY]
    retried = _dm_to_manager(h, "Sent 1 introduction", mark)
    assert "*Sent*\n• *Tom Berg* → *Ivy Chen*" in _read(retried)
    assert _values(_blocks(retried), Action.RETRY_INTRODUCTIONS) == []
    tom = _by_mentee(owner_engine)["UE1"]
    assert [tom[k] for k in ("status", "sent_by", "sent_at", "channel_id")] == [
        "sent",
        MANAGER,
        NOW,
        TOM_AND_IVY,
    ]
    assert (tom["failure"], tom["failed_at"]) == (None, None)

    # A second Retry (a double click, an old message) sends nothing twice.
    mark = h.mark()
    h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=shown)
    h.settle()
    assert not [c for c in h.since(mark) if c.method in ("conversations.open", "chat.postMessage")]
    assert "No failed introduction left to retry" in _told(h, mark)
    assert {u: r["status"] for u, r in _by_mentee(owner_engine).items()} == {
        "UE0": "sent",
        "UE1": "sent",
    }


def _tom_booked_ivy(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status) SELECT 'T1', r.id, e.id, :s, :s + interval '30 minutes', 'requested'"
                " FROM users r, users e WHERE r.slack_user_id = 'UM1' AND e.slack_user_id = 'UE1'"
            ),
            {"s": NOW + timedelta(days=1, hours=6)},
        )


def _users_set(change: str, who: str) -> Callable[[Engine], None]:
    def run(engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE users SET {change} WHERE slack_user_id = :u"), {"u": who})

    return run


@pytest.mark.parametrize(
    ("meanwhile", "why"),
    [
        (_tom_booked_ivy, "Tom Berg booked a mentor meanwhile"),
        (_users_set("is_active = false", "UE1"), "Tom Berg left the programme"),
        (_users_set("is_mentor = false", "UM1"), "Ivy Chen is no longer a mentor"),
    ],
)
def test_a_failed_pair_whose_people_changed_is_not_retried_and_says_why(
    h: Harness, owner_engine: Engine, meanwhile: Callable[[Engine], None], why: str
) -> None:
    _people(h, owner_engine)
    _, _, shown, retry = _send_with_tom_and_ivy_refused(h, "conversations.open")
    meanwhile(owner_engine)

    mark = h.mark()
    h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=shown)
    h.settle()
    assert not [c for c in h.since(mark) if c.method == "conversations.open"]
    told = _told(h, mark)
    assert "Nothing was sent: the failed pairs' people changed meanwhile." in told
    assert f"*Tom Berg* → *Ivy Chen* — {why}" in told
    tom = _by_mentee(owner_engine)["UE1"]
    assert (tom["status"], tom["failure"]) == ("dropped", None)

    # Nothing is left to retry.
    mark = h.mark()
    h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=shown)
    h.settle()
    assert "No failed introduction left to retry" in _told(h, mark)


def test_two_clicks_on_retry_at_once_send_the_failed_pair_once(
    h: Harness, owner_engine: Engine
) -> None:
    _people(h, owner_engine)
    _, _, shown, retry = _send_with_tom_and_ivy_refused(h, "chat.postMessage")

    mark = h.mark()
    at_once(*[lambda: h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=shown)] * 2)
    h.settle()

    assert _group_dms(h, mark) == [TOM_AND_IVY]
    told = _told(h, mark)
    assert "Sent 1 introduction" in told
    assert "being sent by another click" in told or "No failed introduction left" in told
    assert {r["status"] for r in _rows(owner_engine)} == {"sent"}


def test_an_error_of_the_bots_while_sending_leaves_the_pairs_failed_to_retry(
    h: Harness, owner_engine: Engine
) -> None:
    """Slack answers Tom and Ivy's conversations.open without the conversation
    (the bot cannot go on with that pair): the pair is not left claimed for
    ever but failed, and Retry sends it."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    h.slack.fail("conversations.open", match={"users": "UE1,UM1"}, answer={"ok": True})

    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()

    tom = _by_mentee(owner_engine)["UE1"]
    assert (tom["status"], tom["failure"], tom["sending_since"]) == ("failed", UNFINISHED, None)
    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()
    again = _dm_to_manager(h, "These introductions were already sent", mark)
    assert UNFINISHED in _read(again)
    h.click(
        MANAGER, Action.RETRY_INTRODUCTIONS, _values(_blocks(again), Action.RETRY_INTRODUCTIONS)[0]
    )
    h.settle()
    assert _group_dms(h, mark) == [TOM_AND_IVY]
    assert {r["status"] for r in _rows(owner_engine)} == {"sent"}


def test_drop_clicked_while_send_is_introducing_that_pair_says_so_and_changes_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    """Send has claimed Tom and Ivy's pair and waits on Slack for their group
    DM; Drop on that pair meanwhile is told the pair is being sent (not an
    error of the bot's), and the DM's outcome is still recorded."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    with owner_engine.begin() as conn:
        tom = conn.execute(
            text(
                "SELECT i.id FROM introductions i JOIN users e ON e.id = i.mentee_id"
                " WHERE e.slack_user_id = 'UE1'"
            )
        ).scalar_one()
    drop = next(
        v
        for v in _values(_blocks(preview), Action.DROP_INTRODUCTION)
        if json.loads(v)["introduction_id"] == tom
    )
    h.slack.fail("conversations.open", match={"users": "UE1,UM1"}, delay_s=2.0)

    sending = threading.Thread(
        target=lambda: h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    )
    sending.start()
    wait_for(
        lambda: [c for c in h.since(mark) if c.method == "conversations.open"],
        what="Send under way",
    )
    mark = h.mark()
    h.click("UOLGA", Action.DROP_INTRODUCTION, drop, on=preview)
    sending.join(timeout=30)
    h.settle()

    said = [c for c in h.since(mark) if c.method in ("response_url", "chat.postMessage")]
    told = "\n".join(c.text() for c in said)
    assert "being sent" in told
    assert "went wrong" not in told
    assert {r["mentee"]: r["status"] for r in _rows(owner_engine)} == {"UE0": "sent", "UE1": "sent"}


def test_a_pair_left_claimed_by_a_bot_that_stopped_mid_sending_is_failed_to_retry(
    h: Harness, owner_engine: Engine
) -> None:
    """A bot stopped (a deploy, a crash) after claiming Tom and Ivy's pair and
    before recording its outcome, hours ago: the next Send lists it failed,
    saying so, instead of "being sent by another click" for ever, and Retry
    sends it."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE introductions SET sending_since = :at FROM users e"
                " WHERE e.id = introductions.mentee_id AND e.slack_user_id = 'UE1'"
            ),
            {"at": NOW - ABANDONED_AFTER - timedelta(minutes=1)},
        )

    mark = h.mark()
    h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview)
    h.settle()
    told = _told(h, mark)
    assert f"• *Tom Berg* → *Ivy Chen* — {ABANDONED}" in told
    assert "being sent by another click" not in told
    tom = _by_mentee(owner_engine)["UE1"]
    assert (tom["status"], tom["failure"], tom["sending_since"]) == ("failed", ABANDONED, None)
    retry = [
        v
        for c in h.since(mark)
        if c.method == "response_url"
        for v in _values(c.blocks(), Action.RETRY_INTRODUCTIONS)
    ]

    mark = h.mark()
    h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry[0], on=preview)
    h.settle()
    assert _group_dms(h, mark) == [TOM_AND_IVY]
    assert {r["status"] for r in _rows(owner_engine)} == {"sent"}


def test_a_mentee_clicking_send_drop_or_retry_with_the_managers_buttons_is_refused(
    h: Harness, owner_engine: Engine
) -> None:
    """Buttons carry identifiers only: Ana, a mentee of the preview, forging
    the manager's Send, Drop and Retry values is told only managers may."""
    _people(h, owner_engine)
    _, send, shown, retry = _send_with_tom_and_ivy_refused(h, "conversations.open")
    drop = IntroductionRef(
        preview_id=PreviewRef.model_validate_json(send).preview_id, introduction_id=1
    ).encode()
    before = _rows(owner_engine)

    mark = h.mark()
    for action, value in (
        (Action.SEND_INTRODUCTIONS, send),
        (Action.RETRY_INTRODUCTIONS, retry),
        (Action.DROP_INTRODUCTION, drop),
    ):
        h.click("UE0", action, value, on=shown)
    h.settle()

    told = [c.text() for c in h.since(mark) if c.method in ("response_url", "chat.postMessage")]
    assert told == [ONLY_MANAGERS] * 3
    assert not [c for c in h.since(mark) if c.method == "conversations.open"]
    assert _rows(owner_engine) == before


def test_send_retry_and_drop_clicked_at_once_introduce_each_pair_once_without_an_error(
    h: Harness, owner_engine: Engine
) -> None:
    """Ana's pair proposed, Tom's failed: Send, Retry failed and Drop on Ana's
    pair from three threads. Ana and Kai are introduced once or dropped, Tom
    and Ivy introduced once, and nobody is told the bot failed."""
    _people(h, owner_engine)
    mark = h.mark()
    _submit(h, _open_modal(h))
    preview = _dm_to_manager(h, "Programme matching preview: 2 pairs", mark)
    send = _values(_blocks(preview), Action.SEND_INTRODUCTIONS)[0]
    preview_id = PreviewRef.model_validate_json(send).preview_id
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE introductions SET status = 'failed', failure = 'channel_not_found',"
                " failed_at = :at FROM users e WHERE e.id = introductions.mentee_id"
                " AND e.slack_user_id = 'UE1'"
            ),
            {"at": NOW},
        )
    ana = _by_id(owner_engine)["UE0"]
    drop = IntroductionRef(preview_id=preview_id, introduction_id=ana).encode()
    retry = PreviewRef(preview_id=preview_id).encode()

    mark = h.mark()
    at_once(
        lambda: h.click(MANAGER, Action.SEND_INTRODUCTIONS, send, on=preview),
        lambda: h.click(MANAGER, Action.RETRY_INTRODUCTIONS, retry, on=preview),
        lambda: h.click(MANAGER, Action.DROP_INTRODUCTION, drop, on=preview),
    )
    h.settle()

    said = [c for c in h.since(mark) if c.method in ("response_url", "chat.postMessage")]
    assert not [c for c in said if "went wrong" in c.text()]
    rows = _by_mentee(owner_engine)
    assert rows["UE1"]["status"] == "sent"
    assert rows["UE0"]["status"] in ("sent", "dropped")
    opened = sorted(str(c.params["users"]) for c in h.since(mark) if c.method == OPEN)
    assert opened == (["UE0,UM0"] if rows["UE0"]["status"] == "sent" else []) + ["UE1,UM1"]
