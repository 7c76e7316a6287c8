"""One worker process of the shared rate limit test and benchmark: ``callers`` concurrent callers
on one PivotClient whose limiter is a RedisRateLimiter (``--local``: its own TokenBucket, the
counterfactual). Prints ``ready``, waits for a line on stdin, makes ``calls`` calls in all, then
prints a JSON summary: calls that succeeded and failed."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pivot_async import PivotClient, RateLimiter, TokenBucket
from pivot_async.redis_limiter import RedisRateLimiter

if TYPE_CHECKING:
    from tests._sandbox_process import SandboxProcess


async def main(a: argparse.Namespace) -> None:
    redis_limiter = None
    limiter: RateLimiter
    if a.local:
        limiter = TokenBucket(a.rate, burst=a.burst)
    else:
        redis_limiter = RedisRateLimiter.from_url(a.redis, rate=a.rate, burst=a.burst,
                                                  name=a.name)
        limiter = redis_limiter
    ok = failed = 0
    left = a.calls
    async with PivotClient(a.client_id, a.secret, base_url=a.url, rate_limiter=limiter,
                           timeout=60) as client:
        print("ready", flush=True)  # no request was sent before the start line
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

        async def caller() -> None:
            nonlocal ok, failed, left
            while left > 0:
                left -= 1
                try:
                    await client.payment_method_configs.retrieve()
                    ok += 1
                except Exception as exc:  # counted, and named for the test's message
                    failed += 1
                    print(f"failure: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

        await asyncio.gather(*(caller() for _ in range(a.callers)))
    if redis_limiter is not None:
        await redis_limiter.aclose()
    print(json.dumps({"ok": ok, "failed": failed}), flush=True)


ROOT = Path(__file__).resolve().parents[2]


def run_workers(sandbox: SandboxProcess, redis_url: str, name: str, *, processes: int,
                rate: float, burst: float, calls: int, callers: int = 20,
                local: bool = False) -> tuple[float, list[dict[str, Any]], list[float]]:
    """Start ``processes`` workers, release them together; ``(t0, summaries, arrivals)``:
    the wall-clock time just before the start line (no request was sent before it), each
    worker's summary, and the sorted wall-clock times at which the sandbox received requests
    from then on (token requests included: every request goes through the limiter)."""
    argv = [sys.executable, __file__, sandbox["url"], sandbox["id"], sandbox["secret"],
            redis_url, name, "--rate", str(rate), "--burst", str(burst), "--calls", str(calls),
            "--callers", str(callers)] + (["--local"] if local else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
               for _ in range(processes)]
    try:
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        t0 = time.time()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        results = []
        for w in workers:
            out, err = w.communicate(timeout=300)
            assert w.returncode == 0, err[-2000:]
            summary = json.loads(out.strip().splitlines()[-1])
            if summary["failed"]:
                summary["errors"] = sorted(set(err.splitlines()))[:5]  # for the test's message
            results.append(summary)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    with urllib.request.urlopen(sandbox["url"] + "/_sandbox/requests", timeout=30) as resp:  # noqa: S310
        log: list[dict[str, Any]] = json.load(resp)["data"]
    arrivals = sorted(t for t in (dt.datetime.fromisoformat(r["at"]).timestamp() for r in log)
                      if t >= t0)
    return t0, results, arrivals


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for name in ("url", "client_id", "secret", "redis", "name"):
        p.add_argument(name)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--burst", type=float, default=1.0)
    p.add_argument("--callers", type=int, default=20)
    p.add_argument("--calls", type=int, default=30)
    p.add_argument("--local", action="store_true")
    asyncio.run(main(p.parse_args()))
