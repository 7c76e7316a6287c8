"""``python -m pivot_async demo``: the main flows against the embedded sandbox, visibly.

No credentials and no network: the sandbox runs in-process on 127.0.0.1, a callback receiver
beside it, and the client talks to both over loopback exactly as it would talk to Pivot.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp
from aiohttp import web

__all__ = ["build_demo", "run_demo"]

CALLBACK_KEY = "demo-callback-key-0001"
REDIRECT = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}


def _say(text: str = "") -> None:
    print(text, flush=True)


def _step(title: str, code: Callable[..., Any] | None = None, example: str | None = None) -> None:
    _say()
    _say(f"== {title}")
    if code is not None:
        where = f"{code.__module__.replace('.', '/')}.py: {code.__name__}()"
        if example:
            where += f"; docs/examples/{example} in the repository"
        _say(f"   code: {where}")


_SECRET_PARAMS = frozenset({"token", "access_token", "accesstoken", "code", "signature",
                            "sig", "secret", "key"})
_URL_LIMIT = 100


def show_url(url: str | None) -> str:
    """``url`` for the screen: token-like query values hidden, and at most 100 characters.

    A link such as ``.../account-linkage-bind?token=eyJ...`` carries a bearer token; the
    screen shows ``token=…`` instead. A long URL (a deep link that embeds another) is cut
    with ``…``.
    """
    if not url:
        return str(url)
    parts = urlsplit(url)
    if parts.query:
        pairs = []
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            hidden = name.lower() in _SECRET_PARAMS
            pairs.append(f"{name}=…" if hidden else f"{name}={value}")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pairs),
                          parts.fragment))
    return url if len(url) <= _URL_LIMIT else url[: _URL_LIMIT - 1] + "…"


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any] | None = None) -> Any:
    async with http.post(url, json=body or {}) as resp:
        resp.raise_for_status()
        return await resp.json()


class _Inbox:
    """Collects the callbacks the sandbox delivers to the demo's receiver."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def __call__(self, event: Any) -> None:
        self.events.append(event.event)


async def start_receiver(inbox: _Inbox) -> tuple[web.AppRunner, str]:
    from .callbacks import callback_handler

    app = web.Application()
    app.router.add_post("/pivot/callbacks", callback_handler(CALLBACK_KEY, inbox))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/pivot/callbacks"


async def flow_card(client: Any, http: aiohttp.ClientSession, base: str) -> None:
    from . import Card

    _step("Card, API mode with your own form: encrypt, confirm, 3DS", flow_card,
          "card_encrypted.py")
    session = await client.payments.create({
        "clientReferenceId": "democard1",
        "amount": {"value": 150000, "currency": "IDR"},
        "mode": "API", "autoConfirm": False,
        "paymentMethod": {"type": "CARD"},
        "paymentMethodOptions": {"card": {"captureMethod": "automatic",
                                          "threeDsMethod": "CHALLENGE"}},
        "redirectUrl": REDIRECT,
        "orderInformation": {"productDetails": [{
            "type": "PHYSICAL", "name": "Kopi Luwak", "quantity": 1,
            "price": {"value": 150000, "currency": "IDR"}}]},
    })
    _say(f"created   {session.id}  {session.status}  (encryptionKey received)")
    card = Card("4440000112290002", 12, dt.date.today().year + 2, cvc="123",
                name_on_card="Siti Aminah")
    encrypted = await client.cards.encrypt(session.encryption_key, card)
    _say(f"encrypted {card!r} -> {len(encrypted)} chars (RSA-OAEP-SHA256 + AES-256-GCM)")
    confirmed = await client.payments.confirm(session.id, {
        "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
        "paymentMethodOptions": {"card": {"captureMethod": "automatic",
                                          "threeDsMethod": "CHALLENGE"}},
    })
    _say(f"confirmed {confirmed.status}; 3DS page: {show_url(confirmed.payment_url)}")
    await _post(http, f"{base}/_sandbox/3ds/{session.id}", {"action": "complete"})
    paid = await client.payments.retrieve(session.id)
    charge = paid.charge_details[0]
    _say(f"3DS done  {paid.status}; card {charge.card.first6}...{charge.card.last4} "
         f"{charge.card.bin_informations.brand if charge.card.bin_informations else ''}")


