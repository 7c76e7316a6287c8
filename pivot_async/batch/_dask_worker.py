"""The worker side of batch jobs on Dask: a long-lived client per worker process, and the task
that runs one chunk of rows on it (see :mod:`pivot_async.batch._dask`).

The task is a coroutine function, so Dask runs it on the worker's own event loop: the client
lives on that loop (made on the first chunk, closed when the plugin is torn down), and a chunk
costs no thread hand-off. Chunks and outcomes travel as JSON bytes
(:mod:`pivot_async.batch._chunks`): Dask moves them without looking inside.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from ._chunks import run_chunk
from ._limits import RateLimiter, TokenBucket

__all__ = ["CLIENTS_OPENED", "RateSettings", "dask_task"]


class _Config:
    """The workers' client configuration; its ``repr`` names the variables, never a value."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)

    def __repr__(self) -> str:
        return f"<client configuration: {', '.join(sorted(self.env))}>"


CLIENTS_OPENED = [0]  # per process: how many worker clients were made (tests read it)


@dataclass(frozen=True, slots=True)
class RateSettings:
    rate: float  # of this worker, or of the whole job when ``shared``
    burst: float | None
    shared: str | None = None  # the Redis limiter's name: PIVOT_REDIS_URL shares the rate


class _Plugin(WorkerPlugin):
    """Dask worker plugin holding the configuration; the client is made on first use."""

    def __init__(self, name: str, config: _Config, *, freeze_gc: bool = False) -> None:
        self.name = name
        self.config = config
        #: Only on a job's own cluster (``local:N``): a shared worker's GC is not ours to tune.
        self.freeze_gc = freeze_gc
        self._froze = False
        self.pivot: Any = None
        self.limiters: dict[RateSettings, RateLimiter] = {}

    def __repr__(self) -> str:
        return f"<pivot_async batch worker plugin {self.name}>"

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config, "freeze_gc": self.freeze_gc}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["name"], state["config"], freeze_gc=state["freeze_gc"])

    async def setup(self, worker: Any) -> None:
        # open the client when the job registers, not on its first chunk (a configuration
        # error is raised by that chunk's task instead, where the driver sees it)
        with contextlib.suppress(Exception):
            self.client()
        # the worker's ~80,000 objects (Dask, the package, the client) are left out of the
        # garbage collector's full passes while the job runs: each pass scanned them all.
        # Not when something else froze objects already (its unfreeze is not ours to do).
        if self.freeze_gc and gc.get_freeze_count() == 0:
            gc.freeze()
            self._froze = True

    async def teardown(self, worker: Any) -> None:
        if self._froze:
            self._froze = False
            gc.unfreeze()  # what the job held can be collected again
        client, self.pivot = self.pivot, None
        limiters, self.limiters = list(self.limiters.values()), {}
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        for limiter in limiters:
            aclose = getattr(limiter, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def client(self) -> Any:
        """This worker process's long-lived client (on the worker's event loop)."""
        if self.pivot is None:
            from .. import PivotClient

            self.pivot = PivotClient.from_env(self.config.env)
            CLIENTS_OPENED[0] += 1
        return self.pivot

    def limiter(self, settings: RateSettings | None) -> RateLimiter | None:
        """This process's limiter for the job's rate: its own bucket, or the shared Redis one."""
        if settings is None:
            return None
        found = self.limiters.get(settings)
        if found is None:
            redis_url = self.config.env.get("PIVOT_REDIS_URL")
            if settings.shared is None or not redis_url:
                found = TokenBucket(settings.rate, burst=settings.burst)
            else:
                from ..redis_limiter import RedisRateLimiter

                found = RedisRateLimiter.from_url(redis_url, rate=settings.rate,
                                                  burst=settings.burst, name=settings.shared)
            self.limiters[settings] = found
        return found


async def dask_task(plugin_name: str, chunk: bytes, rate: RateSettings | None) -> bytes:
    """The Dask task: run one chunk on this worker's long-lived client; its outcomes."""
    plugin: _Plugin = get_worker().plugins[plugin_name]  # type: ignore[assignment]
    return await run_chunk(plugin.client(), chunk, rate_limiter=plugin.limiter(rate))
