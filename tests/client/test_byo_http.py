"""Bring your own HTTP setup: a session's own middlewares, a proxy, ``trust_env``.

Everything runs on 127.0.0.1: the sandbox (gateway + wallet), a second origin that records
what it gets, and a tiny forwarding HTTP proxy that records every request it relays.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from pivot_async import APIError, ConfigurationError, PivotClient, PivotConnectionError
from pivot_async._middlewares import CREDENTIAL_HEADERS
from pivot_async.sandbox import Fault, ManualClock, Sandbox
from pivot_async.sandbox._wallet import WALLET_APP_KEY
from tests.reliability.conftest import (
    Env,
    RecordingSleep,
    bind_customer,
    debit_params,
    open_env,
    serve,
    va_request,
)
from tests.reliability.test_origin_scoping import other_origin, redirecting_gateway

FORBIDDEN = {h.lower() for h in (*CREDENTIAL_HEADERS, "X-TIMESTAMP")}
WALLET_PREFIX = "/wallet-backend/snap/v1.0"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
              "trailer", "transfer-encoding", "upgrade", "host"}
PROXY_USER, PROXY_PASSWORD = "proxyuser", "proxy-pass-not-a-secret-123"


# -- a user middleware that records what it sees ---------------------------------------------


@dataclass
class UserRecorder:
    """A user's aiohttp client middleware: records each request it handles."""

    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    async def __call__(
        self, req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        self.seen.append((req.method, req.url.path, dict(req.headers)))
        req.headers["X-User-Layer"] = "1"  # what the user's layer adds reaches the wire
        return await handler(req)

    def to(self, method: str, path: str) -> list[dict[str, str]]:
        return [h for m, p, h in self.seen if (m, p) == (method, path)]


async def test_session_middlewares_see_every_payments_attempt_with_final_headers(
    sandbox: Sandbox, sleeps: RecordingSleep
) -> None:
    recorder = UserRecorder()
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=2))
    async with aiohttp.ClientSession(middlewares=(recorder,)) as http, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, sleep=sleeps,
        session=http,
    ) as client:
        created = await client.payments.create(va_request("byo1001"))
        await client.payments.retrieve(created.id)
        # The user's middlewares still run on the user's own requests.
        async with http.get(f"{sandbox.url}/v2/payments/{created.id}") as resp:
            assert resp.status == 401
    attempts = recorder.to("POST", "/v2/payments")
    assert len(attempts) == 3  # every attempt, not once per call
    assert len({h["X-REQUEST-ID"] for h in attempts}) == 1
    # Innermost: after the client's layers, so the final headers are there.
    assert all(h["Authorization"].startswith("Bearer ") for h in attempts)
    assert len(recorder.to("POST", "/v1/access-token")) == 1  # token requests too
    assert len(recorder.to("GET", f"/v2/payments/{created.id}")) == 2
    assert sandbox.request_count("POST", "/v2/payments") == 3
    assert all(r.headers.get("X-User-Layer") == "1"
               for r in sandbox.requests_to("POST", "/v2/payments"))


async def test_session_middlewares_see_every_signed_wallet_attempt() -> None:
    recorder = UserRecorder()
    async with aiohttp.ClientSession(middlewares=(recorder,)) as http, \
            open_env(session=http) as env:
        customer = await bind_customer(env)
        env.sandbox.faults.add(
            kind="status", status=500, route=f"POST {WALLET_PREFIX}/balance-inquiry", times=1)
        balance = await env.client.wallet.balance(customer)
        await env.client.wallet.debit(customer, debit_params("BYO1"))
    assert balance.account_infos
    attempts = recorder.to("POST", f"{WALLET_PREFIX}/balance-inquiry")
    balance_path = f"{WALLET_PREFIX}/balance-inquiry"
    assert len(attempts) == 2 == env.sandbox.request_count("POST", balance_path)
    for headers in attempts:
        for name in ("Authorization", "Authorization-Customer", "X-TIMESTAMP", "X-SIGNATURE",
                     "X-EXTERNAL-ID", "X-PARTNER-ID", "CHANNEL-ID"):
            assert headers.get(name), name
    assert attempts[0]["X-EXTERNAL-ID"] != attempts[1]["X-EXTERNAL-ID"]  # re-signed
    assert len(recorder.to("POST", f"{WALLET_PREFIX}/debit/payment-host-to-host")) == 1
    assert len(recorder.to("POST", "/snap/v1.0/access-token/b2b")) == 1
    # The signature covers the body as sent: the wallet accepted every signed request.
    assert env.sandbox.request_count("POST", f"{WALLET_PREFIX}/debit/payment-host-to-host") == 1


