"""What every listener's wrapper shares: the busy reply, and names kept."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

BUSY = "I'm busy right now. Please try again in a moment."
BUSY_OUTCOME = "busy"


def named_after(run: Callable[..., Any]) -> Callable[[F], F]:
    """`functools.wraps` for a listener's wrapper: it takes `run`'s name (and
    module and docstring), so that grep and the logs find `handle_…`; Bolt still
    reads the wrapper's own arguments (it follows `__wrapped__`, which is
    therefore not kept)."""

    def keep(handle: F) -> F:
        functools.update_wrapper(handle, run)
        delattr(handle, "__wrapped__")
        return handle

    return keep
