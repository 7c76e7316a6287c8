"""Strict request variants: unknown keys are refused, with a "did you mean" hint.

The public models are lenient (the same classes decode the gateway's answers, which may grow
new fields). :func:`strict_variant` derives, once per request type, a subclass that sets
msgspec's C-level ``forbid_unknown_fields=True`` on itself and, recursively, on every Struct
it nests (a ``list[X]`` or ``X | None`` field is rewritten to the strict ``X``). Free-form
members typed ``dict[str, Any]`` (``metadata``, SNAP ``additionalInfo``) stay free-form.
The variant inherits every rule (``__post_init__``) and is an instance of the public class,
so nothing downstream changes. A model may name, in ``__wire_types__``, a looser type to read
a field as before its own rules run (``DecimalAmount.value`` is read as ``str | int`` so that
the ASCII-digits rule sees the text, not a ``Decimal`` parsed from it). The hint for an
unknown key is computed only on the error path (:func:`unknown_field_rule`).

:func:`fast_variant` is the same with the per-field rules a model declares as msgspec
constraints (``__wire_rules__``, see :mod:`._wire`) and its cross-field rules
(``_wire_check``) as ``__post_init__``: one ``msgspec.convert`` checks a request in C.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Annotated, Any, Union

import msgspec

from ._wire import JSON, Required

__all__ = [
    "camel", "fast_variant", "struct_at", "strict_variant", "suggest", "unknown_field_rule",
]

#: Runtime type builders (the types are computed, so mypy cannot check them as annotations).
_ANNOTATED: Any = Annotated
_DICT: Any = dict

_variants: dict[type, type] = {}
_fast_variants: dict[type, type | None] = {}


def strict_variant(tp: type[Any]) -> type[Any]:
    """The strict subclass of Struct type ``tp`` (cached)."""
    variant = _variants.get(tp)
    if variant is None:
        variant = _build(tp, fast=False)
    return variant


class _Uncovered(Exception):
    """A model reached from a request declares no ``__wire_rules__``."""


def fast_variant(tp: type[Any]) -> type[Any] | None:
    """The strict variant of ``tp`` that checks per-field rules in C (cached), if declared.

    Each field is read as its model's ``__wire_rules__`` type (see :mod:`._wire`), free-form
    ``Any`` members as JSON without floats, and ``__post_init__`` is the model's
    ``_wire_check`` (its cross-field rules) where it has one. ``None`` when ``tp`` or a model
    it nests declares no ``__wire_rules__``: such a request is read by the reference rules.
    """
    if tp in _fast_variants:
        return _fast_variants[tp]
    try:
        variant: type[Any] | None = _build(tp, fast=True)
    except _Uncovered:
        variant = None
    _fast_variants[tp] = variant
    return variant


def _wire_rules(tp: type[Any]) -> dict[str, Any]:
    if "__wire_rules__" not in vars(tp):
        raise _Uncovered(tp.__name__)
    rules: dict[str, Any] = {}
    for cls in reversed(tp.__mro__):
        rules.update(vars(cls).get("__wire_rules__", {}))
    return rules


def _build(tp: type[Any], *, fast: bool) -> type[Any]:
    # Request models are trees, never recursive, so plain recursion terminates.
    overrides: list[tuple[str, Any, Any]] = []
    wire_types: dict[str, Any] = getattr(tp, "__wire_types__", {})
    rules = _wire_rules(tp) if fast else {}
    for info in msgspec.structs.fields(tp):
        required = False
        declared = rules.get(info.name, wire_types.get(info.name, info.type))
        if isinstance(declared, Required):
            required, declared = True, declared.type
        new_type = _rewrite(declared, fast)
        if new_type is info.type and not required:
            continue
        if required:
            spec = msgspec.field(name=info.encode_name)
        elif info.default_factory is not msgspec.NODEFAULT:
            spec = msgspec.field(default_factory=info.default_factory, name=info.encode_name)
        elif info.default is not msgspec.NODEFAULT:
            spec = msgspec.field(default=info.default, name=info.encode_name)
        else:
            spec = msgspec.field(name=info.encode_name)
        overrides.append((info.name, new_type, spec))
    namespace: dict[str, Any] = {}
    check = getattr(tp, "_wire_check", None) if fast else None
    if check is not None:
        namespace["__post_init__"] = check
    variant = msgspec.defstruct(
        tp.__name__, overrides, bases=(tp,), module=tp.__module__, namespace=namespace,
        kw_only=True, forbid_unknown_fields=True,
    )
    variant.__doc__ = tp.__doc__
    if fast:
        _fast_variants[tp] = _fast_variants[variant] = variant
    else:
        _variants[tp] = _variants[variant] = variant
    return variant


def _rewrite(tp: Any, fast: bool) -> Any:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _fast_nested(tp) if fast else strict_variant(tp)
    if fast and tp is Any:
        return JSON
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        inner = _rewrite(args[0], fast)
        annotated = (inner, *tp.__metadata__)
        return tp if inner is args[0] else _ANNOTATED[annotated]
    if origin in (Union, types.UnionType):
        new = tuple(_rewrite(a, fast) for a in args)
        return tp if new == args else Union[new]
    if origin is list and args:
        item = _rewrite(args[0], fast)
        return tp if item is args[0] else list[item]  # type: ignore[valid-type]
    if fast and origin is dict and len(args) == 2:
        value = _rewrite(args[1], fast)
        return tp if value is args[1] else _DICT[args[0], value]
    return tp


def _fast_nested(tp: type[Any]) -> type[Any]:
    """The fast variant of a nested model (``_Uncovered`` if it declares no rules)."""
    variant = _fast_variants.get(tp)
    return variant if variant is not None else _build(tp, fast=True)


def _struct_in(tp: Any) -> type[Any] | None:
    """The Struct type reached through ``tp`` (through unions and lists), if any."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return tp
    for arg in typing.get_args(tp):
        found = _struct_in(arg)
        if found is not None:
            return found
    return None


