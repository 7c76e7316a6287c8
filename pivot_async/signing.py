"""Public SNAP signing helpers (X-TIMESTAMP, body hash, HMAC-SHA512 and RSA signatures).

These are the pure functions the wallet client's signature middleware and the embedded sandbox
use; they are public so that applications can sign or verify SNAP messages themselves.
"""

from __future__ import annotations

from ._signing import (
    EMPTY_BODY_DIGEST,
    RSAPrivateKey,
    RSAPublicKey,
    body_digest,
    external_id,
    generate_private_key,
    hmac_signature,
    load_private_key,
    load_public_key,
    parse_response_code,
    parse_snap_datetime,
    snap_timestamp,
    string_to_sign,
    token_signature,
    token_string_to_sign,
    transaction_signature,
    verify_hmac_signature,
    verify_token_signature,
)

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
    "snap_timestamp",
    "string_to_sign",
    "token_signature",
    "token_string_to_sign",
    "transaction_signature",
    "verify_hmac_signature",
    "verify_token_signature",
]
