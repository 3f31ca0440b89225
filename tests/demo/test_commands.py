"""`mentorbot demo` and `mentorbot console` as a person runs them: in a child
process, on a data folder of their own (the embedded PostgreSQL starts there)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest

from bot.demo.main import DEMO_DATABASE
from bot.standin.clock import monday_after
from storage.embedded import HANDLES, exclusive
from tests.shifted import python_command

ROOT = Path(__file__).resolve().parents[2]
MENTORBOT = python_command("-m", "bot.cli")
ENV = {**os.environ, "TERM": "dumb"}  # no terminal escapes in what we read back


def _story_start(transcript: str) -> datetime:
    """The moment the story starts, as the transcript says: `It is Monday 14
    December 2026, 08:00 UTC. …` (the child process chose it from its clock)."""
    line = next(line for line in transcript.splitlines() if line.startswith("It is "))
    said = line.removeprefix("It is ").split(" UTC.")[0]
    return datetime.strptime(said, "%A %d %B %Y, %H:%M").replace(tzinfo=UTC)


def test_the_demo_plays_the_whole_story_on_an_empty_data_folder(tmp_path: Path) -> None:
    began = time.monotonic()
    before = datetime.now(UTC)
    result = subprocess.run(
        [*MENTORBOT, "demo", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    # The story starts on the Monday after today, whatever today is.
    # (The child chose it at some moment while it ran, maybe past a midnight.)
    start = _story_start(transcript)
    after = datetime.now(UTC)
    assert start in {monday_after(before, at=dtime(8)), monday_after(after, at=dtime(8))}
    for seen in (
        "Ben Okafor looks for a mentor: `/mentor find python`",
        "Maya Patel (Europe/London) sees a direct message:",
        "[1 Accept] [2 Decline]",
        "✅ Accepted by Maya Patel",
        "Reminder: your session with Ben Okafor starts in 15 minutes",
        "· In progress",
        "[1 Complete] [2 No-show]",
        # Slack updates only a message it posted: the click carried the DM's ts.
        "Maya Patel (Europe/London) sees an earlier message changes to:",
        "Ben Okafor rated your session ★★★★★",
        "# Notifications (0 unread)",
        "Olga Ivanova (Europe/Berlin) sees the App Home:",
        "# Programme dashboard",
        "Olga Ivanova (Europe/Berlin) receives a file:",
        # Maya, and Olga: an active mentor with no sessions or weekly slots yet.
        f"📎 mentors-last-30-days-{_story_start(transcript):%Y-%m-%d}.csv (2 rows)",
        "Everyone in #C0MENTORING (times in UTC) sees a message:",
        "the week in review",
        "The story went as expected",
    ):
        assert seen in transcript
    assert "nothing new on anyone" not in transcript
    assert (tmp_path / "postgres").is_dir()
    assert not (tmp_path / "postgres" / "postmaster.pid").exists(), "PostgreSQL was stopped"
    assert took < 60


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console")


class Terminal:
    """The console's side of a pseudo-terminal, read until expected text shows."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = ""
        self.read_to = 0

    def expect(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while (found := self.seen.find(text, self.read_to)) < 0:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no {text!r} in:\n{self.seen[self.read_to :]}"
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the console ended and closed its terminal
                chunk = b""
            assert chunk, f"the console ended before {text!r}; it showed:\n{self.seen}"
            self.seen += chunk.decode(errors="replace")
        self.read_to = found + len(text)

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\n")


def signal_when_reading(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send `signum` once the process waits for the terminal. The prompt shows
    just before readline's wait begins; a signal that lands in between is only
    acted on after the next keystroke, as a person at a terminal never sees."""
    wchan = Path(f"/proc/{process.pid}/wchan")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        word in wchan.read_text() for word in ("poll", "select")
    ):
        time.sleep(0.01)
    process.send_signal(signum)


def test_the_console_in_a_terminal_searches_presses_a_button_and_submits_a_form(
    data_dir: Path,
) -> None:
    process, term = _console_in_a_terminal(data_dir)
    try:
        term.type("/mentor find python")
        term.expect("[2 Book]")
        term.expect("ben> ")
        term.type("2")
        term.expect("[modal] Book a session")
        term.expect("ben> ")
        term.type("submit")
        term.expect("When")
        term.expect("> ")
        term.type("1")
        term.expect("What would you like to talk about?")
        term.expect("> ")
        term.type("Learning Python")
        # Enter keeps what the form shows: a single session.
        term.expect("Repeat")
        term.expect("> ")
        term.type("")
        term.expect("How many sessions in all")
        term.expect("> ")
        term.type("")
        term.expect("(the form closes)")
        term.expect("Request sent for")
        term.expect("(Maya Patel has 1 new: `as maya` to see)")
        term.type("as maya")
        term.expect("Ben Okafor asked for a session")
        term.expect("[1 Accept] [2 Decline]")
        term.expect("maya> ")
        signal_when_reading(process, signal.SIGINT)  # Ctrl-C abandons the line, not the console
        term.expect("(cancelled; `quit` or Ctrl-D to leave)")
        term.expect("maya> ")
        os.write(term.fd, b"\x04")  # Ctrl-D at the start of a line: the end of the input
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(term.fd)


def test_the_console_says_what_was_wrong_with_bad_input_and_carries_on(data_dir: Path) -> None:
    lines = [
        "dance",
        "7",
        "/remind me",
        "as nobody",
        "submit",
        "wait a bit",
        "/mentor find",
        "1",
        "submit",
        "1",
        "close",
        "as olga",
        "/mentor stats",
    ]
    result = subprocess.run(
        [*MENTORBOT, "console", "--data-dir", str(data_dir), "--as", "cara"],
        cwd=ROOT,
        env=ENV,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for said in (
        "! I don't know “dance”. Type `help`.",
        "! There is no 7 on the screen (the numbers: none right now).",
        "! The only slash command here is /mentor.",
        "! Nobody called “nobody” here",
        "! No form is open.",
        "! Say how long",
        "cara> /mentor find",  # piped input is echoed, so the output reads as a session
        "[modal] Mentor profile",
        "! This modal has nothing to send; `close` it.",
        "[modal] Book a session",  # pressed inside the profile modal
        "You are now Olga Ivanova (Europe/Berlin).",
        "# Programme dashboard",
    ):
        assert said in out


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MENTORBOT, *args],
        cwd=ROOT,
        env=ENV,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_second_demo_on_a_data_folder_in_use_stops_with_one_line(tmp_path: Path) -> None:
    with exclusive(tmp_path, DEMO_DATABASE):  # as a first demo, still running, holds it
        result = _run("demo", "--data-dir", str(tmp_path))

    assert result.returncode == 1
    assert result.stderr == (
        f"mentorbot demo: another mentorbot demo is using {tmp_path};"
        " wait for it or pass --data-dir\n"
    )
    assert not (tmp_path / "postgres").exists(), "it never touched PostgreSQL"


def test_a_data_folder_that_cannot_be_made_stops_the_demo_with_one_line_naming_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "taken").write_text("a file, where the folder should go")

    result = _run("demo", "--data-dir", str(tmp_path / "taken" / "data"))

    assert result.returncode == 1
    assert result.stderr.startswith(
        f"mentorbot demo: taking the data folder {tmp_path / 'taken' / 'data'} failed:"
    )
    assert result.stderr.count("\n") == 1, "one line, no traceback"


def _console_in_a_terminal(data_dir: Path) -> tuple[subprocess.Popen[bytes], Terminal]:
    main, child = pty.openpty()
    process = subprocess.Popen(
        [*MENTORBOT, "console", "--data-dir", str(data_dir), "--as", "ben"],
        cwd=ROOT,
        env=ENV,
        stdin=child,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    term = Terminal(main)
    term.expect("ben> ")
    return process, term


def _users(data_dir: Path) -> list[int]:
    return json.loads((data_dir / "postgres" / HANDLES).read_text())


def test_postgres_stops_after_sigterm_even_when_an_earlier_run_was_killed_outright(
    tmp_path: Path,
) -> None:
    killed, term = _console_in_a_terminal(tmp_path)
    killed.kill()  # SIGKILL: no atexit, its pid stays in the cluster's list
    killed.wait()
    os.close(term.fd)
    assert _users(tmp_path) == [killed.pid]
    assert (tmp_path / "postgres" / "postmaster.pid").exists(), "PostgreSQL still runs"

    stopped, term = _console_in_a_terminal(tmp_path)
    assert _users(tmp_path) == [stopped.pid], "the killed console was forgotten"
    signal_when_reading(stopped, signal.SIGTERM)
    try:
        assert stopped.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        stopped.kill()
        os.close(term.fd)

    assert _users(tmp_path) == []
    assert not (tmp_path / "postgres" / "postmaster.pid").exists(), "PostgreSQL was stopped"
