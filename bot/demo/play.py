"""Playing one step of a story through the real app: send what Slack would
send (or run a background job), wait until the bot has finished with it, and
print who did what and what each person then saw.

A step fails, naming itself, when the bot answers with an error status,
refuses a form, apologises for an error, does not show what was expected, or
is still busy after the step's time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.demo.cast import Person
from bot.errors import is_apology
from bot.jobs import JOBS, run_job
from bot.standin.forms import BadAnswer
from bot.standin.seen import REPLIES, Kind, Sight, acked_modal, field_errors
from bot.standin.signing import Reply
from bot.standin.text import Control, Painter
from bot.standin.workspace import NotSeen, Workspace

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


def press(workspace: Workspace, who: Person, sight: Sight, action: str) -> Callable[[], Reply]:
    """`who` pressing the `action` button that `sight` shows them: the click
    carries the button's value and says which message (or view) it was in."""
    return lambda: workspace.click(who.user_id, action, value_of(sight, action), on=sight)


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


def file(person: Person, named: str) -> Expect:
    return Expect(
        f"{person.name} to receive a file named “{named}…”",
        lambda s: (
            s.audience == person.user_id
            and s.kind is Kind.FILE
            and any(name.startswith(named) for name, _ in s.params["shared"])
        ),
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

    def later(
        self,
        at: datetime,
        job: str,
        did: str,
        *expected: Expect,
        then: tuple[Person, Callable[[], Reply]] | None = None,
    ) -> list[Sight]:
        """Time moves on to `at` and the background job `job` runs once; `then`
        someone does something, to show what the job changed."""
        self.workspace.clock.set(at)

        def run() -> Reply | None:
            run_job(JOBS[job], self.workspace.bot)
            return then[1]() if then else None

        actor = then[0].user_id if then else None
        return self._play(f"{at:%a %-d %b, %H:%M} UTC: {did}", actor, run, expected)

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
            self.workspace.settle(self.timeout)
        except NotSeen as error:
            raise DemoFailure(f"step {title} failed: {error}") from None
        except (OSError, SQLAlchemyError, BadAnswer, DemoFailure) as error:
            raise DemoFailure(f"step {title} failed: {error}") from error
        acked = self._ack(title, actor, answer) if answer is not None else []
        found = acked + self.workspace.sights(mark)
        self._no_apology(title, found)
        picks = [pick for e in expected if (pick := next((s for s in found if e.test(s)), None))]
        if len(picks) < len(expected):
            missing = "; ".join(e.what for e in expected if not any(e.test(s) for s in found))
            raise DemoFailure(
                f"step {title} failed: expected {missing}, which did not happen."
                f" What was seen:\n{self._render(found) or '(nothing)'}"
            )
        shown = self._render(found, full=picks)
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
            if is_apology(str(sight.params.get("text") or "")):
                raise DemoFailure(f"step {title} failed: the bot said “{sight.params['text']}”")

    def _render(self, found: list[Sight], *, full: Sequence[Sight] = ()) -> str:
        """Grouped by person. An App Home refreshed in the background is only
        mentioned (nobody looks at it then), unless the step is about it."""
        lines: list[str] = []
        audiences = list(dict.fromkeys(s.audience for s in found))
        for audience in audiences:
            zone = self.zones.get(audience, "UTC")
            painter = Painter(zone, self.names)
            name = self.names.get(audience)
            # Times are shown in the reader's zone, so the header says which.
            who = f"{name} ({zone})" if name else f"Everyone in #{audience} (times in {zone})"
            for sight in (s for s in found if s.audience == audience):
                if sight.kind is Kind.HOME and sight not in full:
                    lines.append(f"   {name or who}'s App Home is brought up to date.")
                    continue
                lines.append(f"   {who} {sight.headline}:")
                lines += [GUTTER + line for line in sight.render(painter).splitlines()]
        return "\n".join(lines)

    def _print(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)
