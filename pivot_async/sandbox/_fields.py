"""The one validation engine, for payments and wallet (SNAP) requests: a table of :class:`Field`
rows per request, cross-field rules as short functions on the :class:`Checked` result, which
collects every problem and renders them per protocol (:meth:`Checked.raise_if_failed`,
:meth:`Checked.raise_snap`). docs/sandbox.md "Rules" compares the tables with the client's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._errors import SnapError, validation_error

__all__ = ["ANY", "GIVEN", "Check", "Checked", "Field", "Rule", "When", "check", "text"]

Check = Callable[[Any], bool]
_ABSENT: Any = object()
_TYPES: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "string": ("a string", str),
    "boolean": ("a boolean", bool),
    "integer": ("an integer", int),  # _whole() turns a bool (a subclass of int) into None
    "object": ("an object", dict),
    "array": ("an array", list),
}


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a present value must be: a JSON ``type`` (``""`` any), a length range (strings and
    arrays), ``choices`` (strings; ``fold_case`` matches any case and yields the listed
    spelling), then ``check`` (a format predicate; ``says`` completes its message) or ``parse``
    (its result is the value; ``None`` or a ``ValueError`` is the format problem)."""

    type: str = ""
    min_len: int = 0
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    fold_case: bool = False
    check: Check | None = None
    says: str = "has an invalid format"
    parse: Callable[[Any], Any] | None = None

    def judge(self, path: str, value: Any, *, required: bool) -> tuple[str | None, Any]:
        """(the problem's message or ``None``, the value normalised)."""
        kind = self.type
        if kind:
            if kind == "integer":
                value = _whole(value)
            if not isinstance(value, _TYPES[kind][1]):
                if kind == "array" and self.min_len:
                    return f"{path} must be a non-empty array", value
                return f"{path} must be {_TYPES[kind][0]}", value
        if self.choices:
            value = self.choose(value)
            if value is None:
                listed = ", ".join(self.choices)
                one = len(self.choices) == 1
                return f"{path} must be {listed if one else 'one of ' + listed}", value
        if kind == "string" or kind == "array":
            low = 1 if required and kind == "string" and self.min_len < 1 else self.min_len
            size, high = len(value), self.max_len
            if size < low or (high is not None and size > high):
                if kind == "array":
                    return f"{path} must be a non-empty array", value
                upper = " or more" if high is None else f" to {high}"
                return f"{path} length must be {low}{upper} characters", value
        if self.check is not None and not self.check(value):
            return f"{path} {self.says}", value
        if self.parse is not None:
            try:
                value = self.parse(value)
            except ValueError:
                value = None
            if value is None:
                return f"{path} {self.says}", value
        return None, value

    def choose(self, value: Any) -> str | None:
        if isinstance(value, str):
            for option in self.choices:
                if option == value or (self.fold_case and option.lower() == value.lower()):
                    return option
        return None


ANY = Rule()


def text(max_len: int | None = None, *, min_len: int = 0, **kw: Any) -> Rule:
    """A string of ``min_len`` to ``max_len`` characters (plus any other :class:`Rule` part)."""
    return Rule("string", min_len, max_len, **kw)


GIVEN: Any = "(given)"


@dataclasses.dataclass(frozen=True)
class When:
    """A conditional requirement: mandatory when the (valid) value at ``path`` equals
    ``equals`` (:data:`GIVEN`: is a valid non-empty value); ``default`` stands for an absent
    or invalid value."""

    path: str
    equals: Any
    default: Any = None

    def __str__(self) -> str:
        return f"when {self.path} is {'given' if self.equals is GIVEN else self.equals}"


@dataclasses.dataclass(frozen=True)
class Field:
    """One row of a request's table: the wire ``path`` (``a.b``; ``items[]`` is each item of
    the array ``items``), whether it is mandatory, and the :class:`Rule` a present value
    must follow. A field is looked at only where its parent is an object."""

    path: str
    required: bool | When = False
    rule: Rule = ANY


@dataclasses.dataclass(frozen=True)
class Problem:
    path: str
    message: str
    missing: bool = False


