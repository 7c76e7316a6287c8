"""Rewrite the generated part of ``docs/benchmarks.md`` from a ``run_all.py`` results file.

Usage::

    python benchmarks/report.py [benchmarks/results/latest-full.json] [--doc docs/benchmarks.md]
    python benchmarks/report.py results.json --print        # the Markdown to stdout only

Everything between ``<!-- results:start -->`` and ``<!-- results:end -->`` is replaced; the
rest of the page (method, how to reproduce, notes) is left as written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_IN = HERE / "results" / "latest-full.json"
DEFAULT_DOC = HERE.parent / "docs" / "benchmarks.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "**no**"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.2f}"
    return str(v)


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(fmt(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _ratio(res: dict[str, Any], other: str) -> float | None:
    if "pivot_async" not in res or other not in res or not res[other]["rps"]:
        return None
    return float(res["pivot_async"]["rps"] / res[other]["rps"])


def issue16_targets(scripts: dict[str, Any]) -> list[list[Any]]:
    """Issue 16's targets: target, measured at concurrency 64 and 256, met (at both)."""
    rows: list[list[Any]] = []
    dash = "-"
    tp = scripts.get("throughput", {}).get("result")
    if tp:
        for suite, call, other, key in (
            ("payments", "`payments.create`", "aiohttp_raw", "payments_c{}_pivot_ge_{}x_{}"),
            ("wallet", "signed `wallet.debit`", "aiohttp_presigned",
             "wallet_c{}_pivot_ge_{}x_{}"),
        ):
            by_conc = tp["results"].get(suite)
            if not by_conc:
                continue
            goal = next((name.split("_ge_")[1].split("x_")[0] for name in tp["goals_met"]
                         if name.startswith(f"{suite}_") and name.endswith(f"x_{other}")), "?")
            measured = [_ratio(by_conc[c], other) if c in by_conc else None
                        for c in ("64", "256")]
            met = [tp["goals_met"].get(key.format(c, goal, other)) for c in ("64", "256")
                   if c in by_conc]
            rows.append([f"{call} / `{other}`, requests/s", f">= {goal}x",
                         *(dash if m is None else m for m in measured),
                         bool(met) and all(met)])
            if suite == "payments" and all("aiohttp_bestcase" in by_conc.get(c, {})
                                           for c in ("64", "256")):
                # Context, not a goal: the same work done inline on plain aiohttp.
                best = [by_conc[c]["aiohttp_bestcase"]["rps"] / by_conc[c][other]["rps"]
                        for c in ("64", "256")]
                rows.append([f"(context) `aiohttp_bestcase` / `{other}`, requests/s", dash,
                             *best, dash])
                rows.append(["(context) `payments.create` / `aiohttp_bestcase`, requests/s",
                             dash, *(_ratio(by_conc[c], "aiohttp_bestcase")
                                     for c in ("64", "256")), dash])
    imp = scripts.get("import_time", {}).get("result")
    if imp:
        rows.append(["cold `import pivot_async` / `import aiohttp, msgspec` (median time)",
                     "<= 1.4x", imp["ratios"]["pivot_async_over_aiohttp_msgspec"], dash,
                     imp["goals_met"]["import_le_1_4x_aiohttp_msgspec"]])
    ce = scripts.get("card_encryption", {}).get("result")
    if ce:
        where = ce.get("goal_executor", "default")
        lag = ce.get("under_load", {}).get("default", {}).get("loop_lag_max_ms")
        rows.append([f"card encryption, {where}: max event-loop lag (ms), {ce['n']:,} cards "
                     f"while {ce.get('http_concurrency', '?')} requests are in flight", "< 10",
                     dash, dash if lag is None else lag,
                     ce["goals_met"].get("executor_loop_lag_max_lt_10ms", False)])
        rows.append([f"card encryption, {where}: throughput / inline, "
                     f"{ce.get('in_flight', {}).get('default', 256)} in flight", ">= 1.3x", dash,
                     ce["ratios"].get("executor_over_inline_alone", dash),
                     ce["goals_met"].get("executor_ge_1_3x_inline", False)])
    return rows


