"""Every ```python block in ``docs/**/*.md`` is run by the test suite.

A block passes when it is
1. an include of example files (``--8<-- "docs/examples/<file>.py"``, optionally
   ``:<section>``): every example is run by ``tests/docs/test_examples.py``;
2. a verbatim excerpt of an example file (a one-line ``conftest.py`` setting, for instance); or
3. listed in ``EXECUTED`` with the test that runs it (that test reads the block from the page
   by its section heading).
Anything else is a snippet nobody runs, and fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES_DIR = DOCS / "examples"

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)\b.*$")
_INCLUDE = re.compile(r'^--8<-- "(?P<path>docs/examples/[\w./-]+\.py)(?::(?P<section>\w+))?"$')
_HEADING = re.compile(r"^#{1,6} \S")

# (page, section heading, index of the python block in that section) -> the test running it.
EXECUTED: dict[tuple[str, str, int], str] = {
    ("reliability.md", "### Payments: re-send with the same key", 0):
        "tests/reliability/test_docs_recipes.py::test_ambiguous_create_recipe_gives_one_session",
    ("reliability.md", "## Receiving callbacks", 0):
        "tests/reliability/test_docs_recipes.py::test_callback_recipe_receives_a_real_delivery",
    ("guides/scaling.md", "## The shared token store", 0):
        "tests/scale/test_docs_recipe.py::test_the_redis_recipe_shares_a_sealed_token",
    ("guides/scaling.md", "## One rate limit for all workers", 0):
        "tests/scale/test_rate_limit.py::test_the_guide_recipe_shares_the_rate_through_redis",
    ("guides/scaling.md", "## Batch jobs on other engines: Ray, Temporal, Celery", 0):
        "tests/batch/test_chunk_executor.py::test_the_guide_recipe_runs_on_a_process_pool",
    ("guides/batch.md", "## Batch jobs on Dask", 0):
        "tests/dask/test_dask_batch.py::test_the_guide_recipe_runs_a_file_on_the_cluster",
}


@dataclass(frozen=True)
class Block:
    page: str  # relative to docs/
    line: int  # of the opening fence, 1-based
    heading: str  # the heading the block is under ("" before the first one)
    index: int  # among the python blocks under that heading
    code: str  # dedented to the fence's indentation

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.page, self.heading, self.index)

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line} (under {self.heading!r}, python block {self.index})"


def python_blocks(text: str, page: str) -> list[Block]:
    """The ```python blocks of a markdown page, with the heading each one is under."""
    blocks: list[Block] = []
    heading = ""
    counts: dict[str, int] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = _FENCE_OPEN.match(lines[i])
        if opened is None:
            if _HEADING.match(lines[i]):
                heading = lines[i].strip()
            i += 1
            continue
        indent, start = opened["indent"], i
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        if opened["lang"] == "python":
            index = counts.get(heading, 0)
            counts[heading] = index + 1
            blocks.append(Block(page, start + 1, heading, index, "\n".join(body).strip()))
    return blocks


def _all_blocks() -> list[Block]:
    return [
        block
        for path in sorted(DOCS.rglob("*.md"))
        for block in python_blocks(path.read_text("utf-8"), path.relative_to(DOCS).as_posix())
    ]


def _is_include(block: Block) -> bool:
    lines = [ln.strip() for ln in block.code.splitlines() if ln.strip()]
    return bool(lines) and all(_INCLUDE.match(ln) for ln in lines)


def _is_example_excerpt(block: Block, sources: list[str]) -> bool:
    return bool(block.code) and any(block.code in source for source in sources)


def uncovered(blocks: list[Block], executed: dict[tuple[str, str, int], str]) -> list[Block]:
    """The blocks that are neither includes, example excerpts nor executed by a named test."""
    sources = [p.read_text("utf-8") for p in sorted(EXAMPLES_DIR.glob("*.py"))]
    return [
        b for b in blocks
        if not _is_include(b) and not _is_example_excerpt(b, sources) and b.key not in executed
    ]


def test_every_python_block_is_an_include_or_executed() -> None:
    blocks = _all_blocks()
    assert len(blocks) > 20, len(blocks)
    missing = [b for b in uncovered(blocks, EXECUTED)]
    assert not missing, (
        "python blocks in docs/ that no test runs; move each into docs/examples/ and include it "
        "(--8<--), or run it from a test and list it in EXECUTED:\n"
        + "\n".join(b.where for b in missing)
    )


def test_includes_name_existing_files_and_sections() -> None:
    for block in _all_blocks():
        if not _is_include(block):
            continue
        for line in block.code.splitlines():
            found = _INCLUDE.match(line.strip())
            assert found is not None, block.where
            path = ROOT / found["path"]
            assert path.is_file(), f"{block.where}: {found['path']} does not exist"
            if found["section"]:
                marker = f"# --8<-- [start:{found['section']}]"
                assert marker in path.read_text("utf-8"), f"{block.where}: no {marker}"


@pytest.mark.parametrize("key", sorted(EXECUTED), ids=lambda k: f"{k[0]}:{k[2]}:{k[1]}")
def test_executed_entries_name_a_test_that_reads_the_section(key: tuple[str, str, int]) -> None:
    assert key in {b.key for b in _all_blocks()}, f"no python block at {key}: update EXECUTED"
    test_file, test_name = EXECUTED[key].split("::")
    source = (ROOT / test_file).read_text("utf-8")
    assert re.search(rf"\bdef {re.escape(test_name)}\(", source), EXECUTED[key]
    assert key[1] in source, f"{test_file} does not read the section {key[1]!r}"


def test_a_bare_block_is_reported() -> None:
    page = (
        "# Title\n\n```python\n--8<-- \"docs/examples/quickstart.py\"\n```\n\n"
        "## Section\n\n```python\nprint('nobody runs me')\n```\n\n```bash\nls\n```\n"
    )
    blocks = python_blocks(page, "fake.md")
    assert [(b.heading, b.index, b.line) for b in blocks] == [("# Title", 0, 3),
                                                              ("## Section", 0, 9)]
    assert uncovered(blocks, {}) == [blocks[1]]
    assert uncovered(blocks, {("fake.md", "## Section", 0): "tests/x.py::test_x"}) == []