class Checked:
    """The problems found so far and the valid values by concrete path (``a.b[0].c``)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.values: dict[str, Any] = {}

    @property
    def details(self) -> list[tuple[str, str]]:
        return [(p.path, p.message) for p in self.problems]

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path`` if present and valid, else ``default``."""
        return self.values.get(path, default)

    def run(
        self, body: Mapping[str, Any], fields: Sequence[Field], *, blank_is_missing: bool = False
    ) -> Checked:
        """Check ``body`` against ``fields`` too (:func:`check` starts a fresh one)."""
        self._visit(_tree(fields), body, "", blank_is_missing)
        return self

    def _visit(self, tree: _Tree, node: Mapping[str, Any], prefix: str, blank: bool) -> None:
        """Each row under ``node`` (found at ``prefix``); a row's descendants only where its
        value is a valid object (else the row itself reported the problem, if any)."""
        for part, (f, many, children) in tree.items():
            name = part[:-2] if many else part
            path = f"{prefix}.{name}" if prefix else name
            value = node.get(name, _ABSENT)
            if many:
                if value.__class__ is not list:
                    continue  # the array's own row reports it
                places = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
            else:
                places = [(path, value)]
            for here, item in places:
                if f is not None:
                    required = f.required
                    if isinstance(required, When):
                        required = self._required(required)
                    item = self.read_value(here, item, f.rule, required, blank)
                if children and (type(item) is dict or isinstance(item, Mapping)):  # dict: fast
                    self._visit(children, item, here, blank)

    def read_value(
        self, path: str, value: Any, rule: Rule, required: bool, blank_is_missing: bool
    ) -> Any:
        missing = value is _ABSENT or value is None
        if missing or (blank_is_missing and required and (value == "" or value == [])):
            if required:
                message = f"Make sure {path} value is fulfilled"
                self.problems.append(Problem(path, message, missing=True))
            return None
        problem, value = rule.judge(path, value, required=required)
        if problem is not None:
            self.error(path, problem)
            return None
        self.values[path] = value
        return value

    def also(self, path: str, rule: Rule) -> Any:
        """A further (context) rule for the valid value at ``path``: its normalised value,
        or ``None`` (absent, or a problem recorded)."""
        if path not in self.values:
            return None
        return self.read_value(path, self.values.pop(path), rule, False, False)

    def _required(self, required: When) -> bool:
        if required.equals is GIVEN:
            return bool(self.values.get(required.path))
        return bool(self.get(required.path, required.default) == required.equals)

    def raise_if_failed(self) -> None:
        """Payments: 400 ``api_validation_error`` naming every problem."""
        if self.problems:
            raise validation_error(self.details)

    def raise_snap(self, service: str) -> None:
        """SNAP: the first mandatory field (``400xx02``), else the first bad format."""
        missing = next((p for p in self.problems if p.missing), None)
        if missing is not None:
            raise SnapError(f"400{service}02", f"Invalid Mandatory Field {{{missing.path}}}")
        if self.problems:
            raise SnapError(f"400{service}01", f"Invalid Field Format {{{self.problems[0].path}}}")


def check(
    body: Mapping[str, Any], fields: Sequence[Field], *, blank_is_missing: bool = False
) -> Checked:
    """A fresh :class:`Checked` of ``body`` against ``fields`` in table order, a row's
    descendants right after it; ``blank_is_missing`` (SNAP): a mandatory ``""``/``[]`` is
    absent."""
    return Checked().run(body, fields, blank_is_missing=blank_is_missing)


def _whole(value: Any) -> Any:
    """The payments API reads ``"10000"`` and ``10000.0`` as ``10000``; a boolean is none."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if isinstance(value, bool) else value


_Tree = dict[str, tuple["Field | None", bool, "_Tree"]]
"""A table as a tree: path part (``items[]`` for an array's items) -> (its row, if any,
whether it is the items of an array, the parts under it), in the table's first-seen order."""
# id(table) -> (table, tree) of every (module constant) table; holding it keeps its id unique
_TREES: dict[int, tuple[Sequence[Field], _Tree]] = {}


def _tree(fields: Sequence[Field]) -> _Tree:
    cached = _TREES.get(id(fields))
    if cached is not None and cached[0] is fields:
        return cached[1]
    root: _Tree = {}
    for f in fields:
        node, parts = root, f.path.split(".")
        for i, part in enumerate(parts):
            row, many, children = node.get(part, (None, part.endswith("[]"), {}))
            node[part] = (f if i == len(parts) - 1 else row, many, children)
            node = children
    if len(_TREES) > 256:
        _TREES.clear()
    _TREES[id(fields)] = (fields, root)
    return root
