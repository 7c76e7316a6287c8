"""``POST /v1/access-token`` and bearer-token checks (wire.md#payments-access-token,
wire.md#decision-b)."""

from __future__ import annotations

import hmac
import os

from aiohttp import web

from ._context import CONTEXT_KEY
from ._errors import SandboxError, ok, validation_error
from ._merchants import Merchant
from ._util import bearer_token, jwt_decode, jwt_encode
from ._validation import parse_body

__all__ = ["access_token", "authenticate"]


def _invalid() -> SandboxError:
    message = "Invalid or expired credentials"
    return SandboxError(401, "credentials_invalid", message, [("", "Request new access token")])


def authenticate(request: web.Request) -> Merchant:
    """The merchant of a valid ``Authorization: Bearer`` token, else 401."""
    ctx = request.app[CONTEXT_KEY]
    token = bearer_token(request.headers.get("Authorization", ""))
    payload = None if token is None else jwt_decode(token, ctx.token_key)
    exp = None if payload is None else payload.get("exp")
    if payload is None or not isinstance(exp, int) or exp <= ctx.now().timestamp():
        raise _invalid()
    merchant = ctx.state.merchants.get(str(payload.get("clientId")))
    if merchant is None:
        raise _invalid()
    return merchant


async def access_token(request: web.Request) -> web.Response:
    """``POST /v1/access-token`` with ``X-MERCHANT-ID`` / ``X-MERCHANT-SECRET``."""
    ctx = request.app[CONTEXT_KEY]
    body = parse_body(await request.read(), allow_empty=True)
    if body.get("grantType", "client_credentials") != "client_credentials":
        raise validation_error([("grantType", "grantType must be client_credentials")])
    client_id = request.headers.get("X-MERCHANT-ID", "")
    secret = request.headers.get("X-MERCHANT-SECRET", "")
    merchant = ctx.state.merchants.get(client_id)
    expected = merchant.client_secret if merchant is not None else "\x00"
    if merchant is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise _invalid()
    exp, jti = int(ctx.now().timestamp()) + ctx.config.token_ttl, os.urandom(8).hex()
    claims = {"iss": "backend-portal", "sub": merchant.client_id, "exp": exp}
    claims |= {"clientId": merchant.client_id, "merchantId": merchant.id, "jti": jti}
    token = jwt_encode(claims, ctx.token_key)
    return ok({"accessToken": token, "expiresIn": str(ctx.config.token_ttl), "tokenType": "Bearer"})
