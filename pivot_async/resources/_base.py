"""The base of every resource: thin, typed, no HTTP details."""

from __future__ import annotations

import decimal
import re
import typing
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec

from .._config import Timeout
from .._errors import RequestValidationError, ResponseValidationError
from .._options import RequestOptions
from ..models._strict import fast_variant, strict_variant, unknown_field_rule

if TYPE_CHECKING:
    from .._client import PivotClient

__all__ = ["Resource", "coerce_params", "path_id", "required"]

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")

_AT_RE = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.S)


def _wire_path(path: str | None) -> str:
    if not path:
        return ""
    # ``$.urlParams[0].url`` -> ``urlParams[0].url``: list items keep the bracket form the
    # model rules use, so one field has one spelling whichever check caught it.
    return path.removeprefix("$").lstrip(".")


#: Per request type: its ``_prepare_mapping`` hook and its fast variant (either may be None).
_plans: dict[type, tuple[Callable[[Any], Any] | None, type[Any] | None]] = {}


def coerce_params(params: S | Mapping[str, Any], tp: type[S]) -> S:
    """A validated request Struct from a Struct or a mapping with the wire (camelCase) names.

    Both forms are read through a strict variant of ``tp``: an unknown key anywhere (a
    misspelling, a snake_case name) is refused with its full wire path and a "did you mean"
    hint, before anything is sent. A Struct is re-read from its wire form, so a dict or a
    wrong value nested where a model is expected is caught the same way. Errors name the
    field by its wire path and the rule it broke.

    A model that declares its per-field rules as constraints (``models._wire``) is read with
    one ``msgspec.convert`` into its fast variant, which checks them in C and runs only the
    cross-field rules in Python. Whatever that read refuses is read again by the reference
    rules (:func:`_read_checked`), which decide: accepted, or the exact error.
    """
    if isinstance(params, tp):
        try:
            data: Any = msgspec.to_builtins(params)
        except (TypeError, ValueError) as exc:
            raise RequestValidationError(
                "params", f"must hold only JSON values and models ({type(exc).__name__})"
            ) from None
    elif type(params) is dict or isinstance(params, Mapping):
        data = params
    else:
        raise RequestValidationError(
            "params", f"must be a {tp.__name__} or a mapping of its wire fields"
        )
    plan = _plans.get(tp)
    if plan is None:
        plan = _plans[tp] = (getattr(tp, "_prepare_mapping", None), fast_variant(tp))
    prepare, fast = plan
    if prepare is not None:
        data = prepare(data)
    if fast is not None:
        try:
            return cast(S, msgspec.convert(data, fast, strict=True))
        except (msgspec.ValidationError, RequestValidationError):
            pass  # the reference rules decide, and word the error
    return _read_checked(data, tp)


def _read_checked(data: Any, tp: type[S]) -> S:
    """The reference read: the strict variant of ``tp`` and every Python rule.

    Money is never a float. The typed fields refuse one in C (reported with the float rule
    by :func:`_translate`); the members that would take one (``Any``-typed free-form objects,
    ``Decimal`` fields) are walked first (:func:`_float_plan`).
    """
    strict = strict_variant(tp)
    plan = _float_plans.get(strict)
    if plan is None:
        plan = _float_plans[strict] = _float_plan(strict)
    if plan:
        _reject_floats_in(data, plan, "")
    try:
        return cast(S, msgspec.convert(data, strict, strict=True))
    except RequestValidationError:
        raise
    except msgspec.ValidationError as exc:
        raise _translate(exc, strict) from None


_FLOAT_RULE = "must not be a float (use an int or a decimal string)"


class _Items:
    """A list (or tuple) whose items follow ``plan``."""

    __slots__ = ("plan",)

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan


#: Where a float could slip into a request: wire key -> ``True`` (walk the whole value), a
#: nested plan (a model), or :class:`_Items` (a list of models).
_Plan = dict[str, "bool | _Plan | _Items"]
_float_plans: dict[type, _Plan] = {}


def _float_plan(tp: type[Any]) -> _Plan:
    """The members of Struct type ``tp`` (and of the models it nests) that accept a float."""
    plan: _Plan = {}
    for info in msgspec.structs.fields(tp):
        node = _plan_node(info.type)
        if node:
            plan[info.encode_name] = node
    return plan


