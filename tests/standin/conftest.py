"""The driver is tried against the handler harness."""

from tests.handlers.conftest import h, harness, slack_server

__all__ = ["h", "harness", "slack_server"]
