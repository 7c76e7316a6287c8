"""Tests for the pure SNAP signing functions (pivot_async.signing)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import pivot_async.signing as signing
from pivot_async._errors import ConfigurationError
from pivot_async.signing import (
    EMPTY_BODY_DIGEST,
    body_digest,
    external_id,
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


# ------------------------------------------------ timestamps (docs/reference/wire.md#decision-f)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2025, 1, 31, 7, 5, 9, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        # fractional seconds are truncated, never rounded
        (dt.datetime(2025, 1, 31, 7, 5, 9, 999999, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        (dt.datetime(2025, 1, 31, 7, 5, 9, 500000, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        # day, month and year roll over in Jakarta
        (dt.datetime(2025, 1, 31, 17, 30, tzinfo=UTC), "2025-02-01T00:30:00+07:00"),
        (dt.datetime(2024, 12, 31, 16, 59, 59, 999, tzinfo=UTC), "2024-12-31T23:59:59+07:00"),
        (dt.datetime(2024, 12, 31, 17, 0, 0, tzinfo=UTC), "2025-01-01T00:00:00+07:00"),
        (dt.datetime(2024, 2, 28, 20, 0, tzinfo=UTC), "2024-02-29T03:00:00+07:00"),
        # aware non-UTC inputs are converted to UTC first
        (
            dt.datetime(2025, 1, 31, 14, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=7))),
            "2025-01-31T14:05:09+07:00",
        ),
        (
            dt.datetime(2025, 1, 31, 2, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            "2025-01-31T14:05:09+07:00",
        ),
        (
            dt.datetime(
                2025, 1, 31, 12, 35, 9, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
            ),
            "2025-01-31T14:05:09+07:00",
        ),
    ],
)
def test_snap_timestamp_fixed(now: dt.datetime, expected: str) -> None:
    assert snap_timestamp(now) == expected


def test_snap_timestamp_across_a_dst_change() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        ny = zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("tz database not available")
    # 2025-03-09 02:00 local: clocks jump forward. Jakarta has no DST: a plain +7 h shift.
    before = dt.datetime(2025, 3, 9, 1, 59, 59, tzinfo=ny)  # 06:59:59Z
    after = dt.datetime(2025, 3, 9, 3, 0, 0, tzinfo=ny)  # 07:00:00Z
    assert snap_timestamp(before) == "2025-03-09T13:59:59+07:00"
    assert snap_timestamp(after) == "2025-03-09T14:00:00+07:00"


def test_snap_timestamp_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        snap_timestamp(dt.datetime(2025, 1, 31, 7, 5, 9))


_TS_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00")


@pytest.fixture
def restore_tz() -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX-only")
    yield
    time.tzset()


@pytest.mark.usefixtures("restore_tz")
@pytest.mark.parametrize(
    "tz",
    ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "EST+05EDT,M3.2.0,M11.1.0"],
)
def test_snap_timestamp_ignores_host_time_zone(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    fixed = dt.datetime(2025, 7, 1, 23, 59, 59, 987654, tzinfo=UTC)
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    assert snap_timestamp(fixed) == "2025-07-02T06:59:59+07:00"
    # The default "now" too: bracket it by two UTC readings instead of any timing tolerance.
    t1 = dt.datetime.now(UTC)
    stamp = snap_timestamp()
    t2 = dt.datetime.now(UTC)
    assert _TS_RE.fullmatch(stamp)
    assert stamp in {snap_timestamp(t1), snap_timestamp(t2)}
    assert external_id()[:14] in {external_id(t1)[:14], external_id(t2)[:14]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-31T14:05:09+07:00", dt.datetime(2025, 1, 31, 7, 5, 9, tzinfo=UTC)),
        ("2024-03-05T10:37:16.196Z", dt.datetime(2024, 3, 5, 10, 37, 16, 196000, tzinfo=UTC)),
        (
            "2025-08-04T15:24:27.415024635+07:00",
            dt.datetime(2025, 8, 4, 8, 24, 27, 415024, tzinfo=UTC),
        ),
        ("2009-07-03T12:08:56-07:00", dt.datetime(2009, 7, 3, 19, 8, 56, tzinfo=UTC)),
    ],
)
def test_parse_snap_datetime(text: str, expected: dt.datetime) -> None:
    assert parse_snap_datetime(text) == expected
    assert parse_snap_datetime(text).tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-01-31 14:05:09+07:00",
        "2025-01-31T14:05:09",
        "2025-13-31T14:05:09+07:00",
        "2025-01-31T14:05:09+7:00",
        "2025-01-31T14:05:09+07:00 ",
        "2025-01-31T14:05:09+24:00",
    ],
)
def test_parse_snap_datetime_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_snap_datetime(text)


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


# ----------------------------------------------------------------- external id


def test_external_id_format() -> None:
    now = dt.datetime(2025, 1, 31, 17, 30, 5, 999999, tzinfo=UTC)
    eid = external_id(now)
    assert re.fullmatch(r"[0-9]{36}", eid)
    assert eid.startswith("20250201003005")


def test_external_id_is_unique() -> None:
    now = dt.datetime(2025, 1, 31, 7, 0, tzinfo=UTC)
    ids = {external_id(now) for _ in range(2000)}
    assert len(ids) == 2000


def test_external_id_rejects_naive() -> None:
    with pytest.raises(ValueError):
        external_id(dt.datetime(2025, 1, 1))


# ----------------------------------------------------------------- response codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2005400", (200, "54", "00")),
        ("4045501", (404, "55", "01")),
        ("4017300", (401, "73", "00")),
        ("200Q500", (200, "Q5", "00")),
        ("4035414", (403, "54", "14")),
    ],
)
def test_parse_response_code(code: str, expected: tuple[int, str, str]) -> None:
    assert parse_response_code(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "200540",
        "20054000",
        "2OO5400",
        "abcdefg",
        "20054 0",
        " 2005400",
        "2005400\n",
        "9995400",
        "\u0662\u0660\u0660\u0665\u0664\u0660\u0660",
        "200-500",
    ],
)
def test_parse_response_code_rejects(code: str) -> None:
    with pytest.raises(ValueError):
        parse_response_code(code)


def test_parse_response_code_rejects_non_string() -> None:
    with pytest.raises(ValueError):
        parse_response_code(2005400)  # type: ignore[arg-type]


# ----------------------------------------------------------------- public surface


def test_public_all_is_sorted_and_complete() -> None:
    public = sorted(n for n in vars(signing) if not n.startswith("_") and n not in {"annotations"})
    assert signing.__all__ == sorted(signing.__all__)
    assert set(signing.__all__) == set(public)
