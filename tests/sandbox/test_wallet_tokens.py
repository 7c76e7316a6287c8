"""Wallet sandbox: B2B and B2B2C token endpoints.

See docs/reference/wire-snap.md#snap-b2b-token, wire-snap.md#snap-b2b2c-token and
wire-snap.md#snap-verify-tokens.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pivot_async._signing import load_private_key, parse_snap_datetime, token_signature
from pivot_async.sandbox._clock import ManualClock
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "snap_vectors.json").read_text("utf-8")
)
OTHER_KEY_PEM: str = VECTORS["v1_token_signature"]["private_key_pem"]
START = dt.datetime(2026, 3, 2, 3, 0, 0, tzinfo=dt.timezone.utc)
B2B_BODY = {"grantType": "client_credentials", "additionalInfo": {}}


# ------------------------------------------------------------------ B2B


async def test_b2b_token_success(env: WalletEnv) -> None:
    res = await env.snap.token_request("b2b", B2B_BODY)
    assert res.status == 200
    assert res.body["responseCode"] == "2007300"
    assert res.body["tokenType"] == "Bearer"
    assert res.body["expiresIn"] == "900"  # a string, as Pivot sends it
    assert isinstance(res.body["accessToken"], str)
    assert len(res.body["accessToken"]) >= 32
    assert env.handled("b2b") == 1
    assert env.handled("b2b", 200) == 1


async def test_b2b_grant_is_case_insensitive_and_additional_info_optional(
    env: WalletEnv,
) -> None:
    res = await env.snap.token_request("b2b", {"grantType": "CLIENT_CREDENTIALS"})
    assert res.body["responseCode"] == "2007300"


async def test_token_checks_in_order(env: WalletEnv) -> None:
    """Break steps i..4 at once: the answer names step i."""
    snap = env.snap
    wrong_key = load_private_key(OTHER_KEY_PEM)
    steps = ["missing", "format", "skew", "signature"]
    expected = ["4007302", "4007301", "4017300", "4017300"]
    for i, want in enumerate(expected):
        active = set(steps[i:])
        if "format" in active:
            ts = "2026-03-02T03:00:00.000Z"
        elif "skew" in active:
            ts = snap.timestamp(-301)
        else:
            ts = snap.timestamp()
        sig = (
            token_signature(wrong_key, snap.merchant.client_key, ts)
            if "signature" in active
            else None
        )
        headers = snap.token_headers(timestamp=ts, signature=sig)
        if "missing" in active:
            del headers["X-CLIENT-KEY"]
        res = await snap.token_request("b2b", B2B_BODY, headers)
        assert (steps[i], res.body["responseCode"]) == (steps[i], want)
        assert res.status == int(want[:3])
    assert env.handled("b2b") == 4
    assert env.handled("b2b", 200) == 0


@pytest.mark.parametrize("header", ["X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE"])
async def test_token_missing_header(env: WalletEnv, header: str) -> None:
    headers = env.snap.token_headers()
    del headers[header]
    res = await env.snap.token_request("b2b", B2B_BODY, headers)
    assert res.body["responseCode"] == "4007302"
    assert header in res.body["responseMessage"]


async def test_token_header_names_case_insensitive(env: WalletEnv) -> None:
    headers = {k.lower(): v for k, v in env.snap.token_headers().items()}
    res = await env.snap.token_request("b2b", B2B_BODY, headers)
    assert res.body["responseCode"] == "2007300"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"additionalInfo": {}}, "4007302"),
        ({"grantType": ""}, "4007302"),
        ({"grantType": "password"}, "4007301"),
        ({"grantType": 5}, "4007301"),
        ({"grantType": "authorization_code"}, "4007301"),
    ],
)
async def test_b2b_grant_type(env: WalletEnv, body: dict[str, Any], code: str) -> None:
    res = await env.snap.token_request("b2b", body)
    assert res.body["responseCode"] == code


async def test_token_body_not_json(env: WalletEnv) -> None:
    res = await env.snap.token_request("b2b", b"grantType=client_credentials")
    assert res.body["responseCode"] == "4007300"


async def test_token_signature_with_wrong_key(env: WalletEnv) -> None:
    snap = env.snap
    ts = snap.timestamp()
    sig = token_signature(load_private_key(OTHER_KEY_PEM), snap.merchant.client_key, ts)
    res = await snap.token_request("b2b", B2B_BODY, snap.token_headers(timestamp=ts, signature=sig))
    assert (res.status, res.body["responseCode"]) == (401, "4017300")
    assert res.body["responseMessage"] == "Unauthorized. [Signature]"


async def test_token_signature_over_other_timestamp(env: WalletEnv) -> None:
    snap = env.snap
    sig = token_signature(snap.merchant.private_key(), snap.merchant.client_key, snap.timestamp(-1))
    res = await snap.token_request("b2b", B2B_BODY, snap.token_headers(signature=sig))
    assert res.body["responseCode"] == "4017300"


async def test_token_unknown_client(env: WalletEnv) -> None:
    res = await env.snap.token_request(
        "b2b", B2B_BODY, env.snap.token_headers(client_key="who-is-this")
    )
    assert res.body["responseCode"] == "4017300"
    assert res.body["responseMessage"] == "Unauthorized. [Unknown client]"


async def test_token_vector_style_timestamp_rejected_in_strict_mode(env: WalletEnv) -> None:
    res = await env.snap.token_request(
        "b2b", B2B_BODY, env.snap.token_headers(timestamp="2026-03-02T03:00:00.024Z")
    )
    assert res.body["responseCode"] == "4007301"


async def test_second_merchant_with_its_own_key(env: WalletEnv) -> None:
    other = env.add_merchant(OTHER_KEY_PEM)
    snap2 = type(env.snap)(env.session, env.base_url, other, env.clock, env.wallet.config)
    assert await snap2.b2b_token()
    # the default merchant's key does not sign for it
    ts = snap2.timestamp()
    bad = token_signature(env.wallet.default_merchant.private_key(), other.client_key, ts)
    res = await snap2.token_request(
        "b2b", B2B_BODY, snap2.token_headers(timestamp=ts, signature=bad)
    )
    assert res.body["responseCode"] == "4017300"


# ------------------------------------------------------------------ B2B2C


async def test_b2b2c_authorization_code(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    body = {
        "grantType": "authorization_code",
        "authCode": cust.binding_id,
        "refreshToken": "{{customerRefreshToken}}",
        "additionalInfo": {},
    }
    res = await env.snap.token_request("b2b2c", body)
    assert res.body["responseCode"] == "2007400"
    assert res.body["tokenType"] == "Bearer"
    access_exp = res.body["accessTokenExpiryTime"]
    refresh_exp = res.body["refreshTokenExpiryTime"]
    assert access_exp.endswith("+07:00")
    assert refresh_exp.endswith("+07:00")
    assert parse_snap_datetime(access_exp) == wallet_clock.now() + dt.timedelta(seconds=3600)
    assert parse_snap_datetime(refresh_exp) == wallet_clock.now() + dt.timedelta(seconds=86400)
    assert env.handled("b2b2c") == 2  # the fixture's and this one


async def test_b2b2c_grant_upper_case(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.token_request(
        "b2b2c", {"grantType": "AUTHORIZATION_CODE", "authCode": cust.binding_id}
    )
    assert res.body["responseCode"] == "2007400"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"grantType": "authorization_code"}, "4007402"),
        ({"grantType": "authorization_code", "authCode": ""}, "4007402"),
        ({"grantType": "authorization_code", "authCode": "not-a-binding"}, "4017400"),
        ({"grantType": "refresh_token"}, "4007402"),
        ({"grantType": "refresh_token", "refreshToken": "not-a-token"}, "4017400"),
        ({"grantType": "client_credentials"}, "4007401"),
        ({}, "4007402"),
    ],
)
async def test_b2b2c_grant_material(
    env: WalletEnv, cust: BoundCustomer, body: dict[str, Any], code: str
) -> None:
    res = await env.snap.token_request("b2b2c", body)
    assert res.body["responseCode"] == code


async def test_b2b2c_header_checks_use_service_74(env: WalletEnv, cust: BoundCustomer) -> None:
    headers = env.snap.token_headers()
    del headers["X-SIGNATURE"]
    body = {"grantType": "authorization_code", "authCode": cust.binding_id}
    assert (await env.snap.token_request("b2b2c", body, headers)).body["responseCode"] == (
        "4007402"
    )
    stale = env.snap.token_headers(timestamp=env.snap.timestamp(400))
    assert (await env.snap.token_request("b2b2c", body, stale)).body["responseCode"] == ("4017400")


async def test_refresh_token_grant_rotates(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.token_request(
        "b2b2c", {"grantType": "refresh_token", "refreshToken": cust.refresh}
    )
    assert res.body["responseCode"] == "2007400"
    new_access = res.body["accessToken"]
    assert new_access != cust.access
    assert res.body["refreshToken"] != cust.refresh
    balance = await env.snap.call("balance-inquiry", {}, token=cust.b2b, customer=new_access)
    assert balance.code == "2001100"
    reused = await env.snap.token_request(
        "b2b2c", {"grantType": "refresh_token", "refreshToken": cust.refresh}
    )
    assert reused.body["responseCode"] == "4017400"
    again = await env.snap.token_request(
        "b2b2c", {"grantType": "refresh_token", "refreshToken": res.body["refreshToken"]}
    )
    assert again.body["responseCode"] == "2007400"


async def test_refresh_token_expires(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    wallet_clock.advance(86400)
    res = await env.snap.token_request(
        "b2b2c", {"grantType": "refresh_token", "refreshToken": cust.refresh}
    )
    assert res.body["responseCode"] == "4017400"
    # the binding itself still works as an authCode
    fresh = await env.snap.token_request(
        "b2b2c", {"grantType": "authorization_code", "authCode": cust.binding_id}
    )
    assert fresh.body["responseCode"] == "2007400"


async def test_customer_token_only_for_its_merchant(env: WalletEnv, cust: BoundCustomer) -> None:
    other = env.add_merchant(OTHER_KEY_PEM)
    snap2 = type(env.snap)(env.session, env.base_url, other, env.clock, env.wallet.config)
    res = await snap2.token_request(
        "b2b2c", {"grantType": "authorization_code", "authCode": cust.binding_id}
    )
    assert res.body["responseCode"] == "4017400"
    res = await snap2.token_request(
        "b2b2c", {"grantType": "refresh_token", "refreshToken": cust.refresh}
    )
    assert res.body["responseCode"] == "4017400"
