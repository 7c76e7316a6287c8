"""Small pure helpers of the sandbox: ids, times, JWT-shaped tokens."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import os
import uuid
from typing import Any

import msgspec

from .._signing import parse_snap_datetime
from ..models._util import _EXPIRY as EXPIRY_AT

__all__ = [
    "ZERO_TIME",
    "bearer_token",
    "format_time",
    "jwt_decode",
    "jwt_encode",
    "parse_request_time",
    "random_digits",
    "uuid7",
]

ZERO_TIME = "0001-01-01T00:00:00Z"
"""The Go zero time the gateway shows as a static VA's ``expiryAt`` (wire.md#decision-n)."""


def uuid7(now: _dt.datetime) -> str:
    """A UUIDv7 string whose timestamp is ``now`` (the sandbox clock)."""
    ms = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) & 0xFFF) << 64
    value |= (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def format_time(moment: _dt.datetime) -> str:
    """RFC 3339 UTC with a ``Z``; fractional seconds only when present."""
    moment = moment.astimezone(_dt.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def parse_request_time(text: str) -> _dt.datetime | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (optional fraction) by the client's one ``expiryAt`` rule (ASCII
    digits, UTC ``Z`` only), parsed by the one SNAP time parser; ``None`` if malformed."""
    try:
        return parse_snap_datetime(text) if EXPIRY_AT.fullmatch(text) else None
    except ValueError:  # not a calendar date or time
        return None


def bearer_token(value: str) -> str | None:
    """The token of an ``Authorization``-style ``Bearer <token>`` value (scheme in any case)."""
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def random_digits(count: int) -> str:
    """``count`` random decimal digits."""
    return "".join(str(b % 10) for b in os.urandom(count))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_JWT_HEADER = _b64url(b'{"alg":"HS256","typ":"JWT"}')


def jwt_encode(payload: dict[str, Any], key: bytes) -> str:
    """An HS256 JWT over ``payload``."""
    signing_input = f"{_JWT_HEADER}.{_b64url(msgspec.json.encode(payload))}"
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def jwt_decode(token: str, key: bytes) -> dict[str, Any] | None:
    """The payload of a JWT signed with ``key``; ``None`` when malformed or forged (the caller
    compares ``exp`` with the sandbox clock)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    expected = hmac.new(key, signing_input, hashlib.sha256).digest()
    try:
        signature = _b64url_decode(parts[2])
        payload = msgspec.json.decode(_b64url_decode(parts[1]))
    except ValueError:  # msgspec.DecodeError included
        return None
    if not hmac.compare_digest(signature, expected) or not isinstance(payload, dict):
        return None
    return payload
