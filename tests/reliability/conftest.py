"""Shared helpers of the reliability suite: a sandbox with the wallet on a manual clock at
real now, a client whose backoff sleeps are recorded (never slept), and the setups the
fault matrix, the soak and the secrets tests need."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from pivot_async import Card, PivotClient, Timeout, WalletCredentials, WalletCustomer
from pivot_async.models import CreatePaymentParams, DebitPaymentParams
from pivot_async.sandbox import ManualClock, RequestRecord, Sandbox, SandboxConfig
from pivot_async.sandbox._wallet import WALLET_APP_KEY, WalletSandbox
from tests.client.conftest import RecordingSleep, hosted_request, va_request

__all__ = [
    "DEBIT_PATH",
    "STATUS_PATH",
    "Env",
    "RecordingSleep",
    "bind_customer",
    "card_request",
    "card_session_waiting_for_capture",
    "debit_params",
    "hosted_request",
    "open_env",
    "paid_va_session",
    "serve",
    "settle",
    "va_request",
]

WALLET_PREFIX = "/wallet-backend/snap/v1.0"
DEBIT_PATH = f"{WALLET_PREFIX}/debit/payment-host-to-host"
STATUS_PATH = f"{WALLET_PREFIX}/debit/status"
NEXT_YEAR = dt.date.today().year + 1


@dataclass
class Env:
    """One sandbox (gateway + wallet) and one client configured for it."""

    sandbox: Sandbox
    wallet: WalletSandbox
    client: PivotClient
    sleeps: RecordingSleep
    clock: ManualClock
    credentials: WalletCredentials


@contextlib.asynccontextmanager
async def open_env(
    *,
    timeout: Timeout | float | None = None,
    seed: int | None = 1,
    connection_limit: int = 100,
    session: aiohttp.ClientSession | None = None,
    request_log_size: int | None = None,
) -> AsyncIterator[Env]:
    """A started sandbox on a :class:`ManualClock` at real now (the wallet checks the SNAP
    timestamp against it) and a client that follows that clock and records its sleeps."""
    clock = ManualClock(dt.datetime.now(dt.timezone.utc))
    config = None
    if request_log_size is not None:  # the soak reads every request back from the log
        config = SandboxConfig(callback_delay_scale=0.0001, request_log_size=request_log_size)
    async with Sandbox(
        clock=clock, seed=seed, callback_delay_scale=0.0001, config=config
    ) as sandbox:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        sleeps = RecordingSleep()
        async with PivotClient(
            sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, wallet=creds,
            sleep=sleeps, wall_clock=clock.now, timeout=timeout,
            connection_limit=connection_limit, session=session,
        ) as client:
            yield Env(sandbox, wallet, client, sleeps, clock, creds)


async def settle(sandbox: Sandbox, records: Sequence[RequestRecord] | None = None) -> None:
    """Wait (bounded) until every logged request has been answered or aborted.

    A request delayed by a ``latency`` fault is still handled after the client gave up on it;
    the final state is only final once it has run.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15.0
    while True:
        pending = [
            r for r in (sandbox.requests if records is None else records)
            if r.status is None and r.fault not in ("reset", "drop")
        ]
        if not pending:
            return
        assert loop.time() < deadline, f"{len(pending)} sandbox requests never finished"
        await asyncio.sleep(0.02)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def bind_customer(env: Env, phone: str = "081800008888") -> WalletCustomer:
    """Create a wallet account and complete its binding as the customer would."""
    created = await env.client.wallet.create_account({
        "partnerReferenceNo": f"USER{phone}",
        "merchantId": env.wallet.default_merchant.merchant_id,
        "name": "Budi",
        "phoneNo": phone,
        "redirectUrl": "https://merchant.example/bound",
    })
    url = f"{env.sandbox.url}/_sandbox/wallet/bind/{created.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(url) as resp:
        assert resp.status == 200
        binding_id = str((await resp.json())["bindingId"])
    return env.client.wallet.customer(binding_id)


def debit_params(ref: str, value: str = "1000.00") -> DebitPaymentParams:
    return {
        "subMerchantId": "SUBMERCHANT1",
        "partnerReferenceNo": ref,
        "amount": {"value": value, "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    }


async def paid_va_session(env: Env, ref: str) -> str:
    """A VA session paid through the simulation (a SUCCESS charge to refund)."""
    session = await env.client.payments.create(va_request(ref))
    env.sandbox.simulate(session.id)
    return session.id


def card_request(ref: str, *, capture: str = "manual") -> CreatePaymentParams:
    req = hosted_request(ref)
    req.update({
        "amount": {"value": 150000, "currency": "IDR"},
        "mode": "API",
        "autoConfirm": False,
        "paymentMethod": {"type": "CARD"},
        "paymentMethodOptions": {"card": {"captureMethod": capture,
                                          "threeDsMethod": "CHALLENGE"}},
    })
    order = req["orderInformation"]
    assert order is not None and order["productDetails"] is not None
    price = order["productDetails"][0]["price"]
    assert price is not None
    price["value"] = 150000
    return req


async def card_session_waiting_for_capture(
    env: Env, ref: str, pan: str = "5550000112220002", cvc: str = "123"
) -> str:
    """A manual-capture card session, encrypted card confirmed and 3DS done."""
    client = env.client
    session = await client.payments.create(card_request(ref))
    assert session.encryption_key
    card = Card(pan, 12, NEXT_YEAR, cvc=cvc, name_on_card="Siti Aminah")
    encrypted = await client.cards.encrypt(session.encryption_key, card)
    await client.payments.confirm(session.id, {
        "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
        "paymentMethodOptions": {"card": {"captureMethod": "manual",
                                          "threeDsMethod": "CHALLENGE"}},
    })
    env.sandbox.complete_3ds(session.id)
    return session.id


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) for the block; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    try:
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
