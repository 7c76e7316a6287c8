"""Four processes share one RedisRateLimiter of R requests per second against a sandbox in its
own process; the sandbox's request log gives each request's arrival time.

What is asserted is a bound derived from GCRA, not a timing: each request is sent no earlier
than the slot the script gave it, every slot is after ``t0`` (the workers send nothing before
the start line), and slots are spread so that at most ``R * (x - t0) + burst`` of them fall
before any instant ``x``. So the k-th arrival (sorted) must come at or after
``t0 + (k - burst) / R``: the aggregate rate never exceeds R, and no burst above ``burst``
happens at any point of the run. A slow machine only makes arrivals later, which the bound
allows (no lower bound on the rate is asserted). Four independent token buckets of R, or a
limiter that releases a window's worth at once, break it within the first few requests.
"""

from __future__ import annotations

import os

import pytest

from ._rate_worker import run_workers
from ._server import RedisServer
from ._token_workers import sandbox_process

PROCESSES = 4
RATE = 40.0
CALLS = 30  # per process: about 3 s of requests at RATE in all


def violations(t0: float, arrivals: list[float], rate: float, burst: float) -> list[int]:
    """The k (1-based) whose k-th arrival came before ``t0 + (k - burst) / rate``."""
    return [k for k, at in enumerate(arrivals, start=1)
            if k > rate * (at - t0) + burst + 1e-6]


@pytest.mark.parametrize("burst", [1.0, 5.0])
def test_four_processes_never_exceed_the_shared_rate(redis_server: RedisServer,
                                                     burst: float) -> None:
    with sandbox_process() as sandbox:
        t0, results, arrivals = run_workers(
            sandbox, redis_server.url, f"procs-{os.getpid()}-{burst}", processes=PROCESSES,
            rate=RATE, burst=burst, calls=CALLS)
    assert sum(r["failed"] for r in results) == 0, results
    assert sum(r["ok"] for r in results) == PROCESSES * CALLS
    assert len(arrivals) >= PROCESSES * CALLS  # the calls, and the token requests
    assert violations(t0, arrivals, RATE, burst) == []
    measured = (len(arrivals) - burst) / (arrivals[-1] - t0)
    print(f"\n{PROCESSES} processes sharing {RATE:g}/s (burst {burst:g}): {len(arrivals)} "
          f"requests, measured {measured:.1f}/s")


def test_the_bound_catches_processes_that_do_not_share(redis_server: RedisServer) -> None:
    """The counterfactual: each process with its own TokenBucket of RATE sends four times the
    rate, and the same check finds it."""
    with sandbox_process() as sandbox:
        t0, results, arrivals = run_workers(
            sandbox, redis_server.url, "unused", processes=PROCESSES, rate=RATE, burst=1.0,
            calls=CALLS, local=True)
    assert sum(r["failed"] for r in results) == 0, results
    assert violations(t0, arrivals, RATE, 1.0) != []
