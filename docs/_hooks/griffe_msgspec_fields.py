"""Griffe extension: a table of the fields of every msgspec model, built from the runtime class.

griffe reads the source statically and sees a ``msgspec.Struct`` as a class with bare
annotations, so the reference would show a docstring and nothing else. For every class of
the package that is a ``msgspec.Struct`` at runtime, this extension appends to the docstring a
table with one row per field (inherited ones included), in wire order:

- **Wire name**: the JSON key (``msgspec.structs.fields(cls)[i].encode_name``, camelCase);
- **Python name**: the attribute;
- **Type**: the annotation, with models linked to their own entry;
- **Constraints**: required or the default, the ``msgspec.Meta`` constraints of an
  ``Annotated`` type (``ge``, ``max_length``, ``pattern``...), then the rules the field's
  documentation states after its first line (a leading ``Rule:`` is dropped);
- **Meaning**: the first line of the field's documentation.

A field is documented by a string literal right below it (an attribute docstring) or by a
trailing ``# comment`` on its line; ``Meta(description=...)`` is the last resort. The field
attributes are then removed from griffe's class, so that they are not rendered a second time
below the table.

Loaded from ``mkdocs.yml`` after ``griffe_sphinx_roles.py`` (so the field docstrings have their
reST roles converted already).
"""

from __future__ import annotations

import dataclasses
import decimal
import html
import importlib
import io
import re
import tokenize
import types
import typing
from typing import Any

import griffe
import msgspec

__all__ = ["MsgspecFields", "field_rows", "fields_table", "format_type"]

_ROOT = "pivot_async.models"  # models rendered there get links; others print their name
_META_RULES = (
    ("gt", "> {}"),
    ("ge", "≥ {}"),
    ("lt", "< {}"),
    ("le", "≤ {}"),
    ("multiple_of", "multiple of {}"),
    ("min_length", "length ≥ {}"),
    ("max_length", "length ≤ {}"),
    ("pattern", "matches `{}`"),
    ("tz", "timezone-aware: {}"),
)
_RULE_PREFIX = re.compile(r"^Rules?:\s*")
_REQUIRED_PREFIX = re.compile(r"^Required(?:[,;]\s*|\.?$)")
_CAPITAL = re.compile(r"^[A-Z][a-z]")
_SKIP_COMMENT = re.compile(r"^(type:|noqa|pragma|fmt:|ruff:)")


@dataclasses.dataclass(frozen=True)
class FieldRow:
    """One field of a model as the reference shows it."""

    wire: str
    python: str
    type: str
    constraints: str
    meaning: str


def _public_models() -> dict[type, str]:
    """Runtime class -> the path under which the reference renders it."""
    module = importlib.import_module(_ROOT)
    out: dict[type, str] = {}
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if isinstance(obj, type):
            out[obj] = f"{_ROOT}.{name}"
    return out


def _link(label: str, identifier: str | None) -> str:
    code = f"<code>{html.escape(label)}</code>"
    if identifier is None:
        return code
    return f'<autoref identifier="{html.escape(identifier, quote=True)}" optional>{code}</autoref>'


def format_type(tp: Any, links: dict[type, str], metas: list[msgspec.Meta] | None = None) -> str:
    """``tp`` as HTML for a table cell (``|`` escaped); ``Meta`` objects go to ``metas``."""
    return _fmt(tp, links, metas if metas is not None else [])


def _fmt(tp: Any, links: dict[type, str], metas: list[msgspec.Meta]) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        metas.extend(a for a in args[1:] if isinstance(a, msgspec.Meta))
        return _fmt(args[0], links, metas)
    if origin is typing.Union or origin is types.UnionType:
        return " &#124; ".join(_fmt(a, links, metas) for a in args)
    if tp is type(None) or tp is None:
        return "<code>None</code>"
    if tp is typing.Any:
        return "<code>Any</code>"
    if origin is typing.Literal:
        return " &#124; ".join(f"<code>{html.escape(repr(a))}</code>" for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        inner = ", ".join(_fmt(a, links, metas) for a in args)
        return f"<code>{html.escape(name)}[</code>{inner}<code>]</code>"
    if isinstance(tp, type):
        if tp is decimal.Decimal:
            return "<code>Decimal</code>"
        return _link(tp.__name__, links.get(tp))
    return f"<code>{html.escape(str(tp))}</code>"


def _default(field: msgspec.structs.FieldInfo) -> str | None:
    if field.required:
        return "**required**"
    if field.default_factory is not msgspec.NODEFAULT:
        value = field.default_factory()  # our own factories: cheap, no side effect
    elif field.default is None or field.default is msgspec.NODEFAULT:
        return None  # optional, absent means "not given": the common case needs no word
    else:
        value = field.default
    if isinstance(value, str) and hasattr(value, "value"):  # a str enum member
        value = value.value
    return f"default `{value!r}`"


def _meta_rules(metas: list[msgspec.Meta]) -> list[str]:
    rules: list[str] = []
    for meta in metas:
        for attr, template in _META_RULES:
            value = getattr(meta, attr, None)
            if value is not None:
                rules.append(template.format(value))
    return rules


def _cell(text: str) -> str:
    """A table cell: one line, no column separator."""
    return " ".join(text.split()).replace("|", "&#124;")


def field_rows(
    cls: type[msgspec.Struct],
    docs: dict[str, str],
    links: dict[type, str] | None = None,
) -> list[FieldRow]:
    """The rows of ``cls``; ``docs`` maps a Python field name to its documentation."""
    links = _public_models() if links is None else links
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError):  # an annotation only importable for type checkers
        hints = {}  # msgspec's own resolution of each field's type is used below
    rows: list[FieldRow] = []
    for field in msgspec.structs.fields(cls):
        metas: list[msgspec.Meta] = []
        type_html = format_type(hints.get(field.name, field.type), links, metas)
        doc = docs.get(field.name, "").strip()
        if not doc:
            doc = next((m.description for m in metas if m.description), "") or ""
        first, _, rest = doc.partition("\n")
        parts = [p for p in (_default(field), *_meta_rules(metas)) if p]
        rule = _RULE_PREFIX.sub("", rest.strip())
        if field.required:
            rule = _REQUIRED_PREFIX.sub("", rule)
        if rule:
            parts.append(rule[0].lower() + rule[1:] if parts and _CAPITAL.match(rule) else rule)
        rows.append(
            FieldRow(
                wire=field.encode_name,
                python=field.name,
                type=type_html,
                constraints=_cell("; ".join(parts)) or "",
                meaning=_cell(first) or "",
            )
        )
    return rows


