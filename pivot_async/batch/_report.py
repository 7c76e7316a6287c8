"""What ``pivot_async batch`` says about the rows that did not succeed."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TextIO

from ._progress import BatchSummary

__all__ = ["PROG", "SHOW_PROBLEMS", "open_existing", "problem_line", "report_problems"]

PROG = "pivot_async batch"
"""The prefix of every line the command writes on stderr."""
SHOW_PROBLEMS = 10
"""Rows that did not succeed listed on stderr at most (the rest are in the results file)."""


def open_existing(path: Path) -> sqlite3.Connection:
    """The journal for reading, never created: read-write (not ``mode=ro``) so that, being the
    last connection to close, it removes the ``-wal`` and ``-shm`` side files."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)


def report_problems(summary: BatchSummary, journal: Path, err: TextIO) -> None:
    """List the first rows that did not succeed on ``err``, one line each."""
    bad = summary.failed + summary.invalid + summary.unknown
    if not bad:
        return
    try:
        conn = open_existing(journal)
        try:
            rows = conn.execute(
                "SELECT row, state, error_code, error_field, error_message FROM ops WHERE "
                "job_id=? AND state NOT IN ('succeeded') ORDER BY row LIMIT ?",
                (summary.job_id, SHOW_PROBLEMS)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return
    for row, state, code, field, message in rows:
        shown = "unknown" if state == "pending" else state
        err.write(f"{PROG}: {problem_line(row, shown, field, message or code or 'no detail')}\n")
    if bad > len(rows):
        err.write(f"{PROG}: ... {bad - len(rows)} more rows did not succeed: see "
                  f"{summary.results_path}\n")
    if summary.unknown:
        err.write(f"{PROG}: {summary.unknown} outcomes are unknown: run the same command with "
                  "--resume to resolve them through the gateway\n")
    err.flush()


_API_ERROR = re.compile(
    r"HTTP (?P<status>\d{3})(?: (?P<code>[^:\s]+))?: (?P<message>.*?)"
    r"(?: \[(?P<details>.*)\])?(?: \(trace_id=(?P<trace>[^)]*)\))?(?P<rest>(?: \(.*\))?)")


def problem_line(row: int, state: str, field: str | None, message: str) -> str:
    """One row's problem for the terminal, each fact said once.

    A gateway error renders as ``HTTP 400 code: message [field: detail; ...] (trace_id=...)``,
    where the message, the detail and the field usually repeat one another: the line keeps the
    message, the details that add something, then status, code and trace id in parentheses.
    """
    match = _API_ERROR.fullmatch(message)
    if match is None:
        where = f"row {row} {state}" + (f" (field {field})" if field and field not in message
                                        else "")
        return f"{where}: {message}"
    text = match["message"]
    extra = []
    for detail in (match["details"] or "").split("; "):
        name, sep, said = detail.partition(": ")
        said = said if sep else detail
        if detail and said not in text and detail not in text:
            extra.append(said if name and name in said else detail)
    if extra:
        text += "; " + "; ".join(extra)
    if field and field not in text:
        text = f"{field}: {text}"
    facts = f"HTTP {match['status']}" + (f" {match['code']}" if match["code"] else "")
    if match["trace"]:
        facts += f", trace_id={match['trace']}"
    return f"row {row} {state}: {text} ({facts}){match['rest']}"
