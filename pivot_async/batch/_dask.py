"""Batch jobs spread over a Dask cluster (``pip install 'pivot-async[dask]'``).

::

    executor = DaskExecutor("local:2", client_env={"PIVOT_CLIENT_ID": ..., ...})
    summary = await run_batch_file(client, "orders.csv", executor=executor)
    # CLI: pivot-async batch orders.csv --dask local:2      (or --dask tcp://scheduler:8786)

The driver (this process) reads the input, validates each row, commits its intent to the journal
and groups the rows into chunks; each chunk is one Dask task. A worker runs a chunk's rows with
the runner's per-row logic (look the row up at the gateway, send it when absent) on a
long-lived :class:`~pivot_async.PivotClient` kept per worker process (warm connections), and
returns each row's outcome as plain data. The driver records the outcomes as chunks complete:
it stays the only writer of the journal and the results file; workers hold nothing that
matters. When a worker dies, Dask runs its chunk again elsewhere (the driver resubmits it when
Dask gives up); the rows the dead worker had sent are then found at the gateway (their
idempotency keys come from each row's business identity), so no row's effect happens twice.

The workers' client configuration is the ``PIVOT_*`` variables as a mapping (``client_env``),
sent once per worker through a Dask worker plugin, never inside a task (Dask logs a failed
task's arguments); its ``repr`` shows no value.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from distributed import Client, LocalCluster

from ._dask_worker import ChunkRow, ChunkSettings, RowDone, _Config, _Plugin, run_chunk
from ._journal import JournalRow
from ._model import (
    BatchError,
    Operation,
    fingerprint,
    idempotency_key,
    validate_operation,
)
from ._ops import Result, Target
from ._runner import _IN_FLIGHT, _Job

__all__ = ["DaskExecutor", "client_env_from", "executor_for_cli", "run_chunk"]

_PLUGIN_PREFIX = "pivot-async-batch-"
_CHUNK_RETRIES = 10  # resubmissions of a chunk after Dask gave up on it (KilledWorker)


def client_env_from(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``PIVOT_*`` variables of ``env`` (default ``os.environ``): the workers' client."""
    source = os.environ if env is None else env
    return {k: v for k, v in source.items() if k.startswith("PIVOT_")}


def executor_for_cli(address: str, chunk_size: int, env: Mapping[str, str] | None,
                     sandbox: Any = None, redis: str | None = None) -> DaskExecutor:
    """``--dask``: the workers get the ``PIVOT_*`` variables, or the embedded sandbox's URL
    (a real port on 127.0.0.1) and default merchants, as plain data; ``--redis`` as
    ``PIVOT_REDIS_URL`` (with ``--rate``, every worker then shares that rate)."""
    extra = {"PIVOT_REDIS_URL": redis} if redis else {}
    if sandbox is None:
        return DaskExecutor(address, client_env={**client_env_from(env), **extra},
                            chunk_size=chunk_size)
    m = sandbox.wallet.default_merchant
    return DaskExecutor(address, chunk_size=chunk_size, client_env={**extra,
        "PIVOT_CLIENT_ID": sandbox.client_id, "PIVOT_CLIENT_SECRET": sandbox.client_secret,
        "PIVOT_BASE_URL": sandbox.url, "PIVOT_WALLET_CLIENT_KEY": m.client_key,
        "PIVOT_WALLET_CLIENT_SECRET": m.client_secret,
        "PIVOT_WALLET_PRIVATE_KEY": m.private_key_pem or "",
        "PIVOT_WALLET_CHANNEL_ID": m.channel_id, "PIVOT_WALLET_PARTNER_ID": m.partner_id})