async def flow_va(client: Any) -> str:
    _step("Virtual account, settled by the simulation API", flow_va, "va_payment.py")
    session = await client.payments.create({
        "clientReferenceId": "demova1",
        "amount": {"value": 250000, "currency": "IDR"},
        "mode": "API",
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
        "redirectUrl": REDIRECT,
        "customer": {"givenName": "Budi", "email": "budi@example.com"},
    })
    va = session.charge_details[0].virtual_account
    _say(f"created   {session.id}  {session.status}; "
         f"pay to {va.channel} {va.virtual_account_number}")
    await client.simulations.create({"paymentSessionId": session.id, "chargeStatus": "SUCCESS"})
    paid = await client.payments.retrieve(session.id)
    _say(f"simulated {paid.status}")
    return str(paid.id)


async def flow_ewallet(client: Any) -> None:
    _step("E-wallet (DANA), test account 08111111001", flow_ewallet, "ewallet_payment.py")
    session = await client.payments.create({
        "clientReferenceId": "demoewallet1",
        "amount": {"value": 75000, "currency": "IDR"},
        "mode": "API",
        "paymentMethod": {"type": "EWALLET", "ewallet": {"accountIdentifier": "08111111001"}},
        "paymentMethodOptions": {"ewallet": {"channel": "DANA"}},
        "redirectUrl": REDIRECT,
    })
    _say(f"created   {session.id}  {session.status}; deep link {show_url(session.payment_url)}")
    # the test account pays by itself once the customer "opens" the deep link
    current = await client.payments.retrieve(session.id)
    if current.status != "PAID":
        await client.simulations.create(
            {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
        )
        current = await client.payments.retrieve(session.id)
    _say(f"paid      {current.status}")


async def flow_refund(client: Any, sandbox: Any, session_id: str) -> None:
    _step("Refund part of the VA payment", flow_refund, "refunds.py")
    refund = await client.refunds.create({
        "clientReferenceId": "demorefund1", "paymentSessionId": session_id,
        "amount": {"value": "50000", "currency": "IDR"}, "reason": "REQUESTED_BY_CUSTOMER",
    })
    _say(f"refund    {refund.id}  {refund.status}")
    sandbox.advance_refund(refund.id)
    _say(f"refund    {(await client.refunds.retrieve(refund.id)).status}")


async def flow_wallet(client: Any, http: aiohttp.ClientSession, base: str,
                       merchant_id: str) -> None:
    _step("Pivot Pay wallet over SNAP: bind, customer token, debit, status", flow_wallet,
          "wallet.py")
    created = await client.wallet.create_account({
        "partnerReferenceNo": "DEMOUSER1", "merchantId": merchant_id, "name": "Budi",
        "phoneNo": "081800008888", "redirectUrl": "https://shop.example/bound",
    })
    _say(f"account   {created.response_code}; "
         f"activation link {show_url(created.additional_info.activation_link)}")
    bound = await _post(http, f"{base}/_sandbox/wallet/bind/{created.reference_no}")
    customer = client.wallet.customer(str(bound["bindingId"]))
    balance = await client.wallet.balance(customer)
    _say(f"bound     {customer!r}; balance {balance.account_infos[0].available_balance.value}")
    result = await client.wallet.debit(customer, {
        "subMerchantId": "DEMOSUB1",
        "partnerReferenceNo": "DEMODEBIT1", "amount": {"value": "35000.00", "currency": "IDR"},
        "urlParams": [{"url": "https://shop.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    })
    _say(f"debit     {result.reference_no}; confirm at {show_url(result.web_redirect_url)}")
    await _post(http, f"{base}/_sandbox/wallet/pay/{result.reference_no}")
    status = await client.wallet.debit_status(customer, "DEMODEBIT1")
    after = await client.wallet.balance(customer)
    _say(f"status    {status.latest_transaction_status} ({status.transaction_status_desc}); "
         f"balance {after.account_infos[0].available_balance.value}")


async def flow_batch(client: Any, count: int, folder: Path | None) -> Any:
    from .batch import BatchRunner, Operation

    _step(f"Batch: {count} payment sessions at concurrency 32, journaled (pivot_async.batch)",
          flow_batch, "batch_job.py")
    operations = (
        Operation.create_payment(i, {
            "clientReferenceId": f"demobatch{i:05d}",
            "amount": {"value": 10000 + i, "currency": "IDR"},
            "mode": "API", "paymentMethod": {"type": "QR"},
            "redirectUrl": REDIRECT,
        })
        for i in range(1, count + 1)
    )
    with tempfile.TemporaryDirectory(prefix="pivot-demo-") as tmp:
        where = folder if folder is not None else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        runner = BatchRunner(client, concurrency=32, journal=where / "demo.journal.sqlite")
        summary = await runner.run(operations, total=count,
                                   results_path=where / "demo.results.csv")
        _say(summary.format())
    if folder is None:
        _say("  (--discard: the results file and the journal above were deleted)")
    else:
        _say(f"  kept in {folder}: demo.results.csv (one line per row) and "
             "demo.journal.sqlite (what makes the job resumable); delete the folder when done")
    return summary


async def run_demo(batch_size: int = 300, folder: Path | None = None) -> int:
    """Run every flow; 0 on success.

    The batch step writes its results file and journal into ``folder``, which is left in
    place; ``None`` writes them to a temporary folder deleted at once (and says so).
    """
    from . import PivotClient
    from .sandbox import Sandbox

    inbox = _Inbox()
    runner, callback_url = await start_receiver(inbox)
    try:
        async with Sandbox(callback_url=callback_url, callback_key=CALLBACK_KEY,
                           callback_delay_scale=0.001) as sandbox:
            wallet = sandbox.wallet.default_merchant.client_credentials()
            _say(f"Embedded Pivot sandbox at {sandbox.url}; callbacks to {callback_url}")
            async with PivotClient(sandbox.client_id, sandbox.client_secret,
                                   base_url=sandbox.url, wallet=wallet) as client, \
                    aiohttp.ClientSession() as http:
                await flow_card(client, http, sandbox.url)
                va_id = await flow_va(client)
                await flow_ewallet(client)
                await flow_refund(client, sandbox, va_id)
                await flow_wallet(client, http, sandbox.url,
                                   sandbox.wallet.default_merchant.merchant_id)
                await sandbox.callbacks.wait_idle()
                _step("Callbacks received (X-API-Key verified, duplicates dropped)",
                      start_receiver, "callbacks_aiohttp.py")
                for name in sorted(set(inbox.events)):
                    _say(f"{inbox.events.count(name):3d} x {name}")
                summary = await flow_batch(client, batch_size, folder)
    finally:
        await runner.cleanup()
    _step("Summary")
    _say(f"card, VA, e-wallet, refund and wallet flows: ok; callbacks received: "
         f"{len(inbox.events)}; batch: {summary.succeeded}/{batch_size} sessions")
    if not inbox.events or summary.succeeded != batch_size:
        return 1
    return 0


def build_demo(subparsers: Any) -> None:
    """Register ``demo`` on the CLI."""
    parser = subparsers.add_parser(
        "demo", help="run the main flows against the embedded sandbox (no network needed)"
    )
    parser.add_argument("--batch", type=int, default=300, help="sessions in the batch step")
    files = parser.add_mutually_exclusive_group()
    files.add_argument("--out", default=None, metavar="DIR",
                       help="folder for the batch step's results file and journal, kept after "
                            "the demo (default: a new pivot-demo-* folder in the temporary "
                            "directory, kept and printed)")
    files.add_argument("--discard", action="store_true",
                       help="delete the batch step's results file and journal at the end")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("pivot_async demo: --batch must be >= 1", file=sys.stderr)
        return 2
    folder: Path | None = None
    if not args.discard:
        folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="pivot-demo-"))
    return asyncio.run(run_demo(args.batch, folder))
