"""The Slack adapter: listeners that parse, call one use case, and render."""
