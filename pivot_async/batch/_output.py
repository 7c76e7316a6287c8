"""The results file, regenerated from the journal in row order at the end of every run.

Format by extension: ``.csv``, or ``.jsonl`` / ``.ndjson`` (one JSON object per line). Columns
(JSON keys): ``row``, ``operation``, ``reference``, ``outcome``, ``id``, ``status``, ``url``,
``error_code``, ``error_field``, ``error_message``, ``input`` (the row as read: a JSON object in
JSON Lines, JSON text in CSV). A row still ``pending`` in the journal (the run stopped while it
was in flight) is reported ``unknown`` with ``error_code`` ``in_flight``. The file is written
next to its final name and renamed into place, so a reader never sees a half-written file.
"""

from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path
from typing import Any

import msgspec

from ._model import REFERENCE_FIELDS, BatchError

__all__ = ["COLUMNS", "results_format", "write_results"]

COLUMNS = ("row", "operation", "reference", "outcome", "id", "status", "url", "error_code",
           "error_field", "error_message", "input")
"""The columns of the results file, in order (the keys of each JSON Lines record).

``row``: the input row number (from 1); ``operation``: ``create_payment``, ``refund`` or
``wallet_debit``; ``reference``: ``clientReferenceId`` or ``partnerReferenceNo`` (for an
``invalid`` row, the one its input names, when it names one); ``outcome``: ``succeeded``,
``failed``, ``invalid`` or ``unknown``; ``id``, ``status``, ``url``: what the
gateway created (session or refund id and status, or the debit's ``referenceNo`` and response
code; the payment URL); ``error_code``, ``error_field``, ``error_message``: why a row did not
succeed; ``input``: the row as read.
"""

_IN_FLIGHT = ("in_flight", "the operation was in flight when the run stopped: resume the job "
              "to resolve it through the gateway")


def results_format(path: str | os.PathLike[str]) -> str:
    """``"csv"`` or ``"jsonl"`` from the file name; anything else is a :class:`BatchError`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise BatchError(f"results file {os.fspath(path)!r}: use a .csv, .jsonl or .ndjson name")


def _records(conn: sqlite3.Connection, job_id: str) -> Any:
    """The job's result rows in row order, a list of up to 1,000 at a time."""
    cur = conn.execute(
        "SELECT row, kind, reference, state, result_id, status, url, error_code, error_field,"
        " error_message, input FROM ops WHERE job_id=? ORDER BY row", (job_id,))
    while True:
        chunk: list[Any] = cur.fetchmany(1000)
        if not chunk:
            return
        for i, rec in enumerate(chunk):
            if rec[3] == "pending" or rec[2] is None:  # rare: most rows are written as read
                row = list(rec)
                if row[3] == "pending":
                    row[3] = "unknown"
                    row[7], row[9] = _IN_FLIGHT
                if row[2] is None:
                    row[2] = _reference_of(row[1], row[-1])
                chunk[i] = row
        yield chunk


def _reference_of(kind: str, source: str | None) -> str | None:
    """The reference a row that was never sent (``invalid``) names in its input, if any."""
    if not source:
        return None
    try:
        obj = msgspec.json.decode(source)
    except msgspec.DecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    names = [REFERENCE_FIELDS[kind]] if kind in REFERENCE_FIELDS else []
    names += [n for n in ("clientReferenceId", "partnerReferenceNo") if n not in names]
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def write_results(conn: sqlite3.Connection, job_id: str, path: str | os.PathLike[str]) -> int:
    """Write the job's results to ``path`` (streaming); return the number of rows."""
    fmt = results_format(path)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    count = 0
    try:
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(COLUMNS)
                for rows in _records(conn, job_id):
                    writer.writerows(rows)  # the csv module writes None as an empty cell
                    count += len(rows)
        else:
            encoder = msgspec.json.Encoder()
            with open(tmp, "wb") as fb:
                for rows in _records(conn, job_id):
                    for row in rows:
                        record = dict(zip(COLUMNS, row, strict=True))
                        record["input"] = _raw_json(row[-1])
                        fb.write(encoder.encode(record))
                        fb.write(b"\n")
                    count += len(rows)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def _raw_json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text
    return msgspec.Raw(text.encode())
