"""Credentials go to the configured origin only.

A second server on 127.0.0.1 (another port, hence another origin) records every request it
gets. It must never see ``Authorization``, ``Authorization-Customer``, ``X-SIGNATURE`` (nor
``X-MERCHANT-SECRET``/``X-TIMESTAMP``): not through a redirect from the gateway, not when a
request is aimed at it through the client's middleware chains, and not when the client's HTTP
session follows a ``paymentUrl``, ``webRedirectUrl`` or ``activationLink`` there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from yarl import URL

from pivot_async import APIError, PivotClient, WalletCredentials
from pivot_async._middlewares import CREDENTIAL_HEADERS, same_origin
from pivot_async._signing import RSAPrivateKey
from pivot_async.signing import generate_private_key

from .conftest import bind_customer, debit_params, hosted_request, open_env, serve, va_request

FORBIDDEN = {h.lower() for h in (*CREDENTIAL_HEADERS, "X-TIMESTAMP")}
JAKARTA = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Recorder:
    """The other origin: answers 200 to anything and remembers the headers it got."""

    seen: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append({k.lower(): v for k, v in request.headers.items()})
        await request.read()
        return web.json_response({"code": "00", "message": "Success", "data": {},
                                  "responseCode": "2001100", "responseMessage": "Successful"})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    def leaked(self) -> list[str]:
        return sorted({name for headers in self.seen for name in headers if name in FORBIDDEN})


@contextlib.asynccontextmanager
async def other_origin() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    async with serve(recorder.app()) as url:
        yield recorder, url


def _snap_time(delta: float) -> str:
    when = dt.datetime.now(JAKARTA) + dt.timedelta(seconds=delta)
    return when.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def redirecting_gateway(target: str, status: int) -> web.Application:
    """A gateway that issues tokens, then redirects every API call to ``target``."""

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"code": "00", "message": "Success", "data": {
            "accessToken": "payments-token-0123456789", "expiresIn": "900",
            "tokenType": "Bearer"}})

    async def b2b(request: web.Request) -> web.Response:
        return web.json_response({"responseCode": "2007300", "responseMessage": "Successful",
                                  "accessToken": "b2b-token-0123456789", "tokenType": "Bearer",
                                  "expiresIn": "900"})

    async def b2b2c(request: web.Request) -> web.Response:
        return web.json_response({
            "responseCode": "2007400", "responseMessage": "Successful",
            "accessToken": "customer-token-0123456789", "tokenType": "Bearer",
            "accessTokenExpiryTime": _snap_time(3600),
            "refreshToken": "refresh-token-0123456789",
            "refreshTokenExpiryTime": _snap_time(86400),
        })

    async def redirect(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=status, headers={"Location": f"{target}{request.path_qs}"})

    app = web.Application()
    app.router.add_post("/v1/access-token", token)
    app.router.add_post("/snap/v1.0/access-token/b2b", b2b)
    app.router.add_post("/snap/v1.0/access-token/b2b2c", b2b2c)
    app.router.add_route("*", "/{tail:.*}", redirect)
    return app


@pytest.fixture(scope="module")
def private_key() -> RSAPrivateKey:
    return generate_private_key(2048)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_origin_is_not_followed(
    status: int, private_key: RSAPrivateKey
) -> None:
    async with other_origin() as (recorder, target), \
            serve(redirecting_gateway(target, status)) as gateway:
        creds = WalletCredentials("ck", "hmac-secret", private_key, channel_id="12345")
        async with PivotClient("client-id", "client-secret", base_url=gateway,
                               wallet=creds) as client:
            with pytest.raises(APIError) as payments:
                await client.payments.create(va_request("redir1"))
            with pytest.raises(APIError) as retrieve:
                await client.payments.retrieve("s1")
            customer = client.wallet.customer("binding-1")
            with pytest.raises(APIError) as wallet:
                await client.wallet.debit(customer, debit_params("REDIR1"))
    assert payments.value.status == retrieve.value.status == wallet.value.status == status
    assert recorder.seen == []  # redirects are never followed: the target got nothing


async def test_chains_strip_credentials_even_when_redirects_are_followed(
    private_key: RSAPrivateKey,
) -> None:
    """Below the client: aiohttp following the redirect through the client's own middleware
    chains (payments and wallet), with credential headers even passed explicitly."""
    async with other_origin() as (recorder, target), \
            serve(redirecting_gateway(target, 307)) as gateway:
        creds = WalletCredentials("ck", "hmac-secret", private_key, channel_id="12345")
        async with PivotClient("client-id", "client-secret", base_url=gateway,
                               wallet=creds) as client:
            session = client._get_session()
            customer = client.wallet.customer("binding-1")
            chains = {
                "payments": client._payments.chain,
                "wallet-b2b": client.wallet.tokens.protocol(None).chain,
                "wallet-customer": client.wallet.tokens.protocol(customer).chain,
            }
            explicit = {"Authorization": "Bearer explicit-0123456789",
                        "Authorization-Customer": "Bearer explicit-cust-0123456789",
                        "X-SIGNATURE": "c2lnbmF0dXJl"}
            for name, chain in chains.items():
                for url, headers in ((f"{gateway}/wallet-backend/snap/v1.0/balance-inquiry", {}),
                                     (f"{target}/direct/{name}", explicit)):
                    async with session.post(url, data=b"{}", headers=headers,
                                            middlewares=chain, allow_redirects=True) as resp:
                        assert resp.status == 200
                        assert resp.url.port == URL(target).port  # it did reach the other host
    assert len(recorder.seen) == 6
    assert recorder.leaked() == []


async def test_session_urls_followed_with_the_client_session_carry_no_credentials() -> None:
    """The URLs the gateway hands out (hosted page, 3DS page, wallet pages) live on other
    hosts in production; following them with the client's HTTP session sends no credential."""
    async with other_origin() as (recorder, target), open_env() as env:
        client = env.client
        hosted = await client.payments.create(hosted_request("page1"))
        customer = await bind_customer(env)
        debit = await client.wallet.debit(customer, debit_params("PAGE1"))
        urls = [u for u in (hosted.payment_url, debit.web_redirect_url) if u]
        assert len(urls) == 2
        session = client._get_session()
        since = len(env.sandbox.requests)
        for url in urls:
            moved = URL(url).with_host("127.0.0.1").with_port(URL(target).port)
            for where in (url, str(moved)):  # as handed out, and on another origin
                async with session.get(where, allow_redirects=False) as resp:
                    assert resp.status < 500
    assert len(recorder.seen) == 2
    assert recorder.leaked() == []
    page_requests = env.sandbox.requests[since:]
    assert len(page_requests) == 2
    assert not any(name.lower() in FORBIDDEN for r in page_requests for name in r.headers)


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("http://127.0.0.1:8080/v2/payments", True),
        ("http://127.0.0.1:8080", True),
        ("HTTP://127.0.0.1:8080/x?y=1", True),
        ("http://127.0.0.1:8081/v2/payments", False),
        ("https://127.0.0.1:8080/v2/payments", False),
        ("http://localhost:8080/v2/payments", False),
        ("http://127.0.0.1.evil.example:8080/", False),
        ("http://evil.example/http://127.0.0.1:8080/", False),
    ],
)
def test_same_origin_is_scheme_host_and_port(url: str, same: bool) -> None:
    assert same_origin(URL(url), URL("http://127.0.0.1:8080/base")) is same


def test_default_ports_are_the_same_origin() -> None:
    assert same_origin(URL("https://api.pivot-payment.com/v2/payments"),
                       URL("https://api.pivot-payment.com:443"))
    assert not same_origin(URL("https://api.pivot-payment.com.evil.example/"),
                           URL("https://api.pivot-payment.com"))
