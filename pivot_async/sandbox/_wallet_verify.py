"""SNAP request verification, in the order of docs/reference/wire-snap.md#snap-verification.

Transactional endpoints (wire-snap.md#snap-verify-transactional): mandatory headers, header
formats, timestamp skew, B2B token, X-PARTNER-ID, customer token, HMAC signature over the raw
received bytes, X-EXTERNAL-ID reuse, then body validation (mandatory fields, then formats).
Token endpoints (wire-snap.md#snap-verify-tokens): headers and ``grantType`` present, formats,
skew, client key and RSA signature. Each failure raises
:class:`SnapError` with the documented code.
"""

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
from ._fields import ANY, Field, Rule, check
from ._merchants import SnapCredentials
from ._wallet_core import WalletSandbox
from ._wallet_model import Token, WalletBinding, minify_json_bytes

__all__ = ["Field", "SnapContext", "validate_body", "verify_token_request", "verify_transaction"]

_STRICT_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00")
_EXTERNAL_ID = re.compile(r"[0-9]{1,36}")

TRANSACTION_HEADERS = (
    "X-TIMESTAMP",
    "X-SIGNATURE",
    "X-PARTNER-ID",
    "X-EXTERNAL-ID",
    "CHANNEL-ID",
    "Authorization",
)
TOKEN_HEADERS = ("X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE")


@dataclass
class SnapContext:
    """What a verified transactional request carries into its endpoint handler."""

    merchant: SnapCredentials
    b2b_token: str
    binding: WalletBinding | None
    external_id: str
    channel_id: str
    body: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def _headers(strict: bool, names: tuple[str, ...]) -> tuple[Field, ...]:
    """Step 1 and 2 as a table: every header in ``names`` mandatory, and the formats of
    X-TIMESTAMP, X-EXTERNAL-ID and CHANNEL-ID. Names match case-insensitively (aiohttp's
    headers are a CIMultiDict)."""
    formats = {
        "X-TIMESTAMP": Rule(check=lambda v: parse_timestamp(v, strict=strict) is not None),
        "X-EXTERNAL-ID": Rule(check=lambda v: _EXTERNAL_ID.fullmatch(v) is not None),
        "CHANNEL-ID": Rule(check=lambda v: bool(v.strip())),
    }
    return tuple(Field(name, True, formats.get(name, ANY)) for name in names)


def parse_timestamp(value: str, *, strict: bool) -> _dt.datetime | None:
    """The X-TIMESTAMP as an aware datetime, or None if its format is not accepted."""
    if strict and _STRICT_TS.fullmatch(value) is None:
        return None
    try:
        return parse_snap_datetime(value)
    except ValueError:
        return None


def _check_skew(wallet: WalletSandbox, when: _dt.datetime, code: str) -> None:
    skew = abs((when - wallet.clock.now()).total_seconds())
    if skew > wallet.config.timestamp_skew_seconds:
        raise SnapError(code, "Unauthorized. [X-TIMESTAMP]")


def _bearer(value: str) -> str | None:
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _lookup_token(
    wallet: WalletSandbox,
    header: str,
    kind: str,
    *,
    not_found: str,
    invalid: str,
    not_found_msg: str,
    invalid_msg: str,
) -> Token:
    if not header.strip():
        raise SnapError(not_found, not_found_msg)
    value = _bearer(header)
    if value is None:
        raise SnapError(invalid, invalid_msg)
    token = wallet._tokens.get(value)
    if token is None or token.kind != kind:
        raise SnapError(not_found, not_found_msg)
    if token.revoked or wallet.clock.now() >= token.expires_at:
        raise SnapError(invalid, invalid_msg)
    return token


def verify_transaction(
    wallet: WalletSandbox,
    request: web.Request,
    raw_body: bytes,
    service: str,
    *,
    customer: bool,
) -> SnapContext:
    """Steps 1-7 of docs/reference/wire-snap.md#snap-verify-transactional.

    Body validation (step 8) is :func:`validate_body`.
    """
    h = request.headers
    names = (*TRANSACTION_HEADERS, "Authorization-Customer") if customer else TRANSACTION_HEADERS
    # 1. mandatory headers, 2. formats
    check(h, _headers(wallet.config.strict_timestamp, names)).raise_snap(service)
    timestamp, external_id = h["X-TIMESTAMP"], h["X-EXTERNAL-ID"]
    when = parse_timestamp(timestamp, strict=wallet.config.strict_timestamp)
    assert when is not None
    channel_id = h["CHANNEL-ID"].strip()
    # 3. timestamp skew
    _check_skew(wallet, when, f"401{service}00")
    # 4. B2B token, then the partner it was issued to
    b2b = _lookup_token(
        wallet,
        h["Authorization"],
        "b2b",
        not_found=f"401{service}03",
        invalid=f"401{service}01",
        not_found_msg="Token Not Found (B2B)",
        invalid_msg="Invalid Token (B2B)",
    )
    merchant = wallet.merchants.snap_credentials[b2b.client_key]
    if h["X-PARTNER-ID"] != merchant.partner_id:
        raise SnapError(f"401{service}00", "Unauthorized. [X-PARTNER-ID]")
    # 5. customer token (B2B2C endpoints)
    binding: WalletBinding | None = None
    if customer:
        ctoken = _lookup_token(
            wallet,
            h["Authorization-Customer"],
            "customer",
            not_found=f"401{service}04",
            invalid=f"401{service}02",
            not_found_msg="Customer Token Not Found",
            invalid_msg="Invalid Customer Token",
        )
        binding = wallet._bindings.get(ctoken.binding_id or "")
        if binding is None or not binding.active or ctoken.client_key != merchant.client_key:
            raise SnapError(f"401{service}02", "Invalid Customer Token")
    # 6. signature over the raw received bytes
    path = request.raw_path.split("?", 1)[0]
    signature = h["X-SIGNATURE"]
    sts = string_to_sign(request.method, path, b2b.value, raw_body, timestamp)
    if not verify_hmac_signature(merchant.client_secret, sts, signature):
        hint = _signature_hint(
            wallet,
            merchant,
            request.method,
            path,
            b2b.value,
            h.get("Authorization-Customer", ""),
            raw_body,
            timestamp,
            signature,
        )
        wallet.signature_failures.append(
            {"path": path, "client_key": merchant.client_key, "hint": hint}
        )
        raise SnapError(f"401{service}00", "Unauthorized. [Signature]", hint=hint)
    # 7. X-EXTERNAL-ID not reused by this partner within the day
    if not wallet._claim_external_id(merchant.client_key, external_id):
        raise SnapError(f"409{service}00", "Conflict")
    return SnapContext(
        merchant=merchant,
        b2b_token=b2b.value,
        binding=binding,
        external_id=external_id,
        channel_id=channel_id,
    )


