"""Batch jobs: sessions per second against the sandbox, and memory while streaming a huge file.

Usage::

    python benchmarks/batch.py [--quick] [--sessions 20000] [--stream-rows 1000000]
                               [--concurrency 32]

Two measurements, in one run:

1. **Sessions.** ``--sessions`` payment sessions (20,000; 2,000 with ``--quick``) from a CSV
   file, run by :func:`pivot_async.batch.run_batch_file` (what ``python -m pivot_async batch``
   runs: durable SQLite journal, results file) in this process against the sandbox served by a
   separate process (``python -m pivot_async sandbox --port 0``). Reported: sessions per second
   (wall time of the whole job), request latency p50/p95/p99, peak RSS of this process and of
   the sandbox process. Both processes share the machine's cores, so on a 2-core machine this
   is the throughput of client plus gateway, not of the client alone.
2. **Streaming.** A ``--stream-rows`` CSV file (1,000,000; 100,000 with ``--quick``) is
   generated in a temporary directory and run through the same ``run_batch_file`` (journal on
   disk, results file written) against a fast in-process stub client that answers every
   ``payments.create`` at once: no network, so what is measured is the runner, the reader, the
   journal and the results writer. The journal runs with ``durable=False`` (SQLite
   ``synchronous=NORMAL``: still crash-safe for the process, not against power loss), which
   changes how often the disk is synced, not what is held in memory; with an instant stub the
   default ``durable=True`` would time the disk's fsync instead of the code. It runs in a
   fresh child process so that its peak RSS (``VmHWM`` on Linux, else ``ru_maxrss``) is its
   own. Goal: peak RSS under 200 MB whatever the file size (reported, not asserted), i.e. the
   file is streamed, not loaded.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pivot_async import PivotClient  # noqa: E402
from pivot_async.batch import BatchSummary, run_batch_file  # noqa: E402
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET  # noqa: E402

RSS_GOAL_MB = 200.0
HEADER = ["clientReferenceId", "amount", "currency", "method", "channel", "mode",
          "redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
          "redirectUrl.expirationReturnUrl"]
URLS = ["https://shop.example/ok", "https://shop.example/fail", "https://shop.example/expired"]


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _own_peak_rss_mb() -> tuple[float, str]:
    """This process's own peak RSS and where it was read.

    Linux keeps ``ru_maxrss`` across ``execve``, so a child started by a bigger parent would
    report at least the parent's size; ``VmHWM`` in ``/proc/self/status`` is the peak of this
    program alone. Elsewhere ``ru_maxrss`` is used.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024, "VmHWM"
    except OSError:
        pass
    return _peak_rss_mb(), "ru_maxrss"


def _write_input(path: Path, rows: int, prefix: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            writer.writerow([f"{prefix}{i:07d}", 10000 + i % 1000, "IDR", "VIRTUAL_ACCOUNT",
                             "BCA", "API", *URLS])


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000.0, 2)


def _summary_figures(summary: BatchSummary, wall: float) -> dict[str, Any]:
    return {
        "rows": summary.total,
        "succeeded": summary.succeeded,
        "not_succeeded": summary.total - summary.succeeded,
        "wall_s": round(wall, 2),
        "rows_per_s": round(summary.total / wall, 1) if wall > 0 else None,
        "latency_p50_ms": _ms(summary.latency_p50),
        "latency_p95_ms": _ms(summary.latency_p95),
        "latency_p99_ms": _ms(summary.latency_p99),
    }


# -- 1. sessions against the sandbox in another process ----------------------------------------


class _SandboxProcess:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pivot_async", "sandbox", "--port", "0", "--stop-on-eof"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", first)
        if not match:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {first!r}")
        self.url = match.group(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


async def _sessions(url: str, rows: int, concurrency: int, tmp: Path) -> dict[str, Any]:
    src = tmp / "sessions.csv"
    _write_input(src, rows, f"bench{os.getpid()}s")
    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, base_url=url) as client:
        started = time.perf_counter()
        summary = await run_batch_file(client, src, concurrency=concurrency, progress=False,
                                       results_path=tmp / "sessions.results.csv")
        wall = time.perf_counter() - started
    return _summary_figures(summary, wall)


def bench_sessions(rows: int, concurrency: int) -> dict[str, Any]:
    sandbox = _SandboxProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="pivot-bench-") as tmp:
            figures = asyncio.run(_sessions(sandbox.url, rows, concurrency, Path(tmp)))
    finally:
        sandbox.stop()
    figures["concurrency"] = concurrency
    figures["client_peak_rss_mb"] = round(_peak_rss_mb(), 1)
    # the only child so far is the sandbox
    figures["sandbox_peak_rss_mb"] = round(_peak_rss_mb(resource.RUSAGE_CHILDREN), 1)
    return figures


