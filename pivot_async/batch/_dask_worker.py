"""The worker side of batch jobs on Dask: a long-lived client per worker process, and the task
that runs one chunk of rows on it (see :mod:`pivot_async.batch._dask`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from ._limits import RateLimiter, TokenBucket
from ._model import Operation
from ._ops import RefundIndex, Result, Target, classify, classify_lookup, lookup, send
from ._runner import _FINAL

__all__ = ["CLIENTS_OPENED", "ChunkRow", "ChunkSettings", "RowDone", "run_chunk"]



class _Config:
    """The workers' client configuration; its ``repr`` names the variables, never a value."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)

    def __repr__(self) -> str:
        return f"<client configuration: {', '.join(sorted(self.env))}>"


CLIENTS_OPENED = [0]  # per process: how many worker clients were made (tests read it)


class _WorkerClient:
    """A long-lived client on its own event loop thread, in one worker process."""

    def __init__(self, config: _Config) -> None:
        CLIENTS_OPENED[0] += 1
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="pivot-async-batch-client")
        self.thread.start()
        self.buckets: dict[tuple[float, float | None, str | None], RateLimiter] = {}
        self.redis_url = config.env.get("PIVOT_REDIS_URL")
        self.client = self.call(self._open(config))

    def limiter(self, settings: ChunkSettings) -> RateLimiter | None:
        """This process's limiter for the job's rate: its own bucket, or the shared Redis one."""
        if settings.rate is None:
            return None
        k = (settings.rate, settings.burst, settings.shared)
        found = self.buckets.get(k)
        if found is None:
            found = self.buckets[k] = self.call(self._limiter(settings))
        return found

    async def _limiter(self, settings: ChunkSettings) -> RateLimiter:
        assert settings.rate is not None
        if settings.shared is None or not self.redis_url:
            return TokenBucket(settings.rate, burst=settings.burst)
        from ..redis_limiter import RedisRateLimiter

        return RedisRateLimiter.from_url(self.redis_url, rate=settings.rate,
                                         burst=settings.burst, name=settings.shared)

    @staticmethod
    async def _open(config: _Config) -> Any:
        from .. import PivotClient

        return PivotClient.from_env(config.env)

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.client.aclose())
        for limiter in self.buckets.values():
            aclose = getattr(limiter, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    self.call(aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class _Plugin(WorkerPlugin):
    """Dask worker plugin holding the configuration; the client is made on first use."""

    def __init__(self, name: str, config: _Config) -> None:
        self.name = name
        self.config = config
        self.lock = threading.Lock()
        self.worker_client: _WorkerClient | None = None

    def __repr__(self) -> str:
        return f"<pivot_async batch worker plugin {self.name}>"

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"], state["config"])  # type: ignore[misc]

    def setup(self, worker: Any) -> None:
        pass

    def teardown(self, worker: Any) -> None:
        with self.lock:
            if self.worker_client is not None:
                self.worker_client.close()
                self.worker_client = None

    def client(self) -> _WorkerClient:
        with self.lock:
            if self.worker_client is None:
                self.worker_client = _WorkerClient(self.config)
            return self.worker_client


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """One row of a chunk, as sent to a worker (plain data)."""

    op: Operation
    target: Target
    key: str
    resume: bool = False  # in flight in an earlier run: looked up whatever the settings
    changed: Result | None = None  # on resume, recorded instead of re-sending when not found

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # flat tuples: a dataclass's default pickling (fields() per object) costs the driver
        # more CPU than the rest of the hand-off
        op, t = self.op, self.target
        return (_chunk_row, (op.kind, op.row, op.params, op.binding_id, t.reference, t.amount,
                             self.key, self.resume, _flat(self.changed)))


@dataclass(frozen=True, slots=True)
class RowDone:
    """One row's outcome, as returned to the driver (plain data)."""

    row: int
    result: Result
    latency: float | None = None
    sent: bool = False
    found: bool = False  # found at the gateway with a final outcome

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_row_done, (self.row, _flat(self.result), self.latency, self.sent, self.found))


def _flat(result: Result | None) -> tuple[Any, ...] | None:
    if result is None:
        return None
    return (result.outcome, result.result_id, result.status, result.url, result.error_code,
            result.error_field, result.error_message)


def _chunk_row(kind: str, row: int, params: Any, binding_id: str | None, reference: str,
               amount: str | None, key: str, resume: bool,
               changed: tuple[Any, ...] | None) -> ChunkRow:
    return ChunkRow(Operation(kind, row, params, binding_id),
                    Target(kind, reference, binding_id, amount), key, resume,
                    None if changed is None else Result(*changed))


def _row_done(row: int, result: tuple[Any, ...], latency: float | None, sent: bool,
              found: bool) -> RowDone:
    return RowDone(row, Result(*result), latency, sent, found)


@dataclass(frozen=True, slots=True)
class ChunkSettings:
    check_gateway: bool
    concurrency: int
    rate: float | None  # of this worker, or of the whole job when ``shared``
    burst: float | None
    shared: str | None = None  # the Redis limiter's name: PIVOT_REDIS_URL shares the rate


def run_chunk(plugin_name: str, rows: list[ChunkRow], settings: ChunkSettings) -> list[RowDone]:
    """The Dask task: run ``rows`` on this worker's long-lived client; their outcomes."""
    plugin: _Plugin = get_worker().plugins[plugin_name]  # type: ignore[assignment]
    wc: _WorkerClient = plugin.client()
    bucket = wc.limiter(settings)
    result: list[RowDone] = wc.call(_run_rows(wc.client, rows, settings, bucket))
    return result


async def _run_rows(client: Any, rows: list[ChunkRow], settings: ChunkSettings,
                    bucket: RateLimiter | None) -> list[RowDone]:
    refunds = RefundIndex(_index_all)
    gate = asyncio.Semaphore(settings.concurrency)

    async def one(r: ChunkRow) -> RowDone:
        async with gate:
            return await _run_row(client, r, settings.check_gateway, bucket, refunds)

    return list(await asyncio.gather(*(one(r) for r in rows)))


async def _index_all() -> set[str] | None:
    return None


async def _run_row(client: Any, r: ChunkRow, check_gateway: bool, bucket: RateLimiter | None,
                   refunds: RefundIndex) -> RowDone:
    """The runner's per-row logic: look up first (always for rows in flight), then send."""
    row = r.op.row
    if r.resume or check_gateway:
        if bucket is not None:
            await bucket.acquire()
        try:
            found = await lookup(client, r.target, refunds)
        except Exception as exc:
            return RowDone(row, classify_lookup(exc, new_row=not r.resume))
        if found is not None:
            return RowDone(row, found, found=found.outcome in _FINAL)
        if r.changed is not None:
            return RowDone(row, r.changed)
    if bucket is not None:
        await bucket.acquire()
    started = time.monotonic()
    try:
        result = await send(client, r.op, r.key)
    except Exception as exc:
        result = classify(exc)  # configuration errors fail the task: the job stops
    return RowDone(row, result, time.monotonic() - started, sent=True)
