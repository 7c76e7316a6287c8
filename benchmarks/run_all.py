"""Run every benchmark, collect each script's last-line JSON into one results file.

Usage::

    python benchmarks/run_all.py --quick        # under 3 minutes on 2 cores
    python benchmarks/run_all.py --full         # the figures of docs/benchmarks.md
    python benchmarks/run_all.py --quick --only throughput,decode

Each script runs in its own process, one after the other (never two at once: they would
compete for the cores), with its output shown as it runs. The results go to
``benchmarks/results/latest-quick.json`` or ``latest-full.json`` (machine, versions, command,
duration and the JSON of every script). After ``--full``, ``chart.py`` renders
``docs/img/benchmarks.png`` and ``report.py`` rewrites the tables of ``docs/benchmarks.md``
(``--no-docs`` skips both). ``batch.py`` is skipped with a message when it does not exist.
``instructions.py`` (valgrind: 7-11 minutes) runs with ``--full`` only, or when ``--only``
names it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCRIPTS = ["throughput", "decode", "token_stampede", "memory", "card_encryption", "batch",
           "import_time", "instructions"]
FULL_ONLY = {"instructions": "--full only: under valgrind it takes minutes even with --quick"}
EXTRA_ARGS = {"throughput": ["--profile"]}  # the profile explains any missed goal


def run_script(name: str, mode: str) -> dict[str, Any]:
    path = HERE / f"{name}.py"
    if not path.exists():
        print(f"== {name}: skipped ({path.name} does not exist yet)", flush=True)
        return {"skipped": f"{path.name} does not exist"}
    cmd = [sys.executable, str(path), *(["--quick"] if mode == "quick" else []),
           *EXTRA_ARGS.get(name, [])]
    print(f"== {name}: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}",
          flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        if line.startswith("{"):
            last = line  # the JSON line is long: keep it, do not echo it
        else:
            print(f"   {line}", end="", flush=True)
    code = proc.wait()
    seconds = time.perf_counter() - t0
    print(f"== {name}: exit {code} in {seconds:.1f} s", flush=True)
    entry: dict[str, Any] = {"exit_code": code, "seconds": round(seconds, 1)}
    try:
        entry["result"] = json.loads(last)
    except json.JSONDecodeError:
        entry["error"] = "no JSON last line"
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--quick", action="store_true")
    group.add_argument("--full", action="store_true")
    parser.add_argument("--only", type=lambda s: s.split(","), default=None,
                        help="comma-separated subset of " + ",".join(SCRIPTS))
    parser.add_argument("--no-docs", action="store_true",
                        help="after --full, do not render the chart nor rewrite the doc")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    scripts: dict[str, dict[str, Any]] = {}
    for name in SCRIPTS:
        if args.only is None and mode == "quick" and name in FULL_ONLY:
            print(f"== {name}: skipped ({FULL_ONLY[name]})", flush=True)
            scripts[name] = {"skipped": FULL_ONLY[name]}
        elif args.only is None or name in args.only:
            scripts[name] = run_script(name, mode)
    total = time.perf_counter() - t0
    results = {
        "mode": mode,
        "command": f"python benchmarks/run_all.py --{mode}",
        "started_utc": started.isoformat(timespec="seconds"),
        "seconds": round(total, 1),
        "machine": _common.machine(),
        "versions": _common.versions("pivot-async", "aiohttp", "msgspec", "pycryptodome",
                                     "httpx", "pydantic", "pydantic-core", "requests",
                                     "matplotlib"),
        "scripts": scripts,
    }
    RESULTS.mkdir(exist_ok=True)
    out = args.output or RESULTS / f"latest-{mode}.json"
    out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    failed = [n for n, e in scripts.items() if e.get("exit_code") not in (0, None)]
    print()
    print(f"run_all --{mode}: {len(scripts)} scripts in {total:.0f} s; results: {out}")
    for name, entry in scripts.items():
        goals = entry.get("result", {}).get("goals_met", {})
        met = sum(1 for v in goals.values() if v)
        status = entry.get("skipped") or entry.get("error") or f"goals met {met}/{len(goals)}"
        print(f"  {name:<16} {entry.get('seconds', 0):>6} s  {status}")
    if mode == "full" and not args.no_docs and args.output is None:
        for script in ("chart.py", "report.py"):
            subprocess.run([sys.executable, str(HERE / script), str(out)], check=False)
    summary = {"benchmark": "run_all", "mode": mode, "seconds": round(total, 1),
               "results_file": str(out), "failed": failed}
    print(json.dumps(summary))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
