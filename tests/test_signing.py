"""Tests for the pure SNAP signing functions (pivot_async.signing): the published vectors,
HMAC and string to sign, key loading. Timestamps, external ids and response codes are in
tests/test_signing_timestamps.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from pivot_async._config import Secret
from pivot_async._errors import ConfigurationError
from pivot_async._signing import HmacKey
from pivot_async.signing import (
    EMPTY_BODY_DIGEST,
    body_digest,
    hmac_signature,
    load_private_key,
    load_public_key,
    string_to_sign,
    token_signature,
    token_string_to_sign,
    transaction_signature,
    verify_hmac_signature,
    verify_token_signature,
)

UTC = dt.timezone.utc


# The vectors of docs/reference/wire-snap.md#snap-test-vectors (published Midtrans sample values,
# test key only).
VECTORS_PATH = Path(__file__).resolve().parent / "data" / "snap_vectors.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def vector_pem(vectors: dict[str, Any]) -> str:
    pem: str = vectors["v1_token_signature"]["private_key_pem"]
    return pem


def _body_lines(pem: str) -> list[str]:
    return [ln for ln in pem.strip().splitlines() if ln and not ln.startswith("-----")]


# ----------------------------------------------------------------- published vectors


def test_v1_token_signature_vector(vectors: dict[str, Any]) -> None:
    v = vectors["v1_token_signature"]
    key = load_private_key(v["private_key_pem"])
    assert token_string_to_sign(v["client_key"], v["timestamp"]) == (
        "G1234325-SNAP|2024-03-01T08:27:49.024Z"
    )
    # The timestamp is a Z/milliseconds string: the signer signs whatever it is given.
    assert token_signature(key, v["client_key"], v["timestamp"]) == v["expected"]
    assert verify_token_signature(key.public_key(), v["client_key"], v["timestamp"], v["expected"])


def test_v1_signature_verifies_with_independent_library(vectors: dict[str, Any]) -> None:
    v = vectors["v1_token_signature"]
    sig = token_signature(load_private_key(v["private_key_pem"]), v["client_key"], "x")
    ref = serialization.load_pem_private_key(v["private_key_pem"].encode(), password=None)
    assert isinstance(ref, rsa.RSAPrivateKey)
    ref.public_key().verify(  # raises on mismatch
        base64.b64decode(sig),
        f"{v['client_key']}|x".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_v2_hmac_vector(vectors: dict[str, Any]) -> None:
    v = vectors["v2_hmac"]
    body = v["body"].encode("utf-8")
    assert len(body) == 253
    assert body_digest(body) == ("01463f60dbb6ca538581579dd95b31c8ba9fc6600eca750e4d8460ca4e402111")
    sts = string_to_sign(v["method"], v["path"], v["access_token"], body, v["timestamp"])
    assert sts == (
        "POST:/v1.0/qr/qr-mpm-generate:myaccesstoken:"
        "01463f60dbb6ca538581579dd95b31c8ba9fc6600eca750e4d8460ca4e402111:"
        "2024-03-05T10:37:16.196Z"
    )
    assert hmac_signature(v["client_secret"], sts) == v["expected"]
    assert (
        transaction_signature(
            v["client_secret"], v["method"], v["path"], v["access_token"], body, v["timestamp"]
        )
        == v["expected"]
    )
    assert verify_hmac_signature(v["client_secret"], sts, v["expected"])


# ----------------------------------------------------------------- HMAC and string to sign


def test_empty_body_hashes_the_empty_string() -> None:
    assert body_digest(b"") == EMPTY_BODY_DIGEST == hashlib.sha256(b"").hexdigest()


def test_empty_object_hashes_its_two_bytes() -> None:
    assert body_digest(b"{}") == (
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )
    assert body_digest(b"{}") != EMPTY_BODY_DIGEST


def test_body_digest_covers_exact_bytes() -> None:
    compact = '{"name":"Bäcker/Ω"}'.encode()
    spaced = '{"name": "Bäcker/Ω"}'.encode()
    assert body_digest(compact) == hashlib.sha256(compact).hexdigest()
    assert body_digest(compact) != body_digest(spaced)


def test_string_to_sign_strips_query_and_host() -> None:
    path = "/wallet-backend/snap/v1.0/debit/status"
    base = string_to_sign("POST", path, "tok", b"{}", "2025-01-31T14:05:09+07:00")
    assert base == (f"POST:{path}:tok:{body_digest(b'{}')}:2025-01-31T14:05:09+07:00")
    assert (
        string_to_sign("post", path + "?a=1&b=2", "tok", b"{}", "2025-01-31T14:05:09+07:00") == base
    )
    assert (
        string_to_sign(
            "POST",
            "http://127.0.0.1:8080" + path + "?x=y",
            "tok",
            b"{}",
            "2025-01-31T14:05:09+07:00",
        )
        == base
    )


def test_string_to_sign_has_exactly_five_parts_with_empty_body() -> None:
    sts = string_to_sign("POST", "/p", "tok", b"", "ts")
    assert sts == f"POST:/p:tok:{EMPTY_BODY_DIGEST}:ts"


def test_hmac_signature_shape_and_key_is_utf8_secret() -> None:
    sig = hmac_signature("sécret", "msg")
    assert len(sig) == 88
    assert "\n" not in sig
    raw = base64.b64decode(sig)
    import hmac as _hmac

    assert raw == _hmac.new("sécret".encode(), b"msg", hashlib.sha512).digest()


def test_a_key_signed_with_once_keyed_gives_the_same_signatures(vectors: dict[str, Any]) -> None:
    # HmacKey (the wallet middleware's signer) copies a state keyed once: the published
    # vector, a UTF-8 secret, and many strings in a row (the keyed state is never consumed).
    v = vectors["v2_hmac"]
    body = v["body"].encode("utf-8")
    sts = string_to_sign(v["method"], v["path"], v["access_token"], body, v["timestamp"])
    key = HmacKey(Secret(v["client_secret"]))
    assert key.sign(sts) == key.sign(sts) == v["expected"]
    utf8 = HmacKey(Secret("sécret"))
    for i in range(50):
        message = f"POST:/p:token:{i}:2025-01-01T00:00:00+07:00" * (i + 1)
        assert utf8.sign(message) == hmac_signature("sécret", message)
    assert "sécret" not in repr(utf8) and v["client_secret"] not in repr(key)


def test_verify_hmac_signature_rejects_tampering() -> None:
    sig = hmac_signature("secret", "a:b")
    assert verify_hmac_signature("secret", "a:b", sig)
    assert not verify_hmac_signature("secret", "a:c", sig)
    assert not verify_hmac_signature("other", "a:b", sig)
    assert not verify_hmac_signature("secret", "a:b", sig[:-4] + "AAA=")
    assert not verify_hmac_signature("secret", "a:b", "")
    assert not verify_hmac_signature("secret", "a:b", "ünïcode")


def test_verify_token_signature_rejects_bad_input(vectors: dict[str, Any]) -> None:
    v = vectors["v1_token_signature"]
    pub = load_private_key(v["private_key_pem"]).public_key()
    assert not verify_token_signature(
        pub, v["client_key"], "2024-03-01T08:27:50.024Z", v["expected"]
    )
    assert not verify_token_signature(pub, "other", v["timestamp"], v["expected"])
    assert not verify_token_signature(pub, v["client_key"], v["timestamp"], "not base64!")
    assert not verify_token_signature(pub, v["client_key"], v["timestamp"], "")
    assert not verify_token_signature(pub, v["client_key"], v["timestamp"], "AAAA")


# ----------------------------------------------------------------- key loading


def test_load_pkcs8_and_pkcs1_give_the_same_signature(
    vectors: dict[str, Any], vector_pem: str
) -> None:
    v = vectors["v1_token_signature"]
    ref = serialization.load_pem_private_key(vector_pem.encode(), password=None)
    pkcs1 = ref.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert pkcs1.startswith("-----BEGIN RSA PRIVATE KEY-----")
    for pem in (vector_pem, pkcs1, pkcs1.encode(), vector_pem.encode()):
        key = load_private_key(pem)
        assert token_signature(key, v["client_key"], v["timestamp"]) == v["expected"]


def _variants(pem: str) -> dict[str, str]:
    lines = _body_lines(pem)
    return {
        "escaped_newlines": pem.strip().replace("\n", "\\n"),
        "crlf": pem.replace("\n", "\r\n"),
        "escaped_crlf": pem.strip().replace("\n", "\\r\\n"),
        "quoted_with_whitespace": '  "' + pem.strip().replace("\n", "\\n") + '"\n',
        "single_quoted": "'" + pem + "'",
        "one_line_spaces": pem.strip().replace("\n", " "),
        "indented": "\n".join("    " + ln for ln in pem.strip().splitlines()),
        "bare_base64": "".join(lines),
        "bare_base64_lines": "\n".join(lines),
    }


@pytest.mark.parametrize("variant", sorted(_variants("x\ny\n")))
def test_load_private_key_tolerates_env_var_forms(
    vectors: dict[str, Any], vector_pem: str, variant: str
) -> None:
    v = vectors["v1_token_signature"]
    key = load_private_key(_variants(vector_pem)[variant])
    assert token_signature(key, v["client_key"], v["timestamp"]) == v["expected"]


def _assert_no_key_text(message: str, pem: str) -> None:
    for line in _body_lines(pem):
        for i in range(0, max(len(line) - 12, 1), 8):
            assert line[i : i + 12] not in message


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "garbage",
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        b"\x30\x82\x01\x00garbage-der",
    ],
)
def test_load_private_key_garbage_is_configuration_error(bad: str | bytes) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_private_key(bad)
    assert "key" in str(info.value)


def test_truncated_key_error_has_no_key_material(vector_pem: str) -> None:
    lines = vector_pem.strip().splitlines()
    truncated = "\n".join([*lines[:10], lines[-1]])
    with pytest.raises(ConfigurationError) as info:
        load_private_key(truncated)
    _assert_no_key_text(str(info.value), vector_pem)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_public_key_is_not_a_private_key(vector_pem: str) -> None:
    pub_pem = load_private_key(vector_pem).public_key().to_pem()
    with pytest.raises(ConfigurationError, match="public key"):
        load_private_key(pub_pem)
    with pytest.raises(ConfigurationError, match="private key"):
        load_private_key("".join(_body_lines(pub_pem)))


def test_encrypted_and_non_rsa_keys_are_rejected(vector_pem: str) -> None:
    ref = serialization.load_pem_private_key(vector_pem.encode(), password=None)
    encrypted = ref.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    with pytest.raises(ConfigurationError, match="encrypted") as info:
        load_private_key(encrypted)
    _assert_no_key_text(str(info.value), encrypted)
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ConfigurationError) as info2:
        load_private_key(ec_pem)
    _assert_no_key_text(str(info2.value), ec_pem)


def test_load_public_key_forms(vectors: dict[str, Any], vector_pem: str) -> None:
    v = vectors["v1_token_signature"]
    ref = serialization.load_pem_private_key(vector_pem.encode(), password=None)
    spki = ref.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pkcs1 = ref.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    expected = load_private_key(vector_pem).public_key()
    for form in (
        spki,
        pkcs1,
        spki.decode().replace("\n", "\\n"),
        spki.decode().replace("\n", "\r\n"),
        vector_pem,
    ):
        pub = load_public_key(form)
        assert pub == expected
        assert verify_token_signature(pub, v["client_key"], v["timestamp"], v["expected"])
    with pytest.raises(ConfigurationError):
        load_public_key("nope")


def test_key_reprs_hide_material(vector_pem: str) -> None:
    key = load_private_key(vector_pem)
    assert repr(key) == "RSAPrivateKey(bits=2048)"
    assert repr(key.public_key()) == "RSAPublicKey(bits=2048)"
    # round trip through both PEM forms
    assert load_private_key(key.to_pem(pkcs=1)).public_key() == key.public_key()
    assert load_private_key(key.to_pem()).public_key() == key.public_key()