# -- 2. streaming a large file through the runner (child process) ------------------------------


@dataclass
class _Session:
    id: str
    status: str
    payment_url: str | None = None


class _StubPayments:
    """Answers every create at once; nothing is kept."""

    def __init__(self) -> None:
        self.created = 0

    async def create(self, params: Mapping[str, Any], /, *,
                     idempotency_key: str | None = None) -> _Session:
        self.created += 1
        return _Session(f"stub-{self.created}", "REQUIRE_ACTION")

    async def list_by_reference(self, client_reference_id: str, /) -> list[Any]:
        return []


class _StubClient:
    def __init__(self) -> None:
        self.payments = _StubPayments()
        self.refunds: Any = None
        self.wallet: Any = None


async def _stream(rows: int, tmp: Path) -> dict[str, Any]:
    src = tmp / "big.csv"
    started = time.perf_counter()
    _write_input(src, rows, "stream")
    generated = time.perf_counter() - started
    rss_before = _own_peak_rss_mb()[0]
    client = _StubClient()
    started = time.perf_counter()
    summary = await run_batch_file(
        client, src, concurrency=32, progress=False, durable=False,
        results_path=tmp / "big.results.csv")
    wall = time.perf_counter() - started
    figures = _summary_figures(summary, wall)
    figures.update({
        "input_mb": round(src.stat().st_size / 1e6, 1),
        "journal_mb": round((tmp / "big.csv.journal.sqlite").stat().st_size / 1e6, 1),
        "results_mb": round((tmp / "big.results.csv").stat().st_size / 1e6, 1),
        "generate_s": round(generated, 2),
        "sent": client.payments.created,
        "peak_rss_before_run_mb": round(rss_before, 1),
    })
    return figures


def _stream_child(rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="pivot-bench-stream-") as tmp:
        figures = asyncio.run(_stream(rows, Path(tmp)))
    peak, source = _own_peak_rss_mb()
    figures["peak_rss_mb"] = round(peak, 1)
    figures["peak_rss_source"] = source
    print(json.dumps(figures, separators=(",", ":")))


def bench_stream(rows: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--stream-child", str(rows)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the streaming check failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["rss_goal_mb"] = RSS_GOAL_MB
    figures["rss_goal_met"] = figures["peak_rss_mb"] < RSS_GOAL_MB
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 sessions and a 100,000-row streaming check")
    parser.add_argument("--sessions", type=int, default=None, help="sessions (20000)")
    parser.add_argument("--stream-rows", type=int, default=None,
                        help="rows of the streaming check (1000000)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--stream-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child is not None:
        _stream_child(args.stream_child)
        return
    sessions = args.sessions or (2000 if args.quick else 20000)
    stream_rows = args.stream_rows or (100_000 if args.quick else 1_000_000)

    print(f"batch benchmark on {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs{' (quick)' if args.quick else ''}")
    s = bench_sessions(sessions, args.concurrency)
    print(f"\n1. {s['rows']} sessions against the sandbox (separate process), concurrency "
          f"{s['concurrency']}")
    print(f"  {s['rows_per_s']:.0f} sessions/s ({s['wall_s']:.2f} s), "
          f"{s['succeeded']} succeeded")
    print(f"  latency p50 {s['latency_p50_ms']} ms  p95 {s['latency_p95_ms']} ms  "
          f"p99 {s['latency_p99_ms']} ms")
    print(f"  peak RSS: client {s['client_peak_rss_mb']} MB, sandbox "
          f"{s['sandbox_peak_rss_mb']} MB")
    m = bench_stream(stream_rows)
    print(f"\n2. streaming {m['rows']} rows ({m['input_mb']} MB CSV) through the runner against "
          "a fast in-process stub (child process)")
    print(f"  {m['rows_per_s']:.0f} rows/s ({m['wall_s']:.2f} s); journal {m['journal_mb']} MB, "
          f"results {m['results_mb']} MB")
    print(f"  peak RSS {m['peak_rss_mb']} MB (goal < {RSS_GOAL_MB:.0f} MB: "
          f"{'met' if m['rss_goal_met'] else 'NOT met'})")
    result = {
        "benchmark": "batch",
        "quick": bool(args.quick),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "sessions": s,
        "stream": m,
        "goals_met": {"stream_peak_rss_under_200mb": m["rss_goal_met"],
                      "all_sessions_succeeded": s["succeeded"] == s["rows"]},
    }
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
