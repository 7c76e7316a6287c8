"""The batch runner: bounded concurrency, a shared rate limit, a durable journal, resume."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from array import array
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TextIO, TypeAlias

from ._journal import MEMORY, Intent, Journal, JournalRow, OutcomeRecord
from ._limits import RateLimiter, TokenBucket
from ._model import (
    REFERENCE_FIELDS,
    BatchError,
    InvalidRowError,
    Operation,
    RowError,
    fingerprint,
    idempotency_key,
    input_text,
    validate_operation,
)
from ._ops import (
    BatchClient,
    RefundIndex,
    Result,
    Target,
    classify,
    classify_lookup,
    lookup,
    merchant_of,
    send,
)
from ._output import ResultsFile, results_format
from ._progress import BatchSummary, ProgressBar, percentile, wants_progress
from ._readers import aiter_operations, count_rows, read_operations

__all__ = ["BatchRunner", "default_results_path", "run_batch_file"]

_FINAL = frozenset({"succeeded", "failed"})
_IN_FLIGHT = frozenset({"pending", "unknown"})
PathLike: TypeAlias = "str | os.PathLike[str]"


class BatchRunner:
    """Runs a stream of :class:`Operation` objects against a client, durably.

    ``concurrency`` operations are in flight at most; ``rate`` (requests per second, with
    ``burst``) is shared by every request of the job, including the lookup made before a row
    is created (not the single refund-list scan that refund rows may need). ``rate_limiter``
    (a :class:`~pivot_async.RateLimiter`, e.g. a shared ``RedisRateLimiter``) replaces it.
    ``journal`` is the SQLite file recording every intent before it is sent and every outcome;
    by default it is ``<results_path>.journal.sqlite`` (in memory, not crash-safe, when there
    is no results file either). ``progress``: ``None`` draws on a TTY only. ``strict=True``
    stops the job at the first invalid row (in-flight operations finish) and raises
    :class:`InvalidRowError` after writing the results; by default invalid rows are reported
    and the job goes on. ``durable=False`` trades power-loss durability for speed (WAL with
    ``synchronous=NORMAL``; still safe against a crashed process). ``clock`` and ``sleep``
    are injectable for tests.

    ``check_gateway`` (default ``True``): before creating a row that the journal does not know
    as finished, look it up at the gateway (sessions by ``clientReferenceId``, refunds by one
    scan of the refund list, debits through ``debit/status``) and record what is already there
    instead of sending it. This is what keeps a re-run from charging twice when the journal is
    lost, emptied, stale or from another machine; it costs one lookup per new row (shared with
    the rate limit). ``False`` trusts that rows the journal does not know were never sent (only
    in-flight rows are looked up); the idempotency keys, derived from each row's business
    identity, still make the gateway replay a payment or refund it saw within 24 h.
    """

    def __init__(
        self,
        client: BatchClient,
        *,
        concurrency: int = 32,
        rate: float | None = None,
        burst: float | None = None,
        rate_limiter: RateLimiter | None = None,
        journal: PathLike | None = None,
        progress: bool | None = None,
        strict: bool = False,
        durable: bool = True,
        check_gateway: bool = True,
        progress_stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        executor: Any = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError("concurrency must be a positive int")
        if rate is not None:
            TokenBucket(rate, burst=burst)  # validate now rather than at run time
        self.client = client
        self.concurrency = concurrency
        self.rate = rate
        self.burst = burst
        self.rate_limiter = rate_limiter  # replaces the job's own TokenBucket(rate, burst)
        self.journal = journal
        self.progress = progress
        self.strict = strict
        self.durable = durable
        self.check_gateway = check_gateway
        self.progress_stream = progress_stream
        self.clock = clock
        self.sleep = sleep
        self.executor = executor  # a DaskExecutor or ChunkExecutor, or None

    async def run(
        self,
        operations: AsyncIterable[Operation] | Iterable[Operation],
        *,
        job_id: str | None = None,
        resume: bool = False,
        results_path: PathLike | None = None,
        total: int | None = None,
    ) -> BatchSummary:
        """Run (or with ``resume=True`` continue) a job; return its :class:`BatchSummary`.

        On resume, rows with a final outcome are skipped, and rows that were in flight are
        looked up at the gateway first: found means recorded without re-sending, not found
        means sent again with the same idempotency key. Every other row is looked up too
        (unless ``check_gateway=False``) before it is created, so a run whose journal was lost
        records what an earlier run created instead of sending it again. Feed a resumed run
        the same operations (the same file) as the first run.

        Args:
            operations: the rows, as an iterable or async iterable of :class:`Operation`, with
                strictly increasing row numbers (the readers stream files this way).
            job_id: names the job in the journal (the idempotency keys do not depend on it).
                Default: a new random id; with ``resume`` and no id, the journal's latest job.
            resume: continue the job instead of starting one (a job id that the journal
                already holds needs it).
            results_path: a ``.csv`` or ``.jsonl`` file regenerated from the journal at the
                end of the run, one line per row (:data:`RESULT_COLUMNS`).
            total: the number of rows expected, for the progress line's ETA.

        Returns:
            The :class:`BatchSummary` of the whole job (counts) and of this run (timings).

        Raises:
            InvalidRowError: ``strict=True`` and a row was malformed (after the results are
                written; its ``summary`` attribute holds the summary).
            BatchError: the journal is in use or unusable, the job already exists without
                ``resume``, row numbers do not increase, a results file name is not
                ``.csv`` / ``.jsonl``, or an input file's header is unusable.
            ConfigurationError: the client is not configured for an operation (e.g. wallet
                debits without wallet credentials); the job stops, and can be resumed.
        """
        if results_path is not None:
            results_format(results_path)
        journal_path: PathLike = self.journal if self.journal is not None else (
            f"{os.fspath(results_path)}.journal.sqlite" if results_path is not None else MEMORY)
        journal = await Journal.open(journal_path, durable=self.durable)
        try:
            job_id, resumed = await journal.start_job(job_id, resume=resume)
            job_type = _Job if self.executor is None else self.executor.job_type()
            job = job_type(self, journal, job_id, resumed, total)
            return await job.run(operations, results_path)
        finally:
            await journal.close()


class _Job:
    """One run of one job."""

    def __init__(self, runner: BatchRunner, journal: Journal, job_id: str, resumed: bool,
                 total: int | None) -> None:
        self.runner = runner
        self.client = runner.client
        self.journal = journal
        self.job_id = job_id
        self.resumed = resumed
        self.clock = runner.clock
        self.cursor = journal.cursor(job_id) if resumed else None
        self.bucket: RateLimiter | None = runner.rate_limiter or (None if runner.rate is None else
            TokenBucket(runner.rate, burst=runner.burst, clock=runner.clock, sleep=runner.sleep))
        self.merchant = merchant_of(runner.client)

        async def refund_references() -> set[str] | None:
            if runner.check_gateway:
                return None  # any refund row may need checking: index them all
            return await journal.in_flight_references(job_id, "refund")

        self.refunds = RefundIndex(refund_references)
        self.lock = asyncio.Lock()
        self.stop: Exception | None = None
        self.last_row: int | None = None
        self.pulled = self.completed = self.skipped = self.resolved = self.resent = 0
        self.found = self.sent = 0
        self.counts = {"succeeded": 0, "failed": 0, "invalid": 0, "unknown": 0}
        self.latencies = array("d")
        self.progress = ProgressBar(
            total=total, stream=runner.progress_stream, clock=runner.clock,
            enabled=wants_progress(runner.progress, runner.progress_stream))

    async def run(self, operations: AsyncIterable[Operation] | Iterable[Operation],
                  results_path: PathLike | None) -> BatchSummary:
        source = aiter_operations(operations)
        results = self.results = None if results_path is None else ResultsFile(results_path)
        started = self.clock()
        try:
            try:
                await self._pipeline(source)
            finally:
                with contextlib.suppress(Exception):
                    await source.aclose()
                self._tick(force=True)
                self.progress.close()
            elapsed = self.clock() - started
            await self.journal.flush()
            if results is not None:
                await self.journal.call(lambda conn: results.commit(conn, self.job_id))
        finally:
            if results is not None:
                results.discard()  # a run that stopped on an exception: no partial file
        counts = await self.journal.counts(self.job_id)
        if self.stop is None:
            await self.journal.finish_job(self.job_id)
        summary = self._summary(counts, elapsed, results_path)
        if self.stop is not None:
            if isinstance(self.stop, InvalidRowError):
                self.stop.summary = summary
            raise self.stop
        return summary

    def _summary(self, counts: dict[str, int], elapsed: float,
                 results_path: PathLike | None) -> BatchSummary:
        lat = sorted(self.latencies)
        processed = sum(self.counts.values())
        return BatchSummary(
            job_id=self.job_id,
            succeeded=counts.get("succeeded", 0),
            failed=counts.get("failed", 0),
            invalid=counts.get("invalid", 0),
            unknown=counts.get("unknown", 0) + counts.get("pending", 0),
            processed=processed, skipped=self.skipped, resolved=self.resolved,
            resent=self.resent, found=self.found, sent=self.sent, elapsed=elapsed,
            throughput=processed / elapsed if elapsed > 0 else 0.0,
            latency_p50=percentile(lat, 50), latency_p95=percentile(lat, 95),
            latency_p99=percentile(lat, 99),
            results_path=None if results_path is None else os.fspath(results_path),
            journal_path=None if self.journal.path == MEMORY else self.journal.path,
            resumed=self.resumed,
        )

    # -- the pipeline ------------------------------------------------------------------------

    async def _pipeline(self, source: AsyncGenerator[Operation, None]) -> None:
        """Process every row of ``source`` (a Dask job overrides this to use a cluster)."""
        workers = [asyncio.ensure_future(self._worker(source))
                   for _ in range(self.runner.concurrency)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise

    async def _worker(self, source: AsyncGenerator[Operation, None]) -> None:
        while True:
            try:
                item = await self._next(source)
            except Exception as exc:
                self._halt(exc)
                return
            if item is None:
                return
            try:
                await self._process(*item)
            except Exception as exc:
                self._halt(exc)
                return
            finally:
                self.completed += 1
                self._tick()

    async def _next(self, source: AsyncGenerator[Operation, None],
                    ) -> tuple[Operation, JournalRow | None] | None:
        """The next row to process (rows already final in the journal are skipped)."""
        async with self.lock:
            while self.stop is None:
                try:
                    op = await source.__anext__()
                except StopAsyncIteration:
                    return None
                if not isinstance(op, Operation):
                    raise BatchError(f"expected Operation objects, got {type(op).__name__}")
                if isinstance(op.row, bool) or not isinstance(op.row, int):
                    raise BatchError(f"row numbers must be ints, got {op.row!r}")
                if self.last_row is not None and op.row <= self.last_row:
                    raise BatchError(f"row numbers must increase: row {op.row} came after "
                                     f"row {self.last_row}")
                self.last_row = op.row
                self.pulled += 1
                prev = await self.cursor.get(op.row) if self.cursor is not None else None
                if prev is not None and prev.state in _FINAL:
                    self.skipped += 1
                    self._tick()
                    continue
                return op, prev
            return None

    async def _process(self, op: Operation, prev: JournalRow | None) -> None:
        error = validate_operation(op)
        if prev is not None and prev.state in _IN_FLIGHT:
            await self._resume_row(op, prev, error)
            return
        if error is not None:
            self._invalid(op, error, "invalid_row")
            return
        target, key, problem = await self._record_intent(op)
        if problem is not None:
            self._invalid(op, problem, "duplicate_reference")
            return
        if self.runner.check_gateway and await self._already_there(op, target):
            return
        await self._send(op, key)

    async def _record_intent(self, op: Operation) -> tuple[Target, str, RowError | None]:
        """Journal a new row's intent and key; the problem if another row has its reference."""
        target, key, intent = self._intent_of(op)
        conflict = await self.journal.intent(intent)
        return target, key, self._conflict(op, target.reference, conflict)

    def _intent_of(self, op: Operation) -> tuple[Target, str, Intent]:
        """A validated new row's target, derived idempotency key and journal intent."""
        target = Target.of(op)
        key = idempotency_key(op.kind, target.reference, self.merchant)
        return target, key, Intent(
            self.job_id, op.row, op.kind, target.reference, op.binding_id, target.amount, key,
            fingerprint(op), input_text(op))

    def _conflict(self, op: Operation, reference: str, conflict: int | None) -> RowError | None:
        """What journaling an intent answered: the problem if another row has its reference."""
        if conflict == op.row:
            raise BatchError(f"row {op.row} is already in the journal of job {self.job_id}")
        if conflict is None:
            return None
        return RowError(op.row, REFERENCE_FIELDS[op.kind], (
            f"{reference!r} is already used by row {conflict} of this job; each "
            "row needs its own reference"))

    async def _already_there(self, op: Operation, target: Target) -> bool:
        """Look a row the journal does not know as finished up at the gateway before sending.

        True when the row is settled without sending: found (its outcome is recorded), the
        reference taken by another record, or the lookup failed (``unknown``: resolved by the
        next run, since the row may have been sent by a run whose journal is gone).
        """
        if self.bucket is not None:
            await self.bucket.acquire()
        try:
            found = await lookup(self.client, target, self.refunds)
        except Exception as exc:
            self._record(op, classify_lookup(exc, new_row=True), None)
            return True
        if found is None:
            return False
        if found.outcome in _FINAL:
            self.found += 1
        self._record(op, found, None)
        return True

    async def _send(self, op: Operation, key: str) -> None:
        if self.bucket is not None:
            await self.bucket.acquire()
        started = self.clock()
        try:
            self.sent += 1
            result = await send(self.client, op, key)
        except Exception as exc:
            result = classify(exc)  # re-raises configuration errors: the job stops
        latency = self.clock() - started
        self.latencies.append(latency)
        self._record(op, result, latency)

    async def _resume_row(self, op: Operation, prev: JournalRow, error: RowError | None) -> None:
        """A row that was in flight: find it at the gateway before deciding to send it."""
        target = Target(prev.kind, prev.reference or "", prev.binding_id, prev.amount)
        if self.bucket is not None:
            await self.bucket.acquire()
        try:
            found = await lookup(self.client, target, self.refunds)
        except Exception as exc:
            self._record(op, classify_lookup(exc), None)
            return
        if found is not None:
            if found.outcome in _FINAL:
                self.resolved += 1
            self._record(op, found, None)
            return
        if error is not None or fingerprint(op) != prev.fingerprint:
            detail = f" ({error})" if error is not None else ""
            self._record(op, Result(
                "invalid", error_code="row_changed",
                error_field=error.field if error is not None else None,
                error_message=(f"the row changed since job {self.job_id} recorded it{detail}, "
                               "and the gateway has no trace of it: nothing was sent; run "
                               "the new content as a new job")), None)
            return
        self.resent += 1
        self.journal.reattempt(self.job_id, op.row)
        await self._send(op, prev.idempotency_key or idempotency_key(
            prev.kind, prev.reference or "", self.merchant))

    # -- bookkeeping -------------------------------------------------------------------------

    def _record(self, op: Operation, result: Result, latency: float | None) -> None:
        self.journal.outcome(OutcomeRecord(
            self.job_id, op.row, result.outcome, result.result_id, result.status, result.url,
            result.error_code, result.error_field, result.error_message, latency))
        self.counts[result.outcome] += 1
        if result.outcome == "invalid" and self.runner.strict:
            self._halt_invalid(op.row, result)

    def _halt_invalid(self, row: int, result: Result) -> None:
        self._halt(InvalidRowError(RowError(
            row, result.error_field, result.error_message or "invalid")))

    def _invalid(self, op: Operation, error: RowError, code: str) -> None:
        self.journal.invalid(self.job_id, op.row, op.kind, input_text(op), code=code,
                             field=error.field, message=error.message)
        self.counts["invalid"] += 1
        if self.runner.strict:
            self._halt(InvalidRowError(error))

    def _halt(self, exc: Exception) -> None:
        if self.stop is None:
            self.stop = exc

    def _tick(self, *, force: bool = False) -> None:
        c = self.counts
        self.progress.update(
            self.completed + self.skipped, self.completed,
            {"failed": c["failed"], "invalid": c["invalid"], "unknown": c["unknown"]},
            force=force)


