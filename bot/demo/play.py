"""Playing one step of a story through the real app: send what Slack would
send (or run a background job), wait until what the story expects has
appeared, and print who did what and what each person then saw.

A step fails, naming itself, when the bot answers with an error status,
refuses a form, apologises for an error, or does not show what was expected
in time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.demo.cast import Person
from bot.errors import APOLOGY
from bot.jobs import JOBS, run_job
from bot.standin.forms import BadAnswer
from bot.standin.seen import REPLIES, Kind, Sight, acked_modal, field_errors, sights
from bot.standin.signing import Reply
from bot.standin.text import Control, Painter
from bot.standin.workspace import NotSeen, Workspace, wait_for

_APOLOGY_START = APOLOGY.split("(ref", 1)[0].strip()
GUTTER = "      │ "


class DemoFailure(Exception):
    """A step did not go as the story says; the message names the step."""


@dataclass(frozen=True)
class Expect:
    """Something a step must make appear."""

    what: str  # in words, for the failure message
    test: Callable[[Sight], bool]


def _controls(sight: Sight) -> tuple[str, list[Control]]:
    """What `sight` shows as text, and its buttons."""
    painter = Painter()
    shown = painter.mrkdwn(str(sight.params.get("text") or "")) + "\n" + sight.render(painter)
    return shown, painter.controls


def value_of(sight: Sight, action: str) -> str:
    """The value of the first `action` button in what `sight` shows."""
    for control in _controls(sight)[1]:
        if control.action_id == action:
            return control.value
    raise DemoFailure(f"there is no {action} button where the story expects one")


def _says(sight: Sight, text: str | None, button: str | None) -> bool:
    shown, controls = _controls(sight)
    has_button = button is None or any(c.action_id == button for c in controls)
    return (text is None or text.lower() in shown.lower()) and has_button


def dm(person: Person, saying: str | None = None, *, button: str | None = None) -> Expect:
    what = f"{person.name} to get a direct message" + (f" saying “{saying}”" if saying else "")
    return Expect(
        what + (f" with a {button} button" if button else ""),
        lambda s: s.audience == person.user_id and s.kind is Kind.DM and _says(s, saying, button),
    )


def reply(person: Person, saying: str | None = None, *, button: str | None = None) -> Expect:
    return Expect(
        f"{person.name} to get an answer" + (f" saying “{saying}”" if saying else ""),
        lambda s: s.audience == person.user_id and s.kind in REPLIES and _says(s, saying, button),
    )


def modal(person: Person, callback_id: str) -> Expect:
    return Expect(
        f"{person.name} to see the {callback_id} modal",
        lambda s: (
            s.audience == person.user_id
            and s.kind is Kind.MODAL
            and s.view().get("callback_id") == callback_id
        ),
    )


def home(person: Person, saying: str | None = None) -> Expect:
    return Expect(
        f"{person.name}'s App Home to show" + (f" “{saying}”" if saying else " up"),
        lambda s: s.audience == person.user_id and s.kind is Kind.HOME and _says(s, saying, None),
    )


def channel_post(channel: str, saying: str) -> Expect:
    return Expect(
        f"a message in #{channel} saying “{saying}”",
        lambda s: s.audience == channel and s.kind is Kind.POST and _says(s, saying, None),
    )


class Stage:
    def __init__(self, workspace: Workspace, out: TextIO | None, *, timeout: float = 10.0) -> None:
        self.workspace = workspace
        self.out = out
        self.timeout = timeout
        self.steps = 0
        users = workspace.slack.users
        self.names = {user_id: user.name for user_id, user in users.items()}
        self.zones = {user_id: user.tz for user_id, user in users.items()}

    def act(
        self, who: Person, did: str, send: Callable[[], Reply], *expected: Expect
    ) -> list[Sight]:
        """`who` does something in Slack; returns the sights that met `expected`, in order."""
        return self._play(f"{who.name} {did}", who.user_id, send, expected)

    def later(self, at: datetime, job: str, did: str, *expected: Expect) -> list[Sight]:
        """Time moves on to `at` and the background job `job` runs once."""
        self.workspace.clock.set(at)

        def run() -> None:
            run_job(JOBS[job], self.workspace.bot)

        return self._play(f"{at:%a %-d %b, %H:%M} UTC: {did}", None, run, expected)

    def _play(
        self,
        did: str,
        actor: str | None,
        send: Callable[[], Reply | None],
        expected: Sequence[Expect],
    ) -> list[Sight]:
        self.steps += 1
        title = f"{self.steps}. {did}"
        mark = self.workspace.mark()
        try:
            answer = send()
        except (OSError, SQLAlchemyError, BadAnswer, DemoFailure) as error:
            raise DemoFailure(f"step {title} failed: {error}") from error
        acked = self._ack(title, actor, answer) if answer is not None else []

        def seen() -> list[Sight]:
            found = acked + sights(
                self.workspace.since(mark), actor=actor, responders=self.workspace.responders
            )
            self._no_apology(title, found)
            return found

        def matched() -> list[Sight] | None:
            now = seen()
            picks = [next((s for s in now if e.test(s)), None) for e in expected]
            return [p for p in picks if p is not None] if all(picks) else None

        try:
            picks = wait_for(matched, timeout=self.timeout) if expected else []
        except NotSeen:
            now = seen()
            missing = "; ".join(e.what for e in expected if not any(e.test(s) for s in now))
            raise DemoFailure(
                f"step {title} failed: expected {missing}, which did not happen within"
                f" {self.timeout:g} s. What was seen:\n{self._render(now) or '(nothing)'}"
            ) from None
        self.workspace.settle(mark, first=0, quiet=0.2)  # whatever else the step showed
        shown = self._render(seen(), full=picks)
        self._print(f"\n{title}\n{shown or '   (nothing new on anyone’s screen)'}")
        return picks

    def _ack(self, title: str, actor: str | None, answer: Reply) -> list[Sight]:
        """The HTTP answer: an error status or a refused form fails the step; a
        modal in it is something the person sees."""
        if answer.status != 200:
            raise DemoFailure(f"step {title} failed: HTTP {answer.status} {answer.body[:200]}")
        if errors := field_errors(answer):
            raise DemoFailure(f"step {title} failed: the form was refused: {errors}")
        modal = acked_modal(answer, actor) if actor is not None else None
        return [modal] if modal is not None else []

    def _no_apology(self, title: str, found: list[Sight]) -> None:
        for sight in found:
            if str(sight.params.get("text") or "").startswith(_APOLOGY_START):
                raise DemoFailure(f"step {title} failed: the bot said “{sight.params['text']}”")

    def _render(self, found: list[Sight], *, full: Sequence[Sight] = ()) -> str:
        """Grouped by person. An App Home refreshed in the background is only
        mentioned (nobody looks at it then), unless the step is about it."""
        lines: list[str] = []
        audiences = list(dict.fromkeys(s.audience for s in found))
        for audience in audiences:
            painter = Painter(self.zones.get(audience, "UTC"), self.names)
            who = self.names.get(audience) or f"Everyone in #{audience}"
            for sight in (s for s in found if s.audience == audience):
                if sight.kind is Kind.HOME and sight not in full:
                    lines.append(f"   {who}'s App Home is brought up to date.")
                    continue
                lines.append(f"   {who} sees {sight.kind}:")
                lines += [GUTTER + line for line in sight.render(painter).splitlines()]
        return "\n".join(lines)

    def _print(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)
