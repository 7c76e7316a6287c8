"""The API reference lists every field of every model (docs/_hooks/griffe_msgspec_fields.py).

For each public ``msgspec.Struct`` of :mod:`pivot_async.models`, the rendered class shows a
table with one row per field: wire name, Python name, type, constraints and a one-line
meaning. Checked twice: on the docstrings the griffe extensions produce (fast, names the
model and field at fault) and on the HTML of a real ``mkdocs build --strict``.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import griffe  # the test extra brings the docs extra (griffe, mkdocs)
import msgspec
import pytest

import pivot_async.models as models

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "docs" / "_hooks"
_ROW = re.compile(
    r"^\| (?:\[\]\(\)\{#(?P<anchor>[^}]+)\})?`(?P<wire>[^`]+)` \| `(?P<python>[^`]+)` "
    r"\| (?P<rest>.*) \|$",
    re.M,
)


def _public_structs() -> dict[str, type[msgspec.Struct]]:
    return {
        name: obj
        for name in models.__all__
        if inspect.isclass(obj := getattr(models, name)) and issubclass(obj, msgspec.Struct)
    }


@cache
def _hook_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "griffe_msgspec_fields", HOOKS / "griffe_msgspec_fields.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve the module by name
    spec.loader.exec_module(module)
    return module


@cache
def _griffe_package() -> Any:
    extensions = griffe.load_extensions(
        f"{HOOKS / 'griffe_sphinx_roles.py'}:SphinxRoles",
        f"{HOOKS / 'griffe_msgspec_fields.py'}:MsgspecFields",
    )
    return griffe.load("pivot_async", search_paths=[str(ROOT)], extensions=extensions)


def _rows(docstring: str) -> dict[str, tuple[str, list[str]]]:
    """wire name -> (python name, [type, constraints, meaning]) of the fields table."""
    out: dict[str, tuple[str, list[str]]] = {}
    for match in _ROW.finditer(docstring):
        cells = [c.strip() for c in match.group("rest").split(" | ")]
        out[match.group("wire")] = (match.group("python"), cells)
    return out


def test_there_are_models_to_document() -> None:
    assert len(_public_structs()) > 90


@pytest.mark.parametrize("name", sorted(_public_structs()))
def test_every_model_docstring_gets_a_row_per_field(name: str) -> None:
    cls = _public_structs()[name]
    gcls = _griffe_package()[f"models.{name}"]
    assert gcls.docstring is not None, name
    rows = _rows(gcls.docstring.value)
    expected = {f.encode_name: f.name for f in msgspec.structs.fields(cls)}
    assert {wire: py for wire, (py, _) in rows.items()} == expected, name
    for wire, (_, (type_cell, _constraints, meaning)) in rows.items():
        assert type_cell and type_cell != "—", f"{name}.{wire}: no type"
        assert meaning and meaning != "—", f"{name}.{wire}: no one-line meaning"
    # The table replaces the per-attribute entries: no field is rendered a second time.
    assert not set(expected.values()) & {
        n for n, m in gcls.members.items() if not m.is_alias and m.is_attribute
    }, name


def test_create_payment_request_rows_read_well() -> None:
    doc = _griffe_package()["models.CreatePaymentRequest"].docstring.value
    rows = _rows(doc)
    python, (type_cell, constraints, meaning) = rows["clientReferenceId"]
    assert python == "client_reference_id"
    assert type_cell == "<code>str</code>"
    assert constraints.startswith("**required**")
    assert "1-100" in constraints and "alphanumeric" in constraints
    assert "reference" in meaning
    assert "Amount" in rows["amount"][1][0] and 'identifier="pivot_async.models.Amount"' in (
        rows["amount"][1][0]
    )
    assert "&#124;" in rows["amount"][1][0]  # "Amount | None" without breaking the table
    anchors = dict(re.findall(r"\[\]\(\)\{#([^}]+)\}`([^`]+)`", doc))
    assert anchors["pivot_async.models.CreatePaymentRequest.client_reference_id"] == (
        "clientReferenceId"
    )


def test_inherited_fields_keep_their_documentation() -> None:
    rows = _rows(_griffe_package()["models.PaymentPaidEvent"].docstring.value)
    assert set(rows) == {"event", "data"}
    assert "PAYMENT.PAID" in rows["event"][1][2]
    assert "PaymentSession" in rows["data"][1][0]
    shipping = _rows(_griffe_package()["models.ShippingInfo"].docstring.value)
    assert {"givenName", "method", "shippingFee"} <= set(shipping)


def test_meta_constraints_and_defaults_are_listed() -> None:
    hook = _hook_module()

    class Sample(msgspec.Struct, kw_only=True, rename="camel"):
        page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
        reference_no: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
        tags: list[str] = msgspec.field(default_factory=list)
        note: Annotated[str | None, msgspec.Meta(description="A free note.")] = None

    docs = {"page_size": "Items.\nRule: Sent as text."}
    rows = {r.wire: r for r in hook.field_rows(Sample, docs)}
    assert rows["pageSize"].constraints == "default `20`; ≥ 1; ≤ 100; sent as text."
    assert rows["pageSize"].meaning == "Items."
    assert rows["referenceNo"].constraints == "**required**; length ≥ 1; length ≤ 64"
    assert rows["tags"].constraints == "default `[]`"
    assert rows["note"].meaning == "A free note."  # Meta(description=) as the last resort
    assert rows["note"].constraints == ""


def _build_site(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(  # our own interpreter, fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    _build_site(out)
    return out


@pytest.fixture(scope="module")
def models_html(site: Path) -> str:
    return (site / "reference" / "api" / "models" / "index.html").read_text("utf-8")


def _section(page: str, name: str) -> str:
    start = page.index(f'id="pivot_async.models.{name}"')
    nxt = page.find('<div class="doc doc-object doc-class">', start)
    return page[start: nxt if nxt != -1 else len(page)]


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def _table_cells(section: str) -> list[list[str]]:
    table = section[section.index('class="pivot-fields-title"'):]
    table = table[: table.index("</table>")]
    return [
        [_text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if "<td>" in row
    ]


def test_built_reference_lists_create_payment_request_fields(models_html: str) -> None:
    cells = _table_cells(_section(models_html, "CreatePaymentRequest"))
    by_wire = {row[0]: row for row in cells}
    assert by_wire["clientReferenceId"][1] == "client_reference_id"
    assert by_wire["clientReferenceId"][2] == "str"
    assert "1-100" in by_wire["clientReferenceId"][3]
    assert by_wire["redirectUrl"][2] == "RedirectUrl | None"
    section = _section(models_html, "CreatePaymentRequest")
    assert '<a class="autorefs autorefs-internal"' in section  # types link to their models
    # Each row is a cross-reference target, as an attribute entry would be.
    assert 'id="pivot_async.models.CreatePaymentRequest.client_reference_id"' in section
    assert 'href="#pivot_async.models.CreatePaymentRequest.client_reference_id"' in models_html


def test_built_reference_has_a_full_table_for_every_model(models_html: str) -> None:
    for name, cls in _public_structs().items():
        cells = _table_cells(_section(models_html, name))
        assert [row[:2] for row in cells] == [
            [f.encode_name, f.name] for f in msgspec.structs.fields(cls)
        ], name
        assert all(len(row) == 5 and row[4] not in ("", "—") for row in cells), name


def _signatures(page: str) -> dict[str, str]:
    """heading id -> the text of the signature block rendered below it."""
    out: dict[str, str] = {}
    for match in re.finditer(
        r'<h\d id="(?P<id>[^"]+)" class="doc doc-heading">.*?'
        r'<div class="doc-signature highlight"><pre>(?P<sig>.*?)</pre>',
        page, re.S,
    ):
        out.setdefault(match.group("id"), _text(match.group("sig")))
    return out


def test_method_signatures_are_formatted_whole(site: Path) -> None:
    page = (site / "reference" / "api" / "resources" / "index.html").read_text("utf-8")
    sigs = _signatures(page)
    source = (ROOT / "docs" / "reference" / "api" / "resources.md").read_text("utf-8")
    checked = 0
    for path in re.findall(r"^::: (\S+)$", source, re.M):
        module_name, _, cls_name = path.rpartition(".")
        cls = getattr(importlib.import_module(module_name), cls_name)
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            ident = f"{path}.{name}"
            sig = sigs[ident]
            for param in inspect.signature(func).parameters:
                if param != "self":
                    assert re.search(rf"\b{param}\b", sig), f"{ident}: {param} cut off"
            assert max(len(line) for line in sig.splitlines()) <= 88, f"{ident}:\n{sig}"
            if len(inspect.signature(func).parameters) > 3:
                assert sig.count("\n") >= 3, f"{ident}: one parameter a line\n{sig}"
            checked += 1
    assert checked > 20
    create = sigs["pivot_async.resources.payments.Payments.create"]
    assert "    idempotency_key: str | None = None,\n" in create
    assert create.rstrip().endswith(") -> PaymentSession")