def _signature_hint(
    wallet: WalletSandbox,
    merchant: SnapCredentials,
    method: str,
    path: str,
    token: str,
    customer_header: str,
    raw_body: bytes,
    timestamp: str,
    signature: str,
) -> str | None:
    """Diagnose the usual signing mistakes; never accepts them.

    See docs/reference/wire-snap.md#snap-verify-transactional and wire-snap.md#snap-pitfalls.
    """
    secret = merchant.client_secret

    def matches(p: str, tok: str, body: bytes) -> bool:
        return verify_hmac_signature(
            secret, string_to_sign(method, p, tok, body, timestamp), signature
        )

    minified = minify_json_bytes(raw_body)
    if minified != raw_body and matches(path, token, minified):
        return (
            "signature matches the minified body: the client signed compact JSON but "
            "sent other bytes (docs/reference/wire-snap.md#snap-pitfalls); "
            "send exactly the signed bytes"
        )
    if raw_body == b"{}" and matches(path, token, b""):
        return "signature hashes {} as the empty string; hash the exact bytes sent"
    prefix = wallet.config.api_prefix.rstrip("/")
    if path.startswith(prefix + "/"):
        rel = path[len(prefix) :]
        for cand in ("/v1.0" + rel, rel, rel.lstrip("/")):
            if matches(cand, token, raw_body):
                return (
                    f"signature matches EndpointUrl {cand!r}; sign the full path "
                    f"{path!r} (docs/reference/wire.md#decision-e)"
                )
    customer = _bearer(customer_header) if customer_header else None
    if customer and matches(path, customer, raw_body):
        return (
            "signature uses the customer token; sign with the B2B token "
            "(docs/reference/wire-snap.md#snap-customer-calls)"
        )
    return None


# ------------------------------------------------------------------ token endpoints


def verify_token_request(
    wallet: WalletSandbox,
    request: web.Request,
    raw_body: bytes,
    service: str,
    grants: tuple[str, ...],
) -> tuple[SnapCredentials, dict[str, Any], str]:
    """Steps 1-4 of docs/reference/wire-snap.md#snap-verify-tokens.

    Returns the merchant, the body and the grant (lower case).
    """
    h = request.headers
    # 1. headers and grantType present, 2. formats
    chk = check(h, _headers(wallet.config.strict_timestamp, TOKEN_HEADERS))
    if any(p.missing for p in chk.problems):
        chk.raise_snap(service)  # a missing header is answered before the body is read
    body = _parse_object(raw_body, service)
    grant = Rule(check=lambda v: isinstance(v, str) and v.lower() in grants)
    chk.run(body, (Field("grantType", True, grant),), blank_is_missing=True)
    chk.raise_snap(service)
    timestamp, grant_raw = h["X-TIMESTAMP"], body["grantType"]
    when = parse_timestamp(timestamp, strict=wallet.config.strict_timestamp)
    assert when is not None
    # 3. skew
    _check_skew(wallet, when, f"401{service}00")
    # 4. known client, RSA signature over clientKey|X-TIMESTAMP
    client_key = h["X-CLIENT-KEY"]
    merchant = wallet.merchant(client_key)
    if merchant is None:
        raise SnapError(f"401{service}00", "Unauthorized. [Unknown client]")
    if not verify_token_signature(merchant.public_key, client_key, timestamp, h["X-SIGNATURE"]):
        raise SnapError(f"401{service}00", "Unauthorized. [Signature]")
    return merchant, body, grant_raw.lower()


def _parse_object(raw_body: bytes, service: str) -> dict[str, Any]:
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SnapError(f"400{service}00", "Bad Request") from None
    if not isinstance(body, dict):
        raise SnapError(f"400{service}00", "Bad Request")
    return body


# ------------------------------------------------------------------ body validation


def validate_body(raw_body: bytes, fields: tuple[Field, ...], service: str) -> dict[str, Any]:
    """Step 8: the body is a JSON object; mandatory fields first (``400xx02``), then formats
    (``400xx01``), each reporting the first offending field (an array item by its index)."""
    body = _parse_object(raw_body, service)
    check(body, fields, blank_is_missing=True).raise_snap(service)
    return body
