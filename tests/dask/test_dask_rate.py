"""``--dask`` with ``--rate`` and ``--redis``: every worker takes its slots from the one Redis
limiter of the job (the suite's real Redis-protocol server), not from a bucket of its own."""

from __future__ import annotations

from pathlib import Path

import redis

from tests.batch.test_crash import write_input
from tests.dask.test_dask_batch import _assert_one_session_per_row, _cli
from tests.scale._server import RedisServer
from tests.scale.conftest import redis_server  # noqa: F401 - fixture


def _limiter_calls(url: str) -> int:
    """Lua script runs on the server so far (the shared limiter is one script per slot)."""
    stats = redis.Redis.from_url(url).info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items()
               if k in ("cmdstat_evalsha", "cmdstat_eval"))


def test_workers_share_the_rate_through_redis(tmp_path: Path, sandbox_url: str,
                                              cluster: object,
                                              redis_server: RedisServer) -> None:  # noqa: F811
    refs = write_input(tmp_path / "orders.csv", "drate", 150)
    before = _limiter_calls(redis_server.url)
    address = cluster.scheduler.address  # type: ignore[attr-defined]
    proc = _cli(tmp_path, sandbox_url, address, extra=["--rate", "2000", "--redis",
                                                      redis_server.url])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "succeeded 150" in out
    # a lookup and a create per row, each one slot of the shared limiter (the driver sends none)
    assert _limiter_calls(redis_server.url) - before >= 2 * 150
    _assert_one_session_per_row(tmp_path, sandbox_url, refs, "drate")
