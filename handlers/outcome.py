"""How a request ended, as the request log reports it.

A request is answered on one thread and its work after the ack runs on one
other (see bot.work), so the outcome lives in a thread-local, carried from the
first to the second: the request log resets it when the request arrives and
reads it when its work has ended. Handlers only report what the log cannot see for itself: that the
person was refused (a domain error shown to them), with the error's kind, never
its text (it may quote what the person typed)."""

from __future__ import annotations

import threading

from domain.errors import DomainError

OK = "ok"
_current = threading.local()


def reset() -> None:
    _current.value = OK


def refused(error: DomainError) -> None:
    _current.value = f"refused:{type(error).__name__}"


def failed(reference: str) -> None:
    _current.value = f"error:{reference}"


def set(value: str) -> None:
    """Carry a request's outcome so far onto the thread that continues it."""
    _current.value = value


def current() -> str:
    return str(getattr(_current, "value", OK))
