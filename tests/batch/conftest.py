"""Fixtures for the batch runner tests."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def read_results(path: Path) -> list[dict[str, Any]]:
    """The rows of a results file (JSON Lines or CSV)."""
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return tmp_path / "out" / "results.jsonl"


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


@contextlib.contextmanager
def standalone_sandbox(*, seed: int = 1) -> Iterator[str]:
    """``python -m pivot_async sandbox --port 0`` in a child process; yields its URL.

    The child stops on SIGINT when the block ends, and by itself (``--stop-on-eof``) if this
    process dies first, since its stdin is a pipe held by this process.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "pivot_async", "sandbox", "--port", "0", "--seed", str(seed),
         "--stop-on-eof"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert match, first + (proc.stderr.read() if proc.stderr else "")
        yield match.group(1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def add_fault(url: str, **fields: Any) -> None:
    """Add a fault to a standalone sandbox (``POST /_sandbox/faults``)."""
    request = urllib.request.Request(  # noqa: S310 - loopback http
        url + "/_sandbox/faults", data=json.dumps(fields).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
        assert resp.status in (200, 201)
