"""Bad input, property-tested: decoders and parsers raise only ``PivotError``s, request
builders give a clear validation error or a valid request.

Inputs are arbitrary bytes, arbitrary JSON, and JSON *shaped like the model* (the right keys,
nested to the model's depth, with arbitrary values at every level) so that the validation of
deep fields is reached too. Any exception that is not a ``PivotError`` fails the test.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pivot_async import (
    APIError,
    CallbackVerificationError,
    RequestValidationError,
    ResponseValidationError,
    _codec,
    _requestor,
    callbacks,
    models,
)
from pivot_async._error_factory import (
    make_api_error,
    make_snap_error,
    payments_error_code,
    snap_code_parts,
    snap_response_code,
)
from pivot_async._middlewares import validate_request_id
from pivot_async.models import Envelope, parse_callback_event
from pivot_async.resources._base import coerce_params, path_id

from ._examples import VALID_REQUESTS

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=_QUIET)
# Parametrized per model (about 90 response and 19 request models): fewer examples each.
PER_RESPONSE_MODEL = settings(max_examples=20, deadline=None, suppress_health_check=_QUIET)
PER_REQUEST_MODEL = settings(max_examples=60, deadline=None, suppress_health_check=_QUIET)

STRUCTS: list[type[msgspec.Struct]] = sorted(
    (obj for name in models.__all__
     if isinstance(obj := getattr(models, name), type) and issubclass(obj, msgspec.Struct)),
    key=lambda t: t.__name__,
)
REQUESTS = [t for t in STRUCTS if t.__name__.endswith("Request")]
RESPONSES = [t for t in STRUCTS if not t.__name__.endswith("Request")]

# -- strategies ----------------------------------------------------------------------------

scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20) | st.sampled_from(["", "0", "00", "900", "true", "IDR", "10000.00",
                                               "2026-01-01T00:00:00Z", "-1", "1e400", "NaN"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def shaped(info: mi.Type, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values with the model's shape (keys, nesting) and arbitrary leaves, or arbitrary."""
    if depth > 4:
        return json_values
    if isinstance(info, mi.StructType):
        fields = {f.encode_name: shaped(f.type, depth + 1) for f in info.fields}
        return st.fixed_dictionaries({}, optional=fields) | json_values
    if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        return st.lists(shaped(info.item_type, depth + 1), max_size=3) | json_values
    if isinstance(info, mi.DictType):
        return st.dictionaries(st.text(max_size=8), shaped(info.value_type, depth + 1),
                               max_size=3) | json_values
    if isinstance(info, mi.UnionType):
        return st.one_of([shaped(t, depth) for t in info.types])
    return json_values


@functools.cache
def shaped_for(tp: Any) -> st.SearchStrategy[Any]:
    return shaped(mi.type_info(tp))


def to_json(value: Any) -> bytes:
    """JSON text as a lenient encoder would write it (NaN/Infinity included: also bad input)."""
    return json.dumps(value, allow_nan=True).encode()


