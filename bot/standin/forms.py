"""A modal's input fields, filled in from typed answers: each answer becomes
the element state Slack would submit, after the checks Slack itself makes in
the browser (a required field is not empty, a choice is one of the choices,
a date is a date, a text is within the element's min_length and max_length, a
number within its min_value and max_value, and whole unless
is_decimal_allowed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

_SINGLE = frozenset({"static_select", "radio_buttons"})
_MULTI = frozenset({"checkboxes", "multi_static_select"})
# Selects whose choices Slack lists itself (people, channels): typed as ids.
_USERS, _CONVERSATION = "multi_users_select", "conversations_select"
_SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{2,}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


class BadAnswer(ValueError):
    """An answer Slack would not accept; the message says what would be."""


@dataclass(frozen=True)
class Choice:
    label: str
    option: dict[str, Any]  # as the view lists it, sent back as chosen


@dataclass(frozen=True)
class FormField:
    block_id: str
    label: str
    kind: str  # the element's type
    optional: bool
    choices: tuple[Choice, ...]
    initial: dict[str, Any]  # the element as the view has it

    def question(self) -> str:
        """What to ask, with the choices numbered and how to answer."""
        lines = [self.label + (" (optional)" if self.optional else "")]
        lines += [f"  {n}. {choice.label}" for n, choice in enumerate(self.choices, 1)]
        hint = {
            "datepicker": "a date, YYYY-MM-DD",
            "timepicker": "a time, HH:MM",
            "number_input": "a number",
            "url_text_input": "a link, https://…",
            _USERS: "Slack user ids, separated by commas; - for nobody",
            _CONVERSATION: "a channel id, such as C0123ABC",
        }.get(self.kind)
        if self.kind in _SINGLE:
            hint = "the number of one choice"
        if self.kind in _MULTI:
            hint = "numbers of choices, separated by commas"
        current = _current(self.initial, self.kind)
        extras = [part for part in (hint, current and f"Enter keeps {current}") if part]
        return "\n".join(lines) + (f"\n  ({'; '.join(extras)})" if extras else "")

    def answer(self, text: str) -> dict[str, Any]:
        """The element state for `text`; an empty answer keeps what is there."""
        text = text.strip()
        if not text:
            state = _initial_state(self.initial, self.kind)
            if not self.optional and _is_empty(state):
                raise BadAnswer("This field is required.")
            return state
        if self.kind in _SINGLE:
            return {"type": self.kind, "selected_option": self._pick(text).option}
        if self.kind in _MULTI:
            picked = [self._pick(part).option for part in text.split(",") if part.strip()]
            return {"type": self.kind, "selected_options": picked}
        if self.kind in (_USERS, _CONVERSATION):
            ids = [part.strip() for part in text.split(",") if part.strip() not in ("", "-")]
            if not all(_SLACK_ID.match(part) for part in ids):
                raise BadAnswer("Give Slack ids, such as U0123ABC or C0123ABC.")
            if self.kind == _USERS:
                return {"type": self.kind, "selected_users": ids}
            if len(ids) != 1:
                raise BadAnswer("Give one channel id.")
            return {"type": self.kind, "selected_conversation": ids[0]}
        if self.kind == "datepicker":
            try:
                date.fromisoformat(text)
            except ValueError:
                raise BadAnswer("Give a date as YYYY-MM-DD.") from None
            return {"type": self.kind, "selected_date": text}
        if self.kind == "timepicker":
            if not _TIME.match(text) or not _is_time(text):
                raise BadAnswer("Give a time as HH:MM, e.g. 09:30.")
            return {"type": self.kind, "selected_time": text}
        if self.kind == "number_input":
            _check_number(text, self.initial)
        if self.kind == "url_text_input" and not re.match(r"^https?://\S+$", text):
            raise BadAnswer("Give a link starting with https://.")
        if self.kind == "plain_text_input":
            _check_length(text, self.initial)
        return {"type": self.kind, "value": text}

    def _pick(self, text: str) -> Choice:
        """A choice by its number, or by its label or value as written."""
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.choices[int(text) - 1]
        for choice in self.choices:
            if text.lower() in (choice.label.lower(), str(choice.option.get("value")).lower()):
                return choice
        raise BadAnswer(f"Choose by number, 1 to {len(self.choices)}.")


def form_fields(view: dict[str, Any]) -> list[FormField]:
    """The input blocks of `view`, in order."""
    fields = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        choices = tuple(
            Choice(
                f"{group}: {_label(option.get('text'))}" if group else _label(option.get("text")),
                option,
            )
            for group, option in grouped_options(element)
        )
        fields.append(
            FormField(
                block_id=str(block.get("block_id")),
                label=_label(block.get("label")),
                kind=str(element.get("type")),
                optional=bool(block.get("optional")),
                choices=choices,
                initial=element,
            )
        )
    return fields


def fill(view: dict[str, Any], answers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The state of every input of `view` with `answers` (by block id) typed in
    and the rest left as they are. A script names choices by their values:
    "5" for five stars is the option whose value is 5, wherever it is listed."""
    values = {}
    for field in form_fields(view):
        answer = answers.get(field.block_id, "")
        typed = answer
        if field.choices and answer:
            wanted = [part.strip() for part in answer.split(",")]
            listed = [str(choice.option.get("value")) for choice in field.choices]
            typed = ",".join(str(listed.index(v) + 1) if v in listed else "?" for v in wanted)
        try:
            values[field.block_id] = field.answer(typed)
        except BadAnswer as error:
            raise BadAnswer(f"{field.label}: “{answer}” will not do. {error}") from None
    return values


