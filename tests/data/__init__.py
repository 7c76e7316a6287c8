"""Test data kept in the repository, so the suite needs nothing beside the checkout.

``examples/`` is a verbatim copy of the JSON examples extracted from Pivot's API reference
(``examples/INDEX.md`` names each file's page, endpoint and the repairs applied);
``snap_vectors.json`` holds the published SNAP signing vectors (test key only).
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
EXAMPLES_DIR = DATA_DIR / "examples"
