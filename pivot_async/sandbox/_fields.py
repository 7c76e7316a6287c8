"""The sandbox's one validation engine, for the payments and the wallet (SNAP) requests.

A request's static rules are a table of :class:`Field` rows (wire path, required, a
:class:`Rule`: type, length, choices, format check); its cross-field rules are short functions
run on the :class:`Checked` result. The engine collects every problem; the caller renders them
per protocol: :meth:`Checked.raise_if_failed` (Payments: 400 ``api_validation_error`` naming
every field) or :meth:`Checked.raise_snap` (SNAP: the first mandatory field ``400xx02``, else the
first bad format ``400xx01``). docs/sandbox.md "Rules" compares these tables with the client's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ._errors import SnapError, validation_error

__all__ = ["ANY", "GIVEN", "Check", "Checked", "Field", "Rule", "When", "check", "text"]

Check = Callable[[Any], bool]
_ABSENT: Any = object()
_TYPES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "string": ("a string", lambda v: isinstance(v, str)),
    "boolean": ("a boolean", lambda v: isinstance(v, bool)),
    "integer": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "object": ("an object", lambda v: isinstance(v, dict)),
    "array": ("an array", lambda v: isinstance(v, list)),
}


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a present value must be: a JSON ``type`` (``""`` any), a length range (strings and
    arrays), ``choices`` (strings; ``fold_case`` matches any case and yields the listed
    spelling), then ``check`` (a format predicate; ``says`` completes its message)."""

    type: str = ""
    min_len: int = 0
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    fold_case: bool = False
    check: Check | None = None
    says: str = "has an invalid format"

    def __call__(self, value: Any) -> bool:
        return self.judge("", value, required=False)[0] is None

    def judge(self, path: str, value: Any, *, required: bool) -> tuple[str | None, Any]:
        """(the problem's message or ``None``, the value normalised)."""
        if self.type == "integer":
            value = _whole(value)
        if self.type and not _TYPES[self.type][1](value):
            if self.type == "array" and self.min_len:
                return f"{path} must be a non-empty array", value
            return f"{path} must be {_TYPES[self.type][0]}", value
        if self.choices:
            value = self.choose(value)
            if value is None:
                listed = ", ".join(self.choices)
                one = len(self.choices) == 1
                return f"{path} must be {listed if one else 'one of ' + listed}", value
        if self.type in ("string", "array"):
            low = max(self.min_len, int(required and self.type == "string"))
            if len(value) < low or (self.max_len is not None and len(value) > self.max_len):
                if self.type == "array":
                    return f"{path} must be a non-empty array", value
                upper = " or more" if self.max_len is None else f" to {self.max_len}"
                return f"{path} length must be {low}{upper} characters", value
        if self.check is not None and not self.check(value):
            return f"{path} {self.says}", value
        return None, value

    def choose(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
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

    def require(self, path: str) -> None:
        self.problems.append(Problem(path, f"Make sure {path} value is fulfilled", missing=True))

    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path`` if present and valid, else ``default``."""
        return self.values.get(path, default)

    def run(
        self,
        body: Mapping[str, Any],
        fields: Sequence[Field],
        *,
        prefix: str = "",
        blank_is_missing: bool = False,
    ) -> Checked:
        """Check ``body`` (found at ``prefix``) against ``fields``, in table order.

        ``blank_is_missing`` (SNAP): a mandatory ``""`` or ``[]`` counts as absent.
        """
        for f in fields:
            for path, value in _slots(body, f.path.split("."), prefix):
                self.read_value(path, value, f.rule, self._required(f.required), blank_is_missing)
        return self

    def read(
        self, obj: Mapping[str, Any], key: str, path: str, rule: Rule, required: bool = False
    ) -> Any:
        """One value, ``obj[key]`` found at ``path``: its normalised value, or ``None``."""
        return self.read_value(path, obj.get(key, _ABSENT), rule, required, False)

    def read_value(
        self, path: str, value: Any, rule: Rule, required: bool, blank_is_missing: bool
    ) -> Any:
        missing = value is _ABSENT or value is None
        if missing or (blank_is_missing and required and (value == "" or value == [])):
            if required:
                self.require(path)
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
        problem, value = rule.judge(path, self.values.pop(path), required=False)
        if problem is not None:
            self.error(path, problem)
            return None
        self.values[path] = value
        return value

    def _required(self, required: bool | When) -> bool:
        if not isinstance(required, When):
            return required
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
    """A fresh :class:`Checked` of ``body`` against ``fields``."""
    return Checked().run(body, fields, blank_is_missing=blank_is_missing)


def _whole(value: Any) -> Any:
    """The payments API reads ``"10000"`` and ``10000.0`` as ``10000``."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _slots(node: Any, parts: list[str], prefix: str) -> Iterator[tuple[str, Any]]:
    """(concrete path, value or ``_ABSENT``) for each place ``parts`` names under ``node``;
    nothing where a parent is absent or not an object (the parent's own row reports it)."""
    if not isinstance(node, Mapping):
        return
    name = parts[0].removesuffix("[]")
    path = f"{prefix}.{name}" if prefix else name
    value = node.get(name, _ABSENT)
    found: Iterator[tuple[str, Any]] | tuple[tuple[str, Any], ...]
    if parts[0].endswith("[]"):
        if not isinstance(value, list):
            return
        found = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    else:
        found = ((path, value),)
    for concrete, item in found:
        if len(parts) == 1:
            yield concrete, item
        else:
            yield from _slots(item, parts[1:], concrete)
