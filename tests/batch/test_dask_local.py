"""A job's own LocalCluster (``--dask local:N``): Dask's frequent diagnostics run less often
there, and only there; a worker freezes its objects for the garbage collector during a job."""

from __future__ import annotations

import gc
import pickle
from typing import Any

import dask

from pivot_async.batch._dask import LOCAL_CLUSTER_CONFIG, local_cluster
from pivot_async.batch._dask_worker import _Config, _Plugin


def _settings() -> dict[str, Any]:
    return {key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG}


def _worker_callbacks(dask_worker: Any) -> list[str]:
    return sorted(dask_worker.periodic_callbacks)


def _scheduler_tick(dask_scheduler: Any) -> float:
    return float(dask_scheduler._tick_interval)


async def test_a_jobs_own_cluster_wakes_its_processes_less_often() -> None:
    before = _settings()
    assert before["distributed.worker.profile.enabled"] is True  # Dask's default
    async with local_cluster(1) as client:
        (workers,) = (await client.run(_settings)).values()
        assert workers == LOCAL_CLUSTER_CONFIG
        (callbacks,) = (await client.run(_worker_callbacks)).values()
        assert "profile" not in callbacks and "tick" in callbacks
        assert await client.run_on_scheduler(_scheduler_tick) == 0.5
        assert _settings() == before  # this process's Dask configuration is left alone


async def test_a_worker_leaves_its_objects_out_of_full_collections_while_a_job_runs() -> None:
    plugin = _Plugin("pivot-async-batch-test", _Config({}), freeze_gc=True)  # no client
    plugin = pickle.loads(pickle.dumps(plugin))  # noqa: S301 - as the worker gets it
    assert gc.get_freeze_count() == 0
    try:
        await plugin.setup(worker=None)
        assert gc.get_freeze_count() > 10_000  # the process's objects, frozen for the job
    finally:
        await plugin.teardown(worker=None)
    assert gc.get_freeze_count() == 0  # collectable again once the job is over


async def test_a_shared_worker_or_another_freeze_is_left_alone() -> None:
    # a cluster given by address: the plugin does not touch the worker's GC
    shared = _Plugin("pivot-async-batch-test", _Config({}))
    await shared.setup(worker=None)
    assert gc.get_freeze_count() == 0
    await shared.teardown(worker=None)
    # objects someone else froze stay frozen after a job on the job's own cluster
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        own = _Plugin("pivot-async-batch-test", _Config({}), freeze_gc=True)
        await own.setup(worker=None)
        await own.teardown(worker=None)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
