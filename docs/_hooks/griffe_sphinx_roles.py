"""Griffe extension: render the Sphinx-style markup of our docstrings in Markdown.

The package's docstrings use reST roles (``:class:`PivotClient```, ``:func:`~x.y```) and
literal blocks introduced by ``::``. mkdocstrings renders docstrings as Markdown, where those
would show as raw text. This extension rewrites, before rendering:

- ``:role:`target``` into a cross-reference to ``target`` (resolved in the scope of the
  documented object). The reference is *optional*: when the target is not rendered anywhere
  (a private helper, a builtin) it degrades to inline code instead of failing the strict build;
- a paragraph ending in ``::`` into one ending in ``:`` (the indented block that follows is
  already a Markdown code block).

Loaded from ``mkdocs.yml`` (``extensions: [docs/_hooks/griffe_sphinx_roles.py]``).
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|const):`(~?)([^`<>]+)`")
_LITERAL = re.compile(r"(\S) ?::$", re.MULTILINE)
_BUILTINS = frozenset({"ValueError", "RuntimeError", "TypeError", "KeyError", "Exception"})


def _resolve(obj: griffe.Object, target: str) -> str | None:
    if target in _BUILTINS:
        return None
    candidates = [obj, *(p for p in _parents(obj))]
    head, _, rest = target.partition(".")
    for scope in candidates:
        try:
            resolved = scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError, KeyError, ValueError):
            continue
        return f"{resolved}.{rest}" if rest else resolved
    if target.startswith("pivot_async"):
        return target
    return None


def _parents(obj: griffe.Object) -> list[griffe.Object]:
    out: list[griffe.Object] = []
    parent = obj.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def _public_path(path: str) -> str:
    """``pivot_async._cards.Card`` -> ``pivot_async.Card`` (where the rendered page is)."""
    parts = path.split(".")
    kept = [p for p in parts if not (p.startswith("_") and not p.startswith("__"))]
    return ".".join(kept)


def convert(obj: griffe.Object, text: str) -> str:
    """The docstring ``text`` of ``obj`` with reST roles and ``::`` made Markdown."""

    def role(match: re.Match[str]) -> str:
        short, target = match.group(1) == "~", match.group(2).strip()
        label = target.rsplit(".", 1)[-1] if short else target
        code = f"<code>{html.escape(label)}</code>"
        resolved = _resolve(obj, target.lstrip("."))
        if resolved is None:
            return code
        ident = html.escape(_public_path(resolved), quote=True)
        return f'<autoref identifier="{ident}" optional>{code}</autoref>'

    text = _ROLE.sub(role, text)
    return _LITERAL.sub(r"\1:", text)


class SphinxRoles(griffe.Extension):
    """Rewrites every docstring of the loaded package once it is fully loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Convert the docstrings of ``pkg`` and of everything it contains (griffe >= 1.14)."""
        self._convert_tree(pkg)

    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """The same hook under its older name (the conversion is idempotent)."""
        self._convert_tree(pkg)

    @staticmethod
    def _convert_tree(pkg: griffe.Module) -> None:
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = convert(obj, obj.docstring.value)
            for member in obj.members.values():
                if not member.is_alias:
                    stack.append(member)  # type: ignore[arg-type]
