"""Batch jobs spread over a Dask cluster (``pip install 'pivot-async[dask]'``).

::

    executor = DaskExecutor("local:2", client_env={"PIVOT_CLIENT_ID": ..., ...})
    summary = await run_batch_file(client, "orders.csv", executor=executor)
    # CLI: pivot-async batch orders.csv --dask local:2      (or --dask tcp://scheduler:8786)

The driver (this process) reads the input, validates each row, commits a chunk's intents to the
journal in one transaction, and hands the chunk to Dask as one task (the driver side is that of
every engine, ``pivot_async.batch._engine``; chunks are JSON, see
:func:`~pivot_async.batch.run_chunk`). A worker runs a chunk's rows with the runner's per-row
logic (look the row up at the gateway, send it when absent) on a long-lived
:class:`~pivot_async.PivotClient` kept per worker process (warm connections), and returns each
row's outcome as plain data. The driver records the outcomes as chunks complete: it stays the
only writer of the journal and the results file; workers hold nothing that matters. When a
worker dies, Dask runs its chunk again elsewhere (the driver resubmits it when Dask gives up);
the rows the dead worker had sent are then found at the gateway (their idempotency keys come
from each row's business identity), so no row's effect happens twice.

The workers' client configuration is the ``PIVOT_*`` variables as a mapping (``client_env``),
sent once per worker through a Dask worker plugin, never inside a task (Dask logs a failed
task's arguments); its ``repr`` shows no value.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any

import dask
from distributed import Client, LocalCluster

from ._dask_worker import RateSettings, _Config, _Plugin, dask_task
from ._engine import _ChunkJob, _positive
from ._model import BatchError
from ._runner import _Job

__all__ = ["LOCAL_CLUSTER_CONFIG", "DaskExecutor", "client_env_from", "executor_for_cli",
           "local_cluster"]

_PLUGIN_PREFIX = "pivot-async-batch-"


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
    those of ``os.environ`` when the job starts). ``chunk_size`` rows make one task (Dask
    spends a few ms of CPU per task: ~5 µs a row at 1,000 rows);
    ``concurrency`` rows of a chunk are in flight at once on its worker; at most
    ``chunks_in_flight`` chunks (default: 4 per worker) are submitted at a time, so memory on
    the driver stays bounded for any input size. A job's ``rate`` is split evenly over the
    workers (each worker process has its own bucket of ``rate / workers``), unless
    ``client_env`` holds ``PIVOT_REDIS_URL``: then every worker takes its slots from one
    :class:`~pivot_async.redis_limiter.RedisRateLimiter` of the whole ``rate`` (named
    ``batch:<client id>``, like ``pivot-async batch --redis``).
    """

    def __init__(self, address: Any = "local:2", *, client_env: Mapping[str, str] | None = None,
                 chunk_size: int = 1000, concurrency: int | None = None,
                 chunks_in_flight: int | None = None) -> None:
        #: The worker count of a job's own cluster (``local:N``); None for any other cluster.
        self._local: int | None = None
        if isinstance(address, str):
            if address.startswith("local:"):
                try:
                    self._local = int(address.removeprefix("local:"))
                except ValueError:
                    self._local = 0
                if self._local < 1:
                    raise BatchError(f"--dask {address!r}: use local:N with N >= 1 workers")
            elif "://" not in address:
                raise BatchError(f"--dask {address!r}: use local:N or a scheduler address "
                                 "such as tcp://host:8786")
        _positive(chunk_size=chunk_size, concurrency=concurrency,
                  chunks_in_flight=chunks_in_flight)
        self.address = address
        self._env = None if client_env is None else dict(client_env)
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.chunks_in_flight = chunks_in_flight

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r}, chunk_size={self.chunk_size})"

    def job_type(self) -> type[_Job]:
        """The job class the runner uses with this executor."""
        return _ChunkJob

    def client_env(self) -> dict[str, str]:
        """The workers' ``PIVOT_*`` configuration (not shown in any ``repr``)."""
        return dict(self._env) if self._env is not None else client_env_from()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        """An asynchronous ``distributed.Client`` for one job (and its LocalCluster)."""
        if not isinstance(self.address, str):
            yield self.address
            return
        if self._local is not None:
            async with local_cluster(self._local) as client:
                yield client
            return
        async with Client(self.address, asynchronous=True) as client:  # type: ignore[no-untyped-call]
            yield client

    @contextlib.asynccontextmanager
    async def engine(self, job: _ChunkJob) -> AsyncIterator[_DaskEngine]:
        """The cluster, with the workers' configuration registered for one job."""
        config = _Config(self.client_env())
        digest = hashlib.sha256(json.dumps(sorted(config.env.items())).encode()).hexdigest()
        name = f"{_PLUGIN_PREFIX}{digest[:12]}-{uuid.uuid4().hex[:8]}"
        runner = job.runner
        async with self.connect() as dask:
            await dask.register_plugin(
                _Plugin(name, config, freeze_gc=self._local is not None), name=name)
            try:
                workers = max(1, len(dask.scheduler_info()["workers"]))
                rate = None
                if runner.rate is not None and config.env.get("PIVOT_REDIS_URL"):
                    # the name the one-process CLI uses: every worker shares the whole rate
                    rate = RateSettings(runner.rate, runner.burst, f"batch:{job.merchant}")
                elif runner.rate_limiter is not None:
                    raise BatchError(
                        "a rate_limiter object cannot be sent to Dask workers: put "
                        "PIVOT_REDIS_URL in the executor's client_env (and pass rate) so that "
                        "every worker shares the rate through Redis")
                elif runner.rate is not None:
                    rate = RateSettings(runner.rate / workers, runner.burst)
                yield _DaskEngine(dask, name, workers, rate)
            finally:
                with contextlib.suppress(Exception):
                    await dask.unregister_worker_plugin(name)


