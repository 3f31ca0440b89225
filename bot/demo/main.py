"""`mentorbot demo` (the story, printed as a transcript) and `mentorbot console`."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.demo.cast import CAST, MANAGERS, MAYA, START, demo_workspace
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


def run_demo(data_dir: Path, out: TextIO = sys.stdout) -> int:
    began = time.monotonic()
    _starting("demo", data_dir, out)
    try:
        with demo_workspace(data_dir, DEMO_DATABASE) as workspace:
            print(_cast_list("The people:"), file=out)
            stage = Stage(workspace, out)
            play(stage)
    except DemoFailure as failure:
        print(f"mentorbot demo: {failure}", file=sys.stderr)
        return 1
    print(
        f"\nThe story went as expected: {stage.steps} steps through the real app"
        f" in {time.monotonic() - began:.1f} s.",
        file=out,
    )
    return 0


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
    try:
        with demo_workspace(data_dir, CONSOLE_DATABASE) as workspace:
            sign_ups(Stage(workspace, None))
            print(
                _cast_list("Everyone has signed up:")
                + f"\n{MAYA.name} mentors in Python and Leadership, {WEEKLY_HOURS} her time.",
                file=stdout,
            )
            return Console(workspace, me, stdin, stdout).run()
    except DemoFailure as failure:
        print(f"mentorbot console: the workspace could not be set up: {failure}", file=sys.stderr)
        return 1
