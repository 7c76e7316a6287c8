"""SNAP signing primitives: pure, synchronous functions of their inputs.

Everything here follows docs/reference/wire-snap.md and the decisions of
docs/reference/wire.md#decisions:

- X-TIMESTAMP is Jakarta time computed as UTC + 7 h, ``yyyy-MM-ddTHH:mm:ss+07:00``, fractional
  seconds truncated, independent of the host time zone (docs/reference/wire.md#decision-f).
- The body hash is the lower-case hex SHA-256 of the exact bytes sent; an empty body hashes the
  empty string, ``{}`` hashes its two bytes (docs/reference/wire.md#decision-g).
- The transaction string to sign is ``METHOD:EndpointUrl:B2BToken:bodyHash:X-TIMESTAMP`` with
  EndpointUrl the path without its query string (docs/reference/wire.md#decision-e).
- The transaction signature is base64 HMAC-SHA512 keyed with the client secret's UTF-8 bytes;
  the token-request signature is base64 RSASSA-PKCS1-v1_5 SHA-256 over ``clientKey|X-TIMESTAMP``
  (docs/reference/wire.md#decision-h).

RSA signing costs about 2 ms of CPU: async callers run :func:`token_signature` in an executor.
No function here logs, and no error message ever contains key material, secrets or signatures.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from ._config import Secret
from ._errors import ConfigurationError

__all__ = [
    "EMPTY_BODY_DIGEST",
    "RSAPrivateKey",
    "RSAPublicKey",
    "body_digest",
    "external_id",
    "generate_private_key",
    "hmac_signature",
    "load_private_key",
    "load_public_key",
    "parse_response_code",
    "parse_snap_datetime",
    "snap_stamps",
    "snap_timestamp",
    "string_to_sign",
    "token_signature",
    "token_string_to_sign",
    "transaction_signature",
    "verify_hmac_signature",
    "verify_token_signature",
]

_UTC = _dt.timezone.utc
_JAKARTA_OFFSET = _dt.timedelta(hours=7)

#: SHA-256 of the empty string: the body hash of a request without a body.
EMPTY_BODY_DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
"""SHA-256 hex digest of an empty body (what SNAP signs for a request without a body)."""


# --------------------------------------------------------------------------- time


def _utc_now(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        return _dt.datetime.now(_UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required (got a naive datetime)")
    return now.astimezone(_UTC)


def _jakarta_wall_clock(now: _dt.datetime | None) -> _dt.datetime:
    """UTC + 7 h as a naive wall-clock datetime, fractional seconds dropped."""
    return (_utc_now(now).replace(microsecond=0) + _JAKARTA_OFFSET).replace(tzinfo=None)


def _format_stamps(j: _dt.datetime) -> tuple[str, str]:
    return (
        f"{j.year:04d}-{j.month:02d}-{j.day:02d}T{j.hour:02d}:{j.minute:02d}:{j.second:02d}+07:00",
        f"{j.year:04d}{j.month:02d}{j.day:02d}{j.hour:02d}{j.minute:02d}{j.second:02d}",
    )


#: (epoch second, its X-TIMESTAMP, its ``yyyyMMddHHmmss``): both change once a second, so
#: the current second's are formatted once (about 3 us saved per stamp, twice per attempt).
_current: tuple[int, str, str] = (-1, "", "")


def snap_stamps(now: _dt.datetime | None = None) -> tuple[str, str]:
    """(X-TIMESTAMP, Jakarta ``yyyyMMddHHmmss``) of ``now`` (default: the current second)."""
    global _current
    if now is not None:
        return _format_stamps(_jakarta_wall_clock(now))
    second = int(time.time())
    current = _current
    if current[0] != second:
        stamp, compact = _format_stamps(
            _dt.datetime.fromtimestamp(second, _UTC).replace(tzinfo=None) + _JAKARTA_OFFSET
        )
        current = _current = (second, stamp, compact)
    return current[1], current[2]


def snap_timestamp(now: _dt.datetime | None = None) -> str:
    """The SNAP X-TIMESTAMP for ``now`` (default: the current time).

    ``yyyy-MM-ddTHH:mm:ss+07:00``, computed as UTC + 7 h with fractional seconds truncated,
    whatever the host time zone (docs/reference/wire.md#decision-f). ``now`` must be timezone-aware.
    """
    return snap_stamps(now)[0]


_DATETIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def parse_snap_datetime(value: str) -> _dt.datetime:
    """Parse an ISO 8601 time as SNAP sends it into an aware datetime.

    Accepts ``Z`` or a ``±hh:mm`` offset and 0 to 9 fractional digits (truncated to
    microseconds), e.g. ``2025-08-04T15:24:27.415024635+07:00``. Raises :class:`ValueError`.
    """
    m = _DATETIME_RE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError("not an ISO 8601 date-time with an offset")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6])
    zone = m.group(8)
    if zone == "Z":
        tz = _UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("invalid UTC offset")
        tz = _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    return _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)


# --------------------------------------------------------------------------- hashing / HMAC


def body_digest(body: bytes) -> str:
    """Lower-case hex SHA-256 of the exact body bytes (empty body: the empty string's hash)."""
    return hashlib.sha256(body).hexdigest()


def _endpoint_path(endpoint_url: str) -> str:
    """EndpointUrl per docs/reference/wire.md#decision-e.

    The path after the host, without query string or fragment.
    """
    if "://" in endpoint_url:
        return urlsplit(endpoint_url).path
    return endpoint_url.split("?", 1)[0].split("#", 1)[0]


def string_to_sign(
    method: str,
    endpoint_url: str,
    access_token: str,
    body: bytes,
    timestamp: str,
) -> str:
    """The SNAP symmetric string to sign.

    ``METHOD:EndpointUrl:AccessToken:lowerhex(SHA-256(body)):X-TIMESTAMP``. ``endpoint_url`` is
    the path after the host (a query string, or the scheme and host of a full URL, is dropped);
    ``access_token`` is the B2B token without ``Bearer ``; ``timestamp`` is used verbatim.
    """
    parts = (
        method.upper(),
        _endpoint_path(endpoint_url),
        access_token,
        body_digest(body),
        timestamp,
    )
    return ":".join(parts)


def hmac_signature(client_secret: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA512(key=UTF-8(client_secret), msg=UTF-8(string_to_sign)))."""
    mac = hmac.new(client_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha512)
    return base64.b64encode(mac.digest()).decode("ascii")


class HmacKey:
    """The client secret keyed once: :meth:`sign` is :func:`hmac_signature` from a copy of
    the keyed state (~10,000 fewer instructions). It holds hash states, not the secret."""

    __slots__ = ("_keyed",)

    def __init__(self, client_secret: Secret) -> None:
        self._keyed = hmac.new(client_secret.get().encode("utf-8"), digestmod=hashlib.sha512)

    def sign(self, string_to_sign: str) -> str:
        """base64(HMAC-SHA512(key, UTF-8(string_to_sign)))."""
        mac = self._keyed.copy()
        mac.update(string_to_sign.encode("utf-8"))
        return base64.b64encode(mac.digest()).decode("ascii")


def transaction_signature(
    client_secret: str,
    method: str,
    endpoint_url: str,
    access_token: str,
    body: bytes,
    timestamp: str,
) -> str:
    """The X-SIGNATURE of a SNAP transactional request.

    See docs/reference/wire-snap.md#snap-signature.
    """
    return hmac_signature(
        client_secret, string_to_sign(method, endpoint_url, access_token, body, timestamp)
    )


def verify_hmac_signature(client_secret: str, string_to_sign: str, signature: str) -> bool:
    """Whether ``signature`` is the HMAC signature of ``string_to_sign``; constant-time."""
    expected = hmac_signature(client_secret, string_to_sign)
    return hmac.compare_digest(expected.encode("utf-8", "replace"),
                               signature.encode("utf-8", "replace"))


# --------------------------------------------------------------------------- RSA keys


class RSAPublicKey:
    """An RSA public key (opaque wrapper; build it with :func:`load_public_key`)."""

    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        self._key = key

    @property
    def size_in_bits(self) -> int:
        """The modulus size in bits."""
        return int(self._key.size_in_bits())

    def to_pem(self) -> str:
        """SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
        return str(self._key.export_key(format="PEM").decode("ascii"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RSAPublicKey):
            return NotImplemented
        return bool(self._key.n == other._key.n and self._key.e == other._key.e)

    def __hash__(self) -> int:
        return hash((int(self._key.n), int(self._key.e)))

    def __repr__(self) -> str:
        return f"RSAPublicKey(bits={self.size_in_bits})"


class RSAPrivateKey:
    """An RSA private key (opaque wrapper; build it with :func:`load_private_key`).

    Its ``repr`` never shows key material.
    """

    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        self._key = key

    @property
    def size_in_bits(self) -> int:
        """The modulus size (2048 for the keys Pivot issues)."""
        return int(self._key.size_in_bits())

    def public_key(self) -> RSAPublicKey:
        """The matching public key (what you register with Pivot)."""
        return RSAPublicKey(self._key.publickey())

    def to_pem(self, *, pkcs: int = 8) -> str:
        """The key as unencrypted PEM: PKCS#8 (default) or PKCS#1 (``pkcs=1``)."""
        if pkcs not in (1, 8):
            raise ValueError("pkcs must be 1 or 8")
        return str(self._key.export_key(format="PEM", pkcs=pkcs).decode("ascii"))

    def __repr__(self) -> str:
        return f"RSAPrivateKey(bits={self.size_in_bits})"


_PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def _normalise_key_text(pem: str | bytes) -> str:
    if isinstance(pem, (bytes, bytearray, memoryview)):
        try:
            text = bytes(pem).decode("utf-8")
        except UnicodeDecodeError:
            # Possibly DER: hand the bytes over as base64 text.
            text = base64.b64encode(bytes(pem)).decode("ascii")
    elif isinstance(pem, str):
        text = pem
    else:
        raise ConfigurationError("an RSA key must be given as PEM text (str or bytes)")
    text = text.strip()
    # Surrounding quotes, as left by some .env loaders.
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    # Literal escapes as found in environment variables, then CRLF / CR.
    text = text.replace("\\r", "").replace("\\n", "\n")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _der_from_text(text: str, kind: str) -> tuple[str | None, bytes]:
    """The PEM label (None for bare base64) and the DER bytes of one key."""
    m = _PEM_RE.search(text)
    if m is not None:
        label, body = m.group(1), m.group(2)
        if "ENCRYPTED" in label or "Proc-Type" in body:
            raise ConfigurationError(f"the {kind} key is encrypted; provide an unencrypted PEM")
    else:
        if "-----" in text:
            raise ConfigurationError(f"the {kind} key PEM is malformed (BEGIN/END lines)")
        label, body = None, text
    compact = "".join(body.split())
    if not compact:
        raise ConfigurationError(f"the {kind} key is empty")
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"the {kind} key is not valid PEM (bad base64)") from None
    return label, der


def load_private_key(pem: str | bytes) -> RSAPrivateKey:
    """Load an RSA private key from PEM (PKCS#1 or PKCS#8, unencrypted).

    Tolerates literal ``\\n`` escapes (environment variables), CRLF line endings, surrounding
    whitespace or quotes, a PEM squeezed onto one line, and bare base64 DER. A key that does not
    load raises :class:`~pivot_async.ConfigurationError`, whose message never contains key text
    and whose traceback holds no frame with the key text in a local.
    """
    return load_private_key_secret(KeyText(pem))


class KeyText:
    """Key text (PEM str or bytes) kept out of sight: its ``repr`` is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes) -> None:
        self._value = value

    def get(self) -> str | bytes:
        """The key text."""
        return self._value

    def __repr__(self) -> str:
        return "KeyText('***')"


def load_private_key_secret(pem: KeyText | Secret) -> RSAPrivateKey:
    """:func:`load_private_key` for a PEM kept in a :class:`Secret`.

    The work happens in a helper that returns a problem instead of raising, so the error is
    raised from this frame, whose only local holding the key is the masked ``Secret``.
    """
    key, problem = _try_load_private(pem)
    if problem is not None:
        raise ConfigurationError(problem) from None
    return RSAPrivateKey(key)


def _try_load_private(pem: KeyText | Secret) -> tuple[Any, str | None]:
    try:
        return _load_private(pem.get()), None
    except ConfigurationError as exc:
        return None, str(exc)


def _load_private(pem: Any) -> Any:
    label, der = _der_from_text(_normalise_key_text(pem), "private")
    if label is not None and label not in ("PRIVATE KEY", "RSA PRIVATE KEY"):
        raise ConfigurationError(
            f"expected an RSA private key PEM (PKCS#1 or PKCS#8), got a {label.lower()}"
        )
    from Crypto.PublicKey import RSA  # pycryptodome loads on first use: import time

    try:
        key: Any = RSA.import_key(der)
    except (ValueError, IndexError, TypeError):
        raise ConfigurationError(
            "could not load the RSA private key (expected PKCS#1 or PKCS#8 PEM)"
        ) from None
    if not key.has_private():
        raise ConfigurationError("expected an RSA private key, got a public key")
    return key


def load_public_key(pem: str | bytes) -> RSAPublicKey:
    """Load an RSA public key (SubjectPublicKeyInfo or PKCS#1 PEM, or bare base64 DER).

    A private key is accepted too; its public half is returned. Same normalisation and error
    rules as :func:`load_private_key`.
    """
    label, der = _der_from_text(_normalise_key_text(pem), "public")
    allowed = ("PUBLIC KEY", "RSA PUBLIC KEY", "PRIVATE KEY", "RSA PRIVATE KEY")
    if label is not None and label not in allowed:
        raise ConfigurationError(f"expected an RSA public key PEM, got a {label.lower()}")
    from Crypto.PublicKey import RSA

    try:
        key: Any = RSA.import_key(der)
    except (ValueError, IndexError, TypeError):
        raise ConfigurationError("could not load the RSA public key (expected PEM)") from None
    return RSAPublicKey(key.publickey())


def generate_private_key(bits: int = 2048) -> RSAPrivateKey:
    """Generate a fresh RSA key pair (for tests and the sandbox; takes up to a second or two)."""
    if bits < 1024:
        raise ValueError("RSA keys shorter than 1024 bits are not supported")
    from Crypto.PublicKey import RSA

    return RSAPrivateKey(RSA.generate(bits))


# --------------------------------------------------------------------------- token signature


def token_string_to_sign(client_key: str, timestamp: str) -> str:
    """``clientKey|X-TIMESTAMP``: the string a token request signs.

    See docs/reference/wire-snap.md#snap-b2b-token.
    """
    return f"{client_key}|{timestamp}"


def token_signature(private_key: RSAPrivateKey, client_key: str, timestamp: str) -> str:
    """base64(RSASSA-PKCS1-v1_5(SHA-256, private_key, UTF-8(clientKey|timestamp))).

    ``timestamp`` is signed verbatim, whatever its format. Deterministic; about 2 ms of CPU.
    """
    from Crypto.Hash import SHA256
    from Crypto.Signature import pkcs1_15

    digest = SHA256.new(token_string_to_sign(client_key, timestamp).encode("utf-8"))
    raw: bytes = pkcs1_15.new(private_key._key).sign(digest)
    return base64.b64encode(raw).decode("ascii")


def verify_token_signature(
    public_key: RSAPublicKey, client_key: str, timestamp: str, signature: str
) -> bool:
    """Whether ``signature`` is a valid token-request signature of ``clientKey|timestamp``."""
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    from Crypto.Hash import SHA256
    from Crypto.Signature import pkcs1_15

    digest = SHA256.new(token_string_to_sign(client_key, timestamp).encode("utf-8"))
    try:
        pkcs1_15.new(public_key._key).verify(digest, raw)
    except (ValueError, TypeError):
        return False
    return True


# --------------------------------------------------------------------------- ids and codes


def external_id(now: _dt.datetime | None = None, *, stamp: str | None = None) -> str:
    """A new X-EXTERNAL-ID: 36 digits, Jakarta ``yyyyMMddHHmmss`` (``stamp``, else that of
    ``now``) + 22 random digits (73 random bits, written with leading zeros)."""
    if stamp is None:
        stamp = snap_stamps(now)[1]
    return f"{stamp}{secrets.randbits(73):022d}"


_RESPONSE_CODE_RE = re.compile(r"([1-5][0-9]{2})([0-9A-Za-z]{2})([0-9A-Za-z]{2})")


def parse_response_code(code: str) -> tuple[int, str, str]:
    """Split a SNAP ``responseCode`` into (HTTP status, service code, case code).

    The split is by characters (3 + 2 + 2); the service code may be alphanumeric
    (``"200Q500"`` gives ``(200, "Q5", "00")``). Anything else raises :class:`ValueError`.
    """
    m = _RESPONSE_CODE_RE.fullmatch(code) if isinstance(code, str) else None
    if m is None:
        raise ValueError(f"not a SNAP response code: {code!r}"[:80])
    return int(m.group(1)), m.group(2), m.group(3)