# Dask diagnostics that wake every process of a cluster tens of times a second: the workers'
# profiler tick (10 ms), the event-loop tick (20 ms), the memory check (100 ms), the system
# monitor (500 ms). They feed the dashboard; on a job's own LocalCluster they run less often
# (an idle worker used ~5 % of a core, 0.6 % so; a busy one does ~2 % more work per CPU
# second). A cluster given by address keeps its own configuration.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}


@contextlib.asynccontextmanager
async def local_cluster(workers: int) -> AsyncIterator[Any]:
    """A job's own ``LocalCluster`` (``local:N``): ``workers`` processes of one thread each,
    with :data:`LOCAL_CLUSTER_CONFIG`; an asynchronous ``distributed.Client`` of it."""
    async with contextlib.AsyncExitStack() as stack:
        with dask.config.set(LOCAL_CLUSTER_CONFIG):  # read as the cluster starts
            cluster = await stack.enter_async_context(LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, asynchronous=True,
                dashboard_address=":0"))
        yield await stack.enter_async_context(Client(  # type: ignore[no-untyped-call]
            cluster, asynchronous=True))


# -- the engine the driver uses --------------------------------------------------------------


class _DaskEngine:
    def __init__(self, dask: Any, name: str, workers: int, rate: RateSettings | None) -> None:
        self.dask = dask
        self.name = name
        self.workers = workers
        self.rate = rate

    def submit(self, chunk: bytes, first_row: int, last_row: int) -> Awaitable[bytes]:
        # the key names the chunk's rows (dashboards, tests); the suffix makes it unique
        future = self.dask.submit(dask_task, self.name, chunk, self.rate, pure=False,
                                  key=f"pivot-batch-rows-{first_row}-{last_row}-"
                                      f"{uuid.uuid4().hex[:12]}")
        return _result(future)

    def retryable(self, exc: BaseException) -> bool:
        """Dask gave up on a chunk because the workers running it died."""
        return type(exc).__name__ in ("KilledWorker", "FutureCancelledError")


async def _result(future: Any) -> bytes:
    result: bytes = await future
    return result
