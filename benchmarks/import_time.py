"""Cold import time: ``import pivot_async`` against ``import aiohttp, msgspec``.

Each sample is a fresh interpreter that imports the statement and reports its own
``time.perf_counter`` delta, so interpreter start-up is not counted. Bytecode is cached for
every module alike, as after ``pip install``: the children use a private
``PYTHONPYCACHEPREFIX`` (a temporary directory, filled by a warm-up run), whatever
``PYTHONDONTWRITEBYTECODE`` says, so the working tree gets no ``__pycache__``. The
statements alternate (A, B, A, B, ...) so that load on a shared machine hits both alike;
the goal ratio is median(pivot_async) / median(aiohttp + msgspec).

Usage::

    python benchmarks/import_time.py            # 20 samples each
    python benchmarks/import_time.py --quick    # 10 samples each
    python benchmarks/import_time.py --n 40
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import Any

import _common
from _common import emit, goal_line, median, ratio, table

STATEMENTS = {
    "pivot_async": "import pivot_async",
    "aiohttp_msgspec": "import aiohttp, msgspec",
    "pivot_async_client": "import pivot_async; pivot_async.PivotClient",
}
PROBE = (
    "import time; t0 = time.perf_counter(); {stmt}; "
    "print(time.perf_counter() - t0)"
)
TARGET = 1.4


def sample(stmt: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(stmt=stmt)],
        capture_output=True, text=True, check=True, cwd=_common.ROOT, env=env,
    )
    return float(out.stdout.strip().splitlines()[-1]) * 1000.0


def bench(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pivot-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for stmt in STATEMENTS.values():  # fill the bytecode cache and the OS file cache
            sample(stmt, env)
            sample(stmt, env)
        ms: dict[str, list[float]] = {name: [] for name in STATEMENTS}
        for _ in range(n):
            for name, stmt in STATEMENTS.items():
                ms[name].append(sample(stmt, env))
    med = {name: round(median(v), 2) for name, v in ms.items()}
    # per-pair ratios show the spread that the shared machine adds
    pairs = [a / b for a, b in zip(ms["pivot_async"], ms["aiohttp_msgspec"], strict=True)]
    r = ratio(med["pivot_async"], med["aiohttp_msgspec"])
    return {
        "benchmark": "import_time",
        "machine": _common.machine(),
        "versions": _common.versions("pivot-async", "aiohttp", "msgspec", "pycryptodome"),
        "samples": n,
        "ms_median": med,
        "ms_samples": {k: [round(x, 2) for x in v] for k, v in ms.items()},
        "ratios": {
            "pivot_async_over_aiohttp_msgspec": round(r, 3),
            "pair_ratio_p25": round(sorted(pairs)[len(pairs) // 4], 3),
            "pair_ratio_p75": round(sorted(pairs)[(3 * len(pairs)) // 4], 3),
            "client_attribute_over_aiohttp_msgspec": round(
                ratio(med["pivot_async_client"], med["aiohttp_msgspec"]), 3),
        },
        "goals_met": {"import_le_1_4x_aiohttp_msgspec": r <= TARGET},
    }


def report(r: dict[str, Any]) -> None:
    print(f"import_time: fresh interpreters, {r['samples']} samples each, alternating "
          f"(median ms of the import statement alone)")
    base = r["ms_median"]["aiohttp_msgspec"]
    rows = [(name, ms, ratio(ms, base)) for name, ms in r["ms_median"].items()]
    print(table(rows, ["statement", "ms", "x aiohttp+msgspec"]))
    rt = r["ratios"]
    print(f"  per-pair ratio p25..p75: {rt['pair_ratio_p25']:.2f}..{rt['pair_ratio_p75']:.2f}")
    print()
    print(goal_line("import_le_1_4x_aiohttp_msgspec", rt["pivot_async_over_aiohttp_msgspec"],
                    f"<= {TARGET}", r["goals_met"]["import_le_1_4x_aiohttp_msgspec"]))
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10 samples each")
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args()
    n = args.n if args.n is not None else (10 if args.quick else 20)
    report(bench(n))


if __name__ == "__main__":
    main()
