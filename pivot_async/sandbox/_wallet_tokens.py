"""Token endpoints: B2B (service 73) and B2B2C (service 74).

See docs/reference/wire-snap.md#snap-b2b-token, wire-snap.md#snap-b2b2c-token and
wire-snap.md#snap-verify-tokens.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._signing import snap_timestamp
from ._errors import SnapError
from ._wallet_core import WalletSandbox
from ._wallet_verify import verify_token_request

__all__ = ["b2b2c_token", "b2b_token"]


def b2b_token(wallet: WalletSandbox, request: web.Request, raw_body: bytes) -> dict[str, Any]:
    merchant, _, _ = verify_token_request(wallet, request, raw_body, "73", ("client_credentials",))
    token = wallet._issue("b2b", merchant.client_key, wallet.config.b2b_token_ttl)
    return {
        "responseCode": "2007300",
        "responseMessage": "Successful",
        "accessToken": token.value,
        "tokenType": "Bearer",
        "expiresIn": str(int(wallet.config.b2b_token_ttl)),
    }


def b2b2c_token(wallet: WalletSandbox, request: web.Request, raw_body: bytes) -> dict[str, Any]:
    merchant, body, grant = verify_token_request(
        wallet, request, raw_body, "74", ("authorization_code", "refresh_token")
    )
    # 5. grant material present (4007402) and valid (4017400),
    # docs/reference/wire-snap.md#snap-b2b2c-sandbox
    now = wallet.clock.now()
    if grant == "authorization_code":
        code = body.get("authCode")
        if not isinstance(code, str) or not code:
            raise SnapError("4007402", "Invalid Mandatory Field {authCode}")
        binding = wallet._bindings.get(code)
        if binding is None or not binding.active or binding.client_key != merchant.client_key:
            raise SnapError("4017400", "Unauthorized. [authCode]")
    else:
        value = body.get("refreshToken")
        if not isinstance(value, str) or not value:
            raise SnapError("4007402", "Invalid Mandatory Field {refreshToken}")
        refresh = wallet._tokens.get(value)
        binding = wallet._bindings.get(refresh.binding_id or "") if refresh else None
        if (
            refresh is None
            or refresh.kind != "refresh"
            or refresh.revoked
            or now >= refresh.expires_at
            or refresh.client_key != merchant.client_key
            or binding is None
            or not binding.active
        ):
            raise SnapError("4017400", "Unauthorized. [refreshToken]")
        refresh.revoked = True  # refresh tokens rotate: each is good for one use
    access = wallet._issue(
        "customer", merchant.client_key, wallet.config.customer_token_ttl, binding.binding_id
    )
    new_refresh = wallet._issue(
        "refresh", merchant.client_key, wallet.config.refresh_token_ttl, binding.binding_id
    )
    return {
        "accessToken": access.value,
        "accessTokenExpiryTime": snap_timestamp(access.expires_at),
        "refreshToken": new_refresh.value,
        "refreshTokenExpiryTime": snap_timestamp(new_refresh.expires_at),
        "responseCode": "2007400",
        "responseMessage": "Successful",
        "tokenType": "Bearer",
    }
