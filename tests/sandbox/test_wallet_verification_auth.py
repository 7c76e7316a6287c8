"""Wallet sandbox: SNAP verification of transactional requests, steps 1-6: headers, formats,
timestamp skew, the B2B token, the customer token and the signature (the order of the checks,
steps 7 and 8 are in test_wallet_verification.py).

See docs/reference/wire-snap.md#snap-verify-transactional.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from pivot_async._signing import string_to_sign, transaction_signature, verify_hmac_signature
from pivot_async.sandbox import Sandbox, SnapCredentials
from pivot_async.sandbox._clock import ManualClock
from pivot_async.sandbox._errors import SnapError
from pivot_async.sandbox._wallet import WalletConfig, wallet_hook
from pivot_async.sandbox._wallet_core import Token
from pivot_async.sandbox._wallet_verify import verify_transaction
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, compact, wallet_server
from tests.sandbox._wallet_verification_helpers import BALANCE, DEBIT, debit_body

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "snap_vectors.json").read_text("utf-8")
)


# ------------------------------------------------------------------ step 1: headers


@pytest.mark.parametrize(
    "header",
    [
        "X-TIMESTAMP",
        "X-SIGNATURE",
        "X-PARTNER-ID",
        "X-EXTERNAL-ID",
        "CHANNEL-ID",
        "Authorization",
        "Authorization-Customer",
    ],
)
async def test_missing_header(env: WalletEnv, cust: BoundCustomer, header: str) -> None:
    res = await env.snap.call(
        BALANCE, {"additionalInfo": {}}, token=cust.b2b, customer=cust.access, drop=(header,)
    )
    assert res.status == 400
    assert res.code == "4001102"
    assert header in res.body["responseMessage"]


async def test_customer_header_not_required_on_b2b_endpoint(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    res = await env.snap.call(
        "registration-account-unbinding", {"merchantId": "m", "tokenId": "nope"}, token=cust.b2b
    )
    assert res.code == "4040911"  # got past verification to the business check


async def test_header_names_are_case_insensitive(env: WalletEnv, cust: BoundCustomer) -> None:
    snap = env.snap
    raw = compact({"additionalInfo": {}})
    headers = snap.headers(BALANCE, raw, token=cust.b2b, customer=cust.access)
    lowered = {k.lower(): v for k, v in headers.items()}
    res = await snap.send(snap.path(BALANCE), raw, lowered)
    assert res.code == "2001100"
    mixed = snap.headers(BALANCE, raw, token=cust.b2b, customer=cust.access)
    mixed = {("X-Timestamp" if k == "X-TIMESTAMP" else k): v for k, v in mixed.items()}
    assert (await snap.send(snap.path(BALANCE), raw, mixed)).code == "2001100"


# ------------------------------------------------------------------ step 2: formats


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-TIMESTAMP", "2026-03-02T03:00:00Z"),
        ("X-TIMESTAMP", "2026-03-02T10:00:00.123+07:00"),
        ("X-TIMESTAMP", "2026-03-02T03:00:00+00:00"),
        ("X-TIMESTAMP", "2026-03-02 10:00:00+07:00"),
        ("X-TIMESTAMP", "2026-02-30T10:00:00+07:00"),
        ("X-EXTERNAL-ID", "abc123"),
        ("X-EXTERNAL-ID", "1" * 37),
        ("X-EXTERNAL-ID", ""),
        ("CHANNEL-ID", ""),
    ],
)
async def test_bad_header_format(
    env: WalletEnv, cust: BoundCustomer, header: str, value: str
) -> None:
    sign: dict[str, Any] = {"timestamp": value} if header == "X-TIMESTAMP" else {}
    res = await env.snap.call(
        BALANCE,
        {"additionalInfo": {}},
        token=cust.b2b,
        customer=cust.access,
        override={header: value},
        **sign,
    )
    assert res.status == 400
    assert res.code == "4001101"
    assert header in res.body["responseMessage"]


async def test_lenient_timestamp_mode_accepts_other_offsets(wallet_clock: ManualClock) -> None:
    config = WalletConfig(strict_timestamp=False)
    async with wallet_server(clock=wallet_clock, config=config) as env:
        cust = await env.snap.bind_customer()
        for ts in (
            "2026-03-02T03:00:00Z",
            "2026-03-02T03:00:00.123Z",
            "2026-03-02T10:00:00.5+07:00",
        ):
            res = await env.snap.call(
                BALANCE, {}, token=cust.b2b, customer=cust.access, timestamp=ts
            )
            assert res.code == "2001100", ts


# ------------------------------------------------------------------ step 3: skew


@pytest.mark.parametrize(
    ("offset", "code"), [(-300, "2001100"), (300, "2001100"), (-301, "4011100"), (301, "4011100")]
)
async def test_timestamp_skew(env: WalletEnv, cust: BoundCustomer, offset: int, code: str) -> None:
    res = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, timestamp=env.snap.timestamp(offset)
    )
    assert res.code == code
    if code != "2001100":
        assert res.body["responseMessage"] == "Unauthorized. [X-TIMESTAMP]"


async def test_stale_timestamp_after_clock_moves(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    stale = env.snap.timestamp()
    wallet_clock.advance(301)
    fresh_b2b = await env.snap.b2b_token()
    res = await env.snap.call(BALANCE, {}, token=fresh_b2b, customer=cust.access, timestamp=stale)
    assert res.code == "4011100"


# ------------------------------------------------------------------ step 4: B2B token


async def test_unknown_b2b_token(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(BALANCE, {}, token="never-issued", customer=cust.access)
    assert (res.status, res.code) == (401, "4011103")


async def test_empty_authorization_is_token_not_found(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, override={"Authorization": ""}
    )
    assert res.code == "4011103"


async def test_non_bearer_authorization_is_invalid_token(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    res = await env.snap.call(
        BALANCE,
        {},
        token=cust.b2b,
        customer=cust.access,
        override={"Authorization": f"Basic {cust.b2b}"},
    )
    assert res.code == "4011101"


async def test_customer_token_is_not_a_b2b_token(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(BALANCE, {}, token=cust.access, customer=cust.access)
    assert res.code == "4011103"


async def test_expired_b2b_token(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    wallet_clock.advance(899)
    assert (
        await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access)
    ).code == "2001100"
    wallet_clock.advance(1)
    res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access)
    assert (res.status, res.code) == (401, "4011101")
    assert res.body["responseMessage"] == "Invalid Token (B2B)"


async def test_partner_id_must_match_the_token(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, override={"X-PARTNER-ID": "someone-else"}
    )
    assert res.code == "4011100"
    assert res.body["responseMessage"] == "Unauthorized. [X-PARTNER-ID]"


# ------------------------------------------------------------------ step 5: customer token


async def test_unknown_customer_token(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer="never-issued")
    assert (res.status, res.code) == (401, "4011104")


async def test_b2b_token_is_not_a_customer_token(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.b2b)
    assert res.code == "4011104"


async def test_expired_customer_token(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    wallet_clock.advance(3600)
    b2b = await env.snap.b2b_token()
    res = await env.snap.call(BALANCE, {}, token=b2b, customer=cust.access)
    assert (res.status, res.code) == (401, "4011102")


async def test_customer_token_of_another_merchant(env: WalletEnv, cust: BoundCustomer) -> None:
    other = env.add_merchant(VECTORS["v1_token_signature"]["private_key_pem"])
    snap2 = type(env.snap)(env.session, env.base_url, other, env.clock, env.wallet.config)
    other_b2b = await snap2.b2b_token()
    res = await snap2.call(BALANCE, {}, token=other_b2b, customer=cust.access)
    assert res.code == "4011102"


# ------------------------------------------------------------------ step 6: signature


async def test_tampered_signature(env: WalletEnv, cust: BoundCustomer) -> None:
    snap = env.snap
    raw = compact(debit_body())
    headers = snap.headers(DEBIT, raw, token=cust.b2b, customer=cust.access)
    sig = headers["X-SIGNATURE"]
    headers["X-SIGNATURE"] = ("B" if sig[0] != "B" else "C") + sig[1:]
    res = await snap.send(snap.path(DEBIT), raw, headers)
    assert (res.status, res.code) == (401, "4015400")
    assert res.body["responseMessage"] == "Unauthorized. [Signature]"
    assert env.wallet.debit_count("ref-1") == 0


async def test_tampered_body(env: WalletEnv, cust: BoundCustomer) -> None:
    snap = env.snap
    raw = compact(debit_body(value="10000.00"))
    headers = snap.headers(DEBIT, raw, token=cust.b2b, customer=cust.access)
    res = await snap.send(snap.path(DEBIT), raw.replace(b"10000.00", b"99999.00"), headers)
    assert res.code == "4015400"


@pytest.mark.parametrize("wrong", ["secret", "token", "timestamp", "method"])
async def test_signature_over_wrong_parts(env: WalletEnv, cust: BoundCustomer, wrong: str) -> None:
    snap = env.snap
    raw = compact({"additionalInfo": {}})
    headers = snap.headers(BALANCE, raw, token=cust.b2b, customer=cust.access)
    ts = headers["X-TIMESTAMP"]
    secret, token, method, sign_ts = (
        env.wallet.default_merchant.client_secret,
        cust.b2b,
        "POST",
        ts,
    )
    if wrong == "secret":
        secret = "not-the-secret"
    elif wrong == "token":
        token = "other-token"
    elif wrong == "timestamp":
        sign_ts = snap.timestamp(1)
    else:
        method = "GET"
    headers["X-SIGNATURE"] = transaction_signature(
        secret, method, snap.path(BALANCE), token, raw, sign_ts
    )
    res = await snap.send(snap.path(BALANCE), raw, headers)
    assert res.code == "4011100"


async def test_signature_covers_raw_bytes_even_when_spaced(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    spaced = b'{ "additionalInfo" : { } }'
    res = await env.snap.call(BALANCE, spaced, token=cust.b2b, customer=cust.access)
    assert res.code == "2001100"


async def test_signs_compact_sends_spaced_gets_diagnostic(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    compact_body = compact(debit_body())
    spaced = compact_body.replace(b",", b", ").replace(b'":', b'": ')
    res = await env.snap.call(
        DEBIT, spaced, token=cust.b2b, customer=cust.access, sign_body=compact_body
    )
    assert res.code == "4015400"  # never accepted...
    assert "minified" in res.headers["X-Sandbox-Diagnostic"]  # ...but diagnosed
    assert "docs/reference/wire-snap.md#snap-pitfalls" in res.headers["X-Sandbox-Diagnostic"]
    assert env.wallet.signature_failures[-1]["hint"].startswith("signature matches the minif")


async def test_empty_object_hashed_as_empty_string_is_diagnosed(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    res = await env.snap.call(BALANCE, b"{}", token=cust.b2b, customer=cust.access, sign_body=b"")
    assert res.code == "4011100"
    assert "empty string" in res.headers["X-Sandbox-Diagnostic"]


async def test_path_without_prefix_is_diagnosed(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, sign_path="/v1.0/balance-inquiry"
    )
    assert res.code == "4011100"
    assert "docs/reference/wire.md#decision-e" in res.headers["X-Sandbox-Diagnostic"]


async def test_customer_token_in_string_to_sign_is_diagnosed(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    res = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, sign_token=cust.access
    )
    assert res.code == "4011100"
    assert "customer token" in res.headers["X-Sandbox-Diagnostic"]
    assert "wire-snap.md#snap-customer-calls" in res.headers["X-Sandbox-Diagnostic"]


async def test_query_string_is_not_signed(env: WalletEnv, cust: BoundCustomer) -> None:
    snap = env.snap
    raw = compact({})
    headers = snap.headers(BALANCE, raw, token=cust.b2b, customer=cust.access)
    res = await snap.send(snap.path(BALANCE) + "?debug=1", raw, headers)
    assert res.code == "2001100"


def test_v2_vector_through_the_sandbox_verifier() -> None:
    """The published V2 vector, its exact bytes fed to the sandbox's verifier."""
    v2 = VECTORS["v2_hmac"]
    assert verify_hmac_signature(
        v2["client_secret"],
        string_to_sign(
            v2["method"], v2["path"], v2["access_token"], v2["body"].encode(), v2["timestamp"]
        ),
        v2["expected"],
    )
    clock = ManualClock(dt.datetime(2024, 3, 5, 10, 37, 16, tzinfo=dt.timezone.utc))
    config = WalletConfig(strict_timestamp=False)
    sandbox = Sandbox(clock=clock, setup_hooks=[wallet_hook(config)])
    wallet = sandbox.wallet
    merchant = sandbox.state.merchants.add_snap(SnapCredentials.of(
        "vector-client",
        v2["client_secret"],
        wallet.default_merchant.public_key,
        partner_id="vector-partner",
    ))
    wallet._tokens[v2["access_token"]] = Token(
        value=v2["access_token"],
        kind="b2b",
        client_key=merchant.client_key,
        expires_at=clock.now() + dt.timedelta(seconds=900),
    )
    headers = {
        "X-TIMESTAMP": v2["timestamp"],
        "X-SIGNATURE": v2["expected"],
        "X-PARTNER-ID": "vector-partner",
        "X-EXTERNAL-ID": "1",
        "CHANNEL-ID": "12345",
        "Authorization": f"Bearer {v2['access_token']}",
    }
    body = v2["body"].encode("utf-8")
    request = make_mocked_request("POST", v2["path"], headers=headers)
    ctx = verify_transaction(wallet, request, body, "47", customer=False)
    assert ctx.merchant is merchant
    tampered = make_mocked_request("POST", v2["path"], headers={**headers, "X-EXTERNAL-ID": "2"})
    with pytest.raises(SnapError) as info:
        verify_transaction(
            wallet, tampered, body.replace(b"12345678", b"12345679"), "47", customer=False
        )
    assert info.value.code == "4014700"


# ------------------------------------------------------------------ token endpoints: order


async def test_token_request_checks_run_in_the_documented_order(env: WalletEnv) -> None:
    """A missing header before the body is read; a missing grantType before any format."""
    snap = env.snap
    headers = dict(snap.token_headers())
    del headers["X-CLIENT-KEY"]
    res = await snap.token_request("b2b", b"not json", headers)
    assert (res.code, res.body["responseMessage"]) == (
        "4007302",
        "Invalid Mandatory Field {X-CLIENT-KEY}",
    )
    bad_ts = dict(snap.token_headers(timestamp="2026-03-02T03:00:00Z"))
    res = await snap.token_request("b2b", {"additionalInfo": {}}, bad_ts)
    assert (res.code, res.body["responseMessage"]) == (
        "4007302",
        "Invalid Mandatory Field {grantType}",
    )
    res = await snap.token_request("b2b", {"grantType": "password"}, bad_ts)
    assert (res.code, res.body["responseMessage"]) == (
        "4007301",
        "Invalid Field Format {X-TIMESTAMP}",
    )
