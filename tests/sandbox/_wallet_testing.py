"""Test helpers: run the wallet sandbox and drive it with hand-signed SNAP requests.

Independent of the ``pivot_async`` client on purpose: the wallet sandbox's own tests use it to
exercise every verification step with exactly the bytes and headers they choose::

    async with wallet_server(clock=ManualClock()) as env:
        token = await env.snap.b2b_token()
        res = await env.snap.call("registration-account-creation", body, token=token)
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from pivot_async._signing import external_id, snap_timestamp, token_signature, transaction_signature
from pivot_async.sandbox import Sandbox
from pivot_async.sandbox._clock import Clock, SystemClock
from pivot_async.sandbox._merchants import SnapCredentials
from pivot_async.sandbox._wallet import WalletConfig, WalletSandbox, wallet_hook

__all__ = ["BoundCustomer", "SnapResult", "SnapTester", "WalletEnv", "compact", "wallet_server"]


def compact(obj: Any) -> bytes:
    """Compact UTF-8 JSON bytes (docs/reference/wire.md#decision-g)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class SnapResult:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]

    @property
    def code(self) -> str:
        return str(self.body.get("responseCode", ""))


@dataclass
class BoundCustomer:
    """A customer bound through the control route, with fresh tokens."""

    binding_id: str
    b2b: str
    access: str
    refresh: str


@dataclass
class SnapTester:
    """Builds and signs SNAP requests for one merchant against a running wallet sandbox."""

    session: aiohttp.ClientSession
    base_url: str
    merchant: SnapCredentials
    clock: Clock
    config: WalletConfig = field(default_factory=WalletConfig)

    def timestamp(self, offset: float = 0.0) -> str:
        return snap_timestamp(self.clock.now() + _dt.timedelta(seconds=offset))

    def external_id(self) -> str:
        return external_id(self.clock.now())

    async def send(self, path: str, body: bytes, headers: Mapping[str, str]) -> SnapResult:
        async with self.session.post(
            self.base_url + path, data=body, headers=dict(headers)
        ) as resp:
            raw = await resp.read()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {"_raw": raw.decode("utf-8", "replace")}
            return SnapResult(resp.status, parsed if isinstance(parsed, dict) else {}, resp.headers)

    def token_headers(
        self,
        *,
        timestamp: str | None = None,
        client_key: str | None = None,
        signature: str | None = None,
    ) -> dict[str, str]:
        ts = timestamp if timestamp is not None else self.timestamp()
        key = client_key if client_key is not None else self.merchant.client_key
        sig = (
            signature
            if signature is not None
            else token_signature(self.merchant.private_key(), key, ts)
        )
        return {
            "Content-Type": "application/json",
            "X-TIMESTAMP": ts,
            "X-CLIENT-KEY": key,
            "X-SIGNATURE": sig,
        }

    async def token_request(
        self, kind: str, body: Mapping[str, Any] | bytes, headers: Mapping[str, str] | None = None
    ) -> SnapResult:
        path = self.config.b2b_token_path if kind == "b2b" else self.config.b2b2c_token_path
        raw = body if isinstance(body, bytes) else compact(body)
        return await self.send(path, raw, headers if headers is not None else self.token_headers())

    async def b2b_token(self) -> str:
        res = await self.token_request(
            "b2b", {"grantType": "client_credentials", "additionalInfo": {}}
        )
        assert res.code == "2007300", res.body
        return str(res.body["accessToken"])

    async def customer_tokens(self, binding_id: str) -> dict[str, Any]:
        res = await self.token_request(
            "b2b2c",
            {"grantType": "authorization_code", "authCode": binding_id, "additionalInfo": {}},
        )
        assert res.code == "2007400", res.body
        return res.body

    async def bind_customer(
        self, phone_no: str = "081800008888", name: str = "Brasco Zig"
    ) -> BoundCustomer:
        """Account creation, the customer's consent (control route), then a B2B2C token."""
        b2b = await self.b2b_token()
        res = await self.call(
            "registration-account-creation",
            {
                "partnerReferenceNo": f"USER{phone_no}",
                "merchantId": self.merchant.merchant_id,
                "name": name,
                "phoneNo": phone_no,
                "redirectUrl": "https://merchant.example/bound",
            },
            token=b2b,
        )
        assert res.code == "2000600", res.body
        control = f"{self.base_url}{self.config.control_prefix}/bind/{res.body['referenceNo']}"
        async with self.session.post(control) as resp:
            assert resp.status == 200
            binding_id = str((await resp.json())["bindingId"])
        tokens = await self.customer_tokens(binding_id)
        return BoundCustomer(
            binding_id, b2b, str(tokens["accessToken"]), str(tokens["refreshToken"])
        )

    def path(self, endpoint: str) -> str:
        return f"{self.config.api_prefix.rstrip('/')}/{endpoint}"

    def headers(
        self,
        endpoint: str,
        body: bytes,
        *,
        token: str,
        customer: str | None = None,
        timestamp: str | None = None,
        external: str | None = None,
        sign_path: str | None = None,
        sign_token: str | None = None,
        sign_body: bytes | None = None,
        secret: str | None = None,
    ) -> dict[str, str]:
        ts = timestamp if timestamp is not None else self.timestamp()
        sig = transaction_signature(
            secret if secret is not None else self.merchant.client_secret,
            "POST",
            sign_path if sign_path is not None else self.path(endpoint),
            sign_token if sign_token is not None else token,
            sign_body if sign_body is not None else body,
            ts,
        )
        out = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": ts,
            "X-SIGNATURE": sig,
            "X-PARTNER-ID": self.merchant.partner_id,
            "X-EXTERNAL-ID": external if external is not None else self.external_id(),
            "CHANNEL-ID": self.merchant.channel_id,
        }
        if customer is not None:
            out["Authorization-Customer"] = f"Bearer {customer}"
        return out

    async def call(
        self,
        endpoint: str,
        body: Mapping[str, Any] | bytes,
        *,
        token: str,
        customer: str | None = None,
        drop: tuple[str, ...] = (),
        override: Mapping[str, str] | None = None,
        **sign: Any,
    ) -> SnapResult:
        """POST a signed request; ``drop`` removes headers, ``override`` replaces them."""
        raw = body if isinstance(body, bytes) else compact(body)
        headers = self.headers(endpoint, raw, token=token, customer=customer, **sign)
        for name in drop:
            headers.pop(name, None)
        headers.update(override or {})
        return await self.send(self.path(endpoint), raw, headers)


