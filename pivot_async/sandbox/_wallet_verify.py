"""SNAP request verification, in the order of docs/reference/wire-snap.md#snap-verification
(each failure raises :class:`SnapError` with the documented code), and the wallet's field rules
(:class:`~._fields.Rule` values for the endpoint tables of :mod:`._wallet_api`)."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .._signing import (
    parse_snap_datetime,
    string_to_sign,
    verify_hmac_signature,
    verify_token_signature,
)
from ._errors import SnapError
from ._fields import ANY, Check, Field, Rule, check, text
from ._merchants import SnapCredentials
from ._qris import parse_qris
from ._util import bearer_token
from ._wallet_core import Token, WalletBinding, WalletSandbox, parse_amount

__all__ = ["SnapContext", "validate_body", "verify_token_request", "verify_transaction"]

# ------------------------------------------------------------------ field rules


def _fits(pattern: str) -> Check:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


is_object = Rule("object")
msisdn = text(15, check=_fits(r"\+?[0-9]{6,15}"))
url = text(2048, check=_fits(r"[A-Za-z][A-Za-z0-9+.-]*://\S+"))
datetime_str = Rule("string", parse=parse_snap_datetime)
amount_value = Rule(check=lambda v: parse_amount(v) is not None)
amount_or_empty = Rule(check=lambda v: v == "" or parse_amount(v) is not None)
_digits = _fits(r"[0-9]{1,4}")
page_size = text(check=lambda v: _digits(v) and 1 <= int(v) <= 100)
page_number = text(check=lambda v: _digits(v) and int(v) >= 1)
deeplink_flag = Rule("boolean")
"""``urlParams[].isDeeplink``: a JSON boolean, as Pivot's field table and example give it (and
the client sends): SNAP's ``"Y"``/``"N"`` flags are refused, so both enforce one rule."""
user_resources = Rule(
    "array", min_len=1, check=lambda v: all(isinstance(x, str) for x in v) and "OTT" in v
)
qris_content = Rule(parse=parse_qris)

# ------------------------------------------------------------------ verification

_STRICT_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00")
TRANSACTION_HEADERS = (
    "X-TIMESTAMP",
    "X-SIGNATURE",
    "X-PARTNER-ID",
    "X-EXTERNAL-ID",
    "CHANNEL-ID",
    "Authorization",
)
CUSTOMER_HEADERS = (*TRANSACTION_HEADERS, "Authorization-Customer")  # B2B2C endpoints
TOKEN_HEADERS = ("X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE")


def _grant(*grants: str) -> tuple[Field, ...]:  # any case; the value is the listed spelling
    return (Field("grantType", True, Rule(choices=grants, fold_case=True)),)


_GRANTS = {"73": _grant("client_credentials"), "74": _grant("authorization_code", "refresh_token")}
# token kind -> header, (not found code, message), (invalid code, message): steps 4 and 5
_TOKEN_CHECKS = {
    "b2b": ("Authorization", ("03", "Token Not Found (B2B)"), ("01", "Invalid Token (B2B)")),
    "customer": (
        "Authorization-Customer",
        ("04", "Customer Token Not Found"),
        ("02", "Invalid Customer Token"),
    ),
}
_JSON_STRING_OR_SPACE = re.compile(rb'("(?:[^"\\]|\\.)*")|[ \t\r\n]+', re.DOTALL)


@dataclass
class SnapContext:
    """What a verified transactional request carries into its endpoint handler."""

    merchant: SnapCredentials
    binding: WalletBinding | None
    body: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def _headers(strict: bool, names: tuple[str, ...]) -> tuple[Field, ...]:
    """Steps 1 and 2 as a table: every header of ``names`` mandatory (any case), formats; the
    X-TIMESTAMP's value is its datetime."""
    formats = {
        "X-TIMESTAMP": Rule(parse=functools.partial(parse_timestamp, strict=strict)),
        "X-EXTERNAL-ID": Rule(check=_fits(r"[0-9]{1,36}")),
        "CHANNEL-ID": Rule(check=lambda v: bool(v.strip())),
    }
    return tuple(Field(name, True, formats.get(name, ANY)) for name in names)