def fields_table(
    cls: type[msgspec.Struct], rows: list[FieldRow], anchor_prefix: str | None = None
) -> str:
    """The Markdown appended to the docstring of ``cls``.

    With ``anchor_prefix`` (the path the class is rendered under), each row is the target of
    the cross-reference ``<anchor_prefix>.<python name>``, as an attribute entry would be.
    """
    lines = [
        "",
        '<p class="pivot-fields-title"><strong>Fields</strong></p>',
        "",
        '<div class="pivot-fields" markdown>',
        "",
        "| Wire name | Python name | Type | Constraints | Meaning |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        anchor = f"[](){{#{anchor_prefix}.{row.python}}}" if anchor_prefix else ""
        lines.append(
            f"| {anchor}`{row.wire}` | `{row.python}` | {row.type} | {row.constraints or '—'} "
            f"| {row.meaning or '—'} |"
        )
    lines += ["", "</div>", ""]
    return "\n".join(lines)


def _attribute_doc(attr: griffe.Object) -> str:
    if attr.docstring is not None and attr.docstring.value.strip():
        return attr.docstring.value
    lineno = attr.lineno
    module = attr.module
    if lineno is None:
        return ""
    try:
        line = module.lines[lineno - 1]
    except IndexError:
        return ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return ""
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#:").strip()
            if text and not _SKIP_COMMENT.match(text):
                return text
    return ""


def _struct_class(path: str) -> type[msgspec.Struct] | None:
    module_name, _, name = path.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module_name), name, None)
    except ImportError:
        return None
    if isinstance(obj, type) and issubclass(obj, msgspec.Struct) and obj is not msgspec.Struct:
        return obj
    return None


class MsgspecFields(griffe.Extension):
    """Appends the fields table to every msgspec model of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Run once the whole package is loaded (griffe >= 1.14)."""
        classes = [c for c in _walk(pkg) if c.is_class]
        runtime: dict[str, type[msgspec.Struct]] = {}
        docs: dict[str, dict[str, str]] = {}
        for gcls in classes:
            rcls = _struct_class(gcls.path)
            if rcls is None or rcls.__module__ + "." + rcls.__qualname__ != gcls.path:
                continue
            runtime[gcls.path] = rcls
            own = {f.name for f in msgspec.structs.fields(rcls)}
            docs[gcls.path] = {
                name: _attribute_doc(member)
                for name, member in gcls.members.items()
                if name in own and not member.is_alias and member.is_attribute
            }
        links = _public_models()
        for gcls in classes:
            rcls = runtime.get(gcls.path)
            if rcls is None:
                continue
            merged: dict[str, str] = {}
            for base in reversed(rcls.__mro__):
                for name, text in docs.get(f"{base.__module__}.{base.__qualname__}", {}).items():
                    if text or name not in merged:
                        merged[name] = text
            rows = field_rows(rcls, merged, links)
            if not rows:
                continue
            table = fields_table(rcls, rows, links.get(rcls))
            if gcls.docstring is None:
                gcls.docstring = griffe.Docstring(table, parent=gcls)
            else:
                gcls.docstring.value = gcls.docstring.value.rstrip() + "\n" + table
            for row in rows:
                member = gcls.members.get(row.python)
                if member is not None and not member.is_alias and member.is_attribute:
                    del gcls.members[row.python]


def _walk(pkg: griffe.Module) -> list[griffe.Object]:
    seen: set[int] = set()
    out: list[griffe.Object] = []
    stack: list[griffe.Object] = [pkg]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        out.append(obj)
        for member in obj.members.values():
            if not member.is_alias:
                stack.append(member)  # type: ignore[arg-type]
    return out
