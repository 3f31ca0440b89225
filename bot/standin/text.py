"""Block Kit as a person would read it, as terminal text: messages, modals,
the App Home and shared files. Buttons (and each choice of a select in a message) are numbered,
`[1 Accept]`, in the order they appear; the numbers go on across everything a
`Painter` renders, so several messages shown together share one numbering."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.standin.forms import grouped_options

RULE = "─" * 40
_TOKEN = re.compile(r"<([^<>]+)>")
_INPUT_OPTIONS_SHOWN = 4
_FILE_LINES_SHOWN = 4
# What a calendar file's preview shows of it.
_ICS_SHOWN = ("METHOD", "SUMMARY", "DTSTART", "DTEND", "STATUS", "SEQUENCE", "LOCATION")


@dataclass(frozen=True)
class Control:
    """Something to press: a button, or one choice of a select."""

    label: str
    action_id: str
    value: str
    option: bool = False  # a choice in a select: sent as its selected option
    url: str | None = None  # a link button: Slack opens it (and tells the app)
    confirm: str | None = None  # the "are you sure?" Slack asks first


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def slack_date(epoch: int, template: str, zone: str) -> str:
    """`<!date^…>` as Slack renders it for a reader in `zone` (24-hour clock;
    the `_pretty` forms without "today" and "tomorrow", which would depend on
    when the transcript is read)."""
    moment = datetime.fromtimestamp(epoch, tz=UTC).astimezone(ZoneInfo(zone))
    day = _ordinal(moment.day)
    forms = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": f"{moment:%B} {day}, {moment.year}",
        "date_short": f"{moment:%b} {moment.day}, {moment.year}",
        "date_long": f"{moment:%A, %B} {day}, {moment.year}",
        "time": f"{moment:%H:%M}",
        "time_secs": f"{moment:%H:%M:%S}",
    }
    for name in ("date", "date_short", "date_long"):
        forms[f"{name}_pretty"] = forms[name]
    return re.sub(r"\{(\w+)\}", lambda m: forms.get(m.group(1), m.group(0)), template)


def _plain(node: Any) -> str:
    """The text of a text object (or a bare string)."""
    if isinstance(node, dict):
        return str(node.get("text") or "")
    return str(node or "")


@dataclass
class Painter:
    """Renders for one reader: dates in their zone, mentions by name."""

    zone: str = "UTC"
    names: Mapping[str, str] = field(default_factory=dict)
    controls: list[Control] = field(default_factory=list)

    # -- text ------------------------------------------------------------------

    def mrkdwn(self, text: str) -> str:
        return html.unescape(_TOKEN.sub(lambda m: self._token(m.group(1)), text))

    def _token(self, inner: str) -> str:
        target, _, label = inner.partition("|")
        if target.startswith("!date^"):
            parts = target.split("^")
            if len(parts) >= 3 and parts[1].isdigit():
                return slack_date(int(parts[1]), parts[2], self.zone)
            return label or target
        if target.startswith("@"):
            return "@" + (self.names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label else target

    def _text(self, node: Any) -> str:
        if isinstance(node, dict) and node.get("type") == "mrkdwn":
            return self.mrkdwn(_plain(node))
        return html.unescape(_plain(node))

    # -- controls --------------------------------------------------------------

    def _press(self, control: Control) -> str:
        self.controls.append(control)
        return f"[{len(self.controls)} {control.label}]"

    def _button(self, element: dict[str, Any]) -> str:
        confirm = element.get("confirm")
        return self._press(
            Control(
                label=self._text(element.get("text")),
                action_id=str(element.get("action_id") or ""),
                value=str(element.get("value") or ""),
                url=element.get("url"),
                confirm=self._text(confirm.get("text")) if isinstance(confirm, dict) else None,
            )
        )

    def _choices(self, element: dict[str, Any]) -> str:
        """A select in a message: each choice is pressed on its own."""
        action_id = str(element.get("action_id") or "")
        chosen = (element.get("initial_option") or {}).get("value")
        pressed = [
            self._press(Control(self._text(o.get("text")), action_id, str(o["value"]), True))
            + (" (chosen)" if o.get("value") == chosen else "")
            for _group, o in grouped_options(element)
        ]
        return f"{self._text(element.get('placeholder')) or 'Choose'}: " + " ".join(pressed)

    def _element(self, element: dict[str, Any]) -> str:
        kind = element.get("type")
        if kind == "button":
            return self._button(element)
        if kind in ("static_select", "overflow", "radio_buttons"):
            return self._choices(element)
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind in ("mrkdwn", "plain_text"):
            return self._text(element)
        return f"[{kind}]"

    # -- blocks ----------------------------------------------------------------

    def blocks(self, blocks: list[dict[str, Any]]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            lines.extend(self._block(block))
        return lines

    def _block(self, block: dict[str, Any]) -> list[str]:
        kind = block.get("type")
        if kind == "header":
            return [f"# {self._text(block.get('text'))}"]
        if kind == "divider":
            return [RULE]
        if kind == "context":
            return ["  " + " · ".join(self._element(e) for e in block.get("elements", []))]
        if kind == "actions":
            return [" ".join(self._element(e) for e in block.get("elements", []))]
        if kind == "section":
            lines = self._text(block.get("text")).splitlines() if block.get("text") else []
            lines += [
                "  " + " ".join(self._text(f).splitlines()) for f in block.get("fields") or []
            ]
            if block.get("accessory"):
                lines.append(self._element(block["accessory"]))
            return lines
        if kind == "input":
            return self._input(block)
        if kind == "image":
            return [f"[image: {block.get('alt_text', '')}]"]
        return [f"[{kind} block]"]

    def _input(self, block: dict[str, Any]) -> list[str]:
        element = block.get("element") or {}
        label = self._text(block.get("label")) + (" (optional)" if block.get("optional") else "")
        lines = [f"{label}: {self._field(element)}"]
        options = grouped_options(element)
        if options:
            shown = ", ".join(
                (f"{group}: " if group else "") + self._text(option.get("text"))
                for group, option in options[:_INPUT_OPTIONS_SHOWN]
            )
            more = len(options) - _INPUT_OPTIONS_SHOWN
            lines.append(f"    choices: {shown}" + (f", … ({more} more)" if more > 0 else ""))
        if block.get("hint"):
            lines.append(f"    {self._text(block['hint'])}")
        return lines

    def _field(self, element: dict[str, Any]) -> str:
        """An input's current content, or what it asks for."""
        chosen = [element["initial_option"]] if element.get("initial_option") else []
        chosen += element.get("initial_options") or []
        people = ", ".join(self.mrkdwn(f"<@{user}>") for user in element.get("initial_users") or [])
        channel = element.get("initial_conversation")
        current = (
            ", ".join(self._text(o.get("text")) for o in chosen)
            or element.get("initial_value")
            or element.get("initial_date")
            or element.get("initial_time")
            or people
            or (channel and self.mrkdwn(f"<#{channel}>"))
        )
        if current:
            return f"▸ {current}"
        placeholder = self._text(element.get("placeholder"))
        return f"▹ ({placeholder})" if placeholder else "▹ ____"

    # -- surfaces --------------------------------------------------------------

    def message(self, params: Mapping[str, Any]) -> str:
        blocks = params.get("blocks")
        if blocks:
            return "\n".join(self.blocks(blocks))
        return self.mrkdwn(str(params.get("text") or ""))

    def view(self, view: Mapping[str, Any]) -> str:
        if view.get("type") == "home":
            lines = ["[App Home]"]
        else:
            lines = [f"[modal] {self._text(view.get('title'))}"]
        lines += self.blocks(view.get("blocks") or [])
        buttons = [
            f"[{what}: {self._text(view[key])}]"
            for key, what in (("submit", "submit"), ("close", "close"))
            if view.get(key)
        ]
        if buttons:
            lines.append(" ".join(buttons))
        return "\n".join(lines)

    def file(self, name: str, content: str) -> str:
        """A shared file as Slack previews it: the name, the size (rows under a
        CSV's header line), the first lines; a calendar file, the event's key
        properties (its first lines are boilerplate). A byte order mark is not shown."""
        content = content.removeprefix("\ufeff")
        if name.endswith(".ics"):
            # A line folded by RFC 5545 goes on after a line break and one space or tab.
            unfolded = re.sub(r"\r?\n[ \t]", "", content).splitlines()
            shown = [line for line in unfolded if re.split("[:;]", line)[0] in _ICS_SHOWN]
            return "\n".join([f"📎 {name} (calendar event)", *("    " + line for line in shown)])
        lines = content.splitlines()
        if name.endswith(".csv"):
            rows = max(len(list(csv.reader(io.StringIO(content)))) - 1, 0)
            size = f"{rows} row{'' if rows == 1 else 's'}"
        else:
            size = f"{len(lines)} line{'' if len(lines) == 1 else 's'}"
        shown = [f"📎 {name} ({size})"] + ["    " + line for line in lines[:_FILE_LINES_SHOWN]]
        if len(lines) > _FILE_LINES_SHOWN:
            shown.append(f"    … ({len(lines) - _FILE_LINES_SHOWN} more lines)")
        return "\n".join(shown)
