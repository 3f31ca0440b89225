"""How a request ended, as the request log reports it.

A listener runs on one thread from start to finish, so the outcome lives in a
thread-local: the request log resets it when the listener starts and reads it
when it ends. Handlers only report what the log cannot see for itself: that the
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


def current() -> str:
    return str(getattr(_current, "value", OK))