def default_results_path(input_path: PathLike) -> Path:
    """``orders.csv`` -> ``orders.results.csv`` (``.tsv`` -> ``.results.csv``)."""
    path = Path(input_path)
    suffix = ".csv" if path.suffix.lower() in (".csv", ".tsv") else ".jsonl"
    return path.with_name(f"{path.stem}.results{suffix}")


async def run_batch_file(
    client: BatchClient,
    input_path: PathLike,
    *,
    concurrency: int = 32,
    rate: float | None = None,
    burst: float | None = None,
    rate_limiter: RateLimiter | None = None,
    journal_path: PathLike | None = None,
    results_path: PathLike | None = None,
    resume: bool = False,
    progress: bool | None = None,
    job_id: str | None = None,
    strict: bool = False,
    default_operation: str = "create_payment",
    durable: bool = True,
    check_gateway: bool = True,
    progress_stream: TextIO | None = None,
    executor: Any = None,
) -> BatchSummary:
    """Run a CSV or JSON Lines file as a job (what ``python -m pivot_async batch`` calls).

    The file is streamed: rows are read in chunks, and the journal and the results live on
    disk; what memory keeps per row is one latency sample (8 bytes, sorted once at the end for
    the percentiles, briefly ~40 bytes a row). Defaults: results in
    ``<stem>.results.<csv|jsonl>`` next to the input, journal in ``<input>.journal.sqlite``.
    ``resume=True`` continues the journal's latest job (or ``job_id``), re-sending nothing that
    succeeded; a process killed at any point can be resumed this way. ``default_operation`` is
    the operation of rows that name none. The other arguments are those of
    :class:`BatchRunner`; when a progress line is drawn the file's rows are counted first, for
    the ETA. ``executor``: a :class:`~pivot_async.batch.DaskExecutor` spreads the rows over a
    Dask cluster in chunks (this process stays the only writer of the journal and results).

    Raises :class:`BatchError` for an unusable file name, CSV header or journal, and
    :class:`InvalidRowError` (``strict=True``) at the first malformed row.
    """
    path = Path(input_path)
    operations = read_operations(path, default_operation=default_operation)
    results = Path(results_path) if results_path is not None else default_results_path(path)
    journal = (Path(journal_path) if journal_path is not None
               else path.with_name(path.name + ".journal.sqlite"))
    draw = wants_progress(progress, progress_stream)
    total = await asyncio.to_thread(count_rows, path) if draw else None
    runner = BatchRunner(client, concurrency=concurrency, rate=rate, burst=burst,
                         rate_limiter=rate_limiter,
                         journal=journal, progress=draw, strict=strict, durable=durable,
                         check_gateway=check_gateway, progress_stream=progress_stream,
                         executor=executor)
    return await runner.run(operations, job_id=job_id, resume=resume, results_path=results,
                            total=total)