def parse_timestamp(value: str, *, strict: bool) -> _dt.datetime | None:
    """The X-TIMESTAMP as an aware datetime (``None`` or ``ValueError``: not accepted)."""
    return parse_snap_datetime(value) if not strict or _STRICT_TS.fullmatch(value) else None


def _check_skew(wallet: WalletSandbox, when: _dt.datetime, service: str) -> None:
    if abs((when - wallet.clock.now()).total_seconds()) > wallet.config.timestamp_skew_seconds:
        raise SnapError(f"401{service}00", "Unauthorized. [X-TIMESTAMP]")


def _lookup_token(wallet: WalletSandbox, headers: Any, kind: str, service: str) -> Token:
    name, (missing, missing_msg), (invalid, invalid_msg) = _TOKEN_CHECKS[kind]
    header = headers[name]
    if not header.strip():
        raise SnapError(f"401{service}{missing}", missing_msg)
    value = bearer_token(header)
    if value is None:
        raise SnapError(f"401{service}{invalid}", invalid_msg)
    token = wallet._tokens.get(value)
    if token is None or token.kind != kind:
        raise SnapError(f"401{service}{missing}", missing_msg)
    if wallet.clock.now() >= token.expires_at:
        raise SnapError(f"401{service}{invalid}", invalid_msg)
    return token


def verify_transaction(
    wallet: WalletSandbox, request: web.Request, raw_body: bytes, service: str, *, customer: bool
) -> SnapContext:
    """Steps 1-7 of docs/reference/wire-snap.md#snap-verify-transactional (step 8, the body,
    is :func:`validate_body`)."""
    h = request.headers
    names = CUSTOMER_HEADERS if customer else TRANSACTION_HEADERS
    # 1. mandatory headers, 2. formats
    chk = check(h, _headers(wallet.config.strict_timestamp, names))
    chk.raise_snap(service)
    # 3. timestamp skew
    _check_skew(wallet, chk.values["X-TIMESTAMP"], service)
    # 4. B2B token, then the partner it was issued to
    b2b = _lookup_token(wallet, h, "b2b", service)
    merchant = wallet.merchants.snap(b2b.client_key)
    if merchant is None or h["X-PARTNER-ID"] != merchant.partner_id:
        raise SnapError(f"401{service}00", "Unauthorized. [X-PARTNER-ID]")
    # 5. customer token (B2B2C endpoints)
    binding: WalletBinding | None = None
    if customer:
        ctoken = _lookup_token(wallet, h, "customer", service)
        binding = wallet.bindings.get(ctoken.binding_id or "")
        if binding is None or not binding.active or ctoken.client_key != merchant.client_key:
            raise SnapError(f"401{service}02", "Invalid Customer Token")
    # 6. signature over the raw received bytes
    path = request.raw_path.split("?", 1)[0]
    sts = string_to_sign(request.method, path, b2b.value, raw_body, h["X-TIMESTAMP"])
    if not verify_hmac_signature(merchant.client_secret, sts, h["X-SIGNATURE"]):
        hint = _signature_hint(wallet, merchant, request, b2b.value, raw_body)
        failure = {"path": path, "client_key": merchant.client_key, "hint": hint}
        wallet.signature_failures.append(failure)
        raise SnapError(f"401{service}00", "Unauthorized. [Signature]", hint=hint)
    # 7. X-EXTERNAL-ID not reused by this partner within the day
    if not wallet.external_ids.claim(merchant.client_key, h["X-EXTERNAL-ID"]):
        raise SnapError(f"409{service}00", "Conflict")
    return SnapContext(merchant, binding)


