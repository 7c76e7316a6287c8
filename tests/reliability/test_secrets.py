"""Secrets never leak: representative flows run with every logger at DEBUG, then every log
record, every repr of the objects involved and every exception raised is scanned for the
client secrets, the private key, the tokens and signatures actually sent, the PAN and the CVC.

The tokens and signatures are the real values: an aiohttp trace on the client's session
records every credential header sent and every token issued in a response body.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import logging
import re
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from pivot_async import (
    Card,
    PivotClient,
    PivotConnectionError,
    PivotError,
    WalletCredentials,
    callbacks,
    encrypt_card,
)
from pivot_async.models import ConfirmPaymentRequest, CreatePaymentRequest
from pivot_async.resources._base import coerce_params
from pivot_async.sandbox import Fault

from .conftest import (
    Env,
    bind_customer,
    card_request,
    debit_params,
    hosted_request,
    open_env,
    serve,
)

PAN = "4440000112290002"  # success, challenge
CVC = "739"
CALLBACK_KEY = "cb-key-Zx81-never-logged"
SECRET_HEADERS = ("authorization", "authorization-customer", "x-signature", "x-merchant-secret",
                  "x-api-key", "x-client-secret")
TOKEN_FIELDS = ("accessToken", "refreshToken")
# built so that the source line a traceback quotes does not itself contain the marker
BROKEN_PEM = "-----BEGIN " + "PRIVATE KEY-----\nAAAA\n"


class Recorder:
    """Credential header values sent and token values received, via an aiohttp trace."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.bodies: list[list[bytes]] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_headers_sent.append(self._headers)
        self.trace.on_request_chunk_sent.append(self._request_chunk)
        self.trace.on_response_chunk_received.append(self._response_chunk)

    async def _headers(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        for name, value in params.headers.items():
            if name.lower() in SECRET_HEADERS:
                self.values.add(value)
                self.values.add(value.split(" ", 1)[-1])  # the token without "Bearer "

    async def _request_chunk(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        self._tokens_in(params.chunk)

    async def _response_chunk(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        if not hasattr(ctx, "chunks"):
            ctx.chunks = []
            self.bodies.append(ctx.chunks)
        ctx.chunks.append(params.chunk)

    def _tokens_in(self, body: bytes) -> None:
        with contextlib.suppress(ValueError):
            data = json.loads(body)
            if isinstance(data, dict):
                for holder in (data, data.get("data")):
                    if isinstance(holder, dict):
                        for name in TOKEN_FIELDS:
                            if isinstance(holder.get(name), str):
                                self.values.add(holder[name])

    def secrets(self) -> set[str]:
        for chunks in self.bodies:
            self._tokens_in(b"".join(chunks))
        values = {v for v in self.values if len(v) >= 8}
        for value in list(values):  # a JWT's claims and signature are secret on their own
            parts = value.split(".")
            if len(parts) == 3:
                values.update(p for p in parts[1:] if len(p) >= 16)
        return values


@contextlib.asynccontextmanager
async def traced_env(recorder: Recorder) -> AsyncIterator[Env]:
    async with aiohttp.ClientSession(trace_configs=[recorder.trace]) as session, \
            open_env(session=session) as env:
        yield env


def card_plaintext_patterns() -> list[re.Pattern[str]]:
    """The CVC is short, so it is only looked for where it would leak: as a quoted value, a
    keyword value or next to its name."""
    return [
        re.compile(re.escape(PAN)),
        re.compile(rf"['\"]{CVC}['\"]"),
        re.compile(rf"=\s*{CVC}\b"),
        re.compile(rf"(?i)cvc\W{{0,6}}{CVC}\b"),
    ]


def texts_of_records(records: list[logging.LogRecord]) -> list[str]:
    out: list[str] = []
    formatter = logging.Formatter()
    for record in records:
        out.append(record.getMessage())
        out.append(repr(record.args))
        if record.exc_info:
            out.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            out.append(record.exc_text)
        if record.stack_info:
            out.append(record.stack_info)
    return out


def texts_of_error(exc: BaseException) -> list[str]:
    out = [str(exc), repr(exc), "".join(traceback.format_exception_only(type(exc), exc))]
    for attr in ("message", "details", "references", "request_id", "field", "rule"):
        out.append(repr(getattr(exc, attr, None)))
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None and chained is not exc:
            out += [str(chained), repr(chained)]
    # what a crash reporter or ``pytest --showlocals`` prints: every frame's locals, chained
    # exceptions included (issue 15, point 6)
    out += list(traceback.TracebackException(
        type(exc), exc, exc.__traceback__, capture_locals=True).format())
    return out


class Flows:
    """Runs calls, keeping every object worth a repr and every error raised."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.errors: list[BaseException] = []

    async def call(self, make: Callable[[], Awaitable[Any]]) -> Any:
        try:
            result = await make()
        except PivotError as exc:
            self.errors.append(exc)
            return None
        self.objects.append(result)
        return result

    def sync(self, make: Callable[[], Any]) -> Any:
        try:
            result = make()
        except PivotError as exc:
            self.errors.append(exc)
            return None
        self.objects.append(result)
        return result


async def run_payment_flows(env: Env, flows: Flows) -> None:
    client, sandbox = env.client, env.sandbox
    # card: create, encrypt (executor and pure), confirm, 3DS, retrieve
    session = await flows.call(lambda: client.payments.create(card_request("sec1",
                                                                          capture="automatic")))
    card = Card(PAN, 12, dt.date.today().year + 1, cvc=CVC, name_on_card="Siti Aminah")
    flows.objects.append(card)
    encrypted = await client.cards.encrypt(session.encryption_key, card)
    flows.objects.append(encrypt_card(session.encryption_key, card))
    await flows.call(lambda: client.payments.confirm(session.id, {
        "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
    }))
    sandbox.complete_3ds(session.id)
    await flows.call(lambda: client.payments.retrieve(session.id))
    # a plain card in a request model (its repr is redacted) and card validation errors
    flows.sync(lambda: coerce_params({
        "paymentMethod": {"type": "CARD", "card": {"number": PAN, "expMonth": 12,
                                                   "expYear": 2031, "cvc": CVC}},
    }, ConfirmPaymentRequest))
    flows.sync(lambda: Card(PAN[:-1] + "3", 12, 2031, cvc=CVC))  # Luhn
    flows.sync(lambda: Card(PAN, 13, 2031, cvc=CVC))  # month
    flows.sync(lambda: Card(PAN, 12, 2031, cvc=CVC + "99"))  # cvc
    flows.sync(lambda: encrypt_card("bm90LWEta2V5", card))  # malformed encryptionKey
    # retries (INFO logs), a 401 replay, 4xx with bodies, 422, 404
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=1))
    sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments", times=1, skip=1))
    sandbox.revoke_tokens()
    hosted = await flows.call(lambda: client.payments.create(hosted_request("sec2")))
    bad = copy.deepcopy(hosted_request("sec3"))
    bad["amount"] = {"value": 1, "currency": "IDR"}  # below the method minimum: 400
    order = bad["orderInformation"]
    assert order is not None and order["productDetails"] is not None
    price = order["productDetails"][0]["price"]
    assert price is not None
    price["value"] = 1
    await flows.call(lambda: client.payments.create(bad))
    await flows.call(lambda: client.payments.cancel(hosted.id))
    await flows.call(lambda: client.payments.cancel(hosted.id))  # 422
    await flows.call(lambda: client.payments.retrieve("0190f1d2-0000-7000-8000-00000000dead"))
    flows.sync(lambda: coerce_params({"clientReferenceId": "x"}, CreatePaymentRequest))
    # failures that travel up through the middlewares holding the token and the secret (their
    # frames' locals are what a captured-locals traceback prints)
    sandbox.faults.add(Fault(kind="reset", route="GET /v2/payment-method-configs", times=3))
    await flows.call(lambda: client.payment_method_configs.retrieve())
    async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                           max_retries=0) as fresh:
        sandbox.faults.add(Fault(kind="reset", route="POST /v1/access-token", times=1))
        await flows.call(lambda: fresh.payment_method_configs.retrieve())
    # wrong secret: 401 on the token
    async with PivotClient(sandbox.client_id, "wrong-secret-Qv7-never-logged",
                           base_url=sandbox.url) as wrong:
        flows.objects.append(wrong)
        await flows.call(lambda: wrong.payment_method_configs.retrieve())


async def run_wallet_flows(env: Env, flows: Flows) -> None:
    client, wallet, sandbox = env.client, env.wallet, env.sandbox
    customer = await bind_customer(env)
    flows.objects.append(customer)
    await flows.call(lambda: client.wallet.balance(customer))
    sandbox.faults.add(Fault(kind="reset", route="POST /wallet-backend/*balance-inquiry",
                             times=3))
    await flows.call(lambda: client.wallet.balance(customer))  # through the SNAP middlewares
    await flows.call(lambda: client.wallet.debit(customer, debit_params("SECD1")))
    debit_route = "POST /wallet-backend/snap/v1.0/debit/payment-host-to-host"
    sandbox.faults.add(kind="drop", route=debit_route, times=1)
    await flows.call(lambda: client.wallet.debit(customer, debit_params("SECD2")))
    await flows.call(lambda: client.wallet.debit_status(customer, "SECD2"))
    await flows.call(lambda: client.wallet.debit(customer, debit_params("SECD3", "99999999.00")))
    sandbox.advance(2 * 3600)  # both access tokens expire: B2B re-issued, customer refreshed
    await flows.call(lambda: client.wallet.balance(customer))
    await flows.call(lambda: client.wallet.debit_status(customer, "NOSUCH"))
    ghost = client.wallet.customer("no-such-binding")
    flows.objects.append(ghost)
    await flows.call(lambda: client.wallet.balance(ghost))  # RebindRequiredError
    m = wallet.default_merchant
    assert m.private_key_pem is not None
    bad = WalletCredentials(m.client_key, "wrong-hmac-Kp2-never-logged", m.private_key_pem,
                            channel_id=m.channel_id, partner_id=m.partner_id)
    flows.objects.append(bad)
    async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                           wallet=bad, wall_clock=env.clock.now) as other:
        await flows.call(lambda: other.wallet.balance(other.wallet.customer("x")))
        await flows.call(lambda: other.wallet.create_account({
            "partnerReferenceNo": "U2", "merchantId": m.merchant_id, "phoneNo": "0818000099",
        }))
    flows.sync(lambda: WalletCredentials("ck", "s", BROKEN_PEM, channel_id="1"))


async def run_callback_flows(flows: Flows) -> None:
    """Pivot's side of the callbacks: a wrong key, a bad body, a failing handler."""
    app = web.Application()
    app.router.add_post("/cb", callbacks.callback_handler(CALLBACK_KEY, _failing_handler))
    async with serve(app) as url, aiohttp.ClientSession() as http:
        for key, body in (("wrong-key", b'{"event":"PAYMENT.PAID","data":{}}'),
                          (CALLBACK_KEY, b"not json"),
                          (CALLBACK_KEY, b'{"event":"SOMETHING.NEW","data":{"id":"s1"}}')):
            async with http.post(f"{url}/cb", data=body,
                                 headers={"X-API-Key": key}) as resp:
                flows.objects.append(resp.status)
    assert flows.objects[-3:] == [401, 400, 500]


async def _failing_handler(event: Any) -> None:
    raise RuntimeError("handler failed")  # exercises the handler-failure log path


async def test_no_secret_in_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("pivot_async", "aiohttp", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    recorder = Recorder()
    flows = Flows()
    async with traced_env(recorder) as env:
        await run_payment_flows(env, flows)
        await run_wallet_flows(env, flows)
        await run_callback_flows(flows)
        flows.objects += [env.client, env.credentials, env.client.wallet.tokens,
                          env.client.wallet.tokens.b2b, env.client._tokens, env.sandbox]
        m = env.wallet.default_merchant
        assert m.private_key_pem is not None
        key_lines = [line for line in m.private_key_pem.splitlines()
                     if line and not line.startswith("-----")]
        secrets = recorder.secrets() | {
            env.sandbox.client_secret, m.client_secret, CALLBACK_KEY,
            "wrong-secret-Qv7-never-logged", "wrong-hmac-Kp2-never-logged",
            *key_lines[1:-1],
        }
        texts = texts_of_records(caplog.records)
        texts += [repr(o) for o in flows.objects] + [str(o) for o in flows.objects]
        for exc in flows.errors:
            texts += texts_of_error(exc)

    # the flows really ran: tokens, signatures, retries, errors and log records were produced
    assert any(v.count(".") == 2 for v in recorder.values)  # a JWT access token was sent
    assert len(recorder.values) >= 10
    error_names = {type(e).__name__ for e in flows.errors}
    assert sum(isinstance(e, PivotConnectionError) for e in flows.errors) >= 3
    assert {"AuthenticationError", "BadRequestError", "UnprocessableEntityError",
            "NotFoundError", "RequestValidationError", "InsufficientFundsError",
            "RebindRequiredError", "InvalidSignatureError", "ConfigurationError",
            "EncryptionError", "TransactionNotFoundError"} <= error_names, error_names
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "retrying" in messages and "fresh access token" in messages
    assert "callback rejected" in messages and "callback handler failed" in messages
    assert any(r.levelno == logging.DEBUG and r.name == "pivot_async" for r in caplog.records)

    # a leak is reported by where it is, with the secret itself blanked out
    leaks = sorted({text.replace(secret, "<SECRET>")[:160] for text in texts
                    for secret in secrets if secret in text})
    assert leaks == []
    card_leaks = [(p.pattern, text[:120]) for text in texts for p in card_plaintext_patterns()
                  if p.search(text)]
    assert card_leaks == []
    assert not any("PRIVATE KEY" in text for text in texts)


_ENV_SECRET = "env-secret-Hq4-never-shown"
_ENV_HMAC = "env-hmac-Zt9-never-shown"
_ENV_PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7never"


def test_failing_construction_from_env_shows_no_secret_in_captured_locals() -> None:
    env = {"PIVOT_CLIENT_ID": "merchant", "PIVOT_CLIENT_SECRET": _ENV_SECRET,
           "PIVOT_WALLET_CLIENT_KEY": "ck", "PIVOT_WALLET_CLIENT_SECRET": _ENV_HMAC,
           "PIVOT_WALLET_PRIVATE_KEY": "-----BEGIN RSA " + "PRIVATE KEY-----\n"
           + _ENV_PEM_BODY + "\n-----END RSA " + "PRIVATE KEY-----",
           "PIVOT_WALLET_CHANNEL_ID": "95221"}
    errors: list[BaseException] = []
    make: Callable[[], PivotClient]
    for make in (lambda: PivotClient.from_env(env.copy()),
                 lambda: PivotClient("merchant", _ENV_SECRET, connection_limit=0)):
        try:
            make()
        except PivotError as exc:
            errors.append(exc)
    assert len(errors) == 2
    for error in errors:
        # the caller's own ``env`` mapping is the caller's: only library frames are checked
        library = _library_locals(error)
        assert library
        for secret in (_ENV_SECRET, _ENV_HMAC, _ENV_PEM_BODY):
            assert secret not in library, library


def _library_locals(exc: BaseException) -> str:
    """The captured locals of every pivot_async frame of ``exc`` and its chained errors."""
    out: list[str] = []
    te: traceback.TracebackException | None = traceback.TracebackException(
        type(exc), exc, exc.__traceback__, capture_locals=True)
    seen = 0
    while te is not None and seen < 10:
        for frame in te.stack:
            if "/pivot_async/" in frame.filename:
                out.append(f"{frame.filename}:{frame.name} {frame.locals}")
        te = te.__cause__ or te.__context__
        seen += 1
    return "\n".join(out)
