"""A batch job's driver when rows run elsewhere, in chunks: on Dask
(:class:`~pivot_async.batch.DaskExecutor`) or any engine (:class:`ChunkExecutor`).

The driver reads the input, validates each row and commits a whole chunk's intents to the
journal in one transaction, then hands the chunk (JSON bytes, see
:func:`~pivot_async.batch.run_chunk`) to the engine; as chunks come back it records their
outcomes, a chunk at a time. It stays the only writer of the journal and the results file.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from ._chunks import ChunkRow, RowDone, decode_outcomes, encode_chunk, flat
from ._journal import Intent, JournalRow, OutcomeRecord
from ._model import (
    BatchError,
    Operation,
    RowError,
    fingerprint,
    idempotency_key,
    validate_operation,
)
from ._ops import Result
from ._runner import _IN_FLIGHT, _Job

__all__ = ["ChunkExecutor"]

_CHUNK_RETRIES = 10  # resubmissions of a chunk after the engine gave up on it (dead workers)
_RAMP_FROM = 256  # chunk sizes from which the first chunks are smaller


class _Engine(Protocol):
    """What the driver needs from an engine for one job."""

    workers: int

    def submit(self, chunk: bytes, first_row: int, last_row: int) -> Awaitable[bytes | str]:
        """Run ``chunk`` (rows ``first_row``..``last_row``) somewhere: its outcomes."""
        ...

    def retryable(self, exc: BaseException) -> bool:
        """The engine lost the chunk (its worker died): submit it again."""
        ...


def _positive(**values: int | None) -> None:
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name} must be a positive int")


class ChunkExecutor:
    """Runs a batch job's rows on any engine, in chunks: ``run(chunk)`` returns the outcomes.

    ``run`` is an async callable that gets a chunk (bytes) and must return what
    :func:`~pivot_async.batch.run_chunk` returned for it on a worker (usually: submit a task
    to the engine and await its result). ``workers``: how many chunks the engine runs at once
    (``chunks_in_flight`` defaults to four times that: the engine always has chunks queued,
    and memory on the driver stays bounded);
    ``chunk_size`` rows make one chunk (from 256, the first chunks are an eighth of it and
    double, so that every worker starts at once); ``concurrency`` rows of a chunk are in
    flight at once on its worker (default: the job's ``concurrency``). The job's rate cannot
    be applied from here: give each worker's ``run_chunk`` a ``rate_limiter`` (one
    :class:`~pivot_async.redis_limiter.RedisRateLimiter` shares one rate between them all).
    If ``run`` raises, the job stops (rows in flight are resolved by ``resume``).
    """

    def __init__(self, run: Callable[[bytes], Awaitable[bytes | str]], *, workers: int = 1,
                 chunk_size: int = 500, concurrency: int | None = None,
                 chunks_in_flight: int | None = None) -> None:
        _positive(workers=workers, chunk_size=chunk_size, concurrency=concurrency,
                  chunks_in_flight=chunks_in_flight)
        self.run = run
        self.workers = workers
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.chunks_in_flight = chunks_in_flight

    def __repr__(self) -> str:
        return f"ChunkExecutor(workers={self.workers}, chunk_size={self.chunk_size})"

    def job_type(self) -> type[_Job]:
        """The job class the runner uses with this executor."""
        return _ChunkJob

    @contextlib.asynccontextmanager
    async def engine(self, job: _ChunkJob) -> AsyncIterator[_Engine]:
        """What the driver submits one job's chunks to (used by the runner)."""
        if job.runner.rate is not None or job.runner.rate_limiter is not None:
            raise BatchError("a ChunkExecutor job cannot apply a rate from the driver: pass "
                             "a rate_limiter to run_chunk on the workers instead")
        yield _Callable(self.run, self.workers)


