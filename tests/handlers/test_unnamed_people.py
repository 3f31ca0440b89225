"""Someone first seen while Slack could not say who they are is named by their
Slack id, in UTC; the `profiles` job asks Slack again and takes what it says
then, as a `user_change` event would be taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bot import jobs
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee, profile_row

NEWCOMERS = ("UNOOR", "UIVAN", "UGONE")
AS_FIRST_SEEN = {slack_id: (slack_id, "UTC", "", True) for slack_id in NEWCOMERS}


@pytest.fixture
def newcomers(h: Harness) -> Iterator[Harness]:
    """Maya and Ben, and three people Slack cannot tell of when they first
    come (users.info: user_not_found), each made known by a find."""
    mentor_and_mentee(h)
    for index, slack_id in enumerate(NEWCOMERS):
        h.command(slack_id, "find python")
        assert "Maya" in h.next_call("response_url", after=index).text()
    try:
        yield h
    finally:
        for slack_id in NEWCOMERS:
            h.slack.users.pop(slack_id, None)


def _people(engine: Engine) -> dict[str, tuple[str, str, str, bool]]:
    return {slack_id: profile_row(engine, slack_id) for slack_id in NEWCOMERS}


def test_the_job_takes_what_slack_says_now_and_asks_about_nobody_twice(
    newcomers: Harness, owner_engine: Engine
) -> None:
    h = newcomers
    assert _people(owner_engine) == {
        slack_id: (slack_id, "UTC", "", True) for slack_id in NEWCOMERS
    }
    h.slack.add_user("UNOOR", "Noor Haddad", tz="Asia/Dubai", title="Data analyst")
    h.slack.add_user("UIVAN", "Ivan Petrov", tz="Europe/Sofia")
    deleted = {"ok": True, "user": {"id": "UGONE", "deleted": True, "profile": {}}}
    h.slack.fail("users.info", match={"user": "UGONE"}, answer=deleted)
    asked = h.mark()

    assert jobs.profiles(h.bot) == 3

    assert _people(owner_engine) == {
        "UNOOR": ("Noor Haddad", "Asia/Dubai", "Data analyst", True),
        "UIVAN": ("Ivan Petrov", "Europe/Sofia", "", True),
        "UGONE": ("UGONE", "UTC", "", False),  # a deleted account leaves the programme
    }
    # What Noor sees: her name on her Home.
    h.open_home("UNOOR")
    assert "Welcome back, Noor Haddad" in h.next_call("views.publish", user_id="UNOOR").text()
    # Everyone is named or gone: the next run asks Slack about nobody.
    assert jobs.profiles(h.bot) == 0
    assert len([c for c in h.since(asked) if c.method == "users.info"]) == 3


def test_whoever_slack_still_cannot_tell_of_waits_for_a_later_run_and_the_rest_are_named(
    newcomers: Harness, owner_engine: Engine
) -> None:
    h = newcomers
    h.slack.add_user("UNOOR", "Noor Haddad", tz="Asia/Dubai")
    h.slack.fail("users.info", status=500, times=10, match={"user": "UIVAN"})
    # UGONE is still unknown to Slack (user_not_found).

    assert jobs.profiles(h.bot) == 1

    people = _people(owner_engine)
    assert people["UNOOR"] == ("Noor Haddad", "Asia/Dubai", "", True)
    assert people["UIVAN"] == ("UIVAN", "UTC", "", True)
    assert people["UGONE"] == ("UGONE", "UTC", "", True)
    h.slack.faults.clear()
    h.slack.add_user("UIVAN", "Ivan Petrov", tz="Europe/Sofia")
    assert jobs.profiles(h.bot) == 1
    assert _people(owner_engine)["UIVAN"] == ("Ivan Petrov", "Europe/Sofia", "", True)


def test_a_slack_answer_without_a_name_changes_nothing(
    newcomers: Harness, owner_engine: Engine
) -> None:
    h = newcomers
    for slack_id in NEWCOMERS:
        nameless = {"ok": True, "user": {"id": slack_id, "tz": "Europe/Paris", "profile": {}}}
        h.slack.fail("users.info", match={"user": slack_id}, answer=nameless)

    assert jobs.profiles(h.bot) == 0
    assert _people(owner_engine) == {
        slack_id: (slack_id, "UTC", "", True) for slack_id in NEWCOMERS
    }


def test_what_the_person_chose_since_first_sight_is_kept(
    newcomers: Harness, owner_engine: Engine
) -> None:
    h = newcomers
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE users SET time_zone = 'America/Lima', title = 'Team lead'"
                " WHERE slack_user_id = 'UNOOR'"
            )
        )
    h.slack.add_user("UNOOR", "Noor Haddad", tz="Asia/Dubai", title="Data analyst")
    h.slack.add_user("UIVAN", "Ivan Petrov", tz="Europe/Sofia", title="Engineer")

    assert jobs.profiles(h.bot) == 2

    people = _people(owner_engine)
    # Only what first sight made up is filled in: Noor's name, not her choices.
    assert people["UNOOR"] == ("Noor Haddad", "America/Lima", "Team lead", True)
    assert people["UIVAN"] == ("Ivan Petrov", "Europe/Sofia", "Engineer", True)
