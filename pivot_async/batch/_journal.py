"""The durable journal: SQLite (standard library), WAL mode, one connection in one thread.

Every call runs on a private single-thread executor, so the event loop never waits on disk and
there is exactly one writer. Writes are group-committed: an intent (``await intent(...)``)
returns once the transaction holding it is committed; outcomes are buffered and ride along with
the next commit (a lost outcome only means the row is resolved through the gateway on resume).

Schema (``schema_version`` 1)::

    jobs(job_id TEXT PRIMARY KEY, created_at REAL, updated_at REAL, runs INTEGER,
         finished_at REAL)
    ops(job_id, row, kind, reference, binding_id, amount, idempotency_key, fingerprint,
        input, state, result_id, status, url, error_code, error_field, error_message,
        latency_ms, attempts, intent_at, outcome_at, PRIMARY KEY (job_id, row))
    UNIQUE INDEX ops_reference ON ops(job_id, kind, reference) WHERE state != 'invalid'

``state`` is ``pending`` (intent committed, no outcome yet) or an outcome: ``succeeded``,
``failed``, ``invalid``, ``unknown``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from ._model import BatchError
from ._schema import (
    INSERT_INTENT,
    INSERT_INVALID,
    REATTEMPT,
    SCHEMA,
    SCHEMA_VERSION,
    UPDATE_OUTCOME,
    Intent,
    InvalidRecord,
    JournalRow,
    OutcomeRecord,
    Reattempt,
    Write,
)

__all__ = ["MEMORY", "Intent", "Journal", "JournalCursor", "JournalRow", "OutcomeRecord"]

T = TypeVar("T")
MEMORY = ":memory:"
_FLUSH_AT = 256


class Journal:
    """The job journal: open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = str(path)
        self.durable = durable
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="pivot-batch-journal")
        self._conn: sqlite3.Connection | None = None
        self._lock_file: IO[bytes] | None = None
        self._buffer: list[tuple[Write | _Hook, asyncio.Future[int | None] | None]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.commits = 0

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | os.PathLike[str], *, durable: bool = True) -> Journal:
        """Open (creating if needed) the journal at ``path`` (``":memory:"`` for a throwaway)."""
        journal = cls(path, durable=durable)
        try:
            await journal._run(journal._open_sync)
        except BaseException:
            with contextlib.suppress(Exception):
                await journal._run(journal._close_sync)
            journal._executor.shutdown(wait=False)
            raise
        return journal

    def _open_sync(self) -> None:
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = _lock(self.path + ".lock")
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn = conn
        if self.path != MEMORY:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise BatchError(f"the journal {self.path} cannot use WAL mode ({mode})")
        conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA cache_size=-32768")  # 32 MiB: the reference index stays cached
        conn.executescript(SCHEMA)
        found = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if found is None:
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif found[0] != SCHEMA_VERSION:
            raise BatchError(f"the journal {self.path} has schema {found[0]}, "
                             f"this version reads {SCHEMA_VERSION}")

    async def close(self) -> None:
        """Flush what is buffered, close the connection and release the lock."""
        try:
            if self._conn is not None and self._error is None:
                await self.flush()
        finally:
            with contextlib.suppress(Exception):
                await self._run(self._close_sync)
            self._executor.shutdown(wait=False)

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection (use only from the journal's thread)."""
        if self._conn is None:
            raise BatchError("the journal is closed")
        return self._conn

    # -- jobs -----------------------------------------------------------------------------

    async def start_job(self, job_id: str | None, *, resume: bool) -> tuple[str, bool]:
        """The job to run and whether it already existed (then it is resumed).

        ``resume=True`` with no ``job_id`` picks the most recently created job; resuming a job
        the journal does not know starts it. Without ``resume``, an existing job is an error.
        """
        return await self._run(self._start_job_sync, job_id, resume)

    def _start_job_sync(self, job_id: str | None, resume: bool) -> tuple[str, bool]:
        conn = self.conn
        if job_id is None and resume:
            last = conn.execute(
                "SELECT job_id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            job_id = last[0] if last else None
        if job_id is None:
            job_id = uuid.uuid4().hex
        now = time.time()
        exists = conn.execute("SELECT 1 FROM jobs WHERE job_id=?", (job_id,)).fetchone()
        if exists and not resume:
            raise BatchError(f"job {job_id!r} already exists in the journal {self.path}: pass "
                             "resume=True to continue it, or use another job id")
        if exists:
            conn.execute("UPDATE jobs SET runs=runs+1, updated_at=?, finished_at=NULL "
                         "WHERE job_id=?", (now, job_id))
        else:
            conn.execute("INSERT INTO jobs (job_id, created_at, updated_at) VALUES (?, ?, ?)",
                         (job_id, now, now))
        return job_id, bool(exists)

    async def finish_job(self, job_id: str) -> None:
        """Mark the job's run as finished (every row read got an outcome)."""
        now = time.time()
        await self._run(lambda: self.conn.execute(
            "UPDATE jobs SET finished_at=?, updated_at=? WHERE job_id=?", (now, now, job_id)))

    # -- writes ---------------------------------------------------------------------------

    async def intent(self, intent: Intent) -> int | None:
        """Record ``intent`` and return once it is committed.

        Returns ``None``, or the row number that already uses the same reference in this job
        (then nothing was recorded and the operation must not be sent).
        """
        fut: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._append(intent, fut)
        return await fut

    async def intents(self, intents: list[Intent]) -> list[int | None]:
        """Record several intents (one transaction); per intent, what :meth:`intent` returns."""
        if not intents:
            return []
        if self._error is not None:
            raise BatchError(f"the journal failed: {self._error}") from self._error
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[int | None]] = [loop.create_future() for _ in intents]
        self._buffer.extend(zip(intents, futures, strict=True))
        self._kick()
        return list(await asyncio.gather(*futures))

    def outcome(self, record: OutcomeRecord) -> None:
        """Buffer an outcome; it is committed with the next group commit."""
        self._append(record, None)

    def outcomes(self, records: list[OutcomeRecord]) -> None:
        """Buffer several outcomes; they are committed with the next group commit."""
        if self._error is not None:
            raise BatchError(f"the journal failed: {self._error}") from self._error
        self._buffer.extend((r, None) for r in records)
        if len(self._buffer) >= _FLUSH_AT:
            self._kick()

    def invalid(self, job_id: str, row: int, kind: str, input: str, *, code: str,
                field: str | None, message: str) -> None:
        """Buffer an ``invalid`` outcome for a row that was never sent."""
        self._append(InvalidRecord(job_id, row, kind, input, code, field, message), None)

    def reattempt(self, job_id: str, row: int) -> None:
        """Buffer the note that an in-flight row is sent again (with its original key)."""
        self._append(Reattempt(job_id, row), None)

    def after_commit(self, fn: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``fn(connection)`` on the journal's thread once every write buffered before it
        is committed (``fn`` handles its own errors: they are ignored here)."""
        self._append(_Hook(fn), None)
        self._kick()

    def _append(self, item: Write | _Hook, fut: asyncio.Future[int | None] | None) -> None:
        if self._error is not None:
            raise BatchError(f"the journal failed: {self._error}") from self._error
        self._buffer.append((item, fut))
        if fut is not None or len(self._buffer) >= _FLUSH_AT:
            self._kick()

    def _kick(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        while self._buffer and self._error is None:
            batch, self._buffer = self._buffer, []
            try:
                results = await self._run(self._apply, [item for item, _ in batch])
            except BaseException as exc:
                self._error = exc
                for _, fut in batch + self._buffer:
                    if fut is not None and not fut.done():
                        fut.set_exception(BatchError(f"the journal failed: {exc}"))
                self._buffer = []
                if not isinstance(exc, Exception):
                    raise
                return
            for (_, fut), result in zip(batch, results, strict=True):
                if fut is not None and not fut.done():
                    fut.set_result(result)

    async def flush(self) -> None:
        """Commit everything buffered; raise if the journal failed."""
        while True:
            if self._buffer:
                self._kick()
            flusher = self._flusher
            if flusher is not None and not flusher.done():
                await asyncio.shield(flusher)
                continue
            if self._error is not None:
                raise BatchError(f"the journal failed: {self._error}") from self._error
            if not self._buffer:
                return

    def _apply(self, items: list[Write | _Hook]) -> list[int | None]:
        """Write ``items`` in order in one transaction; per item, what :meth:`intent` returns.
        Hooks run once the transaction is committed."""
        conn = self.conn
        now = time.time()
        results: list[int | None] = []
        hooks: list[_Hook] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = 0
            while start < len(items):  # runs of one record type go through executemany
                end = start + 1
                kind = type(items[start])
                while end < len(items) and type(items[end]) is kind:
                    end += 1
                if kind is _Hook:
                    hooks.extend(cast("list[_Hook]", items[start:end]))
                    results.extend([None] * (end - start))
                else:
                    results.extend(_apply_run(conn, cast("list[Write]", items[start:end]), now))
                start = end
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        self.commits += 1
        for hook in hooks:
            with contextlib.suppress(Exception):
                hook.fn(conn)
        return results

    # -- reads ----------------------------------------------------------------------------

    def cursor(self, job_id: str, *, chunk: int = 1000) -> JournalCursor:
        """A reader of the job's rows in increasing row order (for a resumed run)."""
        return JournalCursor(self, job_id, chunk)

    async def in_flight_references(self, job_id: str, kind: str) -> set[str]:
        """References of the job's rows of ``kind`` that are ``pending`` or ``unknown``."""
        def query() -> set[str]:
            rows = self.conn.execute(
                "SELECT reference FROM ops WHERE job_id=? AND kind=? AND reference IS NOT NULL "
                "AND state IN ('pending', 'unknown')", (job_id, kind)).fetchall()
            return {r[0] for r in rows}
        return await self._run(query)

    async def counts(self, job_id: str) -> dict[str, int]:
        """Rows of the job per state."""
        def query() -> dict[str, int]:
            rows = self.conn.execute(
                "SELECT state, COUNT(*) FROM ops WHERE job_id=? GROUP BY state", (job_id,))
            return {str(state): int(n) for state, n in rows}
        return await self._run(query)

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` on the journal's thread (after committing the buffer)."""
        await self.flush()
        return await self._run(lambda: fn(self.conn))


class _Hook:
    """A function run on the journal's thread after the writes buffered before it commit."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[sqlite3.Connection], None]) -> None:
        self.fn = fn


def _intent_args(item: Intent, now: float) -> tuple[Any, ...]:
    return (item.job_id, item.row, item.kind, item.reference, item.binding_id, item.amount,
            item.idempotency_key, item.fingerprint, item.input, now)


def _apply_run(conn: sqlite3.Connection, run: list[Write], now: float) -> list[int | None]:
    """Apply records of one type; intents fall back to one by one on any conflict."""
    first = run[0]
    if isinstance(first, Intent):
        intents = [item for item in run if isinstance(item, Intent)]
        conn.execute("SAVEPOINT intents")
        try:
            cur = conn.executemany(INSERT_INTENT, [_intent_args(i, now) for i in intents])
            if cur.rowcount == len(intents):
                conn.execute("RELEASE intents")
                return [None] * len(intents)
        except sqlite3.IntegrityError:
            pass
        conn.execute("ROLLBACK TO intents")
        conn.execute("RELEASE intents")
        return [_intent_one(conn, item, now) for item in intents]
    if isinstance(first, OutcomeRecord):
        conn.executemany(UPDATE_OUTCOME, [
            (o.state, o.result_id, o.status, o.url, o.error_code, o.error_field,
             o.error_message, None if o.latency is None else o.latency * 1000.0, now,
             o.job_id, o.row) for o in run if isinstance(o, OutcomeRecord)])
    elif isinstance(first, InvalidRecord):
        conn.executemany(INSERT_INVALID, [
            (v.job_id, v.row, v.kind, v.input, v.error_code, v.error_field, v.error_message,
             now) for v in run if isinstance(v, InvalidRecord)])
    else:
        conn.executemany(REATTEMPT, [
            (now, r.job_id, r.row) for r in run if isinstance(r, Reattempt)])
    return [None] * len(run)


def _intent_one(conn: sqlite3.Connection, item: Intent, now: float) -> int | None:
    """Record one intent: ``None``, or the row that blocks it (itself if already journaled)."""
    try:
        cur = conn.execute(INSERT_INTENT, _intent_args(item, now))
    except sqlite3.IntegrityError:
        other = conn.execute(
            "SELECT row FROM ops WHERE job_id=? AND kind=? AND reference=? AND state != "
            "'invalid'", (item.job_id, item.kind, item.reference)).fetchone()
        return int(other[0]) if other else -1
    return item.row if cur.rowcount == 0 else None


class JournalCursor:
    """Reads a job's journal rows in chunks, for rows asked for in increasing order."""

    def __init__(self, journal: Journal, job_id: str, chunk: int) -> None:
        self._journal = journal
        self._job_id = job_id
        self._chunk = chunk
        self._rows: dict[int, JournalRow] = {}
        self._lo = 0
        self._hi = -1  # rows in [lo, hi] are all in _rows (hi may be +inf)

    async def get(self, row: int) -> JournalRow | None:
        """The journal's row ``row``, or ``None`` if the job never recorded it."""
        if not self._lo <= row <= self._hi:
            await self._fetch(row)
        return self._rows.get(row)

    async def _fetch(self, start: int) -> None:
        def query() -> list[tuple[Any, ...]]:
            return self._journal.conn.execute(
                "SELECT row, kind, reference, binding_id, amount, idempotency_key, fingerprint,"
                " state FROM ops WHERE job_id=? AND row>=? ORDER BY row LIMIT ?",
                (self._job_id, start, self._chunk)).fetchall()
        rows = await self._journal._run(query)
        self._rows = {int(r[0]): JournalRow(*r) for r in rows}
        self._lo = start
        self._hi = int(rows[-1][0]) if len(rows) == self._chunk else 2**63


def _lock(path: str) -> IO[bytes]:
    """An exclusive lock on ``path`` held while the file stays open (POSIX ``flock``)."""
    handle = open(path, "ab")  # noqa: SIM115 - held open for the journal's lifetime
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process guard
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise BatchError(f"the journal {path[:-5]} is in use by another run") from None
    return handle
