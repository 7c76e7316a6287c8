"""The remaining hand-written paths behave exactly like the rule they implement.

Issue 16: a fast path stays only where a measurement shows it pays. The float walk
(``_reject_floats``) is now the plain walk, run only on the members that would take a float
(free-form ``Any`` objects, ``Decimal`` fields); typed fields refuse a float in C. The
``expiryAt`` check is compared with the sandbox's parser (one rule on both sides, issue 15).
"""

from __future__ import annotations

import decimal
import os
import string
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pivot_async._errors import RequestValidationError
from pivot_async._middlewares import new_request_id, requires_request_id, validate_request_id
from pivot_async.models import CreatePaymentRequest
from pivot_async.models._util import check_expiry_at, check_url
from pivot_async.resources._base import _reject_floats, coerce_params
from pivot_async.sandbox._util import parse_request_time

from .client.conftest import va_request

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, str] | None:
    """None if ``fn`` accepts, else the (field, rule) of its RequestValidationError."""
    try:
        fn(*args, **kwargs)
    except RequestValidationError as exc:
        return (exc.field, exc.rule)
    return None


# ------------------------------------------------------------------ 1. new_request_id


def test_request_id_is_32_alphanumeric_random_characters() -> None:
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for rid in ids:
        assert len(rid) == 32 and rid.isascii() and rid.isalnum()
        assert validate_request_id(rid) == rid
    # 128 random bits: every hex digit shows up in every position over 2,000 ids
    for pos in range(32):
        assert {rid[pos] for rid in ids} == set(string.hexdigits.lower())


@pytest.mark.parametrize(
    ("method", "path", "carries"),
    [
        ("POST", "/v2/payments", True),
        ("POST", "/v2/payments/", True),
        ("POST", "/v2/payments/ps1/confirm", True),
        ("POST", "/v2/payments/ps1/cancel", True),
        ("POST", "/v2/payments/ps1/capture", True),
        ("POST", "/v1/refunds", True),
        ("GET", "/v2/payments", False),
        ("PUT", "/v2/payments/ps1/confirm", False),
        ("POST", "/v2/payments/ps1", False),
        ("POST", "/v2/payments/ps1/x/confirm", False),
        ("POST", "/v2/payments/ps1/simulate", False),
        ("POST", "/v1/refunds/rf1", False),
        ("POST", "/v1/customers", False),
    ],
)
def test_which_calls_carry_a_request_id(method: str, path: str, carries: bool) -> None:
    # The kept answer (second call) is the rule's answer (first call).
    assert requires_request_id(method, path) is carries
    assert requires_request_id(method, path) is carries


def test_the_request_id_rule_keeps_a_bounded_number_of_answers() -> None:
    for i in range(1000):
        assert requires_request_id("POST", f"/v2/payments/ps{i}/confirm")
    assert requires_request_id.cache_info().currsize <= 256


# ------------------------------------------------------------------ 2. _reject_floats


class MyFloat(float):
    pass


class MyInt(int):
    pass


class MyStr(str):
    pass


class MyList(list):  # type: ignore[type-arg]
    pass


class MyDict(dict):  # type: ignore[type-arg]
    pass


class MyTuple(tuple):  # type: ignore[type-arg]
    pass


class Opaque:
    """Neither a mapping nor a sequence: not walked (a float attribute is not seen)."""

    x = 1.5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount": {"value": 1.5}}, "amount.value"),
        ({"items": [{"price": 2}, {"price": 2.0}]}, "items[1].price"),
        ({"a": ({"b": [0, MyFloat(1)]},)}, "a[0].b[1]"),
        ({"m": types.MappingProxyType({"x": float("nan")})}, "m.x"),
        ({"m": MyDict({3: MyList([True, 1e300])})}, "m.3[1]"),
        ({1: 0.1}, "1"),
    ],
)
def test_reject_floats_names_the_first_float(params: dict[Any, Any], field: str) -> None:
    expected = (field, "must not be a float (use an int or a decimal string)")
    assert outcome(_reject_floats, params, "") == expected


@pytest.mark.parametrize(
    "params",
    [
        {"a": None, "b": True, "c": 3, "d": "x", "e": decimal.Decimal("1.5")},
        {"a": Opaque(), "b": {0.5}, "c": frozenset({0.5}), "d": b"1.5", "e": 1j},
        {"deep": [[[[{"x": [MyInt(1), MyStr("2")]}]]]]},
    ],
)
def test_reject_floats_accepts_what_it_accepted(params: dict[str, Any]) -> None:
    assert outcome(_reject_floats, params, "") is None


def test_coerce_params_still_takes_any_mapping_and_refuses_the_rest() -> None:
    wire = va_request("order1")
    for params in (wire, types.MappingProxyType(wire), MyDict(wire)):
        req = coerce_params(params, CreatePaymentRequest)
        assert req.client_reference_id == "order1" and req.amount is not None
        assert req.amount.value == 50000
    for bad in ([("clientReferenceId", "x")], "x", None):
        assert outcome(coerce_params, bad, CreatePaymentRequest) == (
            "params", "must be a CreatePaymentRequest or a mapping of its wire fields"
        )
    floaty = {**wire, "amount": {"value": 50000.0, "currency": "IDR"}}
    assert outcome(coerce_params, floaty, CreatePaymentRequest) == (
        "amount.value", "must not be a float (use an int or a decimal string)"
    )


# ------------------------------------------------------------------ 3. check_expiry_at

