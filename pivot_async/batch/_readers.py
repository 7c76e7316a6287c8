"""Streaming readers: JSON Lines and CSV files to :class:`Operation` objects.

Files are read in chunks of lines on a worker thread and parsed one row per ``__anext__``, so
a reader holds at most one chunk in memory and never runs ahead of its consumer.

Row numbers count data records from 1 (the CSV header and blank lines are not rows). A row
that cannot be parsed is yielded as an operation whose ``error`` names the row and the field;
the runner reports it as ``invalid``. Problems with the file as a whole (a bad CSV header)
raise :class:`BatchError`.

**JSON Lines**: one object per line, the wire-format request (``{"clientReferenceId": ...,
"amount": {"value": 10000, "currency": "IDR"}, ...}``) plus two keys that are not sent:
``operation`` (``create_payment`` by default, ``refund``, ``wallet_debit``) and ``bindingId``
(the wallet customer, required by ``wallet_debit``).

**CSV**: see :mod:`pivot_async.batch._csvmap` for the column mapping.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import os
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from pathlib import Path
from typing import IO, Any

import msgspec

from ._csvmap import CsvMapping
from ._model import BatchError, Operation, RowError, normalize_kind

__all__ = ["count_rows", "read_csv", "read_jsonl", "read_operations"]

_CHUNK = 512
_encode = msgspec.json.Encoder().encode


def _kind(value: Any, default: str, row: int) -> tuple[str, RowError | None]:
    if value is None or value == "":
        return default, None
    kind = normalize_kind(value)
    if kind is None:
        return str(value), RowError(row, "operation", f"unknown operation {value!r}; expected "
                                    "create_payment, refund or wallet_debit")
    return kind, None


def _default(default_operation: str) -> str:
    kind = normalize_kind(default_operation)
    if kind is None:
        raise BatchError(f"unknown default operation {default_operation!r}")
    return kind


def parse_jsonl_line(text: bytes, row: int, line: int, default: str) -> Operation:
    """One JSON Lines record as an operation (``error`` set when it is malformed)."""
    try:
        obj = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        source = _encode(text.decode("utf-8", "replace")).decode()
        return Operation(default, row, {}, error=RowError(
            row, None, f"line {line} is not valid JSON: {exc}"), source=source)
    source = text.decode("utf-8", "replace")
    if not isinstance(obj, dict):
        return Operation(default, row, {}, error=RowError(
            row, None, f"line {line} must be a JSON object, not {type(obj).__name__}"),
            source=source)
    kind, error = _kind(obj.pop("operation", None), default, row)
    binding = obj.pop("bindingId", None)
    if binding is not None and not isinstance(binding, str):
        error = error or RowError(row, "bindingId", "must be a string")
        binding = None
    return Operation(kind, row, obj, binding_id=binding, error=error, source=source)


def _read_lines(f: IO[bytes], n: int) -> list[bytes]:
    return list(itertools.islice(f, n))


async def read_jsonl(
    path: str | os.PathLike[str], *, default_operation: str = "create_payment",
    chunk_size: int = _CHUNK,
) -> AsyncGenerator[Operation, None]:
    """Stream the operations of a JSON Lines file (UTF-8, one object per line).

    Args:
        path: the file.
        default_operation: the operation of objects without an ``operation`` key.
        chunk_size: lines read at a time on a worker thread (memory stays bounded by it).

    Yields:
        One :class:`Operation` per non-blank line, numbered from 1. A line that is not a JSON
        object, or names an unknown operation, gives an operation whose ``error`` says why
        (reported ``invalid`` by the runner).

    Raises:
        BatchError: ``default_operation`` is not an operation.
        OSError: the file cannot be opened or read.
    """
    default = _default(default_operation)
    f = await asyncio.to_thread(open, path, "rb")
    try:
        row = line = 0
        while lines := await asyncio.to_thread(_read_lines, f, chunk_size):
            for raw in lines:
                line += 1
                text = raw.strip()
                if line == 1 and text.startswith(b"\xef\xbb\xbf"):
                    text = text[3:]
                if not text:
                    continue
                row += 1
                yield parse_jsonl_line(text, row, line, default)
    finally:
        f.close()


def _read_records(reader: Any, n: int) -> list[tuple[int, list[str] | str]]:
    """Up to ``n`` records as (line number, cells), or (line, error text) for a bad one."""
    out: list[tuple[int, list[str] | str]] = []
    while len(out) < n:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append((reader.line_num, str(exc)))
            continue
        out.append((reader.line_num, cells))
    return out


async def read_csv(
    path: str | os.PathLike[str], *, default_operation: str = "create_payment",
    delimiter: str = ",", encoding: str = "utf-8-sig", chunk_size: int = _CHUNK,
) -> AsyncGenerator[Operation, None]:
    """Stream the operations of a CSV file with a header row.

    The header names the fields (see :mod:`pivot_async.batch` for the column mapping: dotted
    wire paths, the shorthands ``amount``, ``currency``, ``method``, ``channel``, and
    ``operation`` / ``bindingId``).

    Args:
        path: the file.
        default_operation: the operation of rows with no (or an empty) ``operation`` cell.
        delimiter: the cell separator (``"\\t"`` for TSV).
        encoding: the text encoding (``utf-8-sig`` accepts a byte-order mark).
        chunk_size: records read at a time on a worker thread.

    Yields:
        One :class:`Operation` per non-blank record, numbered from 1 (the header is not a
        row). A malformed record (wrong number of cells, a cell that does not convert, an
        unknown operation) gives an operation whose ``error`` names the row and the column.

    Raises:
        BatchError: the header is unusable (empty or repeated column names, unknown type
            suffixes, two columns setting the same field).
        OSError: the file cannot be opened or read.
    """
    default = _default(default_operation)
    f = await asyncio.to_thread(open, path, "r", newline="", encoding=encoding)
    try:
        reader = csv.reader(f, delimiter=delimiter)
        first = await asyncio.to_thread(_read_records, reader, 1)
        if not first:
            return
        _, header = first[0]
        if isinstance(header, str):
            raise BatchError(f"{os.fspath(path)}: unreadable CSV header: {header}")
        mapping = CsvMapping(header, default)
        row = 0
        while records := await asyncio.to_thread(_read_records, reader, chunk_size):
            for line, cells in records:
                if isinstance(cells, str):
                    row += 1
                    yield Operation(default, row, {}, error=RowError(
                        row, None, f"line {line} is not valid CSV: {cells}"),
                        source=_encode(cells).decode())
                    continue
                if not cells or cells == [""]:
                    continue  # a blank line
                row += 1
                yield mapping.operation(cells, row, line)
    finally:
        f.close()


def read_operations(
    path: str | os.PathLike[str], *, default_operation: str = "create_payment",
) -> AsyncGenerator[Operation, None]:
    """:func:`read_csv` or :func:`read_jsonl`, chosen by the file's extension.

    ``.csv`` and ``.tsv`` (tab-separated) are CSV, ``.jsonl`` and ``.ndjson`` JSON Lines; any
    other extension raises :class:`BatchError` at once.
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return read_csv(path, default_operation=default_operation,
                        delimiter="\t" if suffix == ".tsv" else ",")
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path, default_operation=default_operation)
    raise BatchError(f"input file {os.fspath(path)!r}: use a .csv, .tsv, .jsonl or .ndjson name")


def count_rows(path: str | os.PathLike[str]) -> int:
    """An estimate of the data rows in a file (its non-blank lines, less a CSV header)."""
    count = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size:
            f.seek(size - 1)
            if f.read(1) != b"\n":
                count += 1
    if Path(path).suffix.lower() in (".csv", ".tsv"):
        count -= 1
    return max(0, count)


async def aiter_operations(operations: AsyncIterable[Operation] | Iterable[Operation],
                           ) -> AsyncGenerator[Operation, None]:
    """Any (async) iterable of operations as an async generator (closed with its source)."""
    if isinstance(operations, AsyncIterable):
        it = operations.__aiter__()
        try:
            async for op in it:
                yield op
        finally:
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                await aclose()
    else:
        for op in operations:
            yield op