class _Callable:
    def __init__(self, run: Callable[[bytes], Awaitable[bytes | str]], workers: int) -> None:
        self.run = run
        self.workers = workers

    def submit(self, chunk: bytes, first_row: int, last_row: int) -> Awaitable[bytes | str]:
        return self.run(chunk)

    def retryable(self, exc: BaseException) -> bool:
        return False


class _ChunkJob(_Job):
    """A job whose rows run in chunks on an engine; this process journals and writes results."""

    async def _pipeline(self, source: AsyncGenerator[Operation, None]) -> None:
        executor = self.runner.executor
        self._unsettled: set[int] = set()  # first row of each chunk read and not recorded
        self._read_upto: int | None = None  # last row of the last chunk read
        self._exported: int | None = None  # rows up to this one are in the results file
        async with executor.engine(self) as engine:
            limit = executor.chunks_in_flight or 4 * max(1, engine.workers)
            concurrency = executor.concurrency or self.runner.concurrency
            await self._drive(engine, source, executor.chunk_size, limit, concurrency)

    async def _drive(self, engine: _Engine, source: AsyncGenerator[Operation, None],
                     chunk_size: int, limit: int, concurrency: int) -> None:
        running: dict[asyncio.Future[Any], tuple[bytes, list[tuple[int, bool]], int, int]] = {}

        def submit(chunk: bytes, rows: list[tuple[int, bool]], first: int,
                   attempt: int = 0) -> None:
            future = asyncio.ensure_future(engine.submit(chunk, rows[0][0], rows[-1][0]))
            running[future] = (chunk, rows, first, attempt)

        async def collect() -> None:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                chunk, rows, first, attempt = running.pop(task)
                try:
                    outcomes = decode_outcomes(task.result(), [row for row, _ in rows])
                except Exception as exc:
                    if engine.retryable(exc) and attempt < _CHUNK_RETRIES:
                        submit(chunk, rows, first, attempt + 1)
                        continue
                    self._halt(exc)
                    continue
                self._account(rows, outcomes)
                self._settled(first)

        def send(prepared: tuple[int | None, list[ChunkRow]]) -> None:
            first, rows = prepared
            if rows and first is not None:
                submit(encode_chunk(rows, check_gateway=self.runner.check_gateway,
                                    concurrency=concurrency),
                       [(r.row, r.resume) for r in rows], first)
            else:
                self._settled(first)

        # a chunk's intents commit (one transaction, synced) while the next chunk is read;
        # big chunks start at an eighth of their size and double, so that every worker has
        # rows to run within a few ms instead of waiting for the first whole chunks
        size = chunk_size if chunk_size < _RAMP_FROM else chunk_size // 8
        prepared: asyncio.Future[tuple[int | None, list[ChunkRow]]] | None = None
        try:
            while self.stop is None:
                items: list[tuple[Operation, JournalRow | None]] = []
                try:
                    while len(items) < size:
                        item = await self._next(source)
                        if item is None:
                            break
                        items.append(item)
                except Exception as exc:
                    self._halt(exc)
                    break
                if items:  # unsettled until the chunk's outcomes are recorded
                    self._unsettled.add(items[0][0].row)
                    self._read_upto = items[-1][0].row
                previous, prepared = prepared, asyncio.ensure_future(self._prepare(items))
                if previous is not None:
                    try:
                        send(await previous)
                    except Exception as exc:
                        self._halt(exc)
                        break
                while len(running) >= limit:
                    await collect()
                if len(items) < size:
                    break
                size = min(chunk_size, 2 * size)
            if prepared is not None:
                last, prepared = prepared, None
                try:
                    rows = await last
                except Exception as exc:
                    self._halt(exc)
                else:
                    if self.stop is None:  # else its rows stay pending: resume looks them up
                        send(rows)
            while running:
                await collect()
        except BaseException:
            pending = [*running, *([prepared] if prepared is not None else [])]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise

    def _settled(self, first: int | None) -> None:
        """The chunk read from row ``first`` is recorded: the results file gets every row
        before the first chunk still unsettled (written on the journal's thread once committed,
        while the workers go on; what is left is written at the end)."""
        if first is None:
            return
        self._unsettled.discard(first)
        results, upto = self.results, self._read_upto
        if results is None or upto is None:
            return
        if self._unsettled:
            upto = min(upto, min(self._unsettled) - 1)
        if self._exported is not None and upto <= self._exported:
            return
        self._exported = upto
        self.journal.after_commit(lambda conn: results.append(conn, self.job_id, upto))

    async def _prepare(self, items: list[tuple[Operation, JournalRow | None]],
                       ) -> tuple[int | None, list[ChunkRow]]:
        """Validate a chunk's rows and journal their intents in one transaction: the first
        row read and the rows to run (invalid rows and reference conflicts are recorded
        here, not sent)."""
        rows: list[ChunkRow | None] = []
        new: list[tuple[int, Operation, str, Intent]] = []  # (index in rows, ...)
        settled = 0
        for op, prev in items:
            error = validate_operation(op)
            if prev is not None and prev.state in _IN_FLIGHT:
                rows.append(self._resumed(op, prev, error))
                continue
            if error is not None:
                self._invalid(op, error, "invalid_row")
                settled += 1
                continue
            target, key, intent = self._intent_of(op)
            new.append((len(rows), op, target.reference, intent))
            rows.append(ChunkRow(op.kind, op.row, _plain(op.params), op.binding_id,
                                 target.reference, target.amount, key))
        if new:
            conflicts = await self.journal.intents([n[3] for n in new])
            for (at, op, reference, _), conflict in zip(new, conflicts, strict=True):
                problem = self._conflict(op, reference, conflict)
                if problem is not None:
                    self._invalid(op, problem, "duplicate_reference")
                    rows[at] = None
                    settled += 1
        if settled:
            self.completed += settled
            self._tick()
        return (items[0][0].row if items else None), [r for r in rows if r is not None]

    def _resumed(self, op: Operation, prev: JournalRow, error: RowError | None) -> ChunkRow:
        """A row in flight in an earlier run: looked up on the worker before any re-send."""
        changed = None
        if error is not None or fingerprint(op) != prev.fingerprint:
            detail = f" ({error})" if error is not None else ""
            changed = flat(Result(
                "invalid", error_code="row_changed",
                error_field=error.field if error is not None else None,
                error_message=(f"the row changed since job {self.job_id} recorded it{detail}, "
                               "and the gateway has no trace of it: nothing was sent; run "
                               "the new content as a new job")))
        key = prev.idempotency_key or idempotency_key(
            prev.kind, prev.reference or "", self.merchant)
        params = _plain(op.params) if changed is None else {}
        return ChunkRow(prev.kind, op.row, params, prev.binding_id, prev.reference or "",
                        prev.amount, key, True, changed)

    def _account(self, rows: list[tuple[int, bool]], outcomes: list[RowDone]) -> None:
        """Record a chunk's outcomes from a worker (the journal is written here only)."""
        records = []
        for (row, resume), done in zip(rows, outcomes, strict=True):
            if done.sent:
                self.sent += 1
                if resume:
                    self.resent += 1
                    self.journal.reattempt(self.job_id, row)
            if done.latency is not None:
                self.latencies.append(done.latency)
            if done.found:
                if resume:
                    self.resolved += 1
                else:
                    self.found += 1
            records.append(OutcomeRecord(
                self.job_id, row, done.outcome, done.result_id, done.status, done.url,
                done.error_code, done.error_field, done.error_message, done.latency))
            self.counts[done.outcome] += 1
            if done.outcome == "invalid" and self.runner.strict:
                self._halt_invalid(row, done.result())
        self.journal.outcomes(records)
        self.completed += len(rows)
        self._tick()


def _plain(params: Any) -> dict[str, Any]:
    return params if type(params) is dict else dict(params)