def grouped_options(element: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each option of a select with the label of its group ("" when ungrouped)."""
    groups = element.get("option_groups") or [{"options": element.get("options") or []}]
    return [
        (_label(group.get("label")), option)
        for group in groups
        for option in group.get("options") or []
    ]


def _label(node: Any) -> str:
    return str(node.get("text") if isinstance(node, dict) else node or "")


def _check_length(text: str, element: dict[str, Any]) -> None:
    shortest, longest = element.get("min_length"), element.get("max_length")
    if shortest is not None and len(text) < int(shortest):
        raise BadAnswer(f"Write at least {shortest} characters (this is {len(text)}).")
    if longest is not None and len(text) > int(longest):
        raise BadAnswer(f"Write at most {longest} characters (this is {len(text)}).")


def _check_number(text: str, element: dict[str, Any]) -> None:
    whole = not element.get("is_decimal_allowed")  # Slack's default: whole numbers only
    if not re.match(r"^-?\d+$" if whole else r"^-?\d+(\.\d+)?$", text):
        raise BadAnswer("Give a whole number." if whole else "Give a number.")
    # Block Kit writes the bounds as strings; Decimal compares "2.5" and 2 exactly.
    number = Decimal(text)
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and number < Decimal(str(low)):
        raise BadAnswer(f"Give a number of at least {low}.")
    if high is not None and number > Decimal(str(high)):
        raise BadAnswer(f"Give a number of at most {high}.")


def _is_time(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def _initial_state(element: dict[str, Any], kind: str) -> dict[str, Any]:
    """What Slack submits for an element nobody touched."""
    if kind in _SINGLE:
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind in _MULTI:
        return {"type": kind, "selected_options": element.get("initial_options") or []}
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": element.get("initial_time")}
    if kind == _USERS:
        return {"type": kind, "selected_users": element.get("initial_users") or []}
    if kind == _CONVERSATION:
        return {"type": kind, "selected_conversation": element.get("initial_conversation")}
    return {"type": kind, "value": element.get("initial_value")}


def _is_empty(state: dict[str, Any]) -> bool:
    return not any(value for key, value in state.items() if key != "type")


def _current(element: dict[str, Any], kind: str) -> str:
    state = _initial_state(element, kind)
    if kind in _SINGLE:
        return _label((state["selected_option"] or {}).get("text"))
    if kind in _MULTI:
        return ", ".join(_label(option.get("text")) for option in state["selected_options"])
    if kind == _USERS:
        return ", ".join(state["selected_users"])
    return str(next((v for k, v in state.items() if k != "type" and v), ""))
