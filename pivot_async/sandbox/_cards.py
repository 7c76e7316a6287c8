"""Cards: the merchant RSA keys, ``encryptedCard`` decryption and the test-card table.

Decryption: docs/reference/wire.md#card-encryption (envelope keys in any case, wire.md#decision-k);
RSA-OAEP with SHA-256 for the hash and MGF1, both given (pycryptodome defaults to SHA-1), then
AES-256-GCM with the tag last. No PAN is stored: a card becomes its display data and the key of
its test scenario.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as _dt
import hashlib
import threading
import uuid
from typing import Any

import msgspec
from Crypto.Cipher import AES, PKCS1_OAEP
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pss

__all__ = [
    "AVS_RESULTS",
    "SCENARIOS",
    "TEST_CARDS",
    "CardData",
    "CardDecryptError",
    "Scenario",
    "card_json",
    "decrypt_card",
    "key_for_index",
    "public_key_b64",
]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """What a test card does (docs/reference/wire.md#test-data)."""

    key: str
    challenge: bool
    failure_code: str | None = None
    issuer_code: str = "00"
    message: str = ""


_SCENARIO_ROWS = (  # key, failure code, issuer code, message
    ("SUCCESS_FRICTIONLESS", None, "00", ""),
    ("SUCCESS_CHALLENGE", None, "00", ""),
    ("DECLINED", "DECLINED_BY_CHANNEL", "05", "The card was declined by the channel."),
    ("DECLINED_EXPIRED", "DECLINED_BY_CHANNEL", "54", "The card has expired."),
    ("DECLINED_CVV", "DECLINED_BY_CHANNEL", "N7", "The CVV is invalid."),
    ("INVALID_ACCOUNT", "INVALID_ACCOUNT", "14", "The card or account is invalid."),
    ("AUTHENTICATION_FAILED", "AUTHENTICATION_FAILED", "", "3DS authentication failed."),
    ("FRAUD_STOLEN", "SUSPECTED_FRAUD", "43", "The card was reported lost or stolen."),
    ("FRAUD_BLOCKED", "SUSPECTED_FRAUD", "59", "The channel blocked the account."),
    ("BLOCKED_BY_FDS", "BLOCKED_BY_FDS", "", "The fraud detection system rejected it."),
    ("REQUIRE_REVIEW", None, "00", "The payment is held for fraud review."),
    ("INSUFFICIENT_FUND", "INSUFFICIENT_FUND", "51", "Insufficient funds."),
    ("CHANNEL_UNAVAILABLE", "CHANNEL_UNAVAILABLE", "91", "The issuer is unavailable."),
    ("CANCELLED_BY_USER", "CANCELLED_BY_USER", "", "The cardholder cancelled 3DS."),
    ("FOREIGN_AVS", None, "00", ""),
    ("UNKNOWN", "DECLINED_BY_CHANNEL", "05", "The card was declined by the channel."),
)
SCENARIOS: dict[str, Scenario] = {
    key: Scenario(key, key != "SUCCESS_FRICTIONLESS", *rest) for key, *rest in _SCENARIO_ROWS
}
"""Every test scenario by key; only SUCCESS_FRICTIONLESS authenticates without a challenge."""

_TABLE = (
    ("SUCCESS_FRICTIONLESS", "4440000112200001", "5550000112230001", "3550000112280001"),
    ("SUCCESS_CHALLENGE", "4440000112290002", "5550000112220002", "3550000112270002"),
    ("DECLINED", "4440000334480001", "5550000334410001", "3550000334460001"),
    ("DECLINED_EXPIRED", "4440000334470002", "5550000334400002", "3550000334450002"),
    ("DECLINED_CVV", "4440000334460003", "5550000334490003", "3550000334440003"),
    ("INVALID_ACCOUNT", "4440000334450004", "5550000334480004", "3550000334430004"),
    ("AUTHENTICATION_FAILED", "4440000334440005", "5550000334470005", "3550000334420005"),
    ("FRAUD_STOLEN", "4440000334430006", "5550000334460006", "3550000334410006"),
    ("FRAUD_BLOCKED", "4440000334420007", "5550000334450007", "3550000334400007"),
    ("BLOCKED_BY_FDS", "4440000334410008", "5550000334440008", "3550000334490008"),
    ("REQUIRE_REVIEW", "4440000334400009", "5550000334430009", "3550000334480009"),
    ("INSUFFICIENT_FUND", "4440000334470010", "5550000334400010", "3550000334450010"),
    ("CHANNEL_UNAVAILABLE", "4440000334460011", "5550000334490011", "3550000334440011"),
    ("CANCELLED_BY_USER", "4440000334450012", "5550000334480012", "3550000334430012"),
    ("FOREIGN_AVS", "4448100334430014", "5558100334460014", "3558100334410014"),
)

TEST_CARDS: dict[str, str] = {pan: key for key, *pans in _TABLE for pan in pans}
"""Every documented test PAN (docs/reference/wire.md#test-data) -> its scenario key."""

_STREETS = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike"
_AVS = (
    "SERVICE_NOT_AVAILABLE_RET NOT_AVAILABLE DEFERRED_TRANSACTION_RECE NO_MATCH ZIP_MATCH "
    "ADDRESS_MATCH ADDRESS_ZIP_MATCH NAME_MATCH NAME_ZIP_MATCH NAME_ADDRESS_MATCH "
    "SERVICE_NOT_SUPPORTED NOT_REQUESTED NOT_VERIFIED"
)
AVS_RESULTS = {f"{s} street": r for s, r in zip(_STREETS.split(), _AVS.split(), strict=True)}
"""``billingInfo.addressLine1`` -> ``avsResult`` (docs/reference/wire.md#test-data)."""


_KEYS: list[RSA.RsaKey] = []
_KEYS_LOCK = threading.Lock()


def key_for_index(index: int) -> RSA.RsaKey:
    """The ``index``-th RSA-2048 key of this process, generated on first use (shared by the
    sandboxes of one process; two merchants of one sandbox get different keys)."""
    with _KEYS_LOCK:
        while len(_KEYS) <= index:
            _KEYS.append(RSA.generate(2048))
        return _KEYS[index]


def public_key_b64(key: RSA.RsaKey) -> str:
    """The ``encryptionKey`` value: base64 of the DER SubjectPublicKeyInfo."""
    der: bytes = key.publickey().export_key(format="DER")  # type: ignore[no-untyped-call]
    return base64.b64encode(der).decode("ascii")


class CardDecryptError(ValueError):
    """``encryptedCard`` could not be decoded, decrypted or understood."""


@dataclasses.dataclass(frozen=True)
class CardData:
    """Card details from a request. ``repr`` hides the PAN and the CVC."""

    number: str = dataclasses.field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = dataclasses.field(default="", repr=False)
    name: str = ""

    def expired(self, now: _dt.datetime) -> bool:
        return (self.exp_year, self.exp_month) < (now.year, now.month)


def _b64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise CardDecryptError(f"{name} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CardDecryptError(f"{name} is not valid base64") from exc


def decrypt_card(encrypted: str, key: RSA.RsaKey) -> CardData:
    """Open an ``encryptedCard`` value: its card (wire.md#card-encryption)."""
    raw = _b64(encrypted, "encryptedCard")
    try:
        envelope = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise CardDecryptError("encryptedCard does not hold a JSON envelope") from exc
    if not isinstance(envelope, dict):
        raise CardDecryptError("encryptedCard does not hold a JSON envelope")
    fields = {str(k).lower(): v for k, v in envelope.items()}
    wrapped = _b64(fields.get("encryptedkey"), "encryptedKey")
    nonce = _b64(fields.get("nonce"), "nonce")
    sealed = _b64(fields.get("ciphertext"), "ciphertext")
    if len(nonce) != 12 or len(sealed) < 17:
        raise CardDecryptError("nonce or ciphertext has the wrong length")
    try:
        oaep = PKCS1_OAEP.new(key, hashAlgo=SHA256, mgfunc=lambda x, y: pss.MGF1(x, y, SHA256))
        aes_key = oaep.decrypt(wrapped)
    except (ValueError, TypeError) as exc:
        problem = "encryptedKey could not be unwrapped with this session's key"
        raise CardDecryptError(problem) from exc
    if len(aes_key) != 32:
        raise CardDecryptError("the wrapped key is not an AES-256 key")
    try:
        cipher = AES.new(aes_key, AES.MODE_GCM, nonce=nonce)
        plaintext = cipher.decrypt_and_verify(sealed[:-16], sealed[-16:])
        payload = msgspec.json.decode(plaintext)
    except (ValueError, KeyError, msgspec.DecodeError) as exc:
        raise CardDecryptError("ciphertext failed authentication or is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("card"), dict):
        raise CardDecryptError("the decrypted payload has no card object")
    card = payload["card"]  # its rules: docs/reference/wire.md#card-encryption
    number, month, year = (card.get(k) for k in ("number", "expiryMonth", "expiryYear"))
    if not (isinstance(number, str) and number.isdigit() and 13 <= len(number) <= 19):
        raise CardDecryptError("card.number must be 13 to 19 digits")
    if not (isinstance(month, str) and month.isdigit() and 1 <= int(month) <= 12):
        raise CardDecryptError("card.expiryMonth must be a month 01-12")
    if not (isinstance(year, str) and year.isdigit() and len(year) in (2, 4)):
        raise CardDecryptError("card.expiryYear must be a 2-digit year")
    cvc = card.get("cvc") or ""
    if not isinstance(cvc, str) or (cvc and not (cvc.isdigit() and 3 <= len(cvc) <= 4)):
        raise CardDecryptError("card.cvc must be 3 digits")
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    name = card.get("nameOnCard")
    return CardData(number, int(month), full_year, cvc, name if isinstance(name, str) else "")


_DISPLAY_KEYS = ("first6", "first8", "last4", "expMonth", "expYear", "fingerprint")
_BRANDS = (("4", "VISA"), (("34", "37"), "AMEX"), ("35", "JCB"), ("62", "UNIONPAY"))


def _brand(pan: str) -> str:
    for prefixes, brand in (*_BRANDS, (("2", "5"), "MASTERCARD")):
        if pan.startswith(prefixes):
            return brand
    return "UNKNOWN"


def card_profile(card: CardData, merchant_id: str) -> dict[str, Any]:
    """The display part of a card: what charges and stored methods show."""
    scenario = TEST_CARDS.get(card.number, "UNKNOWN")
    digest = hashlib.sha256(f"{merchant_id}:{card.number}".encode()).digest()
    fingerprint = uuid.UUID(bytes=digest[:16], version=4)
    return {  # _DISPLAY_KEYS, then the BIN information and the name
        "first6": card.number[:6],
        "first8": card.number[:8],
        "last4": card.number[-4:],
        "expMonth": f"{card.exp_month:02d}",
        "expYear": f"{card.exp_year % 100:02d}",
        "fingerprint": str(fingerprint),
        "binInformations": {
            "type": "CREDIT",
            "issuingBank": "UNKNOWN" if scenario == "UNKNOWN" else "PIVOT SANDBOX BANK",
            "brand": _brand(card.number),
            "country": "US" if scenario == "FOREIGN_AVS" else "ID",
        },
        "cardHolderName": card.name,
    }


def card_json(profile: dict[str, Any] | None) -> dict[str, Any]:
    """A charge's ``card`` object before authentication (empty strings when not yet known)."""
    if profile is None:
        blank = dict.fromkeys(("type", "issuingBank", "brand", "country"), "")
        base: dict[str, Any] = {**dict.fromkeys(_DISPLAY_KEYS, ""), "binInformations": blank}
    else:
        base = {k: v for k, v in profile.items() if k != "cardHolderName"}
    pending = dict.fromkeys(("threeDsResult", "threeDsMethod", "eciCode"), "")
    base["authenticationResult"] = {"threeDsVersion": "3DS2", **pending}
    base["authorizationResult"] = None
    return base
