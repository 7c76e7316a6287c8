"""Runs the multi-process token scenario (shared by tests/scale/test_processes.py and
benchmarks/token_store.py): a sandbox in its own process issuing short-lived tokens, and
worker processes (tests/scale/_worker.py) each with many concurrent callers on one client."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests._sandbox_process import SandboxProcess, sandbox_process

__all__ = ["Run", "run_workers", "sandbox_process"]

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_worker.py")


@dataclass
class Run:
    summaries: list[dict[str, Any]]  # per worker: ok, failed, fetches
    token_times: list[float]  # wall-clock arrival of each token request, sorted
    calls_logged: int  # successful calls in the sandbox's log


def run_workers(sandbox: SandboxProcess, redis_url: str | None, prefix: str, *,
                processes: int, callers: int, duration: float, pause: float) -> Run:
    """Start the workers (``redis_url=None``: no token store), release them together, wait."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), sandbox["url"], sandbox["id"], sandbox["secret"],
             redis_url or "-", prefix, str(callers), str(duration), str(pause)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=ROOT,
        )
        for _ in range(processes)
    ]
    summaries = []
    try:
        for w in workers:
            assert w.stdout is not None
            line = w.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a worker did not start: {line!r}")
        start = time.time() + 0.2
        for w in workers:
            assert w.stdin is not None
            w.stdin.write(f"{start}\n")
            w.stdin.flush()
        for w in workers:
            out, err = w.communicate(timeout=300)
            if w.returncode != 0:
                raise RuntimeError(f"a worker failed: {err[-2000:]}")
            summaries.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    url = sandbox["url"] + "/_sandbox/requests"
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - our sandbox
        log: list[dict[str, Any]] = json.load(resp)["data"]
    times = sorted(dt.datetime.fromisoformat(r["at"]).timestamp()
                   for r in log if r["path"] == "/v1/access-token")
    calls = sum(1 for r in log
                if r["path"] == "/v2/payment-method-configs" and r["status"] == 200)
    return Run(summaries, times, calls)