@functools.cache
def bodies(tp: Any) -> st.SearchStrategy[bytes]:
    return (
        st.binary(max_size=200)
        | json_values.map(to_json)
        | shaped_for(tp).map(to_json)
        | shaped_for(tp).map(to_json).map(lambda b: b[: max(1, len(b) // 2)])  # truncated
    )


def attempt(fn: Callable[[], Any], *expected: type[Exception]) -> tuple[Any, Any]:
    """``(result, None)`` or ``(None, exception)`` for the expected exception types only;
    any other exception propagates and fails the test."""
    try:
        return fn(), None
    except expected as exc:
        return None, exc


# -- response decoders ---------------------------------------------------------------------


@pytest.mark.parametrize("model", RESPONSES, ids=lambda t: t.__name__)
@PER_RESPONSE_MODEL
@given(data=st.data())
def test_response_decoders_raise_only_typed_errors(model: type[Any], data: Any) -> None:
    tp: Any
    for tp in (model, Envelope[model], Envelope[list[model]]):  # type: ignore[valid-type]
        body = data.draw(bodies(tp))
        value, exc = attempt(functools.partial(_codec.decode, body, tp, status=200),
                             ResponseValidationError)
        if exc is not None:
            assert exc.status == 200 and str(exc)
        else:
            assert isinstance(value, msgspec.Struct)


@SETTINGS
@given(body=st.binary(max_size=300) | json_values.map(to_json))
def test_untyped_decode_of_token_bodies(body: bytes) -> None:
    """The wallet token answers are decoded as a plain object first."""
    value, exc = attempt(lambda: _codec.decode(body, dict[str, Any]), ResponseValidationError)
    assert isinstance(value, dict) or isinstance(exc, ResponseValidationError)


# -- the envelope and error parsers --------------------------------------------------------

error_object = st.fixed_dictionaries({}, optional={
    "type": json_values,
    "details": st.lists(st.fixed_dictionaries({}, optional={"field": json_values,
                                                            "message": json_values})
                        | json_values, max_size=3) | json_values,
    "traceId": json_values,
    "trace_id": json_values,
})
payments_error = st.fixed_dictionaries({}, optional={
    "code": json_values, "message": json_values, "error": error_object | json_values,
    "data": json_values,
}).map(to_json)
snap_codes = st.text(max_size=9) | st.from_regex(r"[0-9]{3}[0-9A-Za-z]{2}[0-9]{2}", fullmatch=True)
snap_error = st.fixed_dictionaries({}, optional={
    "responseCode": snap_codes | json_values, "responseMessage": json_values,
}).map(to_json)
error_bodies = st.binary(max_size=200) | payments_error | snap_error | json_values.map(to_json)
statuses = st.integers(0, 999)


@SETTINGS
@given(status=statuses, body=error_bodies,
       retry_after=st.none() | st.floats(0, 1e6))
def test_error_factories_always_build_an_api_error(
    status: int, body: bytes, retry_after: float | None
) -> None:
    for factory in (make_api_error, make_snap_error):
        exc = factory(status, body, retry_after=retry_after)
        assert isinstance(exc, APIError)
        assert exc.status == status
        assert isinstance(str(exc), str) and isinstance(repr(exc), str)
        assert isinstance(exc.fields, dict)


@SETTINGS
@given(body=error_bodies)
def test_code_readers_never_raise(body: bytes) -> None:
    code = payments_error_code(body)
    assert code is None or isinstance(code, str)
    snap = snap_response_code(body)
    assert snap is None or isinstance(snap, str)
    parts = snap_code_parts(snap)
    assert parts is None or (len(parts) == 3 and 0 <= parts[0] <= 999)


@SETTINGS
@given(status=statuses, body=error_bodies | bodies(models.DebitPaymentResponse),
       retry_after=st.none() | st.text(max_size=30))
def test_snap_envelope_check_raises_only_api_errors(
    status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    def check() -> None:
        error = _requestor.snap_error(status, body, headers)
        if error is not None:
            raise error

    _, exc = attempt(check, APIError)
    parts = snap_code_parts(snap_response_code(body))
    ok = 200 <= status < 300 and (parts is None or 200 <= parts[0] < 300)
    assert (exc is None) is ok
    assert exc is None or str(exc)


callback_bodies = (
    st.binary(max_size=200)
    | json_values.map(to_json)
    | st.fixed_dictionaries({
        "event": st.sampled_from([
            "PAYMENT.PROCESSING", "PAYMENT.PAID", "PAYMENT.CANCELLED", "CHARGE.SUCCESS",
            "REFUND.PENDING", "REFUND.SUCCESS", "REFUND.FAILED",
            "REFUND.WAITING_BANK_TRANFER", "SOMETHING.NEW",
        ]) | json_values,
        "data": shaped_for(models.PaymentSession) | shaped_for(models.Refund),
    }).map(to_json)
)


@SETTINGS
@given(body=callback_bodies)
def test_callback_parsers_raise_only_typed_errors(body: bytes) -> None:
    event, _ = attempt(lambda: parse_callback_event(body), ResponseValidationError)
    parsed, exc = attempt(lambda: callbacks.parse_event(body), CallbackVerificationError)
    assert parsed == event  # the same decision, the same event
    if exc is not None:
        assert str(exc).startswith("callback body rejected")
    else:
        assert isinstance(callbacks.dedupe_key(parsed), str)


# -- request builders ----------------------------------------------------------------------


def _assert_valid_request(value: msgspec.Struct, tp: type[msgspec.Struct]) -> None:
    """A valid request: the right type, still valid, encodes to JSON the gateway can read."""
    assert isinstance(value, tp)
    post_init = getattr(value, "__post_init__", None)
    if post_init is not None:
        post_init()
    raw = _codec.encode(value)
    decoded = msgspec.json.decode(raw)
    assert isinstance(decoded, dict)
    _assert_no_float(decoded)


def _assert_no_float(value: Any) -> None:
    assert not isinstance(value, float), "money is never a float on the wire"
    if isinstance(value, dict):
        for item in value.values():
            _assert_no_float(item)
    elif isinstance(value, list):
        for item in value:
            _assert_no_float(item)


def _assert_clear(exc: RequestValidationError) -> None:
    assert isinstance(exc.field, str) and exc.field
    assert isinstance(exc.rule, str) and exc.rule
    assert str(exc).startswith(exc.field)


def _check_build(params: Any, model: type[msgspec.Struct]) -> bool:
    """Build ``model`` from ``params``: True for a valid request, False for a clear refusal."""
    value, exc = attempt(lambda: coerce_params(params, model), RequestValidationError)
    if exc is not None:
        _assert_clear(exc)
        return False
    _assert_valid_request(value, model)
    return True


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


@st.composite
def mutated(draw: Any, example: Mapping[str, Any]) -> Any:
    """``example`` with one to three random edits: a node replaced by an arbitrary value, a
    key removed, or a key added."""
    value: Any = copy.deepcopy(example)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(value)))
        if not path:
            value = draw(json_values) if draw(st.booleans()) else value
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(json_values)
    return value


@pytest.mark.parametrize("model", REQUESTS, ids=lambda t: t.__name__)
def test_every_request_model_has_a_valid_seed(model: type[msgspec.Struct]) -> None:
    """The valid branch of the property below is reachable for every request model."""
    assert _check_build(VALID_REQUESTS[model.__name__], model)


@pytest.mark.parametrize("model", REQUESTS, ids=lambda t: t.__name__)
@PER_REQUEST_MODEL
@given(data=st.data())
def test_request_builders_validate_or_build(model: type[msgspec.Struct], data: Any) -> None:
    seed = VALID_REQUESTS[model.__name__]
    params = data.draw(mutated(seed) | shaped_for(model) | json_values)
    _check_build(params, model)


@SETTINGS
@given(value=json_values | st.text(max_size=300))
def test_path_ids_and_idempotency_keys_are_validated(value: Any) -> None:
    checked, exc = attempt(lambda: path_id("paymentSessionId", value), RequestValidationError)
    if exc is not None:
        _assert_clear(exc)
    else:
        assert checked == value and "/" not in checked and "?" not in checked
    key, exc = attempt(lambda: validate_request_id(value), RequestValidationError)
    if exc is not None:
        _assert_clear(exc)
    else:
        assert key.isalnum() and key.isascii() and 16 <= len(key) <= 36
