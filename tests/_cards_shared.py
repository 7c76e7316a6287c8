"""Card test helpers shared by tests/test_cards.py, test_cards_encryption.py, test_cards_async.py
and test_cards_default_pool.py: the test card, the docs' example plaintext, a Luhn check, the
Hypothesis strategies and an independent decryption of the envelope written with the
``cryptography`` package (RSA-OAEP SHA-256 / MGF1-SHA-256 and AES-GCM), not with the library."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import strategies as st

TODAY = datetime.date(2026, 6, 15)
PAN = "4440000112200001"
CVC = "123"

# The docs' UI example (docs/reference/wire.md#card-encryption,
# tests/data/examples/payments__card_encryption__request__plaintext.json).
DOC_DEVICE = {
    "type": "",
    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36",
    "ipAddress": "182.253.147.99",
    "acceptLanguage": "EN",
    "cookieToken": "ZU_0oRV1S3D95Rz06Q1Aa0RTeOlgdXWKeVvZEk7k3LM=",
    "deviceId": "067783c8-29ac-4684-8aa8-71c05ab346df",
    "browserWidth": "1234",
    "browserHeight": "1234",
    "country": "ID",
}
DOC_PLAINTEXT = {
    "card": {
        "number": "4440000112200001",
        "expiryMonth": "01",
        "expiryYear": "29",
        "cvc": "123",
        "nameOnCard": "John Doe",
    },
    "deviceInformations": DOC_DEVICE,
    "metadata": {},
}


def luhn_valid(digits: str) -> bool:
    """Textbook Luhn, written independently of the library's."""
    total = 0
    for pos, ch in enumerate(digits[::-1]):
        n = int(ch) * (2 if pos % 2 else 1)
        total += sum(int(x) for x in str(n))
    return total % 10 == 0


def complete_pan(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix``."""
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def spki_b64(public_key: Any) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


OAEP_SHA256 = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


@dataclasses.dataclass
class Opened:
    envelope_bytes: bytes
    envelope: dict[str, str]
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes
    aes_key: bytes
    plaintext: bytes


def independent_decrypt(private_key: rsa.RSAPrivateKey, encrypted_card: str) -> Opened:
    envelope_bytes = base64.b64decode(encrypted_card, validate=True)
    envelope = json.loads(envelope_bytes.decode("utf-8"))
    wrapped_key = base64.b64decode(envelope["encryptedKey"], validate=True)
    nonce = base64.b64decode(envelope["nonce"], validate=True)
    ciphertext = base64.b64decode(envelope["ciphertext"], validate=True)
    aes_key = private_key.decrypt(wrapped_key, OAEP_SHA256)
    plaintext = AESGCM(aes_key).decrypt(nonce, ciphertext, None)
    return Opened(envelope_bytes, envelope, wrapped_key, nonce, ciphertext, aes_key, plaintext)



pans = st.builds(complete_pan, st.text(alphabet="0123456789", min_size=12, max_size=18))
cvcs = st.text(alphabet="0123456789", min_size=3, max_size=4)