def _signature_hint(
    wallet: WalletSandbox, merchant: SnapCredentials, request: web.Request, token: str, raw: bytes
) -> str | None:
    """Diagnose the usual signing mistakes, never accepting them
    (docs/reference/wire-snap.md#snap-verify-transactional, wire-snap.md#snap-pitfalls)."""
    timestamp, signature = request.headers["X-TIMESTAMP"], request.headers["X-SIGNATURE"]
    path = request.raw_path.split("?", 1)[0]

    def matches(p: str, tok: str, body: bytes) -> bool:
        sts = string_to_sign(request.method, p, tok, body, timestamp)
        return verify_hmac_signature(merchant.client_secret, sts, signature)

    # the body without whitespace outside JSON strings (docs/reference/wire-snap.md#snap-minify)
    minified = _JSON_STRING_OR_SPACE.sub(lambda m: m.group(1) or b"", raw)
    if minified != raw and matches(path, token, minified):
        return (
            "signature matches the minified body: the client signed compact JSON but sent "
            "other bytes (docs/reference/wire-snap.md#snap-pitfalls); send exactly the "
            "signed bytes"
        )
    if raw == b"{}" and matches(path, token, b""):
        return "signature hashes {} as the empty string; hash the exact bytes sent"
    prefix = wallet.config.api_prefix.rstrip("/")
    if path.startswith(prefix + "/"):
        rel = path[len(prefix) :]
        for cand in ("/v1.0" + rel, rel, rel.lstrip("/")):
            if matches(cand, token, raw):
                return (
                    f"signature matches EndpointUrl {cand!r}; sign the full path {path!r} "
                    "(docs/reference/wire.md#decision-e)"
                )
    customer = bearer_token(request.headers.get("Authorization-Customer", ""))
    if customer and matches(path, customer, raw):
        return (
            "signature uses the customer token; sign with the B2B token "
            "(docs/reference/wire-snap.md#snap-customer-calls)"
        )
    return None


def verify_token_request(
    wallet: WalletSandbox, request: web.Request, raw_body: bytes, service: str
) -> tuple[SnapCredentials, dict[str, Any], str]:
    """Steps 1-4 of docs/reference/wire-snap.md#snap-verify-tokens for a B2B (service 73) or
    B2B2C (74) token: the merchant, the body and the grant (lower case)."""
    h = request.headers
    # 1. headers and grantType present, 2. formats
    chk = check(h, _headers(wallet.config.strict_timestamp, TOKEN_HEADERS))
    if any(p.missing for p in chk.problems):
        chk.raise_snap(service)  # a missing header is answered before the body is read
    body = _parse_object(raw_body, service)
    chk.run(body, _GRANTS[service], blank_is_missing=True)
    chk.raise_snap(service)
    # 3. skew
    _check_skew(wallet, chk.values["X-TIMESTAMP"], service)
    # 4. known client, RSA signature over clientKey|X-TIMESTAMP
    client_key, timestamp, signature = h["X-CLIENT-KEY"], h["X-TIMESTAMP"], h["X-SIGNATURE"]
    merchant = wallet.merchants.snap(client_key)
    if merchant is None:
        raise SnapError(f"401{service}00", "Unauthorized. [Unknown client]")
    if not verify_token_signature(merchant.public_key, client_key, timestamp, signature):
        raise SnapError(f"401{service}00", "Unauthorized. [Signature]")
    return merchant, body, chk.values["grantType"]


def _parse_object(raw_body: bytes, service: str) -> dict[str, Any]:
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SnapError(f"400{service}00", "Bad Request") from None
    if not isinstance(body, dict):
        raise SnapError(f"400{service}00", "Bad Request")
    return body


def validate_body(raw_body: bytes, fields: tuple[Field, ...], service: str) -> dict[str, Any]:
    """Step 8: the body is a JSON object; mandatory fields first (``400xx02``), then formats
    (``400xx01``), each reporting the first offending field (an array item by its index)."""
    body = _parse_object(raw_body, service)
    check(body, fields, blank_is_missing=True).raise_snap(service)
    return body
