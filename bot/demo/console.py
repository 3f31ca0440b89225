"""`mentorbot console --as NAME`: the demo workspace, interactive in the terminal.

It starts where the demo's sign-ups end (all four people have joined and Maya
offers weekday mornings), so `/mentor find` has someone to find. Each line is
what one person does in Slack; what the bot then shows that person is printed
with its buttons numbered, and what it shows others waits until you switch to
them. Reads lines from any input stream (a terminal, a pipe) and never stops
on bad input, or on a line that fails: it says what was wrong and carries on.
Ctrl-C abandons the line (or the form being filled in); Ctrl-D, or the end of
the input, quits."""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta
from typing import TextIO

from bot.demo.cast import CAST, MANAGERS, Person
from bot.demo.play import GUTTER
from bot.jobs import JOBS, run_job
from bot.standin.forms import BadAnswer, form_fields
from bot.standin.seen import Kind, Sight, acked_modal, field_errors, sights
from bot.standin.signing import Reply
from bot.standin.text import Control, Painter
from bot.standin.workspace import NotSeen, Workspace

log = logging.getLogger(__name__)

HELP = """\
  /mentor …    a slash command as the current person, e.g. /mentor find python
  1, 2, …      press the button (or pick the choice) with that number
  submit       fill in the open form field by field, and send it
  close        close the open form
  home         open the App Home tab
  as NAME      act as someone else: {names}
  people       who is here
  wait TIME    let time pass (wait 30m, wait 2h, wait 1d; at most 30 days)
               and run the background jobs
  help, quit   (Ctrl-C abandons a line or a form; Ctrl-D quits)"""
