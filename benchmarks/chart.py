"""Render the benchmark chart (PNG) from a results file written by ``run_all.py``.

Usage::

    python benchmarks/chart.py [benchmarks/results/latest-full.json] [--out docs/img/benchmarks.png]

Needs matplotlib (the ``bench`` extra). Four panels: payments.create requests/s and client CPU
per request for each contender and concurrency, signed wallet debits requests/s, and decode
time of the retrieve-session response.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_IN = HERE / "results" / "latest-full.json"
DEFAULT_OUT = HERE.parent / "docs" / "img" / "benchmarks.png"
COLORS = ["#1b6ca8", "#8a8a8a", "#b5b5b5", "#e07b39", "#c44e52", "#55a868", "#8172b2"]


def grouped(ax: Any, by_conc: dict[str, dict[str, dict[str, Any]]], key: str, title: str,
            ylabel: str, annotate_ratio: bool) -> None:
    concs = list(by_conc)
    names = list(next(iter(by_conc.values())))
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(concs))]
        ys = [by_conc[c][name][key] for c in concs]
        bars = ax.bar(xs, ys, width, label=name, color=COLORS[j % len(COLORS)])
        if annotate_ratio:
            for bar, c in zip(bars, concs, strict=True):
                base = by_conc[c]["pivot_async"][key]
                label = f"{bar.get_height() / base:.2f}x" if base else ""
                ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(concs)), [f"concurrency {c}" for c in concs])
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def render(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scripts = results["scripts"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    tp = scripts.get("throughput", {}).get("result")
    if tp:
        res = tp["results"]
        if "payments" in res:
            grouped(axes[0][0], res["payments"], "rps",
                    "payments.create: requests/s (label: x pivot_async)", "requests/s", True)
            grouped(axes[0][1], res["payments"], "cpu_us_per_request",
                    "payments.create: client CPU per request", "CPU microseconds", False)
        if "wallet" in res:
            grouped(axes[1][0], res["wallet"], "rps",
                    "signed wallet debits: requests/s (label: x pivot_async)", "requests/s",
                    True)
    dec = scripts.get("decode", {}).get("result")
    if dec:
        ax = axes[1][1]
        names = list(dec["us_per_decode"])
        vals = [dec["us_per_decode"][n] for n in names]
        bars = ax.barh(names, vals, color=COLORS[: len(names)])
        base = dec["us_per_decode"]["msgspec_structs"]
        for bar, v in zip(bars, vals, strict=True):
            ax.annotate(f"{v:.1f} us ({v / base:.1f}x)", (v, bar.get_y() + bar.get_height() / 2),
                        va="center", fontsize=8)
        ax.set_xlim(0, max(vals) * 1.35)
        ax.invert_yaxis()
        ax.set_title(f"decode retrieve-session ({dec['payload']['charges']} charges, "
                     f"{dec['payload']['bytes']} B): CPU per decode", fontsize=10)
        ax.set_xlabel("microseconds (lower is better)")
    m = results["machine"]
    fig.suptitle(f"pivot_async benchmarks ({results['mode']} run, {results['started_utc']}, "
                 f"{m['cpus']} CPUs, Python {m['python']})", fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"chart written: {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("results", nargs="?", type=Path, default=DEFAULT_IN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    render(json.loads(args.results.read_text("utf-8")), args.out)


if __name__ == "__main__":
    main()
