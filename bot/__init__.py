"""Composition root: settings, the CLI, and the wiring of every other layer."""
