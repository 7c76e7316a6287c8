"""Access tokens, bearer checks, merchants and unknown routes."""

from __future__ import annotations

import base64
import json

import aiohttp

from pivot_async.sandbox import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ManualClock,
    Sandbox,
)
from tests.sandbox.helpers import Api


def _payload(token: str) -> dict[str, object]:
    part = token.split(".")[1]
    payload: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return payload


async def test_access_token_shape(api: Api) -> None:
    status, body = await api.call(
        "POST",
        "/v1/access-token",
        {"grantType": "client_credentials"},
        auth=False,
        headers={"X-MERCHANT-ID": DEFAULT_CLIENT_ID, "X-MERCHANT-SECRET": DEFAULT_CLIENT_SECRET},
    )
    assert status == 200
    assert body["code"] == "00"
    assert body["message"] == "Success"
    data = body["data"]
    assert data["expiresIn"] == "900"
    assert data["tokenType"] == "Bearer"
    header = json.loads(base64.urlsafe_b64decode(data["accessToken"].split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = _payload(data["accessToken"])
    assert claims["iss"] == "backend-portal"
    assert claims["sub"] == claims["clientId"] == claims["merchantId"] == DEFAULT_CLIENT_ID


async def test_bad_credentials(api: Api) -> None:
    for headers in (
        {"X-MERCHANT-ID": DEFAULT_CLIENT_ID, "X-MERCHANT-SECRET": "wrong"},
        {"X-MERCHANT-ID": "nobody", "X-MERCHANT-SECRET": DEFAULT_CLIENT_SECRET},
        {},
    ):
        status, body = await api.call("POST", "/v1/access-token", {}, auth=False, headers=headers)
        assert status == 401
        assert body["code"] == "credentials_invalid"
        assert body["error"]["type"] == "API_ERROR"
        assert body["error"]["details"] == [{"field": "", "message": "Request new access token"}]
        assert body["data"] == {}


async def test_routes_need_a_valid_token(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        status, body = await api.call("GET", "/v2/payments", auth=False, headers=headers)
        assert status == 401
        assert body["code"] == "credentials_invalid"
    token = await api.token()
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, _ = await api.call(
        "GET", "/v2/payments", auth=False, headers={"Authorization": f"Bearer {forged}"}
    )
    assert status == 401


async def test_token_expires_on_the_clock(api: Api, clock: ManualClock) -> None:
    api.auto_refresh = False
    assert (await api.get("/v2/payments"))[0] == 200
    clock.advance(899)
    assert (await api.get("/v2/payments"))[0] == 200
    clock.advance(1)
    status, body = await api.get("/v2/payments")
    assert status == 401
    assert body["code"] == "credentials_invalid"
    await api.token(fresh=True)
    assert (await api.get("/v2/payments"))[0] == 200


async def test_token_ttl_is_configurable() -> None:
    clock = ManualClock()
    async with Sandbox(clock=clock, token_ttl=60) as sandbox, aiohttp.ClientSession() as http:
        api = Api(sandbox, http)
        api.auto_refresh = False
        _status, body = await api.call(
            "POST",
            "/v1/access-token",
            {},
            auth=False,
            headers={
                "X-MERCHANT-ID": sandbox.client_id,
                "X-MERCHANT-SECRET": sandbox.client_secret,
            },
        )
        assert body["data"]["expiresIn"] == "60"
        await api.token()
        clock.advance(60)
        assert (await api.get("/v2/payments"))[0] == 401


async def test_revoke_tokens(api: Api, sandbox: Sandbox) -> None:
    api.auto_refresh = False
    assert (await api.get("/v2/payments"))[0] == 200
    sandbox.revoke_tokens()
    assert (await api.get("/v2/payments"))[0] == 401
    await api.token(fresh=True)
    assert (await api.control("/_sandbox/tokens/revoke"))[0] == 200
    assert (await api.get("/v2/payments"))[0] == 401


async def test_merchants_have_separate_state(api: Api, sandbox: Sandbox) -> None:
    merchant = sandbox.state.merchants.register("other-merchant", "other-secret", name="Other Shop")
    other = Api(sandbox, api.http)
    other.client_id, other.client_secret = merchant.client_id, merchant.client_secret
    session = await api.create("va")
    assert (await other.get(f"/v2/payments/{session['id']}"))[0] == 404
    status, body = await other.get("/v2/payments")
    assert status == 200
    assert body["data"] == []
    created = await other.create("card_api")
    mine = await api.create("card_api")
    assert created["encryptionKey"] != mine["encryptionKey"]
    assert created["statementDescriptor"] == "Other Shop"


async def test_add_merchant_control_route(api: Api, sandbox: Sandbox) -> None:
    status, body = await api.control(
        "/_sandbox/merchants", {"clientId": "m2", "clientSecret": "s2", "name": "Two"}
    )
    assert status == 200
    assert body["data"]["clientId"] == "m2"
    assert (await api.control("/_sandbox/merchants", {"clientId": "m2", "clientSecret": "x"}))[
        0
    ] == 409
    other = Api(sandbox, api.http)
    other.client_id, other.client_secret = "m2", "s2"
    assert (await other.get("/v2/payments"))[0] == 200


async def test_unknown_path_and_method(api: Api) -> None:
    status, body = await api.get("/v2/nothing-here")
    assert status == 404
    assert body["code"] == "not_found"
    assert body["error"]["type"] == "GATEWAY_ERROR"
    status, body = await api.call("DELETE", "/v2/payments")
    assert status == 405


async def test_secrets_are_redacted_in_the_request_log(api: Api, sandbox: Sandbox) -> None:
    await api.get("/v2/payments")
    token_request = sandbox.requests_to("POST", "/v1/access-token")[0]
    assert token_request.headers["X-MERCHANT-SECRET"] == "***"
    listed = sandbox.requests_to("GET", "/v2/payments")[0]
    assert listed.headers["Authorization"] == "Bearer ***"
    assert sandbox.request_count("POST", "/v1/access-token") == 1
    assert DEFAULT_CLIENT_SECRET not in repr(sandbox.merchant)
