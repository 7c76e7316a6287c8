"""Several processes, one credential, one Redis: one token request per expiry, no failed call.

The sandbox runs in its own process (``python -m pivot_async sandbox``) with short-lived tokens;
each worker process runs many concurrent callers on its own client. The token requests are
counted in the sandbox's request log.
"""

from __future__ import annotations

import itertools
import os

from ._server import RedisServer
from ._token_workers import run_workers, sandbox_process

# The size: 8 processes x 500 concurrent callers (smaller with PIVOT_SCALE_PROCESSES /
# PIVOT_SCALE_CALLERS, e.g. to debug).
PROCESSES = int(os.environ.get("PIVOT_SCALE_PROCESSES", "8"))
CALLERS = int(os.environ.get("PIVOT_SCALE_CALLERS", "500"))
TOKEN_TTL = 4  # seconds; the client refreshes at half-life (2 s)
DURATION = 8.0  # seconds of calls: four refresh windows (two token lifetimes)
# Each caller pauses between its calls: the sandbox's request log (bounded) keeps every one,
# and every refresh instant still finds hundreds of callers needing the token at once.
PAUSE = max(0.5, PROCESSES * CALLERS * DURATION / 8000)  # at most ~8,000 calls in all


def test_processes_share_one_token_per_expiry(redis_server: RedisServer) -> None:
    with sandbox_process(token_ttl=TOKEN_TTL) as sandbox:
        run = run_workers(sandbox, redis_server.url, "procs:", processes=PROCESSES,
                          callers=CALLERS, duration=DURATION, pause=PAUSE)
    results, times = run.summaries, run.token_times
    assert sum(r["failed"] for r in results) == 0
    assert sum(r["ok"] for r in results) == run.calls_logged
    assert all(r["ok"] > 0 for r in results)
    # Every token request was made by one process's fetch (none lost, none doubled)...
    assert sum(r["fetches"] for r in results) == len(times)
    # ...and there was one per refresh window (half the token's lifetime), for all processes
    # together: no two token requests for the same expiry.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= DURATION / (TOKEN_TTL / 2) - 1, f"too few refreshes: {len(times)}"
    assert len(times) <= DURATION / (TOKEN_TTL / 2) + 2, len(times)
    assert all(g >= TOKEN_TTL / 4 for g in gaps), gaps
    print(f"\n{PROCESSES} processes x {CALLERS} callers: {run.calls_logged} calls, "
          f"{len(times)} token requests, gaps {[round(g, 2) for g in gaps]}")