def struct_at(root: type[Any], path: str) -> type[Any] | None:
    """The Struct type found at wire ``path`` (``a.b[0].c``) under ``root``."""
    current: type[Any] | None = root
    for part in re.split(r"\.|\[\d+\]", path):
        if not part or part.isdigit():  # list indexes: ``a[0]`` or ``a.0``
            continue
        if current is None:
            return None
        by_wire = {f.encode_name: f.type for f in msgspec.structs.fields(current)}
        if part not in by_wire:
            return None
        current = _struct_in(by_wire[part])
    return current


def camel(name: str) -> str:
    """``payment_method_options`` -> ``paymentMethodOptions``."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def suggest(key: str, candidates: list[str]) -> str | None:
    """The wire name ``key`` most likely meant: snake_case spelling, case, or a small typo."""
    if not candidates:
        return None
    spelled = camel(key) if "_" in key else key
    if spelled in candidates:
        return spelled
    folded = {c.lower(): c for c in candidates}
    if spelled.lower() in folded:
        return folded[spelled.lower()]
    close = difflib.get_close_matches(spelled, candidates, n=1, cutoff=0.75)
    if not close:
        lowered = difflib.get_close_matches(spelled.lower(), list(folded), n=1, cutoff=0.75)
        close = [folded[lowered[0]]] if lowered else []
    return close[0] if close else None


def unknown_field_rule(root: type[Any], parent: str, key: str) -> str:
    """The rule text for an unknown ``key`` in the object at wire path ``parent``."""
    owner = struct_at(root, parent)
    candidates = [f.encode_name for f in msgspec.structs.fields(owner)] if owner else []
    hint = suggest(key, candidates)
    rule = "is not a known field (unknown fields are refused, nothing was sent)"
    if hint is not None:
        rule += f"; did you mean `{hint}`?"
    return rule
