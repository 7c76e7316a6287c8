"""Peak memory with 2,000 requests in flight (the canned server holds each for a second).

Usage::

    python benchmarks/memory.py [--quick] [--inflight 2000] [--waves 3] [--hold-ms 1000]
                                [--contenders pivot_async,aiohttp_raw,aiohttp_json]
                                [--tracemalloc]

Each contender runs in its own fresh child process (so that its peak RSS is its own): it
creates its client with a connection limit equal to ``inflight``, fetches its token, then
sends ``waves`` x ``inflight`` ``payments.create`` calls from ``inflight`` concurrent workers
to the canned server, which holds every answer for ``hold-ms`` (so ``inflight`` calls and
connections are open at once). Reported: RSS after setup, peak RSS (``ru_maxrss``, which
includes the interpreter and imports), the growth per in-flight request, and the largest RSS
sampled during the waves.

Goal (reported, not asserted): pivot_async peak RSS under 100 MB. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from typing import Any

import _common
from _common import CannedServer, emit, goal_line, table

DEFAULT_CONTENDERS = ["pivot_async", "aiohttp_raw", "aiohttp_json"]


def rss_mb() -> float:
    """The current resident set size in MB (Linux /proc; else the peak so far)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return peak_mb()


def peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def top_allocations(snapshot: Any, limit: int = 12) -> list[dict[str, Any]]:
    """The largest allocation sites of a tracemalloc snapshot (KB, count)."""
    stats = snapshot.filter_traces([
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    ]).statistics("lineno")
    root = str(_common.ROOT)
    return [
        {"site": f"{s.traceback[0].filename.replace(root, '.')}:{s.traceback[0].lineno}",
         "kb": s.size / 1024, "count": s.count}
        for s in stats[:limit]
    ]


async def child(name: str, url: str, inflight: int, waves: int, trace: bool,
                hold_s: float) -> dict[str, Any]:
    from _contenders import PAYMENT_CONTENDERS

    _common.raise_fd_limit()
    cls = next(c for c in PAYMENT_CONTENDERS if c.name == name)
    contender = cls()
    start_mb = rss_mb()
    await contender.setup(url, inflight)
    samples: list[float] = []
    stop = threading.Event()
    traced: list[Any] = []

    def sampler() -> None:  # a thread: the requests contender blocks the event loop
        started = time.perf_counter()
        while not stop.wait(0.05):
            samples.append(rss_mb())
            if trace and not traced and time.perf_counter() - started > hold_s * 0.7:
                traced.append(tracemalloc.take_snapshot())  # mid-wave: all calls in flight

    try:
        await contender.run(1, 1, 0)  # token fetched, code paths warm
        setup_mb = rss_mb()
        if trace:
            tracemalloc.start()
        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        result = await contender.run(inflight * waves, inflight, 1)
        wall = time.perf_counter() - t0
        stop.set()
        thread.join()
    finally:
        await contender.close()
    peak = peak_mb()
    top = top_allocations(traced[0]) if traced else None
    return {
        "tracemalloc_top": top,
        "contender": name,
        "rss_start_mb": start_mb,
        "rss_after_setup_mb": setup_mb,
        "rss_max_sampled_mb": max(samples, default=0.0),
        "peak_rss_mb": peak,
        "kb_per_inflight_request": (peak - setup_mb) * 1024 / inflight,
        "ok": result.ok,
        "errors": result.errors,
        "first_error": result.first_error,
        "wall_s": wall,
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    _common.raise_fd_limit()
    out: dict[str, Any] = {}
    async with CannedServer() as server:
        url = f"{server.url}/hold{args.hold_ms}"
        for name in args.contenders:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--child", name, "--url", url,
                "--inflight", str(args.inflight), "--waves", str(args.waves),
                "--hold-ms", str(args.hold_ms), *(["--tracemalloc"] if args.tracemalloc else []),
                stdout=subprocess.PIPE,
            )
            stdout, _ = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"memory child {name} failed ({proc.returncode})")
            out[name] = json.loads(stdout.decode().strip().splitlines()[-1])
            m = out[name]
            print(f"  {name}: peak {m['peak_rss_mb']:.1f} MB, ok {m['ok']}, "
                  f"errors {m['errors']}, {m['wall_s']:.1f} s", flush=True)
    pivot = out.get("pivot_async")
    goals = {}
    if pivot is not None:
        goals["pivot_async_peak_rss_lt_100mb"] = (
            pivot["peak_rss_mb"] < 100.0 and pivot["errors"] == 0
        )
    return {
        "benchmark": "memory",
        "inflight": args.inflight,
        "waves": args.waves,
        "hold_ms": args.hold_ms,
        "tracemalloc": args.tracemalloc,
        "machine": _common.machine(),
        "results": out,
        "goals_met": goals,
    }


def report(r: dict[str, Any]) -> None:
    print(f"memory: {r['inflight']} requests in flight (held {r['hold_ms']} ms by the "
          f"server), {r['waves']} waves, one fresh process per contender (MB)")
    rows = [
        (name, m["rss_after_setup_mb"], m["rss_max_sampled_mb"], m["peak_rss_mb"],
         m["kb_per_inflight_request"], m["ok"], m["errors"])
        for name, m in r["results"].items()
    ]
    print(table(rows, ["contender", "after setup", "max sampled", "peak RSS",
                       "KB/in-flight", "ok", "errors"]))
    print()
    for name, m in r["results"].items():
        if m.get("tracemalloc_top"):
            print(f"largest allocation sites mid-wave, {name} (tracemalloc; KB, count):")
            for t in m["tracemalloc_top"]:
                print(f"  {t['kb']:>9.0f} {t['count']:>8}  {t['site']}")
            print()
    pivot = r["results"].get("pivot_async")
    if pivot is not None:
        print(goal_line("pivot_async_peak_rss_lt_100mb (MB)", pivot["peak_rss_mb"], "< 100",
                        r["goals_met"]["pivot_async_peak_rss_lt_100mb"]))
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one wave")
    parser.add_argument("--inflight", type=int, default=2000)
    parser.add_argument("--waves", type=int, default=None)
    parser.add_argument("--hold-ms", type=int, default=1000)
    parser.add_argument("--contenders", type=lambda s: s.split(","), default=DEFAULT_CONTENDERS)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also list the largest allocation sites mid-wave (slower; "
                             "the peak RSS then includes tracemalloc's own overhead)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.waves is None:
        args.waves = 1 if args.quick else 3
    if args.child:
        result = asyncio.run(child(args.child, args.url, args.inflight, args.waves,
                                   args.tracemalloc, args.hold_ms / 1000))
        print(json.dumps(result))
        return
    report(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