def _plan_node(tp: Any) -> bool | _Plan | _Items:
    if tp is Any or tp is object or tp is float or tp is decimal.Decimal:
        return True
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _float_plan(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return _plan_node(args[0])
    if origin is list:
        node = _plan_node(args[0]) if args else True
        return _Items(node) if isinstance(node, dict) and node else node
    if origin is dict:
        return bool(_plan_node(args[1])) if len(args) == 2 else True
    nodes = [n for n in (_plan_node(a) for a in args) if n]
    if any(n is True for n in nodes):
        return True
    return nodes[0] if len(nodes) == 1 else bool(nodes)  # (a union holds at most one model)


def _reject_floats_in(data: Any, plan: _Plan, path: str) -> None:
    if not isinstance(data, Mapping):
        return  # not an object: the typed read refuses it
    for key, node in plan.items():
        value = data.get(key)
        if value is None:
            continue
        where = f"{path}.{key}" if path else key
        if node is True:
            _reject_floats(value, where)
        elif isinstance(node, _Items):
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    _reject_floats_in(item, node.plan, f"{where}[{i}]")
        elif isinstance(node, dict):
            _reject_floats_in(value, node, where)


def _reject_floats(value: Any, path: str) -> None:
    """Money is never a float: refuse any float in a free-form value (mappings and lists)."""
    if isinstance(value, float):
        raise RequestValidationError(path or "params", _FLOAT_RULE)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _reject_floats(item, f"{path}[{i}]")


def _translate(exc: msgspec.ValidationError, strict: type[Any]) -> RequestValidationError:
    cause = exc.__cause__ or exc.__context__
    m = _AT_RE.match(str(exc))
    where = _wire_path(m.group("path") if m else None)
    if isinstance(cause, RequestValidationError):
        field = f"{where}.{cause.field}" if where else cause.field
        return RequestValidationError(field, cause.rule)
    message = m.group("msg") if m else str(exc)
    unknown = re.fullmatch(r"Object contains unknown field `([^`]*)`", message)
    if unknown:
        key = unknown.group(1)
        shown = key or '""'  # an empty key is still named
        field = f"{where}.{shown}" if where else shown
        return RequestValidationError(field, unknown_field_rule(strict, where, key))
    field = where or "params"
    if message.endswith(", got `float`"):
        return RequestValidationError(field, _FLOAT_RULE)
    # msgspec reports a missing field as "Object missing required field `x`".
    missing = re.search(r"missing required field `([^`]+)`", message)
    if missing:
        field = f"{where}.{missing.group(1)}" if where else missing.group(1)
        message = "is required"
    return RequestValidationError(field, message)


class Resource:
    """A group of API operations bound to one client."""

    def __init__(self, client: PivotClient) -> None:
        self._client = client
        #: Every call goes through the client's one requestor (Payments protocol here).
        self._requestor = client._requestor
        self._payments = client._payments

    @staticmethod
    def _options(
        *,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RequestOptions | None:
        """The call's options, or None when it changes nothing (the requestor then uses the
        client's defaults: no frozen dataclass built per call, ~9,000 instructions)."""
        if idempotency_key is None and timeout is None and max_retries is None and headers is None:
            return None
        return RequestOptions(
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
        )

    async def _paginate(
        self,
        path: str,
        item_type: Any,
        *,
        params: Mapping[str, str],
        per_page: int,
        start_page: int,
        timeout: Timeout | float | None,
    ) -> AsyncIterator[Any]:
        if isinstance(per_page, bool) or not isinstance(per_page, int) or not (
            1 <= per_page <= 100
        ):
            raise RequestValidationError("perPage", "must be an integer from 1 to 100")
        if isinstance(start_page, bool) or not isinstance(start_page, int) or start_page < 1:
            raise RequestValidationError("page", "must be an integer >= 1")
        page = start_page
        while True:
            query = dict(params)
            query["page"] = str(page)
            query["perPage"] = str(per_page)
            env = await self._requestor.request(
                self._payments, "GET", path, list[item_type], params=query,
                options=self._options(timeout=timeout),
            )
            items = env.data or []
            for item in items:
                yield item
            pagination = env.pagination
            total_pages = pagination.total_pages if pagination is not None else None
            if not items or total_pages is None or page >= total_pages:
                return
            page += 1


_ID_RE = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]{1,255}")


def path_id(field: str, value: str) -> str:
    """Check an id that goes into a URL path (no slashes, no spaces, 1-255 characters)."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value) or value in (".", ".."):
        raise RequestValidationError(
            field, "must be a non-empty id without '/', '?', '#' or spaces"
        )
    return value


def required(data: T | None) -> T:
    """``data`` of a success envelope, which must be present."""
    if data is None:
        raise ResponseValidationError("response envelope has no data", path="$.data")
    return data
