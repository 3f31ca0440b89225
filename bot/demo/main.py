"""`mentorbot demo` (the story, printed as a transcript) and `mentorbot console`.

Both end with one line and an exit status, never a traceback: 0 when all went
well, 1 when the workspace could not be set up (another run holds the data
folder, PostgreSQL or the migrations failed) or a step of the story failed,
130 on Ctrl-C during set-up or the story. SIGTERM ends them as SystemExit
(status 143), so the embedded PostgreSQL is stopped on the way out."""

from __future__ import annotations

import io
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot.demo.cast import CAST, MANAGERS, MAYA, START, SetUpFailed, demo_workspace
from bot.demo.console import Console, ConsoleError, find_person
from bot.demo.play import DemoFailure, Stage
from bot.demo.story import WEEKLY_HOURS, play, sign_ups

# Databases of their own in the embedded cluster, recreated at every start.
DEMO_DATABASE = "mentorbot_demo"
CONSOLE_DATABASE = "mentorbot_console"


def _cast_list(heading: str) -> str:
    lines = [f"It is {START:%A %-d %B %Y, %H:%M} UTC. {heading}"]
    for person in CAST:
        role = ", programme manager" if person.user_id in MANAGERS else ""
        lines.append(f"  {person.name}, {person.title}{role} ({person.zone})")
    return "\n".join(lines)


def _starting(command: str, data_dir: Path, out: TextIO) -> None:
    print(
        f"mentorbot {command}: PostgreSQL in {data_dir / 'postgres'}, the bot over HTTP,"
        " and a stand-in for Slack (no Slack tokens needed).",
        file=out,
        flush=True,
    )


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # The default action ends the process at once, skipping the atexit hook
    # that stops the embedded PostgreSQL; SystemExit unwinds and runs it.
    sys.exit(128 + signum)


def _run(command: str, body: Callable[[], int]) -> int:
    """`body`, with a failed set-up or step and Ctrl-C reported as one line each."""
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Started in the background by a shell, a process inherits SIGINT ignored;
    # these are interactive, so Ctrl-C must reach them whoever started them.
    previous_interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return body()
    except (SetUpFailed, DemoFailure) as failure:
        print(f"mentorbot {command}: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nmentorbot {command}: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_interrupt)


def run_demo(data_dir: Path, out: TextIO = sys.stdout) -> int:
    began = time.monotonic()
    _starting("demo", data_dir, out)

    def demo() -> int:
        with demo_workspace(data_dir, DEMO_DATABASE, "demo") as workspace:
            print(_cast_list("The people:"), file=out)
            stage = Stage(workspace, out)
            play(stage)
        print(
            f"\nThe story went as expected: {stage.steps} steps through the real app"
            f" in {time.monotonic() - began:.1f} s.",
            file=out,
        )
        return 0

    return _run("demo", demo)


def run_console(
    data_dir: Path, name: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    try:
        me = find_person(name)
    except ConsoleError as error:
        print(f"mentorbot console: {error}", file=sys.stderr)
        return 2
    _starting("console", data_dir, stdout)
    if stdin is sys.stdin and stdin.isatty():
        import readline  # noqa: F401  (line editing and history for input())
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")  # a stray byte is bad input, not a crash

    def console() -> int:
        with demo_workspace(data_dir, CONSOLE_DATABASE, "console") as workspace:
            try:
                sign_ups(Stage(workspace, None))
            except DemoFailure as failure:
                raise SetUpFailed(f"the sign-ups failed: {failure}") from failure
            print(
                _cast_list("Everyone has signed up:")
                + f"\n{MAYA.name} mentors in Python and Leadership, {WEEKLY_HOURS} her time.",
                file=stdout,
            )
            return Console(workspace, me, stdin, stdout).run()

    return _run("console", console)
