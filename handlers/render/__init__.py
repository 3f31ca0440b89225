"""Pure Block Kit builders: domain objects in, views and blocks out; no I/O."""
