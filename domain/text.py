"""Cleaning what people type: control characters out, lengths bounded.

Slack delivers whatever was typed or pasted; every free-text field passes
through here before a rule looks at it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from domain.errors import InvalidInput

_SPACES = re.compile(r"[ \t\u00a0]+")
_TAG_SEPARATORS = re.compile(r"[,;\n]+")

MAX_TAGS = 20
MAX_TAG_LENGTH = 40


def _printable(value: str, *, multiline: bool) -> str:
    kept = []
    for char in value:
        if char == "\n" and multiline:
            kept.append(char)
        elif char in "\t\r\n":
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


def clean_text(
    value: str | None,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """`value` without control characters and surrounding space, or InvalidInput."""
    text = _printable(value or "", multiline=multiline)
    if multiline:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    else:
        text = _SPACES.sub(" ", text).strip()
    if required and not text:
        raise InvalidInput(f"Please enter {label}.", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            f"{label.capitalize()} can be at most {max_length} characters"
            f" (you entered {len(text)}).",
            field=field,
        )
    return text


def normalize_tags(raw: str | Iterable[str], *, field: str, label: str) -> tuple[str, ...]:
    """Case-insensitive, trimmed, de-duplicated tags, in the order first given:
    "Python , python; SQL" -> ("python", "sql")."""
    parts = _TAG_SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    for part in parts:
        tag = _SPACES.sub(" ", _printable(part, multiline=False)).strip().casefold()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"Each of your {label} can be at most {MAX_TAG_LENGTH} characters"
                f" (“{tag[:20]}…” is longer).",
                field=field,
            )
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"Please list at most {MAX_TAGS} {label}.", field=field)
    return tuple(tags)