def goals(scripts: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    tp = scripts.get("throughput", {}).get("result")
    if tp:
        for name, met in tp["goals_met"].items():
            suite, conc, rest = name.split("_", 2)
            target, other = rest.split("_ge_")[1].split("x_", 1)
            res = tp["results"][suite][conc[1:]]
            value = res["pivot_async"]["rps"] / res[other]["rps"] if res[other]["rps"] else 0.0
            rows.append([f"throughput {suite}, c={conc[1:]}: pivot_async / {other} (req/s)",
                         f">= {target}x", value, met])
    dec = scripts.get("decode", {}).get("result")
    if dec:
        for name in ("msgspec_structs", "pivot_decode_path"):
            r = dec["ratios"]
            rows.append([f"decode: {name} speed / pydantic v2", ">= 5x",
                         r[f"{name}_over_pydantic_speed"],
                         dec["goals_met"][f"{name}_ge_5x_pydantic"]])
            rows.append([f"decode: {name} speed / json.loads dicts", "> 1x",
                         r[f"{name}_over_json_loads_speed"],
                         dec["goals_met"][f"{name}_faster_than_json_loads"]])
    ts = scripts.get("token_stampede", {}).get("result")
    if ts:
        for key, k in ts["kinds"].items():
            rows.append([f"token stampede {key}: token requests for {ts['calls']:,} calls",
                         "exactly 1", k["token_requests_at_expiry"],
                         ts["goals_met"][f"{key}_exactly_1_token_request"]])
    mem = scripts.get("memory", {}).get("result")
    if mem and "pivot_async" in mem["results"]:
        rows.append([f"memory: pivot_async peak RSS, {mem['inflight']:,} in flight (MB)",
                     "< 100", mem["results"]["pivot_async"]["peak_rss_mb"],
                     mem["goals_met"]["pivot_async_peak_rss_lt_100mb"]])
    imp = scripts.get("import_time", {}).get("result")
    if imp:
        rows.append(["cold `import pivot_async` / `import aiohttp, msgspec` (median time)",
                     "<= 1.4x", imp["ratios"]["pivot_async_over_aiohttp_msgspec"],
                     imp["goals_met"]["import_le_1_4x_aiohttp_msgspec"]])
    ce = scripts.get("card_encryption", {}).get("result")
    if ce:
        ce_rows = {  # goal -> (label, target, figure)
            "executor_ge_1_6x_inline": ("card encryption, default path: throughput / inline "
                                        "(script's goal)", ">= 1.6x", ce["ratios"].get(
                                            "executor_over_inline_alone", "")),
            "executor_ge_1_3x_inline": (
                "card encryption, default path: throughput / inline, 256 in flight", ">= 1.3x",
                ce["ratios"].get("executor_over_inline_alone", "")),
            "executor_loop_lag_max_lt_10ms": (
                "card encryption, default path: max loop lag (ms)", "< 10",
                ce["under_load"].get("default", {}).get("loop_lag_max_ms", "")),
        }
        for goal, met in ce.get("goals_met", {}).items():
            label, target, value = ce_rows.get(goal, (f"card_encryption: {goal}",
                                                      "see the script", ""))
            rows.append([label, target, value, met])
    for name in ("batch",):
        res = scripts.get(name, {}).get("result")
        if res:
            for goal, met in res.get("goals_met", {}).items():
                rows.append([f"{name}: {goal}", "see the script", "", met])
    return rows


def throughput_section(tp: dict[str, Any]) -> list[str]:
    out = ["### Throughput (`throughput.py`)\n",
           f"Calls measured per contender and round: {tp['n']:,} (httpx_pydantic and "
           f"requests_threads: {tp['slow_n']:,}; wallet: {tp['wallet_n']:,}), after a warm-up "
           f"of {tp['warmup']:,}; medians of {tp['rounds']} interleaved rounds. "
           "*Server core* is the canned server's CPU share (1.0 = one full core).\n"]
    for suite, by_conc in tp["results"].items():
        for conc, summary in by_conc.items():
            p = summary["pivot_async"]
            rows = [[f"`{name}`", s["rps"], s["rps"] / p["rps"] if p["rps"] else 0.0,
                     s["cpu_us_per_request"], s["server_cpu_share"], s["errors"]]
                    for name, s in summary.items()]
            title = "payments.create" if suite == "payments" else "signed wallet debits"
            out.append(f"**{title}, concurrency {conc}**\n")
            out.append(md_table(["contender", "req/s", "x pivot_async", "client CPU us/req",
                                 "server core", "errors"], rows) + "\n")
    prof = tp.get("profile")
    if prof and "layers_us" in prof:
        layers = prof["layers_us"]
        if layers and not isinstance(next(iter(layers.values())), dict):
            layers = {"payments": layers}  # a results file from before the wallet's table
        for suite, table in layers.items():
            call = "payments.create" if suite == "payments" else "a signed wallet.debit"
            out.append(f"**pivot_async's client CPU per request, layer by layer: {call}** "
                       f"(concurrency {prof['concurrency']}, medians; each row adds one layer "
                       "to the one above, *+us* is what it adds)\n")
            rows, before = [], None
            for name, us in table.items():
                rows.append([name, us, "" if before is None else us - before])
                before = us
            out.append(md_table(["layer", "us/request", "+us"], rows) + "\n")
    if prof:
        out.append("**Where pivot_async's CPU goes** (pure steps of one `payments.create`, "
                   "CPU microseconds per call, timeit; the rest is aiohttp and the middleware "
                   "chain)\n")
        out.append(md_table(["step", "us"], [
            [f"of which: {k.strip()}" if k.startswith("  ") else k, v]
            for k, v in prof["breakdown_us"].items()
        ]) + "\n")
    return out


def instructions_section(scripts: dict[str, Any]) -> list[str]:
    """``instructions.py``'s counts, the budget each target allows, the ratios."""
    entry = scripts.get("instructions", {})
    ins, skipped = entry.get("result"), entry.get("skipped")
    out = ["### Instructions per request (cachegrind)\n"]
    if not ins:
        return [*out, f"Not run: {skipped}.\n"] if skipped else []
    if "not_measured" in ins:
        return [*out, f"Not measured: {ins['not_measured']}.\n"]
    out.append(f"`instructions.py`: {ins['method']}; {ins['n']:,} calls at concurrency "
               f"{ins['concurrency']} after a warm-up of {ins['warmup']}, median of "
               f"{ins.get('repeat', 1)} runs (*spread*: their range); commit `{ins['commit']}`. "
               "The count hardly depends on the machine's load. An instruction ratio is a "
               "proxy for the requests/s ratio of the CPU-bound client that leaves out kernel "
               "time and cache misses: compare it with the requests/s ratio (last column).\n")
    rows = []
    for suite, res in ins["results"].items():
        ceiling = next(iter(res.values()))["instructions"]
        rows += [[suite, f"`{name}`", f"{r['instructions']:,}", r["instructions"] / ceiling,
                  f"{r.get('spread_pct', 0):.1f} %", f"{r.get('i1_misses', 0):,}",
                  f"{r.get('d1_misses', 0):,}"] for name, r in res.items()]
    out.append(md_table(["suite", "contender", "instructions/request", "x ceiling", "spread",
                         "I1 misses/request", "D1 misses/request"], rows) + "\n")
    tp = (scripts.get("throughput", {}).get("result") or {}).get("results", {})
    rows = []
    for suite, d in ins["derived"].items():
        call, ceiling, best = (("payments.create", "aiohttp_raw", "aiohttp_bestcase")
                               if suite == "payments" else
                               ("wallet.debit", "aiohttp_presigned", "aiohttp_hmac"))
        rps = [_ratio(tp[suite][c], ceiling) if c in tp.get(suite, {}) else None
               for c in ("64", "256")]
        rows.append([f"`{call}` / `{ceiling}` (best case `{best}`)", f">= {d['target']}x",
                     f"{d['budget_instructions']:,}", f"{d['bestcase_ratio']:.3f}",
                     f"{d['pivot_ratio']:.3f}", f"{d['pivot_over_bestcase']:.3f}",
                     "/".join("-" if v is None else f"{v:.2f}" for v in rps)])
    out.append(md_table(["call / ceiling", "target (req/s)", "instructions the target allows",
                         "ceiling / best case", "ceiling / pivot_async",
                         "pivot_async / best case", "req/s ratio, this run (c=64/256)"], rows)
               + "\n")
    return out


def render(results: dict[str, Any]) -> str:
    m, v, scripts = results["machine"], results["versions"], results["scripts"]
    out = [
        f"Run: `{results['command']}`, {results['started_utc']}, {results['seconds']:.0f} s.\n",
        f"Machine: {m['platform']}, {m['cpus']} CPUs ({m['processor']}), "
        f"{m['implementation']} {m['python']}; 1-minute load average at the end "
        f"{fmt(m['load_average_1m'])}.\n",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".\n",
        *(f"Note: {note}\n" for note in results.get("notes", [])),
    ]
    targets = issue16_targets(scripts)
    if targets:
        out += [
            "### Issue 16 targets\n",
            "Ratios in one run; *met* needs the target at every concurrency measured.\n",
            md_table(["target", "goal", "measured c=64", "measured c=256", "met"], targets)
            + "\n",
        ]
    out += [
        "### Goals\n",
        md_table(["goal", "target", "measured", "met"], goals(scripts)) + "\n",
    ]
    tp = scripts.get("throughput", {}).get("result")
    if tp:
        out += throughput_section(tp)
    out += instructions_section(scripts)
    dec = scripts.get("decode", {}).get("result")
    if dec:
        base = dec["us_per_decode"]["msgspec_structs"]
        out.append(f"### Decode (`decode.py`)\n\nRetrieve-session response with "
                   f"{dec['payload']['charges']} charges ({dec['payload']['bytes']:,} bytes); "
                   f"median of {dec['rounds']} rounds of {dec['loops']:,} decodes, CPU time.\n")
        out.append(md_table(["contender", "us/decode", "x msgspec_structs"],
                            [[f"`{k}`", u, u / base] for k, u in
                             dec["us_per_decode"].items()]) + "\n")
    ts = scripts.get("token_stampede", {}).get("result")
    if ts:
        out.append(f"### Token stampede (`token_stampede.py`)\n\n{ts['calls']:,} concurrent "
                   "calls at expiry against the embedded sandbox (latencies in ms; *API "
                   "requests* includes the replays of calls rejected with 401).\n")
        rows = [[f"`{key}`", k["token_requests_at_expiry"],
                 k["other_token_requests_at_expiry"], k["expiry"]["failed"],
                 k["expiry"]["requests"]["api_requests"], k["warm"]["p50_ms"],
                 k["expiry"]["p50_ms"], k["warm"]["p99_ms"], k["expiry"]["p99_ms"]]
                for key, k in ts["kinds"].items()]
        out.append(md_table(["token / mode", "token requests", "other token requests",
                             "failed", "API requests", "warm p50", "expiry p50", "warm p99",
                             "expiry p99"], rows) + "\n")
    mem = scripts.get("memory", {}).get("result")
    if mem:
        out.append(f"### Memory (`memory.py`)\n\n{mem['inflight']:,} requests in flight, held "
                   f"{mem['hold_ms']} ms by the server, {mem['waves']} waves; one fresh "
                   "process per contender (MB).\n")
        rows = [[f"`{k}`", r["rss_after_setup_mb"], r["peak_rss_mb"],
                 r["kb_per_inflight_request"], r["errors"]]
                for k, r in mem["results"].items()]
        out.append(md_table(["contender", "RSS after setup", "peak RSS", "KB per in-flight",
                             "errors"], rows) + "\n")
    ce = scripts.get("card_encryption", {}).get("result")
    if ce:
        out.append("### Card encryption (`card_encryption.py`)\n")
        rows = [[k, val] for k, val in ce.get("ratios", {}).items()]
        rows += [[f"throughput alone, {k} (enc/s)", val]
                 for k, val in ce.get("throughput_alone_enc_per_s", {}).items()]
        out.append(md_table(["figure", "value"], rows) + "\n")
    for name in ("batch",):
        entry = scripts.get(name, {})
        res = entry.get("result")
        if res:
            out.append(f"### Batch (`{name}.py`)\n")
            flat = [[k, val] for k, val in res.items()
                    if isinstance(val, (int, float)) and not isinstance(val, bool)]
            out.append(md_table(["figure", "value"], flat) + "\n")
        elif entry.get("skipped"):
            out.append(f"### Batch (`{name}.py`)\n\nNot run: {entry['skipped']}.\n")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("results", nargs="?", type=Path, default=DEFAULT_IN)
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC)
    parser.add_argument("--print", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    md = render(json.loads(args.results.read_text("utf-8")))
    if args.print:
        print(md)
        return
    doc = args.doc.read_text("utf-8")
    if START not in doc or END not in doc:
        raise SystemExit(f"{args.doc} has no {START} ... {END} markers")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    args.doc.write_text(f"{head}{START}\n{md}\n{END}{tail}", "utf-8")
    print(f"doc updated: {args.doc}")


if __name__ == "__main__":
    main()
