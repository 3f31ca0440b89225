"""The per-mentor table as a CSV file (RFC 4180: comma, double quotes, CRLF),
UTF-8 with a byte order mark: without it Excel reads the file in the system's
legacy code page and shows "JosÃ©" for "José".

Names and departments are typed by people: a cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return would be read as a formula by spreadsheet
programs, so it is prefixed with an apostrophe (OWASP's CSV injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from domain.analytics import MentorRow, MentorTable
from handlers.render.breakdowns import plural

COLUMNS = (
    "mentor",
    "slack_user_id",
    "department",
    "sessions",
    "completed",
    "ratings",
    "average_rating",
    "bayesian_score",
    "booked_hours",
    "offered_hours",
    "utilization_percent",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _row(row: MentorRow) -> Sequence[str]:
    f = row.figures
    return (
        safe_cell(f.name),
        safe_cell(row.slack_user_id),
        safe_cell(row.department),
        str(f.sessions),
        str(f.completed),
        str(f.rating_count),
        _number(f.average_rating, 2),
        _number(f.score, 2),
        _number(f.booked_hours, 2),
        _number(f.offered_hours, 2),
        _number(None if f.utilization is None else 100 * f.utilization, 1),
    )


def mentor_csv(table: MentorTable) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(row) for row in table.rows)
    return out.getvalue()


def _period_slug(period_days: int | None) -> str:
    return "all-time" if period_days is None else f"last-{period_days}-days"


def export_filename(table: MentorTable) -> str:
    return f"mentors-{_period_slug(table.period_days)}-{table.until:%Y-%m-%d}.csv"


def export_comment(table: MentorTable, label: str) -> str:
    """The message the file comes with: what it holds."""
    return (
        f"Per-mentor figures, {label.lower()} ({plural(len(table.rows), 'mentor')}). Hours and"
        " utilization use the dashboard's definitions; `/mentor stats` explains them."
    )
