"""Card encryption (docs/reference/wire.md#card-encryption): the envelope format, device and
metadata validation and malformed keys (the async form is in tests/test_cards_async.py).

The envelope is checked by an independent decryption (tests/_cards_shared.py) written with the
``cryptography`` package (RSA-OAEP SHA-256 / MGF1-SHA-256 and AES-GCM), not by the library
decrypting itself.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from Crypto.Hash import SHA256 as CryptoSHA256
from Crypto.PublicKey import RSA as CryptoRSA
from Crypto.Signature.pss import MGF1 as CryptoMGF1
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from pivot_async import _cards
from pivot_async._cards import Card, encrypt_card
from pivot_async._errors import EncryptionError, RequestValidationError
from tests._cards_shared import (
    CVC,
    DOC_DEVICE,
    DOC_PLAINTEXT,
    PAN,
    TODAY,
    cvcs,
    independent_decrypt,
    pans,
    spki_b64,
)

STD_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- encryption: envelope format, proved by an independent decrypt ----------------------------


def test_round_trip_exact_plaintext_and_sizes(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    metadata = {"orderId": "A-1", "tags": ["x", 1], "nested": {"ok": True}}
    out = encrypt_card(key2048, card, device=DOC_DEVICE, metadata=metadata)
    assert isinstance(out, str)
    assert STD_B64.fullmatch(out)
    opened = independent_decrypt(rsa2048, out)

    expected = {
        "card": {
            "number": PAN,
            "expiryMonth": "01",
            "expiryYear": "29",
            "cvc": CVC,
            "nameOnCard": "John Doe",
        },
        "deviceInformations": DOC_DEVICE,
        "metadata": metadata,
    }
    assert opened.plaintext == compact(expected)
    assert json.loads(opened.plaintext) == expected
    assert list(json.loads(opened.plaintext)) == ["card", "deviceInformations", "metadata"]

    assert len(opened.aes_key) == 32
    assert len(opened.wrapped_key) == 256
    assert len(opened.nonce) == 12
    assert len(opened.ciphertext) == len(opened.plaintext) + 16


def test_docs_example_plaintext(rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card) -> None:
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, card, device=DOC_DEVICE))
    assert json.loads(opened.plaintext) == DOC_PLAINTEXT
    assert opened.plaintext == compact(DOC_PLAINTEXT)


def test_envelope_shape(rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card) -> None:
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, card))
    # Lower camelCase keys (docs/reference/wire.md#decision-k), in this order, compact JSON,
    # standard padded base64.
    assert list(opened.envelope) == ["encryptedKey", "nonce", "ciphertext"]
    assert opened.envelope_bytes == compact(opened.envelope)
    for value in opened.envelope.values():
        assert isinstance(value, str)
        assert STD_B64.fullmatch(value)
        assert len(value) % 4 == 0
    assert len(opened.envelope["nonce"]) == 16  # 12 bytes: no padding needed
    assert opened.envelope["encryptedKey"].endswith("==")  # 256 bytes: padding kept
    assert len(opened.envelope["encryptedKey"]) == 344


def test_absent_optional_fields_are_empty(rsa2048: rsa.RSAPrivateKey, key2048: str) -> None:
    bare = Card(PAN, 7, 2031, today=TODAY)
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, bare))
    assert opened.plaintext == compact(
        {
            "card": {
                "number": PAN,
                "expiryMonth": "07",
                "expiryYear": "31",
                "cvc": "",
                "nameOnCard": "",
            },
            "deviceInformations": {},
            "metadata": {},
        }
    )


def test_utf8_raw_and_slash_unescaped(rsa2048: rsa.RSAPrivateKey, key2048: str) -> None:
    c = Card(PAN, 1, 29, CVC, "Zoë Ñandú 山田", today=TODAY)
    opened = independent_decrypt(
        rsa2048, encrypt_card(key2048, c, device={"userAgent": "Mozilla/5.0"})
    )
    assert "Zoë Ñandú 山田".encode() in opened.plaintext
    assert b"Mozilla/5.0" in opened.plaintext
    assert b"\\u" not in opened.plaintext


def test_fresh_key_and_nonce_every_call(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    runs = [independent_decrypt(rsa2048, encrypt_card(key2048, card)) for _ in range(5)]
    assert len({r.aes_key for r in runs}) == 5
    assert len({r.nonce for r in runs}) == 5
    assert len({r.wrapped_key for r in runs}) == 5
    assert len({r.plaintext for r in runs}) == 1


def test_oaep_uses_sha256_for_both_hash_and_mgf1(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, card))
    sha1 = hashes.SHA1()  # noqa: S303 - proving the scheme does NOT use SHA-1
    for mgf_hash, hash_ in [
        (sha1, hashes.SHA256()),
        (hashes.SHA256(), sha1),
        (sha1, sha1),
    ]:
        with pytest.raises(ValueError):
            rsa2048.decrypt(
                opened.wrapped_key,
                padding.OAEP(mgf=padding.MGF1(algorithm=mgf_hash), algorithm=hash_, label=None),
            )


def test_tag_is_appended_and_authenticated(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, card))
    tampered = opened.ciphertext[:-1] + bytes([opened.ciphertext[-1] ^ 1])
    with pytest.raises(InvalidTag):
        AESGCM(opened.aes_key).decrypt(opened.nonce, tampered, None)


def test_larger_key(card: Card) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    opened = independent_decrypt(private, encrypt_card(spki_b64(private.public_key()), card))
    assert len(opened.wrapped_key) == 384
    assert json.loads(opened.plaintext)["card"]["number"] == PAN


@settings(max_examples=40, deadline=None)
@given(
    pan=pans,
    cvc=st.none() | cvcs,
    name=st.none() | st.text(max_size=40),
    month=st.integers(1, 12),
    year=st.integers(2027, 2099),
    device=st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=4),
)
def test_round_trip_property(
    rsa2048: rsa.RSAPrivateKey,
    key2048: str,
    pan: str,
    cvc: str | None,
    name: str | None,
    month: int,
    year: int,
    device: dict[str, str],
) -> None:
    c = Card(pan, month, year, cvc, name, today=TODAY)
    opened = independent_decrypt(rsa2048, encrypt_card(key2048, c, device=device))
    assert json.loads(opened.plaintext) == {
        "card": {
            "number": pan,
            "expiryMonth": f"{month:02d}",
            "expiryYear": f"{year % 100:02d}",
            "cvc": cvc or "",
            "nameOnCard": name or "",
        },
        "deviceInformations": device,
        "metadata": {},
    }
    assert len(opened.ciphertext) == len(opened.plaintext) + 16


@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 64, 223, 1000])
def test_mgf1_matches_pycryptodome(length: int) -> None:
    seed = bytes(range(32))
    assert _cards._mgf1_sha256(seed, length) == CryptoMGF1(seed, length, CryptoSHA256)


# --- device / metadata validation --------------------------------------------------------------


def test_device_values_must_be_strings(key2048: str, card: Card) -> None:
    with pytest.raises(RequestValidationError) as info:
        encrypt_card(key2048, card, device={"browserWidth": 1234})  # type: ignore[dict-item]
    assert info.value.field == "deviceInformations.browserWidth"
    assert PAN not in str(info.value)


def test_device_keys_must_be_strings(key2048: str, card: Card) -> None:
    with pytest.raises(RequestValidationError) as info:
        encrypt_card(key2048, card, device={1: "x"})  # type: ignore[dict-item]
    assert info.value.field == "deviceInformations"


def test_metadata_must_be_json(key2048: str, card: Card) -> None:
    with pytest.raises(RequestValidationError) as info:
        encrypt_card(key2048, card, metadata={"x": object()})
    assert info.value.field == "metadata"
    assert PAN not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_device_and_metadata_must_be_mappings(key2048: str, card: Card) -> None:
    with pytest.raises(RequestValidationError) as info:
        encrypt_card(key2048, card, device=[("a", "b")])  # type: ignore[arg-type]
    assert info.value.field == "deviceInformations"
    with pytest.raises(RequestValidationError) as info:
        encrypt_card(key2048, card, metadata=["x"])  # type: ignore[arg-type]
    assert info.value.field == "metadata"


def test_card_must_be_a_card(key2048: str) -> None:
    with pytest.raises(TypeError):
        encrypt_card(key2048, {"number": PAN})  # type: ignore[arg-type]


# --- malformed keys ----------------------------------------------------------------------------


def _pycryptodome_spki_b64(n: int, e: int) -> str:
    """An SPKI key with any exponent (``cryptography`` refuses to build odd ones)."""
    return base64.b64encode(CryptoRSA.construct((n, e)).export_key(format="DER")).decode()


def _malformed_keys() -> list[Any]:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - must be rejected
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = private.public_key()
    pkcs1 = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    pem = pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ec_pub = ec.generate_private_key(ec.SECP256R1()).public_key()
    good = spki_b64(pub)
    cases: list[tuple[str, Any]] = [
        ("empty", ""),
        ("whitespace", "  \n "),
        ("not base64", "not base64!!"),
        ("bad padding", good[:-1]),
        ("urlsafe alphabet", good.replace("+", "-").replace("/", "_") + "-_"),
        ("garbage der", base64.b64encode(b"\x30\x03\x02\x01\x05").decode()),
        ("random bytes", base64.b64encode(bytes(range(200))).decode()),
        ("pkcs1 public", base64.b64encode(pkcs1).decode()),
        ("pem text", pem),
        ("private key", base64.b64encode(pkcs8).decode()),
        ("ec key", spki_b64(ec_pub)),
        ("rsa 1024", spki_b64(small.public_key())),
        ("even exponent", _pycryptodome_spki_b64(private.public_key().public_numbers().n, 2)),
        ("list", [good]),
        ("trailing data", base64.b64encode(base64.b64decode(good) + b"\x00").decode()),
        ("bytes", base64.b64decode(good)),
        ("none", None),
    ]
    return [pytest.param(name, key, id=name) for name, key in cases]


@pytest.mark.parametrize(("name", "key"), _malformed_keys())
def test_malformed_key_raises_encryption_error(name: str, key: Any, card: Card) -> None:
    with pytest.raises(EncryptionError) as info:
        encrypt_card(key, card)
    text = str(info.value)
    assert "encryption key" in text
    assert PAN not in text
    assert CVC not in text
    assert "4440" not in text
    if name in {"not base64", "bad padding", "urlsafe alphabet", "garbage der"}:
        assert info.value.__cause__ is not None


def test_key_whitespace_is_tolerated(rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card) -> None:
    wrapped = "\n".join(key2048[i : i + 64] for i in range(0, len(key2048), 64)) + "\n"
    opened = independent_decrypt(rsa2048, encrypt_card(wrapped, card))
    assert json.loads(opened.plaintext)["card"]["number"] == PAN


def test_parsed_keys_are_cached(key2048: str, card: Card) -> None:
    _cards._load_public_key.cache_clear()
    encrypt_card(key2048, card)
    encrypt_card(key2048, card)
    info = _cards._load_public_key.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)
    assert info.maxsize == 128
    assert _cards._load_public_key(key2048) is _cards._load_public_key(key2048)