class DaskExecutor:
    """Runs a batch job's rows on a Dask cluster, in chunks.

    ``address``: ``"local:N"`` starts a ``LocalCluster`` of ``N`` worker processes with one
    thread each for the job; ``"tcp://host:8786"`` (any scheduler address) uses a running
    cluster; a ``distributed.Client`` created with ``asynchronous=True`` is used as is.
    ``client_env``: the ``PIVOT_*`` variables the workers build their client from (default:
    those of ``os.environ`` when the job starts). ``chunk_size`` rows make one task;
    ``concurrency`` rows of a chunk are in flight at once on its worker; at most
    ``chunks_in_flight`` chunks (default: 2 per worker) are submitted at a time, so memory on
    the driver stays bounded for any input size. A job's ``rate`` is split evenly over the
    workers (each worker process has its own bucket of ``rate / workers``), unless
    ``client_env`` holds ``PIVOT_REDIS_URL``: then every worker takes its slots from one
    :class:`~pivot_async.redis_limiter.RedisRateLimiter` of the whole ``rate`` (named
    ``batch:<client id>``, like ``pivot-async batch --redis``).
    """

    def __init__(self, address: Any = "local:2", *, client_env: Mapping[str, str] | None = None,
                 chunk_size: int = 100, concurrency: int | None = None,
                 chunks_in_flight: int | None = None) -> None:
        if isinstance(address, str):
            if address.startswith("local:"):
                try:
                    workers = int(address.removeprefix("local:"))
                except ValueError:
                    workers = 0
                if workers < 1:
                    raise BatchError(f"--dask {address!r}: use local:N with N >= 1 workers")
            elif "://" not in address:
                raise BatchError(f"--dask {address!r}: use local:N or a scheduler address "
                                 "such as tcp://host:8786")
        for name, value in (("chunk_size", chunk_size), ("concurrency", concurrency),
                            ("chunks_in_flight", chunks_in_flight)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(f"{name} must be a positive int")
        self.address = address
        self._env = None if client_env is None else dict(client_env)
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.chunks_in_flight = chunks_in_flight

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r}, chunk_size={self.chunk_size})"

    def job_type(self) -> type[_Job]:
        """The job class the runner uses with this executor."""
        return _DaskJob

    def client_env(self) -> dict[str, str]:
        """The workers' ``PIVOT_*`` configuration (not shown in any ``repr``)."""
        return dict(self._env) if self._env is not None else client_env_from()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncGenerator[Any, None]:
        """An asynchronous ``distributed.Client`` for one job (and its LocalCluster)."""
        if not isinstance(self.address, str):
            yield self.address
            return
        if self.address.startswith("local:"):
            workers = int(self.address.removeprefix("local:"))
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, asynchronous=True,
                dashboard_address=":0")
            async with cluster, Client(  # type: ignore[no-untyped-call]
                    cluster, asynchronous=True) as client:
                yield client
            return
        async with Client(self.address, asynchronous=True) as client:  # type: ignore[no-untyped-call]
            yield client


# -- the driver side --------------------------------------------------------------------------