# How long the bot may take over one line before the console says so.
BUSY_LIMIT = 30.0
# Waiting longer than this at once is a typo, not a scenario.
LONGEST_WAIT = timedelta(days=30)
_DURATION = re.compile(r"^(\d{1,4})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ConsoleError(Exception):
    """Input the console cannot act on; the message says why."""


def find_person(name: str) -> Person:
    wanted = name.strip().lower()
    for person in CAST:
        if wanted in (person.handle, person.name.lower(), person.user_id.lower()):
            return person
    raise ConsoleError(
        f"Nobody called “{name.strip()}” here; try {', '.join(p.handle for p in CAST)}."
    )


class Console:
    def __init__(self, workspace: Workspace, me: Person, stdin: TextIO, stdout: TextIO) -> None:
        self.ws = workspace
        self.me = me
        self.stdin, self.stdout = stdin, stdout
        self.routed = workspace.mark()  # calls before this were shown or set aside
        self.waiting: dict[str, list[Sight]] = {}  # what others have not seen yet
        self.modals: dict[str, Sight] = {}  # each person's open modal
        self.controls: list[tuple[Control, Sight]] = []  # the numbers on the screen

    # -- input and output ------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def ask(self, prompt: str) -> str | None:
        """One line, or None at the end of the input."""
        if self.stdin.isatty() and self.stdin is sys.stdin:
            try:
                return input(prompt).strip()  # with line editing and history
            except EOFError:
                self.say("")
                return None
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.say("")
            return None
        # Piped input is not echoed by a terminal: show it, so the output reads as a session.
        self.say(line.rstrip("\n"))
        return line.strip()

    # -- the loop --------------------------------------------------------------

    def run(self) -> int:
        self.say(f"You are {self.me.name} ({self.me.zone}). Type `help` for what you can do.")
        while True:
            try:
                line = self.ask(f"{self.me.handle}> ")
                if line is None or not self.do(line):
                    return 0
            except KeyboardInterrupt:
                self.say("\n(cancelled; `quit` or Ctrl-D to leave)")
            except (ConsoleError, BadAnswer, NotSeen) as error:
                self.say(f"! {error}")
            except Exception as error:
                # One line failing (the database, a job, the stand-in) must not
                # end a session the person has built up; -v logs the traceback.
                log.debug("the line failed", exc_info=True)
                self.say(f"! that failed: {type(error).__name__}; the workspace is still running")

    def do(self, line: str) -> bool:
        """Act on one line; False to stop."""
        word, _, rest = line.partition(" ")
        word = word.lower()
        if not line:
            self.show()
        elif word in ("quit", "exit"):
            return False
        elif word in ("help", "?"):
            self.say(HELP.format(names=", ".join(p.handle for p in CAST)))
        elif word == "people":
            self.say("\n".join(_describe(p) for p in CAST))
        elif word == "as":
            self.switch(find_person(rest))
        elif line.startswith("/"):
            self.command(line)
        elif line.isdecimal():
            self.press(int(line))
        elif word == "submit":
            self.submit()
        elif word == "close":
            if self.modals.pop(self.me.user_id, None) is None:
                raise ConsoleError("No form is open.")
            self.say("(the form is closed)")
        elif word == "home":
            self.expect_ok(self.ws.open_home(self.me.user_id))
            self.show(home=True)
        elif word == "wait":
            self.wait(rest)
        else:
            raise ConsoleError(f"I don't know “{line[:40]}”. Type `help`.")
        return True

    # -- doing things ----------------------------------------------------------

    def command(self, line: str) -> None:
        name, _, text = line.partition(" ")
        if name != "/mentor":
            raise ConsoleError("The only slash command here is /mentor.")
        self.expect_ok(self.ws.command(self.me.user_id, text.strip()))
        self.show()

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.controls):
            where = f"1 to {len(self.controls)}" if self.controls else "none right now"
            raise ConsoleError(f"There is no {number} on the screen (the numbers: {where}).")
        control, sight = self.controls[number - 1]
        if control.confirm:
            answer = self.ask(f"{control.confirm} (y/n) ")
            if (answer or "").lower() not in ("y", "yes"):
                self.say("(not done)")
                return
        if control.url:
            self.say(f"(Slack opens {control.url} in the browser)")
        reply = self.ws.click(
            self.me.user_id, control.action_id, control.value, on=sight, selected=control.option
        )
        self.expect_ok(reply)
        self.show(home=sight.kind is Kind.HOME)

    def submit(self) -> None:
        form = self.modals.get(self.me.user_id)
        if form is None:
            raise ConsoleError("No form is open. Press a button or use /mentor to open one.")
        view = form.view()
        if not view.get("submit"):
            raise ConsoleError("This modal has nothing to send; `close` it.")
        values = {}
        for field in form_fields(view):
            self.say(field.question())
            while field.block_id not in values:
                answer = self.ask("> ")
                if answer is None:
                    raise ConsoleError("The input ended before the form was complete.")
                try:
                    values[field.block_id] = field.answer(answer)
                except BadAnswer as error:
                    self.say(f"! {error} ({field.label})")
        reply = self.expect_ok(self.ws.submit(self.me.user_id, view, values))
        if errors := field_errors(reply):
            labels = {f.block_id: f.label for f in form_fields(view)}
            for block_id, message in errors.items():
                self.say(f"! {labels.get(block_id, block_id)}: {message}")
            self.say("(the form stays open: `submit` to try again, `close` to give up)")
            return
        self.modals.pop(self.me.user_id, None)
        if (next_form := acked_modal(reply, self.me.user_id, view.get("id"))) is not None:
            self.modals[self.me.user_id] = next_form
            self.waiting.setdefault(self.me.user_id, []).append(next_form)
        else:
            self.say("(the form closes)")
        self.show()

    def wait(self, text: str) -> None:
        self.ws.clock.set(self.ws.clock.now() + parse_wait(text))
        self.say(f"(it is now {self.ws.clock.now():%a %-d %b %Y, %H:%M} UTC)")
        for job in JOBS.values():
            run_job(job, self.ws.bot)
        self.show()

    def switch(self, person: Person) -> None:
        self.me = person
        self.controls = []
        self.say(f"You are now {person.name} ({person.zone}).")
        self.show()
        if self.me.user_id in self.modals:
            self.say("(a form is open: `submit` to fill it in, `close` to close it)")

    def expect_ok(self, reply: Reply) -> Reply:
        if reply.status != 200:
            raise ConsoleError(f"The bot answered HTTP {reply.status}: {reply.body[:200]}")
        return reply

    # -- what appears ----------------------------------------------------------

    def show(self, *, home: bool = False) -> None:
        """Once the bot has finished, route what it did since the last time:
        the current person's sights (and channel posts) are shown, others' are
        kept for when you switch to them. A modal is its opener's, whoever is
        current when it arrives. The App Home is shown when asked for (`home`,
        or a click in it); otherwise it changed out of sight, in its tab."""
        self.ws.settle(BUSY_LIMIT)
        new = self.ws.since(self.routed)
        self.routed += len(new)
        found = sights(new, self.ws)
        people = {p.user_id: p for p in CAST}
        for sight in found:
            if sight.kind is Kind.MODAL:
                self.modals[sight.audience] = sight
            if sight.kind is not Kind.HOME or (home and sight.audience == self.me.user_id):
                self.waiting.setdefault(sight.audience, []).append(sight)
        mine = self.waiting.pop(self.me.user_id, [])
        channels = [a for a in self.waiting if a not in people]
        shown = mine + [s for channel in channels for s in self.waiting.pop(channel)]
        if shown:
            self.render(shown)
        if not home and any(s.kind is Kind.HOME and s.audience == self.me.user_id for s in found):
            self.say("(your App Home has changed: `home` to see it)")
        for audience in dict.fromkeys(s.audience for s in found):
            if self.waiting.get(audience):
                who = people[audience]
                count = len(self.waiting[audience])
                self.say(f"({who.name} has {count} new: `as {who.handle}` to see)")

    def render(self, found: list[Sight]) -> None:
        """Show `found`, numbering its buttons afresh."""
        painter = Painter(self.me.zone, {p.user_id: p.name for p in CAST})
        self.controls = []
        for sight in found:
            before = len(painter.controls)
            where = "" if sight.audience == self.me.user_id else f" in #{sight.audience}"
            self.say(f"— {sight.kind}{where}:")
            self.say("\n".join(GUTTER + line for line in sight.render(painter).splitlines()))
            self.controls += [(control, sight) for control in painter.controls[before:]]
        if any(s.kind is Kind.MODAL and s.view().get("submit") for s in found):
            self.say("(`submit` to fill in this form, `close` to close it)")


def _describe(person: Person) -> str:
    role = "programme manager" if person.user_id in MANAGERS else person.title
    return f"  {person.handle:6} {person.name}, {role} ({person.zone})"


def parse_wait(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise ConsoleError("Say how long: wait 30m, wait 2h or wait 1d.")
    wait = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if wait > LONGEST_WAIT:
        raise ConsoleError(f"Wait at most {LONGEST_WAIT.days} days at a time.")
    return wait
