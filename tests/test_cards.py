"""Card validation and card encryption (docs/reference/wire.md#card-encryption; test cards:
wire.md#test-data).

The envelope is checked by an independent decryption written here with the ``cryptography``
package (RSA-OAEP SHA-256 / MGF1-SHA-256 and AES-GCM), not by the library decrypting itself.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import dataclasses
import datetime
import json
import os
import pickle
import re
import statistics
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
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

from pivot_async import _card, _card_pool, _cards
from pivot_async._cards import Card, encrypt_card, encrypt_card_async, encryption_process_pool
from pivot_async._errors import EncryptionError, RequestValidationError

TODAY = datetime.date(2026, 6, 15)
PAN = "4440000112200001"
CVC = "123"

# docs/reference/wire.md#test-data: Visa, Mastercard, JCB for each of the 15 scenarios.
TEST_PANS = [
    "4440000112200001", "5550000112230001", "3550000112280001",
    "4440000112290002", "5550000112220002", "3550000112270002",
    "4440000334480001", "5550000334410001", "3550000334460001",
    "4440000334470002", "5550000334400002", "3550000334450002",
    "4440000334460003", "5550000334490003", "3550000334440003",
    "4440000334450004", "5550000334480004", "3550000334430004",
    "4440000334440005", "5550000334470005", "3550000334420005",
    "4440000334430006", "5550000334460006", "3550000334410006",
    "4440000334420007", "5550000334450007", "3550000334400007",
    "4440000334410008", "5550000334440008", "3550000334490008",
    "4440000334400009", "5550000334430009", "3550000334480009",
    "4440000334470010", "5550000334400010", "3550000334450010",
    "4440000334460011", "5550000334490011", "3550000334440011",
    "4440000334450012", "5550000334480012", "3550000334430012",
    "4448100334430014", "5558100334460014", "3558100334410014",
]  # fmt: skip

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

STD_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


# --- independent helpers ----------------------------------------------------------------------


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


def compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key2048(rsa2048: rsa.RSAPrivateKey) -> str:
    return spki_b64(rsa2048.public_key())


@pytest.fixture
def card() -> Card:
    return Card(PAN, "01", "29", CVC, "John Doe", today=TODAY)


# --- Card validation --------------------------------------------------------------------------

VALID = {"number": PAN, "expiry_month": 1, "expiry_year": 29, "cvc": CVC}

INVALID_CASES: list[tuple[dict[str, Any], str]] = [
    ({"number": 4440000112200001}, "number"),
    ({"number": None}, "number"),
    ({"number": ""}, "number"),
    ({"number": "4440-0001-1220-000a"}, "number"),
    ({"number": "4440.0001.1220.0001"}, "number"),
    ({"number": "4440\t0001\t1220\t0001"}, "number"),
    ({"number": "٤٤٤٠٠٠٠١١٢٢٠٠٠٠١"}, "number"),  # Arabic-Indic digits are not ASCII digits
    ({"number": complete_pan("44400001122")}, "number"),  # 12 digits
    ({"number": complete_pan("4440000112200001234")}, "number"),  # 20 digits
    ({"number": "4440000112200002"}, "number"),  # Luhn
    ({"number": "4440000112200010"}, "number"),  # Luhn
    ({"expiry_month": 0}, "expiry_month"),
    ({"expiry_month": 13}, "expiry_month"),
    ({"expiry_month": -1}, "expiry_month"),
    ({"expiry_month": "13"}, "expiry_month"),
    ({"expiry_month": "00"}, "expiry_month"),
    ({"expiry_month": "001"}, "expiry_month"),
    ({"expiry_month": "1a"}, "expiry_month"),
    ({"expiry_month": ""}, "expiry_month"),
    ({"expiry_month": " 1"}, "expiry_month"),
    ({"expiry_month": 1.0}, "expiry_month"),
    ({"expiry_month": True}, "expiry_month"),
    ({"expiry_month": None}, "expiry_month"),
    ({"expiry_year": "2"}, "expiry_year"),
    ({"expiry_year": "029"}, "expiry_year"),
    ({"expiry_year": "20290"}, "expiry_year"),
    ({"expiry_year": 100}, "expiry_year"),
    ({"expiry_year": 1999}, "expiry_year"),
    ({"expiry_year": 2100}, "expiry_year"),
    ({"expiry_year": "2100"}, "expiry_year"),
    ({"expiry_year": -1}, "expiry_year"),
    ({"expiry_year": "2a"}, "expiry_year"),
    ({"expiry_year": True}, "expiry_year"),
    ({"expiry_year": 29.0}, "expiry_year"),
    ({"expiry_year": None}, "expiry_year"),
    ({"expiry_year": 25}, "expiry_year"),  # expired: 2025 < 2026
    ({"expiry_year": "2025"}, "expiry_year"),
    ({"expiry_year": 26, "expiry_month": 5}, "expiry_month"),  # expired: May 2026 < June 2026
    ({"expiry_year": 2026, "expiry_month": "01"}, "expiry_month"),
    ({"cvc": "12"}, "cvc"),
    ({"cvc": "12345"}, "cvc"),
    ({"cvc": ""}, "cvc"),
    ({"cvc": "12a"}, "cvc"),
    ({"cvc": " 123"}, "cvc"),
    ({"cvc": 123}, "cvc"),
    ({"cvc": "١٢٣"}, "cvc"),
    ({"name_on_card": 42}, "name_on_card"),
]


@pytest.mark.parametrize(("override", "field"), INVALID_CASES)
def test_invalid_card_names_the_field(override: dict[str, Any], field: str) -> None:
    kwargs = {**VALID, **override}
    with pytest.raises(RequestValidationError) as info:
        Card(**kwargs, today=TODAY)
    exc = info.value
    assert exc.field == field
    assert exc.rule
    assert str(exc) == f"{field}: {exc.rule}"
    assert isinstance(exc, ValueError)
    # No card data in any rendering of the error, and nothing chained that could carry it.
    rendered = " ".join([str(exc), repr(exc), repr(exc.args), exc.rule])
    assert PAN not in rendered
    assert CVC not in rendered
    number = kwargs["number"]
    if isinstance(number, str) and len(number) >= 6:
        assert number not in rendered
    assert exc.__cause__ is None
    assert exc.__context__ is None


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("4440000112200001", "4440000112200001"),
        ("4440 0001 1220 0001", "4440000112200001"),
        ("4440-0001-1220-0001", "4440000112200001"),
        (" 4440-0001 1220-0001 ", "4440000112200001"),
        (complete_pan("444000011220"), complete_pan("444000011220")),  # 13 digits
        (complete_pan("444000011220000123"), complete_pan("444000011220000123")),  # 19 digits
    ],
)
def test_number_normalisation(number: str, digits: str) -> None:
    c = Card(number, 1, 29, today=TODAY)
    assert c.first6 == digits[:6]
    assert c.last4 == digits[-4:]
    assert c.masked_number == digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


@pytest.mark.parametrize("month", [1, "1", "01"])
@pytest.mark.parametrize("year", [29, "29", 2029, "2029"])
def test_month_and_year_forms(month: int | str, year: int | str) -> None:
    c = Card(PAN, month, year, today=TODAY)
    assert c.expiry_month == 1
    assert c.expiry_year == 2029
    assert c.expiry == "01/29"


def test_year_00_is_2000_and_expired() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 12, "00", today=TODAY)
    assert info.value.field == "expiry_year"


@pytest.mark.parametrize("month", [12, "12"])
def test_month_12(month: int | str) -> None:
    assert Card(PAN, month, 30, today=TODAY).expiry == "12/30"


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 6, 1),
        datetime.date(2026, 6, 15),
        datetime.date(2026, 6, 30),  # valid through the last day of the expiry month
        datetime.date(2025, 12, 31),
    ],
)
def test_card_valid_through_end_of_expiry_month(today: datetime.date) -> None:
    assert Card(PAN, 6, 2026, today=today).expiry == "06/26"


def test_card_expired_the_day_after_its_month() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 6, 2026, today=datetime.date(2026, 7, 1))
    assert info.value.field == "expiry_month"
    assert "expired" in info.value.rule


def test_today_defaults_to_module_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_card, "_today", lambda: datetime.date(2030, 1, 1))
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 12, 29)
    assert info.value.field == "expiry_year"
    assert Card(PAN, 1, 30).expiry_year == 2030


def test_real_clock_accepts_a_future_card() -> None:
    year = datetime.date.today().year + 3
    assert Card(PAN, 1, year).expiry_year == year


def test_validation_order_reports_number_first() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card("123", 13, 1, "1", today=TODAY)
    assert info.value.field == "number"


def test_optional_fields() -> None:
    c = Card(PAN, 1, 29, today=TODAY)
    assert not c.has_cvc
    assert c.name_on_card is None
    c = Card(PAN, 1, 29, "1234", "Zoë Ñandú", today=TODAY)
    assert c.has_cvc
    assert c.name_on_card == "Zoë Ñandú"


@pytest.mark.parametrize("pan", TEST_PANS)
def test_documented_test_pans_pass_luhn_and_construct(pan: str) -> None:
    assert luhn_valid(pan)
    assert _card._luhn_ok(pan)
    c = Card(pan, 12, 2099, CVC, today=TODAY)
    assert (c.first6, c.last4) == (pan[:6], pan[-4:])
    broken = pan[:-1] + str((int(pan[-1]) + 1) % 10)
    with pytest.raises(RequestValidationError) as info:
        Card(broken, 12, 2099, today=TODAY)
    assert info.value.field == "number"


def test_there_are_45_distinct_test_pans() -> None:
    assert len(set(TEST_PANS)) == 45


# --- repr, str and leak guards ----------------------------------------------------------------


def test_repr_and_str_are_masked(card: Card) -> None:
    expected = "Card(number='444000******0001', expiry='01/29', cvc=***, name_on_card=***)"
    assert repr(card) == expected
    assert str(card) == expected
    assert f"{card}" == expected
    assert "%s" % card == expected  # noqa: UP031
    assert repr([card]) == f"[{expected}]"
    bare = Card(PAN, 1, 29, today=TODAY)
    assert (
        repr(bare) == "Card(number='444000******0001', expiry='01/29', cvc=None, name_on_card=None)"
    )


def test_no_easy_leaks(card: Card) -> None:
    with pytest.raises(TypeError):
        vars(card)
    assert not hasattr(card, "__dict__")
    with pytest.raises(TypeError):
        dataclasses.asdict(card)  # type: ignore[call-overload]
    with pytest.raises(TypeError) as info:
        pickle.dumps(card)
    assert PAN not in str(info.value)
    assert copy.copy(card) is card
    assert copy.deepcopy(card) is card


def test_cannot_be_subclassed() -> None:
    with pytest.raises(TypeError):

        class Leaky(Card):  # type: ignore[misc]
            pass


def test_immutable(card: Card) -> None:
    with pytest.raises(AttributeError):
        card.first6 = "123456"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        card._number = "4111111111111111"
    with pytest.raises(AttributeError):
        card.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del card._cvc
    assert card.last4 == "0001"


def test_equality(card: Card) -> None:
    same = Card(PAN.replace("0001", "-0001"), 1, 2029, CVC, "John Doe", today=TODAY)
    assert card == same
    assert hash(card) == hash(same)
    assert card != Card(PAN, 1, 29, CVC, today=TODAY)
    assert card != "Card"


pans = st.builds(complete_pan, st.text(alphabet="0123456789", min_size=12, max_size=18))
cvcs = st.text(alphabet="0123456789", min_size=3, max_size=4)


@settings(max_examples=300, deadline=None)
@given(pan=pans, cvc=cvcs, month=st.integers(1, 12), year=st.integers(2027, 2099))
def test_repr_never_shows_full_number_or_cvc(pan: str, cvc: str, month: int, year: int) -> None:
    c = Card(pan, month, year, cvc, today=TODAY)
    masked = pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
    expected = (
        f"Card(number='{masked}', expiry='{month:02d}/{year % 100:02d}', "
        "cvc=***, name_on_card=None)"
    )
    # The exact rendering proves the CVC is absent (a bare substring test could match the
    # visible digits by chance).
    assert repr(c) == expected
    assert str(c) == expected
    assert pan not in repr(c)
    assert pan not in str(c)


@settings(max_examples=300, deadline=None)
@given(
    pan=pans,
    cvc=cvcs,
    bad=st.sampled_from(
        [
            {"expiry_month": 13},
            {"expiry_month": "x"},
            {"expiry_year": 2001},
            {"expiry_year": "123"},
            {"cvc": "12"},
            {"name_on_card": 1},
            {"luhn": True},
        ]
    ),
)
def test_errors_never_show_number_or_cvc(pan: str, cvc: str, bad: dict[str, Any]) -> None:
    def error(number: str, code: str) -> RequestValidationError:
        kwargs: dict[str, Any] = {
            "number": number,
            "expiry_month": 1,
            "expiry_year": 2029,
            "cvc": code,
        }
        kwargs.update({k: v for k, v in bad.items() if k != "luhn"})
        if "luhn" in bad:
            kwargs["number"] = number[:-1] + str((int(number[-1]) + 5) % 10)
        with pytest.raises(RequestValidationError) as info:
            Card(**kwargs, today=TODAY)
        return info.value

    exc = error(pan, cvc)
    text = " ".join([str(exc), repr(exc), exc.field, exc.rule])
    assert pan not in text
    assert pan[:-1] not in text
    # The text does not depend on the number or the CVC at all, so it cannot contain them
    # (a substring test on a 3-digit CVC alone could match "2000-2099" by chance).
    ref = error(PAN, "987")
    assert (exc.field, exc.rule, str(exc)) == (ref.field, ref.rule, str(ref))


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


# --- async form --------------------------------------------------------------------------------


def _record_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    real = _cards._seal

    def spy(*args: Any, **kwargs: Any) -> str:
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_cards, "_seal", spy)
    return names


async def test_async_default_executor_without_spare_cpus_is_the_loop_thread_pool(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the default process pool: tests/test_cards_default_pool.py
    monkeypatch.setattr(_card_pool, "_usable_cpus", lambda: 1)
    monkeypatch.setattr(_card_pool, "_default_pool", None)
    threads = _record_threads(monkeypatch)
    out = await encrypt_card_async(key2048, card, device=DOC_DEVICE)
    assert json.loads(independent_decrypt(rsa2048, out).plaintext) == DOC_PLAINTEXT
    assert threads
    assert threads[0] != threading.current_thread().name


async def test_async_given_executor(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = _record_threads(monkeypatch)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cards-test") as pool:
        outs = await asyncio.gather(
            *(encrypt_card_async(key2048, card, metadata={"i": i}, executor=pool) for i in range(8))
        )
    assert [json.loads(independent_decrypt(rsa2048, o).plaintext)["metadata"] for o in outs] == [
        {"i": i} for i in range(8)
    ]
    assert len(threads) == 8
    assert all(name.startswith("cards-test") for name in threads)


async def test_async_copies_inputs_before_handing_off(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    device = {"country": "ID"}
    task = asyncio.ensure_future(encrypt_card_async(key2048, card, device=device))
    await asyncio.sleep(0)  # the coroutine has copied its inputs and handed off
    device["country"] = "XX"
    opened = independent_decrypt(rsa2048, await task)
    assert json.loads(opened.plaintext)["deviceInformations"] == {"country": "ID"}


async def test_async_errors_propagate(card: Card) -> None:
    with pytest.raises(EncryptionError):
        await encrypt_card_async("not a key!", card)
    with pytest.raises(TypeError):
        await encrypt_card_async("x", "card")  # type: ignore[arg-type]


class RecordingProcessPool(ProcessPoolExecutor):
    """A process pool that records the size of every batch handed to it (in the parent)."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self.batches: list[int] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        assert fn is _cards._seal_batch
        self.batches.append(len(args[0]))
        return super().submit(fn, *args, **kwargs)


