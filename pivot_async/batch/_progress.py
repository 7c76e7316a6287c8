"""The terminal progress line and the job summary."""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

__all__ = ["BatchSummary", "ProgressBar", "percentile", "wants_progress"]


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100, nearest rank) of ascending ``sorted_values``."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, math.ceil(q / 100.0 * n))
    return sorted_values[min(rank, n) - 1]


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000.0:.1f} ms"


@dataclass(frozen=True)
class BatchSummary:
    """What a run did. Counts cover the whole job (every row in the results file).

    ``processed`` rows were handled by this run, ``skipped`` already had a final outcome from
    an earlier run, ``resolved`` were in flight after a crash and found at the gateway (not
    re-sent), ``resent`` were in flight, not found, and sent again with their original key.
    ``found`` rows were unknown to the journal (or not finished in it) and already at the
    gateway, so they were recorded without sending; ``sent`` counts the rows this run sent a
    create for (``processed - sent`` rows reached no create endpoint).
    ``throughput`` is ``processed / elapsed`` (ops/s); latencies (seconds) cover the requests
    this run sent.
    """

    job_id: str
    succeeded: int
    failed: int
    invalid: int
    unknown: int
    processed: int
    skipped: int
    resolved: int
    resent: int
    elapsed: float
    throughput: float
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None
    results_path: str | None = None
    journal_path: str | None = None
    resumed: bool = False
    found: int = 0
    sent: int = 0

    @property
    def total(self) -> int:
        """Rows with an outcome in the job."""
        return self.succeeded + self.failed + self.invalid + self.unknown

    @property
    def counts(self) -> dict[str, int]:
        """Rows per outcome."""
        return {"succeeded": self.succeeded, "failed": self.failed,
                "invalid": self.invalid, "unknown": self.unknown}

    @property
    def ok(self) -> bool:
        """True when every row succeeded."""
        return self.succeeded == self.total

    def format(self) -> str:
        """A human-readable multi-line report."""
        lines = [
            f"job {self.job_id}{' (resumed)' if self.resumed else ''}: {self.total} rows",
            "  " + "  ".join(f"{k} {v}" for k, v in self.counts.items()),
            f"  this run: {self.processed} processed, {self.skipped} skipped (already done), "
            f"{self.resolved} resolved in flight, {self.resent} re-sent, {self.found} found at "
            f"the gateway, {self.sent} sent",
            f"  {self.elapsed:.2f} s, {self.throughput:.1f} ops/s, latency p50 "
            f"{_ms(self.latency_p50)}  p95 {_ms(self.latency_p95)}  p99 {_ms(self.latency_p99)}",
        ]
        if self.results_path:
            lines.append(f"  results: {self.results_path}")
        if self.journal_path:
            lines.append(f"  journal: {self.journal_path}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def wants_progress(progress: bool | None, stream: TextIO | None = None) -> bool:
    """Whether to draw: ``True``/``False`` as given, ``None`` only when ``stream`` is a TTY."""
    if progress is not None:
        return progress
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):
        return False


class ProgressBar:
    """One ``\\r``-rewritten status line on ``stream`` (stderr), redrawn at most 10 times/s."""

    def __init__(
        self,
        *,
        total: int | None,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._interval = min_interval
        self._start = clock()
        self._last = -math.inf
        self._drawn = False
        self.renders = 0

    def update(self, done: int, processed: int, problems: Mapping[str, int], *,
               force: bool = False) -> None:
        """Redraw if due: ``done`` rows of ``total`` (``processed`` of them by this run)."""
        if not self.enabled:
            return
        now = self._clock()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        self.renders += 1
        elapsed = max(now - self._start, 1e-9)
        columns = shutil.get_terminal_size((100, 20)).columns
        line = self.render(done, processed / elapsed, elapsed, problems, columns - 1)
        self._stream.write("\r" + line[: max(10, columns - 1)].ljust(columns - 1))
        self._stream.flush()
        self._drawn = True

    def render(self, done: int, rate: float, elapsed: float, problems: Mapping[str, int],
               width: int) -> str:
        """The status line in at most ``width`` characters (when it can be done at all).

        The counts come first: ``done/total`` and each non-zero problem count are always
        shown; the rate, ETA, bar and elapsed time are added, in that order, while they fit.
        """
        frac = min(1.0, done / self.total) if self.total else None
        count = (f"{done}/{self.total} {math.floor(frac * 1000) / 10:.1f}%" if frac is not None
                 else f"{done} rows")
        bad = "  ".join(f"{k} {v}" for k, v in problems.items() if v)
        optional: dict[str, str] = {"rate": f"{rate:.1f} ops/s"}
        if self.total and rate > 0 and done < self.total:
            optional["eta"] = f"ETA {_duration((self.total - done) / rate)}"
        if frac is not None:
            filled = int(frac * 20)
            optional["bar"] = f"[{'#' * filled}{'.' * (20 - filled)}]"
        optional["elapsed"] = f"elapsed {_duration(elapsed)}"
        chosen = {"count": count, "bad": bad} if bad else {"count": count}

        def line(parts: Mapping[str, str]) -> str:
            order = ("bar", "count", "rate", "eta", "elapsed", "bad")
            return "  ".join(parts[k] for k in order if k in parts)

        for key, text in optional.items():
            if len(line({**chosen, key: text})) <= width:
                chosen[key] = text
        return line(chosen).ljust(width)

    def close(self) -> None:
        """End the line (if anything was drawn)."""
        if self.enabled and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
