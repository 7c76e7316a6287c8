"""Instructions per request (valgrind's cachegrind) of issue 16's contenders, at concurrency 64.

Each contender that issue 16 compares runs in a fresh interpreter under ``valgrind
--tool=cachegrind --cache-sim=yes`` (the simulated I1/D1 misses show why added work costs more
time than its instructions); the canned server runs natively in its own process. The child
warms up, runs a full garbage collection (else one of CPython's rare full collections, ~18M
instructions, falls among the N calls in some runs only), then makes N calls at concurrency
64. Per request = (I(N) - I(0)) / N: start-up, imports and warm-up cancel out. The median of
3 runs with N is kept: the interleaving of the 64 calls, and with it the count, varies by
1-3 % from run to run (*spread*). Kernel time (the loopback send) is not counted. The wallet
children load one RSA key written once (a fresh key per child makes the N = 0 count vary by
millions); all children share one bytecode cache, filled by a native run of each child first.

An instruction ratio is a load-independent proxy for the CPU-bound client's requests/s ratio;
it leaves out kernel time and cache misses, and has been optimistic (see the output).

Usage::

    python benchmarks/instructions.py            # N = 1000, 3 runs (7-11 minutes, 2 cores)
    python benchmarks/instructions.py --quick    # N = 300, 1 run
    python benchmarks/instructions.py --only wallet --n 2000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common
from _common import emit, table

RESULTS = _common.HERE / "results" / "instructions.json"
CONTENDERS = {  # suite -> (name, class in _contenders): ceiling, best case, pivot_async
    "payments": [("aiohttp_raw", "AiohttpRaw"), ("aiohttp_bestcase", "AiohttpBestCase"),
                 ("pivot_async", "PivotAsync")],
    "wallet": [("aiohttp_presigned", "AiohttpPresigned"), ("aiohttp_hmac", "AiohttpHmac"),
               ("pivot_async", "PivotWallet")],
}
TARGETS = {"payments": 0.72, "wallet": 0.70}  # issue 16: pivot_async / ceiling, requests/s
CALL = {"payments": "payments.create", "wallet": "wallet.debit"}
VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null"]
SUMMARY = re.compile(r"^==(\d+)== (I\s+refs|I1\s+misses|D1\s+misses|LL\s+misses):\s+([\d,]+)",
                     re.MULTILINE)
KEYS = {"I refs": "instructions", "I1 misses": "i1_misses", "D1 misses": "d1_misses",
        "LL misses": "ll_misses"}


def parse_summary(text: str, pid: int | None = None) -> dict[str, int]:
    """Cachegrind's summary (its stderr) as counts; only the lines of ``pid`` if given."""
    counts = {KEYS[" ".join(m[2].split())]: int(m[3].replace(",", ""))
              for m in SUMMARY.finditer(text) if pid is None or int(m[1]) == pid}
    if "instructions" not in counts:
        raise ValueError("no cachegrind summary ('I refs') in the output")
    return counts


