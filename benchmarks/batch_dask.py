"""Batch jobs on Dask: 2 worker processes against one process, on the canned server.

Usage::

    python benchmarks/batch_dask.py [--rows 20000] [--workers 2] [--chunk-size N] [--repeat 3]

The same CSV of payment sessions is run twice against ``benchmarks/canned_server.py`` (its own
process; it answers a create at a fraction of a client's CPU cost):

1. **one process**: :func:`pivot_async.batch.run_batch_file` in this process (what
   ``pivot-async batch orders.csv`` runs);
2. **Dask**: the same call with ``executor=DaskExecutor("local:N")`` (what ``--dask local:N``
   runs): a LocalCluster of N worker processes (1 thread each) runs chunks of rows on a
   long-lived client each; this process reads the file and writes the journal and results.

Both runs use ``check_gateway=False`` (the canned server has no session list to look rows up
in) and the default durable journal. The cluster start-up (a few seconds, and the workers'
first import of the package) is not part of the measured job time: the cluster is started
first (as ``--dask local:N`` starts it: :func:`pivot_async.batch._dask.local_cluster`) and
passed as a client. Goal: Dask ≥ 1.6× the rows per second of one process on a
2-core machine (the server and the driver share those cores).

Each is run ``--repeat`` times (3), alternately, on new rows each time; the best run of each is
compared (background load only ever slows a run down) and every run is listed.

CPU per row is reported for every process (user + system time, in µs): this process (the
driver, and the Dask scheduler, which a LocalCluster runs in it), the workers together, and
the server. ``cpu_bound_speedup`` is what those costs allow when the job has the cores to
itself: one process is bound by one core, the Dask job by ``min(cpus, workers + 1)`` cores
shared by all its processes. Other load on the machine lowers the measured ``speedup`` more
than the one-process figure (the Dask job needs every core), so the load average before and
after is reported too. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import CannedServer, emit, goal_line, machine, raise_fd_limit, ratio, versions

from pivot_async import PivotClient
from pivot_async.batch import run_batch_file

TARGET = 1.6
HEADER = ["clientReferenceId", "amount", "currency", "method", "channel", "mode",
          "redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
          "redirectUrl.expirationReturnUrl"]
URLS = ["https://shop.example/ok", "https://shop.example/fail", "https://shop.example/expired"]
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


def _write(path: Path, rows: int, prefix: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(1, rows + 1):
            w.writerow([f"{prefix}{i:07d}", 10000 + i % 1000, "IDR", "VIRTUAL_ACCOUNT", "BCA",
                        "API", *URLS])


def _cpu() -> float:
    """User + system CPU seconds of the calling process (a worker's, run through Dask)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _workers_cpu(dask: Any) -> float:
    if dask is None:
        return 0.0
    return float(sum((await dask.run(_cpu)).values()))


async def _job(server: CannedServer, src: Path, executor: Any, concurrency: int,
               dask: Any = None) -> dict[str, Any]:
    async with PivotClient(CLIENT_ID, CLIENT_SECRET, base_url=server.url) as client:
        server_cpu, workers_cpu = (await server.stats())["cpu"], await _workers_cpu(dask)
        started, cpu = time.perf_counter(), _cpu()
        summary = await run_batch_file(client, src, concurrency=concurrency, progress=False,
                                       check_gateway=False, executor=executor)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        workers_cpu = await _workers_cpu(dask) - workers_cpu
        server_cpu = (await server.stats())["cpu"] - server_cpu
    rows = summary.total
    return {"rows": rows, "succeeded": summary.succeeded, "wall_s": round(wall, 2),
            "rows_per_s": round(rows / wall, 1),
            # CPU per row, in microseconds: this process (the driver, and the scheduler when
            # the cluster runs in it), the Dask workers together, the canned server
            "this_process_cpu_s": round(cpu, 2),
            "cpu_us_per_row": {"this_process": round(cpu / rows * 1e6),
                               "workers": round(workers_cpu / rows * 1e6),
                               "server": round(server_cpu / rows * 1e6)}}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    from pivot_async.batch._dask import DaskExecutor, local_cluster

    raise_fd_limit()
    env = {"PIVOT_CLIENT_ID": CLIENT_ID, "PIVOT_CLIENT_SECRET": CLIENT_SECRET}
    async with CannedServer() as server:
        env["PIVOT_BASE_URL"] = server.url
        with tempfile.TemporaryDirectory(prefix="pivot-bench-dask-") as tmp:
            ones, spreads = [], []
            for rep in range(args.repeat):  # alternately, new rows each time
                one_src, dask_src = Path(tmp) / f"one{rep}.csv", Path(tmp) / f"dsk{rep}.csv"
                _write(one_src, args.rows, f"one{rep}")
                _write(dask_src, args.rows, f"dsk{rep}")
                # one process first, with no cluster running (not even idle)
                ones.append(await _job(server, one_src, None, args.concurrency))
                async with local_cluster(args.workers) as dask:  # what local:N starts
                    # part of starting a cluster: the workers import the package once
                    await dask.run(importlib.import_module, "pivot_async.batch._dask_worker")
                    sized = {} if args.chunk_size is None else {"chunk_size": args.chunk_size}
                    executor = DaskExecutor(dask, client_env=env,
                                            concurrency=args.concurrency, **sized)
                    spreads.append(await _job(server, dask_src, executor, args.concurrency,
                                              dask))
        stats = await server.stats()
    # the best run of each: background load only ever slows a run down
    one = max(ones, key=lambda r: float(r["rows_per_s"]))
    spread = max(spreads, key=lambda r: float(r["rows_per_s"]))
    speedup = ratio(spread["rows_per_s"], one["rows_per_s"])
    complete = all(r["succeeded"] == r["rows"] for r in (*ones, *spreads))
    # What the CPU costs allow, whatever else loads the machine: one process is bound by one
    # core (its CPU per row), the Dask job by all of the machine's cores shared by the driver,
    # the workers and the server (their CPU per row together).
    cores = min(os.cpu_count() or 1, args.workers + 1)
    one_cpu, dask_cpu = one["cpu_us_per_row"], spread["cpu_us_per_row"]
    cpu_bound = ratio(cores * one_cpu["this_process"], sum(dask_cpu.values()))
    return {"benchmark": "batch_dask", "workers": args.workers,
            "chunk_size": executor_chunk_size(args),
            "concurrency": args.concurrency, "repeat": args.repeat, "one_process": one,
            "dask": spread, "all_runs": {"one_process": [r["rows_per_s"] for r in ones],
                                         "dask": [r["rows_per_s"] for r in spreads]},
            "speedup": round(speedup, 2), "target": TARGET,
            "every_row_succeeded": complete, "met": complete and speedup >= TARGET,
            "cpu_bound_speedup": round(cpu_bound, 2), "load_average_before": load_before,
            "load_average_after": os.getloadavg()[0],
            "server_requests": stats.get("requests"), "machine": machine(),
            "versions": versions("pivot-async", "distributed", "aiohttp")}


def executor_chunk_size(args: argparse.Namespace) -> int:
    from pivot_async.batch._dask import DaskExecutor

    return args.chunk_size or DaskExecutor("local:1").chunk_size


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="rows per chunk (default: DaskExecutor's)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each, alternately; the best of each is compared")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    one, spread = result["one_process"], result["dask"]
    print(f"batch on Dask, {args.rows} rows, canned server, {result['machine']['cpus']} cpus",
          file=sys.stderr)
    print(f"  one process      {one['rows_per_s']:>9.1f} rows/s  ({one['wall_s']} s)")
    print(f"  Dask, {args.workers} workers  {spread['rows_per_s']:>9.1f} rows/s  "
          f"({spread['wall_s']} s)")
    print(f"  CPU per row (us): one process {one['cpu_us_per_row']['this_process']}; Dask: "
          f"driver {spread['cpu_us_per_row']['this_process']}, workers "
          f"{spread['cpu_us_per_row']['workers']}, server {spread['cpu_us_per_row']['server']}"
          f" -> {result['cpu_bound_speedup']}x if the job had the cores to itself "
          f"(load average {result['load_average_before']:.1f} -> "
          f"{result['load_average_after']:.1f})")
    print(goal_line(f"Dask {args.workers} workers / one process", result["speedup"],
                    f">= {TARGET}x", result["met"]))
    emit(result)


if __name__ == "__main__":
    cli()