# -- a tiny forwarding HTTP proxy --------------------------------------------------------------


@dataclass
class ForwardingProxy:
    """Relays absolute-form HTTP requests; answers 407 without the expected credentials."""

    http: aiohttp.ClientSession
    expected_auth: str | None = None
    seen: list[tuple[str, URL, dict[str, str]]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append((request.method, request.url, headers))
        if self.expected_auth is not None and (
            headers.get("proxy-authorization") != self.expected_auth
        ):
            return web.Response(status=407, headers={"Proxy-Authenticate": 'Basic realm="t"'})
        body = await request.read()
        forward = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self.http.request(request.method, request.url, headers=forward, data=body,
                                     allow_redirects=False) as resp:
            payload = await resp.read()
            back = {k: v for k, v in resp.headers.items()
                    if k.lower() not in HOP_BY_HOP | {"content-length", "content-encoding"}}
            return web.Response(status=resp.status, body=payload, headers=back)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    def to_origin(self, origin: str) -> list[dict[str, str]]:
        want = URL(origin)
        return [h for _, url, h in self.seen if (url.host, url.port) == (want.host, want.port)]


@contextlib.asynccontextmanager
async def forwarding_proxy(
    *, user: str | None = None, password: str | None = None
) -> AsyncIterator[tuple[ForwardingProxy, str]]:
    expected = None
    if user is not None and password is not None:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    async with aiohttp.ClientSession() as http:
        proxy = ForwardingProxy(http, expected)
        async with serve(proxy.app()) as url:
            yield proxy, url


def _with_credentials(url: str) -> str:
    return str(URL(url).with_user(PROXY_USER).with_password(PROXY_PASSWORD))


@contextlib.asynccontextmanager
async def proxied_env(proxy: str) -> AsyncIterator[Env]:
    clock = ManualClock(dt.datetime.now(dt.timezone.utc))
    async with Sandbox(clock=clock, seed=1, callback_delay_scale=0.0001) as sandbox:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        sleeps = RecordingSleep()
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=creds, sleep=sleeps, wall_clock=clock.now,
                               proxy=proxy) as client:
            yield Env(sandbox, wallet, client, sleeps, clock, creds)


async def test_every_request_goes_through_the_proxy_with_proxy_credentials() -> None:
    async with forwarding_proxy(user=PROXY_USER, password=PROXY_PASSWORD) as (proxy, url), \
            proxied_env(_with_credentials(url)) as env:
        assert PROXY_PASSWORD not in repr(env.client)
        await env.client.payments.create(va_request("proxy1001"))
        customer = await bind_customer(env)  # the binding step itself is not the client's
        await env.client.wallet.balance(customer)
        await env.client.wallet.debit(customer, debit_params("PROXY1"))
        client_requests = [r for r in env.sandbox.requests
                           if not r.path.startswith("/_sandbox/")]
    relayed = proxy.to_origin(env.sandbox.url)
    # payments token, create, B2B token, account creation, B2B2C token, balance, debit
    assert len(relayed) == len(client_requests) == 7
    assert all(h.get("proxy-authorization", "").startswith("Basic ") for h in relayed)
    # Proxy-Authorization is for the proxy: the gateway never got it (nor the password).
    assert not any("proxy-authorization" in {k.lower() for k in r.headers}
                   for r in env.sandbox.requests)
    # The gateway's credentials travel to the gateway's origin (through the proxy) only.
    assert sum("authorization" in h for h in relayed) == 4
    assert any("x-signature" in h for h in relayed)