def derive(per_request: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per suite, from instructions per request: what each target allows and the ratios."""
    out = {}
    for suite, rows in per_request.items():
        names = [name for name, _ in CONTENDERS[suite]]
        if not all(n in rows for n in names):
            continue
        ceiling, best, pivot = (rows[n] for n in names)
        budget = ceiling / TARGETS[suite]
        out[suite] = {
            "target": TARGETS[suite],
            "budget_instructions": round(budget),  # the most a call may run to meet the target
            "bestcase_ratio": round(ceiling / best, 3),  # the floor for this work
            "pivot_ratio": round(ceiling / pivot, 3),
            "pivot_over_bestcase": round(pivot / best, 3),
            "budget_minus_bestcase": round(budget - best),
            "pivot_minus_budget": round(pivot - budget),
        }
    return out


def last_full_rps_ratios(path: Path = _common.HERE / "results" / "latest-full.json",
                         ) -> dict[str, Any]:
    """pivot_async / ceiling in requests/s at c=64 and c=256 in the last full run, if any."""
    try:
        full = json.loads(path.read_text("utf-8"))
        tp = full["scripts"]["throughput"]["result"]["results"]
        out: dict[str, Any] = {"run": full.get("started_utc", "?")}
        for suite, names in CONTENDERS.items():
            ceiling = names[0][0]
            out[suite] = {c: round(tp[suite][c]["pivot_async"]["rps"]
                                   / tp[suite][c][ceiling]["rps"], 3)
                          for c in ("64", "256") if c in tp.get(suite, {})}
        return out
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return {}


# --- the child: one contender, warm-up, then N calls ---------------------------------------------


async def child(cls_name: str, n: int, warmup: int, concurrency: int, pem: str) -> None:
    import _contenders

    if pem:
        from pivot_async.signing import load_private_key

        vars(_contenders)["_PRIVATE_KEY"] = load_private_key(pem)  # instead of a fresh one
    _common.raise_fd_limit()
    async with _common.CannedServer() as server:
        contender = getattr(_contenders, cls_name)()
        await contender.setup(server.url, concurrency)
        for count, start in ((warmup, 0), (n, warmup)):
            if count:
                res = await contender.run(count, concurrency, start)
                if res.ok != count:
                    raise SystemExit(f"{cls_name}: {res.errors} errors: {res.first_error}")
            if start == 0:  # see the module's docstring: no full collection among the N calls
                gc.collect()
        await contender.close()


# --- the parent ---------------------------------------------------------------------------------


def run_child(cls_name: str, n: int, args: argparse.Namespace, env: dict[str, str],
              valgrind: bool) -> tuple[dict[str, int], float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", cls_name, str(n),
           "--warmup", str(args.warmup), "--concurrency", str(args.concurrency),
           "--key-file", env["BENCH_KEY_FILE"]]
    t0 = time.perf_counter()
    proc = subprocess.Popen([*VALGRIND, *cmd] if valgrind else cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=_common.ROOT)
    _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        lines = [ln for ln in err.splitlines() if not ln.startswith("==")]
        raise RuntimeError(f"{cls_name} N={n} exited {proc.returncode}: "
                           + " | ".join(lines[-6:]))
    return (parse_summary(err, proc.pid) if valgrind else {}), seconds


def measure(cls_name: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    run_child(cls_name, 0, args, env, valgrind=False)  # checks it works, fills the .pyc cache
    zero, seconds = run_child(cls_name, 0, args, env, valgrind=True)
    samples = []
    for _ in range(args.repeat):  # the N = 0 count is steady (+-0.1k per request): run once
        full, s = run_child(cls_name, args.n, args, env, valgrind=True)
        samples.append({k: (full[k] - zero[k]) / args.n for k in full if k in zero})
        seconds += s
    row: dict[str, Any] = {k: round(statistics.median(x[k] for x in samples)) for k in samples[0]}
    ins = [round(x["instructions"]) for x in samples]
    row.update(samples=ins, spread_pct=round(100 * (max(ins) - min(ins)) / row["instructions"], 1),
               total_n0=zero["instructions"], seconds=round(seconds, 1))
    return row


def git(*argv: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(_common.ROOT), *argv], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tree_state() -> dict[str, Any]:
    """The commit measured and any uncommitted change to the code the children run (the
    sandbox is not imported by them)."""
    changes = git("status", "--porcelain", "--", "pivot_async", ":!pivot_async/sandbox",
                  "benchmarks/_contenders.py", "benchmarks/canned_server.py")
    return {"commit": git("rev-parse", "--short=12", "HEAD"),
            "uncommitted": changes.splitlines() if changes != "unknown" else []}


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from pivot_async.signing import generate_private_key

    t0 = time.perf_counter()
    state = tree_state()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="pivot-instr-") as tmp:
        key_file = Path(tmp) / "bench-key.pem"  # a throwaway key for the canned server
        key_file.write_text(generate_private_key(2048).to_pem(), "ascii")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"), PYTHONHASHSEED="0",
                   BENCH_KEY_FILE=str(key_file))
        for suite in args.only:
            results[suite] = {}
            for name, cls_name in CONTENDERS[suite]:
                results[suite][name] = row = measure(cls_name, args, env)
                print(f"  {suite:<9} {name:<18} {row['instructions']:>9,} instructions per "
                      f"request, runs {row['samples']} ({row['seconds']:.0f} s)", flush=True)
    end_state = tree_state()
    return {
        "benchmark": "instructions",
        "method": " ".join(VALGRIND[:3]) + "; per request = (I(N) - I(0)) / N, client process "
                  "only (the canned server runs natively in its own process)",
        "valgrind": subprocess.run(["valgrind", "--version"], capture_output=True, text=True,
                                   check=False).stdout.strip(),
        **state,
        **({"warning": f"the tree changed during the run: {end_state}"}
           if end_state != state else {}),
        "n": args.n, "repeat": args.repeat, "warmup": args.warmup, "concurrency": args.concurrency,
        "machine": _common.machine(),
        "versions": _common.versions("pivot-async", "aiohttp", "msgspec", "pycryptodome"),
        "results": results,
        "derived": derive({s: {k: float(r["instructions"]) for k, r in rows.items()}
                           for s, rows in results.items()}),
        "last_full_run_rps_ratios": last_full_rps_ratios(),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def proxy_lines(r: dict[str, Any]) -> list[str]:
    out = ["Instruction ratios are a load-independent proxy for the CPU-bound client's req/s "
           "ratio; they leave out kernel time and cache misses (pivot_async adds both)."]
    full = r.get("last_full_run_rps_ratios") or {}
    for suite, d in r["derived"].items():
        rps = full.get(suite) or {}
        if rps:
            seen = "/".join(f"{v:.2f}" for v in rps.values())
            verdict = ("the proxy is optimistic" if max(rps.values()) < d["pivot_ratio"]
                       else "the proxy is not optimistic here")
            out.append(f"  {CALL[suite]}: last full run ({full['run']}) measured {seen} in "
                       f"req/s at c={'/'.join(rps)}, against {d['pivot_ratio']:.2f} in "
                       f"instructions: {verdict}.")
    return out


def report(r: dict[str, Any]) -> None:
    print(f"instructions: {r['method']}; N = {r['n']:,} at concurrency {r['concurrency']}, "
          f"warm-up {r['warmup']}, median of {r['repeat']}; commit {r['commit']}"
          + (f" + uncommitted {r['uncommitted']}" if r["uncommitted"] else ""))
    rows = []
    for suite, res in r["results"].items():
        ceiling = res[CONTENDERS[suite][0][0]]["instructions"]
        for name, row in res.items():
            rows.append((f"{suite}: {name}", f"{row['instructions']:,}",
                         row["instructions"] / ceiling, f"{row['spread_pct']:.1f}",
                         f"{row.get('i1_misses', 0):,}", f"{row.get('d1_misses', 0):,}"))
    print(table(rows, ["contender", "instructions/req", "x ceiling", "spread %",
                       "I1 misses/req", "D1 misses/req"]))
    for suite, d in r["derived"].items():
        ceiling, best = (CONTENDERS[suite][i][0] for i in (0, 1))
        print(f"{CALL[suite]} (target >= {d['target']}x {ceiling} in req/s):")
        print(f"  budget the target allows: {ceiling} / {d['target']} = "
              f"{d['budget_instructions']:,} instructions per request "
              f"(budget - {best}: {d['budget_minus_bestcase']:+,})")
        at = "at or above" if d["bestcase_ratio"] >= d["target"] else "below"
        print(f"  ratio {ceiling} / {best}: {d['bestcase_ratio']:.3f} (the best case: {at} "
              "the target, in instructions)")
        print(f"  ratio {ceiling} / pivot_async: {d['pivot_ratio']:.3f}; pivot_async / {best}: "
              f"{d['pivot_over_bestcase']:.3f}x the instructions "
              f"(pivot_async - budget: {d['pivot_minus_budget']:+,})")
    print("\n".join(proxy_lines(r)))
    if "warning" in r:
        print(f"WARNING: {r['warning']}")
    RESULTS.write_text(json.dumps(r, indent=1) + "\n", "utf-8")
    print(f"results: {RESULTS} ({r['seconds']:.0f} s)")
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="N = 300, 1 run")
    parser.add_argument("--n", type=int, default=None, help="measured calls (default 1000)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="N-call runs per contender, median (default 3; --quick 1)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--only", type=lambda s: s.split(","), default=list(CONTENDERS),
                        help="comma-separated subset of " + ",".join(CONTENDERS))
    parser.add_argument("--child", nargs=2, metavar=("CLASS", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--key-file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        pem = Path(args.key_file).read_text("ascii") if args.key_file else ""
        return asyncio.run(child(args.child[0], int(args.child[1]), args.warmup,
                                 args.concurrency, pem))
    args.n = args.n if args.n is not None else (300 if args.quick else 1000)
    args.repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    if unknown := set(args.only) - set(CONTENDERS):
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        print("instructions: not measured: valgrind not installed (apt-get install valgrind)")
        emit({"benchmark": "instructions", "not_measured": "valgrind not installed"})
        return
    report(bench(args))


if __name__ == "__main__":
    main()