class _DaskJob(_Job):
    """A job whose rows run on a Dask cluster; this process journals and writes results."""

    async def _pipeline(self, source: AsyncGenerator[Operation, None]) -> None:
        executor: DaskExecutor = self.runner.executor
        config = _Config(executor.client_env())
        digest = hashlib.sha256(json.dumps(sorted(config.env.items())).encode()).hexdigest()
        name = f"{_PLUGIN_PREFIX}{digest[:12]}-{uuid.uuid4().hex[:8]}"
        async with executor.connect() as dask:
            await dask.register_plugin(_Plugin(name, config), name=name)
            workers = max(1, len(dask.scheduler_info()["workers"]))
            rate, shared = self.runner.rate, None
            if rate is not None and config.env.get("PIVOT_REDIS_URL"):
                shared = f"batch:{self.merchant}"  # the name the one-process CLI uses
            elif self.runner.rate_limiter is not None:
                raise BatchError(
                    "a rate_limiter object cannot be sent to Dask workers: put "
                    "PIVOT_REDIS_URL in the executor's client_env (and pass rate) so that "
                    "every worker shares the rate through Redis")
            elif rate is not None:
                rate /= workers
            settings = ChunkSettings(
                self.runner.check_gateway,
                executor.concurrency or self.runner.concurrency, rate,
                self.runner.burst, shared)
            limit = executor.chunks_in_flight or 2 * workers
            try:
                await self._drive(dask, source, name, settings, executor.chunk_size, limit)
            finally:
                with contextlib.suppress(Exception):
                    await dask.unregister_worker_plugin(name)

    async def _drive(self, dask: Any, source: AsyncGenerator[Operation, None], name: str,
                     settings: ChunkSettings, chunk_size: int, limit: int) -> None:
        running: dict[asyncio.Future[Any], tuple[list[ChunkRow], int]] = {}

        def submit(rows: list[ChunkRow], attempt: int = 0) -> None:
            future = dask.submit(run_chunk, name, rows, settings, pure=False,
                                 key=f"pivot-batch-chunk-{uuid.uuid4().hex}")
            running[asyncio.ensure_future(_result(future))] = (rows, attempt)

        async def collect() -> None:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                rows, attempt = running.pop(task)
                try:
                    outcomes: list[RowDone] = task.result()
                except Exception as exc:
                    if _killed(exc) and attempt < _CHUNK_RETRIES:
                        submit(rows, attempt + 1)
                        continue
                    self._halt(exc)
                    continue
                for done_row, row in zip(outcomes, rows, strict=True):
                    self._account(row, done_row)

        try:
            while self.stop is None:
                items: list[tuple[Operation, JournalRow | None]] = []
                try:
                    while len(items) < chunk_size:
                        item = await self._next(source)
                        if item is None:
                            break
                        items.append(item)
                    # intents of a whole chunk at once: one group commit, not one per row
                    prepared = await asyncio.gather(*(self._prepare(*i) for i in items))
                except Exception as exc:
                    self._halt(exc)
                    break
                rows = [p for p in prepared if p is not None]
                if rows:
                    submit(rows)
                while len(running) >= limit:
                    await collect()
                if len(items) < chunk_size:
                    break
            while running:
                await collect()
        except BaseException:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise

    async def _prepare(self, op: Operation, prev: JournalRow | None) -> ChunkRow | None:
        """Validate and journal a row on the driver: its chunk entry, or None when settled."""
        error = validate_operation(op)
        if prev is not None and prev.state in _IN_FLIGHT:
            target = Target(prev.kind, prev.reference or "", prev.binding_id, prev.amount)
            changed = None
            if error is not None or fingerprint(op) != prev.fingerprint:
                detail = f" ({error})" if error is not None else ""
                changed = Result(
                    "invalid", error_code="row_changed",
                    error_field=error.field if error is not None else None,
                    error_message=(f"the row changed since job {self.job_id} recorded it"
                                   f"{detail}, and the gateway has no trace of it: nothing was "
                                   "sent; run the new content as a new job"))
            key = prev.idempotency_key or idempotency_key(
                prev.kind, prev.reference or "", self.merchant)
            return ChunkRow(op, target, key, resume=True, changed=changed)
        if error is not None:
            self._done(op, lambda: self._invalid(op, error, "invalid_row"))
            return None
        target, key, problem = await self._record_intent(op)
        if problem is not None:
            self._done(op, lambda: self._invalid(op, problem, "duplicate_reference"))
            return None
        return ChunkRow(op, target, key)

    def _done(self, op: Operation, record: Any) -> None:
        record()
        self.completed += 1
        self._tick()

    def _account(self, row: ChunkRow, done: RowDone) -> None:
        """Record one row's outcome from a worker (the journal is written here only)."""
        if done.sent and row.resume:
            self.resent += 1
            self.journal.reattempt(self.job_id, row.op.row)
        if done.sent:
            self.sent += 1
        if done.latency is not None:
            self.latencies.append(done.latency)
        if done.found:
            if row.resume:
                self.resolved += 1
            else:
                self.found += 1
        self._done(row.op, lambda: self._record(row.op, done.result, done.latency))


async def _result(future: Any) -> Any:
    return await future


def _killed(exc: BaseException) -> bool:
    """Dask gave up on a chunk because the workers running it died."""
    return type(exc).__name__ in ("KilledWorker", "FutureCancelledError")
