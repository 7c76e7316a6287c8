"""Every public name has a docstring (what the API reference renders).

For each public module, every name in ``__all__`` is followed through the re-exports to the
statement that defines it, read statically (as mkdocstrings' griffe reads it):

- classes and functions need a docstring; so do the public methods and properties a public
  class defines itself;
- module-level data (constants, type aliases) needs an attribute docstring, the string
  literal right after the assignment.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from functools import cache
from pathlib import Path

import pytest

PUBLIC_MODULES = [
    "pivot_async",
    "pivot_async.models",
    "pivot_async.callbacks",
    "pivot_async.signing",
    "pivot_async.batch",
    "pivot_async.sandbox",
    "pivot_async.testing",
    "pivot_async.redis_store",
]

Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.Assign | ast.AnnAssign


@cache
def _tree(module: str) -> tuple[ast.Module, str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    source = Path(spec.origin).read_text("utf-8")
    return ast.parse(source), spec.origin


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if _tree(module)[1].endswith("__init__.py") else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.name]
    return []


def find_definition(
    module: str, name: str, depth: int = 0
) -> tuple[str, Definition, ast.stmt | None]:
    """(module, defining statement, the statement after it) of ``module.name``."""
    assert depth < 10, f"import cycle resolving {module}.{name}"
    body = _tree(module)[0].body
    for i, node in enumerate(body):
        if name in _targets(node):
            following = body[i + 1] if i + 1 < len(body) else None
            return module, node, following  # type: ignore[return-value]
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return find_definition(_absolute(module, node), alias.name, depth + 1)
    raise AssertionError(f"{name} is not defined in {module}")


def _attribute_doc(following: ast.stmt | None) -> str | None:
    if (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)):
        return following.value.value
    return None


def _missing_member_docs(node: ast.ClassDef) -> list[str]:
    missing = []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not (
            item.name.startswith("_")
        ):
            is_setter = any(
                isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
                for d in item.decorator_list
            )
            if not is_setter and not ast.get_docstring(item):
                missing.append(f"{node.name}.{item.name}")
    return missing


def _public_names() -> list[tuple[str, str]]:
    names = []
    for module in PUBLIC_MODULES:
        names += [(module, name) for name in importlib.import_module(module).__all__]
    return names


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_module_has_a_docstring(module: str) -> None:
    assert ast.get_docstring(_tree(module)[0]), f"{module} has no module docstring"


@pytest.mark.parametrize(("module", "name"), _public_names(), ids=lambda v: str(v))
def test_public_name_has_a_docstring(module: str, name: str) -> None:
    where, node, following = find_definition(module, name)
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        assert ast.get_docstring(node), f"{module}.{name} (defined in {where}) has no docstring"
    else:
        assert _attribute_doc(following), (
            f"{module}.{name} (assigned in {where}) has no docstring: put a string literal "
            "right after the assignment"
        )
    if isinstance(node, ast.ClassDef):
        missing = _missing_member_docs(node)
        assert not missing, f"public members without a docstring (in {where}): {missing}"


def test_the_check_finds_what_it_should() -> None:
    # The resolver follows re-exports to the real definition...
    where, node, _ = find_definition("pivot_async", "PivotClient")
    assert where == "pivot_async._client" and isinstance(node, ast.ClassDef)
    # ...and reports a member without a docstring.
    tree = ast.parse("class A:\n    '''Doc.'''\n    def f(self):\n        pass\n")
    assert _missing_member_docs(tree.body[0]) == ["A.f"]  # type: ignore[arg-type]