def check_expiry_at_before(value: object, field: str) -> None:
    """The one ``expiryAt`` rule as the sandbox implements it (issue 15: client == sandbox)."""
    if value is None:
        return
    rule = ("must be formatted YYYY-MM-DDTHH:MM:SSZ (UTC, ASCII digits; optionally 1-9 "
            "fractional-second digits before the Z)")
    if not isinstance(value, str) or parse_request_time(value) is None:
        raise RequestValidationError(field, rule)


EXPIRY_CASES = [
    None, 20250101, b"2025-01-01T00:00:00Z", "",
    "2025-01-01T00:00:00Z", "2025-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "0999-06-15T12:30:45Z",
    # calendar
    "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z", "2025-02-28T00:00:00Z", "2025-02-30T00:00:00Z",
    "2025-04-30T00:00:00Z", "2025-04-31T00:00:00Z", "2025-06-31T00:00:00Z",
    "2025-09-31T00:00:00Z", "2025-11-31T00:00:00Z", "2025-01-31T00:00:00Z",
    "2025-03-31T00:00:00Z", "2025-07-31T00:00:00Z", "2025-08-31T00:00:00Z",
    "2025-10-31T00:00:00Z", "2025-12-31T00:00:00Z", "2025-12-32T00:00:00Z",
    "2025-00-10T00:00:00Z", "2025-13-10T00:00:00Z", "2025-10-00T00:00:00Z",
    # clock
    "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z", "2025-01-01T23:59:60Z",
    "2025-01-01T23:59:61Z", "2025-01-01T23:59:62Z", "2025-01-01T19:00:00Z",
    "2025-01-01T09:09:09Z",
    # shape
    "2025-01-01t00:00:00Z", "2025-01-01T00:00:00z", "2025-01-01 00:00:00Z",
    "2025-01-01T00:00:00", "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00.000Z",
    "2025-1-01T00:00:00Z", "25-01-01T00:00:00Z", "12025-01-01T00:00:00Z",
    " 2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z ", "2025-01-01T00:00:00Z\n",
    "2025/01/01T00:00:00Z", "2025-01-01T0:00:00Z", "+025-01-01T00:00:00Z",
    # Unicode decimal digits (\d matched them before, and strptime took some)
    "٢٠٢٥-01-01T00:00:00Z", "2025-0١-01T00:00:00Z", "2025-1٢-01T00:00:00Z",
    "2025-01-1٥T00:00:00Z", "2025-01-0٥T00:00:00Z", "2025-01-3٠T00:00:00Z",
    "2025-01-01T0٥:00:00Z", "2025-01-01T2٣:00:00Z", "2025-01-01T00:5٩:00Z",
    "2025-01-01T00:٥9:00Z", "2025-01-01T00:00:5٩Z", "2025-01-01T00:00:6٠Z",
    "２０２５-01-01T00:00:00Z", "2025-01-01T00:00:00Ｚ",
]


@pytest.mark.parametrize("value", EXPIRY_CASES)
def test_expiry_at_same_as_the_sandbox(value: object) -> None:
    assert outcome(check_expiry_at, value, "expiryAt") == outcome(
        check_expiry_at_before, value, "expiryAt"
    )


def test_expiry_at_cases_cover_both_outcomes() -> None:
    accepted = [v for v in EXPIRY_CASES if outcome(check_expiry_at, v, "expiryAt") is None]
    assert "2024-02-29T00:00:00Z" in accepted and "2025-01-01T00:00:00.000Z" in accepted
    assert "٢٠٢٥-01-01T00:00:00Z" not in accepted
    assert "2023-02-29T00:00:00Z" not in accepted and "0000-01-01T00:00:00Z" not in accepted
    assert 10 < len(accepted) < len(EXPIRY_CASES) - 10


_digit = st.sampled_from("0123456789") | st.sampled_from("0123456789٠١٢٣٥٩０９") | st.characters()


def _field(n: int) -> st.SearchStrategy[str]:
    return st.lists(_digit, min_size=n, max_size=n).map("".join)


_expiry_like = st.builds(
    lambda y, mo, d, h, mi, s, sep: f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}Z",
    _field(4), _field(2), _field(2), _field(2), _field(2), _field(2),
    st.sampled_from(["T", "T", "T", "t", " "]),
)
_plausible = st.builds(
    lambda y, mo, d, h, mi, s: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32),
    st.integers(0, 25), st.integers(0, 61), st.integers(0, 62),
)


@SETTINGS
@given(_expiry_like | _plausible | st.text(max_size=24))
def test_expiry_at_same_as_the_sandbox_generated(value: str) -> None:
    assert outcome(check_expiry_at, value, "expiryAt") == outcome(
        check_expiry_at_before, value, "expiryAt"
    )


# ------------------------------------------------------------------ check_url whitespace


def test_url_whitespace_check_is_str_isspace() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) > 20
    lookalikes = ["\u200b", "\u2060", "\ufeff", "\u180e", "_", "%20", "+"]
    for ch in spaces:
        assert outcome(check_url, f"https://shop.example/a{ch}b", "u") == (
            "u", "must be an absolute URL of 1-255 characters"
        )
    for ch in lookalikes:
        assert outcome(check_url, f"https://shop.example/a{ch}b", "u") is None


def test_the_os_csprng_is_the_request_id_source(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def urandom(n: int) -> bytes:
        calls.append(n)
        return bytes(range(n))

    monkeypatch.setattr(os, "urandom", urandom)
    assert new_request_id() == bytes(range(16)).hex()
    assert calls == [16]  # 128 random bits per id, as secrets.token_hex(16) reads them