@dataclass
class WalletEnv:
    sandbox: Sandbox
    wallet: WalletSandbox
    snap: SnapTester
    session: aiohttp.ClientSession
    base_url: str
    clock: Clock

    def add_merchant(self, private_key_pem: str | None = None) -> SnapCredentials:
        """Another merchant with random SNAP credentials, in the sandbox's one registry."""
        return self.sandbox.state.merchants.add_snap(SnapCredentials.generate(private_key_pem))

    def handled(self, kind: str, status: int | None = None) -> int:
        """Token requests (``kind`` b2b or b2b2c) a handler answered (with ``status``)."""
        cfg = self.wallet.config
        path = cfg.b2b_token_path if kind == "b2b" else cfg.b2b2c_token_path
        return self.sandbox.context.requests.handled("POST", path, status)


@asynccontextmanager
async def wallet_server(
    *,
    clock: Clock | None = None,
    config: WalletConfig | None = None,
) -> AsyncIterator[WalletEnv]:
    """A sandbox whose wallet has ``config``, served on 127.0.0.1 (random port)."""
    clk = clock or SystemClock()
    async with Sandbox(clock=clk, setup_hooks=[wallet_hook(config)]) as sandbox:
        wallet, base = sandbox.wallet, sandbox.url
        async with aiohttp.ClientSession() as session:
            snap = SnapTester(session, base, wallet.default_merchant, clk, wallet.config)
            yield WalletEnv(sandbox, wallet, snap, session, base, clk)
