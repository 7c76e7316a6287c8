"""Comments and pages cite the wire decisions by an anchor that exists in the repository.

``docs/reference/wire.md`` and ``docs/reference/wire-snap.md`` hold the wire decisions the code
relies on. A citation ``wire.md#<anchor>`` (or ``wire-snap.md#<anchor>``) must name an anchor
``{#<anchor>}`` of that page. Citations of documents that are not in the repository ("Decision
x", ``SNAP.md``, ``PIVOT_API.md``, "spec 6.1") may only decrease: ``OLD_CITATIONS_LEFT`` is a
ratchet, to be lowered as they are rewritten, down to 0.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = {name: ROOT / "docs" / "reference" / name for name in ("wire.md", "wire-snap.md")}
SCANNED = [
    *sorted((ROOT / "pivot_async").rglob("*.py")),
    *sorted((ROOT / "tests").rglob("*.py")),
    *sorted((ROOT / "benchmarks").rglob("*.py")),
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "docs").rglob("*.py")),
    ROOT / "README.md",
]
_CITATION = re.compile(r"\b(wire(?:-snap)?\.md)#([\w-]+)")
_OLD = re.compile(
    r"\bDecisions? [a-n]\b|\bSNAP\.md\b|\bPIVOT_API\.md\b|\bspec (?:section )?\d|\bspec/"
)
OLD_CITATIONS_LEFT = 0


def _anchors(page: Path) -> set[str]:
    return set(re.findall(r"\{#([\w-]+)\}", page.read_text("utf-8")))


def _lines() -> list[tuple[Path, int, str]]:
    here = Path(__file__).resolve()
    return [
        (path, number, line)
        for path in SCANNED
        if path.resolve() != here and path.parent != ROOT / "tests" / "data"
        and "tests/data/" not in path.as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
    ]


def test_the_pages_have_the_decision_anchors() -> None:
    assert {f"decision-{c}" for c in "abcdefghijklmn"} <= _anchors(PAGES["wire.md"])
    assert "snap-verify-transactional" in _anchors(PAGES["wire-snap.md"])


def test_every_wire_citation_names_an_existing_anchor() -> None:
    anchors = {name: _anchors(page) for name, page in PAGES.items()}
    broken = [
        f"{path.relative_to(ROOT)}:{number}: {page}#{anchor}"
        for path, number, line in _lines()
        for page, anchor in _CITATION.findall(line)
        if anchor not in anchors[page]
    ]
    assert not broken, "citations of missing anchors:\n" + "\n".join(broken)


def test_citations_of_documents_outside_the_repository_only_decrease() -> None:
    old = [
        f"{path.relative_to(ROOT)}:{number}"
        for path, number, line in _lines()
        if path.name not in PAGES and _OLD.search(line)
    ]
    assert len(old) <= OLD_CITATIONS_LEFT, (
        f"{len(old)} lines cite documents that are not in the repository (at most "
        f"{OLD_CITATIONS_LEFT}); cite docs/reference/wire.md#<anchor> instead:\n" + "\n".join(old)
    )
