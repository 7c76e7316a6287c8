"""Fixtures for the batch runner tests."""

from __future__ import annotations

import contextlib
import csv
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._sandbox_process import sandbox_process

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
    """``python -m pivot_async sandbox --port 0`` in a child process; yields its URL (see
    :func:`tests._sandbox_process.sandbox_process`)."""
    with sandbox_process(seed=seed) as sandbox:
        yield sandbox.url


def add_fault(url: str, **fields: Any) -> None:
    """Add a fault to a standalone sandbox (``POST /_sandbox/faults``)."""
    request = urllib.request.Request(  # noqa: S310 - loopback http
        url + "/_sandbox/faults", data=json.dumps(fields).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
        assert resp.status in (200, 201)
