"""The console, in this process against the handler harness: what it shows to
whom, and how it carries on after a line that fails."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.exc import OperationalError

from bot.demo.cast import BEN, MAYA
from bot.demo.console import Console, ConsoleError, parse_wait
from bot.runtime import Bot
from tests.handlers.conftest import Harness


def _console(h: Harness, *lines: str, me: str = "maya") -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    person = {"maya": MAYA, "ben": BEN}[me]
    return Console(h, person, io.StringIO("".join(f"{line}\n" for line in lines)), out), out


def test_a_modal_that_arrives_while_someone_else_is_at_the_keyboard_is_its_openers(
    h: Harness,
) -> None:
    console, out = _console(h, "", "as ben")
    h.command(BEN.user_id, "signup mentee")  # Ben's form, built while Maya is current

    assert console.run() == 0

    printed = out.getvalue()
    maya_part, ben_part = printed.split("You are now Ben Okafor")
    assert "[modal]" not in maya_part
    assert "(Ben Okafor has 1 new: `as ben` to see)" in maya_part
    assert "[modal] Sign up as mentee" in ben_part
    assert console.modals.keys() == {BEN.user_id}


def test_a_line_that_fails_unexpectedly_is_reported_and_the_console_carries_on(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(bot: Bot) -> int:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr("bot.demo.console.JOBS", {"lifecycle": broken})
    console, out = _console(h, "wait 1h", "/mentor help")

    assert console.run() == 0, "the end of the input quits normally"

    printed = out.getvalue()
    assert "! that failed: OperationalError; the workspace is still running" in printed
    assert "/mentor find" in printed.split("/mentor help", 1)[1], "the next line still works"


def test_waiting_is_bounded_to_thirty_days() -> None:
    assert parse_wait("30d").days == 30
    with pytest.raises(ConsoleError, match="at most 30 days"):
        parse_wait("9999d")