async def test_through_the_proxy_credentials_go_to_the_configured_origin_only() -> None:
    async with forwarding_proxy() as (proxy, url), other_origin() as (recorder, target), \
            serve(redirecting_gateway(target, 307)) as gateway, \
            PivotClient("client-id", "client-secret", base_url=gateway, proxy=url) as client:
        with pytest.raises(APIError) as err:
            await client.payments.create(va_request("proxy2001"))
        assert err.value.status == 307  # not followed
        # Below the client: the chain, through the proxy, aimed at another origin.
        session = client._get_session()
        explicit = {"Authorization": "Bearer explicit-0123456789"}
        async with session.post(f"{target}/direct", data=b"{}", headers=explicit,
                                middlewares=client._payments.chain, proxy=url) as resp:
            assert resp.status == 200
    assert [h for h in proxy.to_origin(gateway) if "authorization" in h]  # to the gateway
    elsewhere = proxy.to_origin(target)
    assert len(elsewhere) == 1 == len(recorder.seen)  # it did go through the proxy
    assert not FORBIDDEN & set(elsewhere[0]) and recorder.leaked() == []


async def test_a_refused_proxy_login_is_an_error_without_the_password() -> None:
    async with forwarding_proxy(user=PROXY_USER, password="the-right-one-123") as (proxy, url), \
            Sandbox() as sandbox, \
            PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                        proxy=_with_credentials(url)) as client:
        with pytest.raises(APIError) as err:
            await client.payments.create(va_request("proxy3001"))
    assert err.value.status == 407
    assert proxy.seen and proxy.seen[0][2].get("proxy-authorization")  # it was sent
    assert PROXY_PASSWORD not in str(err.value) and PROXY_PASSWORD not in repr(err.value)
    assert sandbox.requests == []


async def test_a_refused_tunnel_is_a_connection_error_without_the_proxy_credentials() -> None:
    """An https gateway through the proxy: the proxy refuses the CONNECT. aiohttp's error
    holds the Proxy-Authorization it sent; the client's error neither says nor chains it."""

    seen: list[tuple[str, str | None]] = []

    @web.middleware
    async def refuse(request: web.Request, handler: object) -> web.Response:
        seen.append((request.method, request.headers.get("Proxy-Authorization")))
        return web.Response(status=403)

    app = web.Application(middlewares=[refuse])  # a CONNECT matches no route: catch all
    encoded = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    async with serve(app) as url, PivotClient(
        "id", "secret", base_url="https://127.0.0.1:9", proxy=_with_credentials(url),
        max_retries=0,
    ) as client:
        with pytest.raises(PivotConnectionError, match="the proxy refused the tunnel") as err:
            await client.payments.retrieve("s1")
    texts = [str(err.value), repr(err.value), repr(err.value.__cause__),
             repr(err.value.__context__)]
    assert not any(PROXY_PASSWORD in t or encoded in t for t in texts), texts
    assert err.value.__cause__ is None and err.value.__context__ is None
    assert seen == [("CONNECT", f"Basic {encoded}")]  # the credentials went to the proxy


async def test_an_unreachable_proxy_is_a_connection_error_without_the_password() -> None:
    async with PivotClient("id", "secret", base_url="https://127.0.0.1:9",
                           proxy=f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:1",
                           max_retries=0) as client:
        with pytest.raises(PivotConnectionError) as err:
            await client.payments.retrieve("s1")
    chained = err.value.__cause__
    texts = [str(err.value), repr(err.value), str(chained), repr(chained)]
    assert not any(PROXY_PASSWORD in t for t in texts), texts


@pytest.mark.parametrize("trust_env", [True, False])
async def test_trust_env_reads_the_proxy_from_the_environment(
    trust_env: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forwarding_proxy() as (proxy, url), Sandbox() as sandbox:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                     "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", url)
        monkeypatch.setenv("http_proxy", url)
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               trust_env=trust_env) as client:
            await client.payments.create(va_request("env1001"))
    assert len(proxy.to_origin(sandbox.url)) == (2 if trust_env else 0)  # token + create


def test_proxy_and_trust_env_are_checked_when_the_client_is_created() -> None:
    for bad in ("ftp://proxy:21", "proxy:3128", "http://proxy:3128/path", 3128):
        with pytest.raises(ConfigurationError, match="proxy"):
            PivotClient("id", "secret", proxy=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="proxy") as err:
        PivotClient("id", "secret", proxy=f"socks5://u:{PROXY_PASSWORD}@proxy:1080")
    assert PROXY_PASSWORD not in str(err.value)
    with pytest.raises(ConfigurationError, match="trust_env"):
        PivotClient("id", "secret", session=object(), trust_env=True)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="trust_env"):
        PivotClient("id", "secret", trust_env="yes")  # type: ignore[arg-type]
