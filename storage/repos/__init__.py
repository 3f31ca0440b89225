"""Repositories: rows in, domain objects out. They flush but never commit; the
database's refusals come out as domain errors (`storage.errors`)."""