async def test_async_process_pool_batches_and_round_trips(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    with RecordingProcessPool(max_workers=2) as pool:
        outs = await asyncio.gather(
            *(
                encrypt_card_async(key2048, card, metadata={"i": i}, executor=pool)
                for i in range(100)
            )
        )
        single = await encrypt_card_async(key2048, card, device=DOC_DEVICE, executor=pool)
    opened = [json.loads(independent_decrypt(rsa2048, o).plaintext) for o in outs]
    assert [o["metadata"] for o in opened] == [{"i": i} for i in range(100)]
    assert all(o["card"]["number"] == PAN for o in opened)
    assert json.loads(independent_decrypt(rsa2048, single).plaintext) == DOC_PLAINTEXT
    # 100 requests made in one loop iteration: coalesced, at most 32 per message, at least
    # as many messages as workers so both are busy, and every request sent exactly once.
    assert sum(pool.batches) == 101
    assert len(pool.batches) < 101
    assert max(pool.batches) <= 32
    assert len(pool.batches[:-1]) >= 2
    assert pool.batches[-1] == 1


async def test_async_process_pool_validates_in_the_caller(key2048: str, card: Card) -> None:
    with RecordingProcessPool(max_workers=1) as pool:
        with pytest.raises(EncryptionError):
            await encrypt_card_async("not a key!", card, executor=pool)
        with pytest.raises(RequestValidationError) as info:
            await encrypt_card_async(key2048, card, metadata={"x": object()}, executor=pool)
        assert info.value.field == "metadata"
        assert pool.batches == []


async def test_async_process_pool_broken_pool_is_an_encryption_error(
    key2048: str, card: Card
) -> None:
    pool = ProcessPoolExecutor(max_workers=1)
    pool.shutdown()
    with pytest.raises(EncryptionError) as info:
        await encrypt_card_async(key2048, card, executor=pool)
    assert "worker pool" in str(info.value)
    assert PAN not in str(info.value)


async def test_async_process_pool_cancelled_caller_does_not_disturb_others(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        tasks = [
            asyncio.ensure_future(encrypt_card_async(key2048, card, executor=pool))
            for _ in range(5)
        ]
        await asyncio.sleep(0)
        tasks[2].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[2], asyncio.CancelledError)
    for i in (0, 1, 3, 4):
        result = results[i]
        assert isinstance(result, str)
        opened = json.loads(independent_decrypt(rsa2048, result).plaintext)
        assert opened["card"]["number"] == PAN


async def test_encryption_process_pool_runs_workers_below_the_loop(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    parent = os.nice(0)
    with encryption_process_pool(1) as pool:
        worker = pool.submit(os.nice, 0).result(timeout=60)
        out = await encrypt_card_async(key2048, card, executor=pool)
    assert worker == min(parent + 10, 19)
    if hasattr(os, "SCHED_IDLE"):
        with encryption_process_pool(1) as pool:
            assert pool.submit(os.sched_getscheduler, 0).result(timeout=60) == os.SCHED_IDLE
    assert json.loads(independent_decrypt(rsa2048, out).plaintext)["card"]["number"] == PAN
    with encryption_process_pool(1, niceness=0) as pool:
        assert pool.submit(os.nice, 0).result(timeout=60) == parent
        if hasattr(os, "sched_getscheduler"):
            policy = pool.submit(os.sched_getscheduler, 0).result(timeout=60)
            assert policy == os.sched_getscheduler(0)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [({"max_workers": 0}, "max_workers"), ({"niceness": -1}, "niceness")],
)
def test_encryption_process_pool_rejects_bad_settings(kwargs: dict[str, int], text: str) -> None:
    with pytest.raises(ValueError, match=text):
        encryption_process_pool(**kwargs)


async def test_async_process_pool_keeps_batching_a_steady_stream(key2048: str, card: Card) -> None:
    # 32 callers, each encrypting one card after another: batches must not fragment into
    # single-item messages as results come back (a regression measured in the benchmark).
    remaining = 320

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await encrypt_card_async(key2048, card, executor=pool)

    with RecordingProcessPool(max_workers=2) as pool:
        await asyncio.gather(*(caller() for _ in range(32)))
    assert sum(pool.batches) == 320
    assert max(pool.batches) <= 32
    assert statistics.median(pool.batches) >= 4


_FAILING_PAN = "4440000112290002"
_FAILING_CVC = "739"


def test_repr_of_a_card_whose_construction_failed_is_safe() -> None:
    # A traceback with captured locals shows ``self`` of the failing ``__init__``.
    import traceback

    try:
        Card(_FAILING_PAN, 13, 2031, cvc=_FAILING_CVC)  # month 13
    except RequestValidationError as exc:
        text = "".join(traceback.TracebackException(
            type(exc), exc, exc.__traceback__, capture_locals=True).format())
    assert "Card(<not constructed>)" in text
    assert _FAILING_PAN not in text and repr(_FAILING_CVC) not in text
    half = Card.__new__(Card)
    assert repr(half) == "Card(<not constructed>)"
