"""The results file, written from the journal in row order at every run (a job run in
chunks appends the rows it has settled while it runs; the rest is written at the end).

Format by extension: ``.csv``, or ``.jsonl`` / ``.ndjson`` (one JSON object per line). Columns
(JSON keys): ``row``, ``operation``, ``reference``, ``outcome``, ``id``, ``status``, ``url``,
``error_code``, ``error_field``, ``error_message``, ``input`` (the row as read: a JSON object in
JSON Lines, JSON text in CSV). A row still ``pending`` in the journal (the run stopped while it
was in flight) is reported ``unknown`` with ``error_code`` ``in_flight``. The file is written
next to its final name and renamed into place, so a reader never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sqlite3
import threading
from pathlib import Path
from typing import IO, Any

import msgspec

from ._model import REFERENCE_FIELDS, BatchError

__all__ = ["COLUMNS", "ResultsFile", "results_format", "write_results"]

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


def _records(conn: sqlite3.Connection, job_id: str, after: int | None = None,
             upto: int | None = None) -> Any:
    """The job's result rows in row order (those after row ``after`` and up to row ``upto``
    when given), a list of up to 1,000 at a time."""
    sql = ("SELECT row, kind, reference, state, result_id, status, url, error_code, error_field,"
           " error_message, input FROM ops WHERE job_id=?")
    args: list[Any] = [job_id]
    if after is not None:
        sql += " AND row>?"
        args.append(after)
    if upto is not None:
        sql += " AND row<=?"
        args.append(upto)
    cur = conn.execute(sql + " ORDER BY row", args)
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
    return ResultsFile(path).commit(conn, job_id)


class ResultsFile:
    """A results file being written: rows are appended in row order while the job runs
    (:meth:`append`, for rows that this run has settled), the rest at the end
    (:meth:`commit`), then the file is renamed into place. The bytes are those of one
    export at the end: rows are read from the journal either way.

    A driver whose rows run elsewhere appends as chunks settle, so that at the end of the job
    little is left to write while the workers sit idle. Calls may come from the journal's
    thread; :meth:`discard` (a run that did not finish) may come from another.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.fmt = results_format(path)
        self.target = Path(path)
        self.tmp = self.target.with_name(f".{self.target.name}.tmp")
        self.count = 0
        self._file: IO[bytes] | None = None
        self._after: int | None = None  # rows up to this one are written
        self._started = self._done = self._failed = False
        self._lock = threading.Lock()

    def append(self, conn: sqlite3.Connection, job_id: str, upto: int) -> None:
        """Write the rows after those written, up to row ``upto`` (final in the journal: this
        run will not change them). A failure here only means :meth:`commit` starts over."""
        with self._lock:
            if self._done or self._failed or (self._after is not None and upto <= self._after):
                return
            try:
                self._write(conn, job_id, upto)
            except Exception:
                self._close()
                self._failed = True  # commit starts over

    def commit(self, conn: sqlite3.Connection, job_id: str) -> int:
        """Write the remaining rows, rename the file into place; the number of rows."""
        with self._lock:
            try:
                if self._failed:
                    self._after, self.count, self._started, self._failed = None, 0, False, False
                self._write(conn, job_id, None)
                self._close()
                os.replace(self.tmp, self.target)
                return self.count
            finally:
                self._done = True
                self._close()
                if self.tmp.exists():
                    self.tmp.unlink()

    def discard(self) -> None:
        """The run did not finish: drop the partial file (a no-op after :meth:`commit`)."""
        with self._lock:
            if self._done:
                return
            self._done = True
            self._close()
            with contextlib.suppress(OSError):
                self.tmp.unlink()

    def _close(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.close()

    def _write(self, conn: sqlite3.Connection, job_id: str, upto: int | None) -> None:
        if self._file is None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.tmp, "ab" if self._started else "wb")  # noqa: SIM115
            if not self._started and self.fmt == "csv":
                self._file.write(_csv_lines([COLUMNS]))
            self._started = True
        f = self._file
        for rows in _records(conn, job_id, self._after, upto):
            if self.fmt == "csv":
                f.write(_csv_lines(rows))
            else:
                f.write(_jsonl_lines(rows))
            self.count += len(rows)
            self._after = rows[-1][0]
        if upto is not None:  # rows appended while the job runs reach the disk
            f.flush()
            if self._after is None or upto > self._after:
                self._after = upto


def _csv_lines(rows: Any) -> bytes:
    """Rows as CSV text (the csv module's dialect; None is an empty cell), UTF-8."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


_jsonl_encoder = msgspec.json.Encoder()


def _jsonl_lines(rows: Any) -> bytes:
    out = bytearray()
    for row in rows:
        record = dict(zip(COLUMNS, row, strict=True))
        record["input"] = _raw_json(row[-1])
        out += _jsonl_encoder.encode(record)
        out += b"\n"
    return bytes(out)


def _raw_json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text
    return msgspec.Raw(text.encode())
