"""Several processes, one credential, one Redis: one token request per expiry, no failed call.

The sandbox runs in its own process (``python -m pivot_async sandbox``) with short-lived tokens;
each worker process runs many concurrent callers on its own client. The token requests are
counted in the sandbox's request log.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_worker.py")
# The full size (8 x 500) with PIVOT_SCALE_PROCESSES=8 PIVOT_SCALE_CALLERS=500.
PROCESSES = int(os.environ.get("PIVOT_SCALE_PROCESSES", "4"))
CALLERS = int(os.environ.get("PIVOT_SCALE_CALLERS", "100"))
TOKEN_TTL = 4  # seconds; the client refreshes at half-life (2 s)
DURATION = 5.0  # seconds of calls: about three token lifetimes' worth of refreshes
# Each caller pauses between its calls: the sandbox's request log (bounded) keeps every one,
# and every refresh instant still finds hundreds of callers needing the token at once.
PAUSE = max(0.5, PROCESSES * CALLERS * DURATION / 8000)  # at most ~8,000 calls in all


@pytest.fixture
def sandbox_process() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pivot_async", "sandbox", "--port", "0",
         "--token-ttl", str(TOKEN_TTL), "--stop-on-eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdin is not None
    info: dict[str, str] = {}
    try:
        for line in proc.stdout:
            if "listening on" in line:
                info["url"] = line.split()[-1]
            elif "client id:" in line:
                info["id"] = line.split()[-1]
            elif "client secret:" in line:
                info["secret"] = line.split()[-1]
                break
        assert set(info) == {"url", "id", "secret"}, "the sandbox did not start"
        yield info
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def _requests(url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(url + "/_sandbox/requests", timeout=30) as resp:  # noqa: S310
        data: list[dict[str, Any]] = json.load(resp)["data"]
    return data


def test_processes_share_one_token_per_expiry(
    redis_server: RedisServer, sandbox_process: dict[str, str]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), sandbox_process["url"], sandbox_process["id"],
             sandbox_process["secret"], redis_server.url, "procs:", str(CALLERS),
             str(DURATION), str(PAUSE)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=ROOT,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        start = time.time() + 0.2
        for w in workers:
            assert w.stdin is not None
            w.stdin.write(f"{start}\n")
            w.stdin.flush()
        results = []
        for w in workers:
            out, err = w.communicate(timeout=120)
            assert w.returncode == 0, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()

    log = _requests(sandbox_process["url"])
    token_requests = [r for r in log if r["path"] == "/v1/access-token"]
    calls = [r for r in log if r["path"] == "/v2/payment-method-configs"]
    assert sum(r["failed"] for r in results) == 0
    assert sum(r["ok"] for r in results) == len([c for c in calls if c["status"] == 200])
    assert all(r["ok"] > 0 for r in results)
    # Every token request was made by one process's fetch (none lost, none doubled)...
    assert sum(r["fetches"] for r in results) == len(token_requests)
    # ...and there was one per refresh window (half the token's lifetime), for all processes
    # together: no two token requests for the same expiry.
    times = sorted(dt.datetime.fromisoformat(r["at"]).timestamp() for r in token_requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= 2, "no refresh happened during the run"
    assert len(times) <= DURATION / (TOKEN_TTL / 2) + 2, len(times)
    assert all(g >= TOKEN_TTL / 4 for g in gaps), gaps
    print(f"\n{PROCESSES} processes x {CALLERS} callers: {len(calls)} calls, "
          f"{len(token_requests)} token requests, gaps {[round(g, 2) for g in gaps]}")
