"""A deterministic, realistic organisation for demos and benchmarks, loaded with
PostgreSQL COPY.

`seed(url, users=…, mentors=…, sessions=…, seed=…, now=…)` builds one workspace:
departments, titles, time zones (DST and half-hour zones included), mentors with
expertise, weekly availability, time off and weekly caps, mentees with learning
goals, two years of sessions plus the next two weeks in every status, their
history, feedback, the mentors' rating aggregates and recent notifications.
The same arguments always give the same rows (the ids too, in a database whose
tables started empty).

How it stays fast and still honours the schema:
- Rows are generated as COPY text in Python (integers for times, formatted
  through lookup tables) and streamed while PostgreSQL ingests the previous
  chunk; every CHECK, foreign key, unique and exclusion constraint is checked by
  the server as usual.
- Sessions lie on a per-mentor grid of the mentor's own weekly windows (local
  wall-clock time converted with the zone's offset on that date), so a mentor's
  sessions never overlap; a mentee gets an active session (requested, scheduled,
  ongoing) only where they have no other active one, as mentee or as mentor.
- Feedback is copied with its per-row triggers disabled; `ratings` is then
  filled with one GROUP BY over it and `sessions.rating` with one UPDATE: the
  same figures the triggers keep, at a fraction of the cost (the triggers are
  enabled again in the same transaction, so no other transaction ever sees
  them off).
- One transaction; then `VACUUM (ANALYZE)` of the sessions (the UPDATE left a
  dead version of each rated one), `ANALYZE`, and the workspace's dashboard
  snapshots, as the `analytics` job computes them (the workspace's earlier
  snapshots are deleted in the transaction, so none can outlive the seed).

COPY FROM does not pass row-level security, so the login must bypass it
(a superuser or BYPASSRLS role) or own the tables: then FORCE ROW LEVEL
SECURITY is lifted for the transaction and put back before it commits.

The modules: `common` (spans, status codes, COPY text), `vocabulary` and
`names` (the words), `people` (the organisation), `plan` (the sessions as
arrays), `rows` (the sessions' rows), `load` (`seed()` itself).
"""

from storage.seed.common import STATUSES, reference_now
from storage.seed.load import SeedReport, seed

__all__ = ["STATUSES", "SeedReport", "reference_now", "seed"]
