"""Fixtures for the batch runner tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest


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
