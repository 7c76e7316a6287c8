"""The contenders of ``throughput.py`` and ``memory.py``: one workload, five ways of sending it.

Every contender sends ``POST /v2/payments`` with the documented create-session body (a unique
``clientReferenceId`` per call), a bearer token fetched once, and an ``X-REQUEST-ID``; each
checks that the call succeeded in its own idiom. The three user-written contenders are kept
small and idiomatic, as a Python team would write them:

1. ``pivot_async``: ``client.payments.create(params)`` - the full stack (token middleware with
   a cached token, idempotency key, retry middleware, request Struct validation and encoding,
   response decoding into Structs).
2. ``aiohttp_raw``: pre-encoded body and headers, ``await resp.read()``, no parsing - the
   transport's ceiling.
3. ``aiohttp_json``: ``json.dumps`` / ``json.loads`` to dicts - the minimal hand-rolled client.
3b. ``aiohttp_bestcase``: plain aiohttp doing inline every per-call duty the library has: the
   library's own request validation (``coerce_params``), msgspec encode, a cached bearer
   header, a fresh request id, the envelope decoded into Structs, a bounded retry loop; no
   middleware, no per-call options, no deadline, no error tree - the floor for this work.
4. ``httpx_pydantic``: ``httpx.AsyncClient`` + pydantic v2 request/response models.
5. ``requests_threads``: ``requests.Session`` per thread + a thread pool of the same size as
   the concurrency - the synchronous SDK pattern.

For the wallet (signed SNAP debits): ``pivot_async`` (``client.wallet.debit``),
``aiohttp_presigned`` (the same pre-signed bytes and headers every time: the ceiling) and
``aiohttp_hmac`` (hand-rolled ``json.dumps`` + HMAC-SHA512 per request + ``json.loads``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import _common  # also puts the repository root on sys.path
import aiohttp
import msgspec

from pivot_async import PivotClient, WalletCredentials
from pivot_async.models import CreatePaymentRequest, Envelope, PaymentSession
from pivot_async.resources._base import coerce_params
from pivot_async.signing import body_digest, generate_private_key, snap_timestamp

CLIENT_ID = "0196a1c2-5b7d-7e3f-9a10-5a4db0c0ffee"
CLIENT_SECRET = "bench-secret-not-for-production"
WALLET_KEY = "bench-wallet-client"
WALLET_SECRET = "bench-wallet-secret"
CHANNEL_ID = "12345"
BINDING_ID = "0198748e-f3ff-7eaf-a8fa-9b4532d2a6f8"

CREATE_BODY: dict[str, Any] = _common.load_json("payments__create__request__va_single_api.json")
DEBIT_BODY: dict[str, Any] = _common.load_json("wallet__debit_payment_host_to_host__request.json")
EXPECTED_SESSION_ID = "23f1a0e5-e4b7-4940-ac4a-0e9e5fc8afb1"
EXPECTED_DEBIT_REF = "0198748e-f3ff-7eaf-a8fa-9b4532d2a6f8"
DEBIT_PATH = "/wallet-backend/snap/v1.0/debit/payment-host-to-host"


def create_body(i: int) -> dict[str, Any]:
    body = dict(CREATE_BODY)
    body["clientReferenceId"] = f"bench{i:09d}"
    return body


def debit_body(i: int) -> dict[str, Any]:
    body = dict(DEBIT_BODY)
    body["partnerReferenceNo"] = f"bench{i:09d}"
    return body


class RunResult:
    def __init__(self) -> None:
        self.ok = 0
        self.errors = 0
        self.first_error: str | None = None

    def fail(self, exc: BaseException) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = f"{type(exc).__name__}: {exc}"[:300]


async def drive(n: int, concurrency: int, start: int,
                one: Callable[[int], Awaitable[bool]]) -> RunResult:
    """``n`` calls of ``one(i)`` by ``concurrency`` workers; counts successes and failures."""
    result = RunResult()
    counter = iter(range(start, start + n))

    async def worker() -> None:
        for i in counter:
            try:
                if await one(i):
                    result.ok += 1
                else:
                    result.fail(RuntimeError("unexpected response"))
            except Exception as exc:  # counted and reported
                result.fail(exc)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return result


class Contender:
    name = ""

    async def setup(self, url: str, concurrency: int) -> None:
        raise NotImplementedError

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


async def fetch_token(session: aiohttp.ClientSession, url: str) -> str:
    async with session.post(
        url + "/v1/access-token", data=b'{"grantType":"client_credentials"}',
        headers={"X-MERCHANT-ID": CLIENT_ID, "X-MERCHANT-SECRET": CLIENT_SECRET,
                 "Content-Type": "application/json"},
    ) as resp:
        resp.raise_for_status()
        token: str = json.loads(await resp.read())["data"]["accessToken"]
        return token


# --- payments.create ----------------------------------------------------------------------------


class PivotAsync(Contender):
    name = "pivot_async"

    async def setup(self, url: str, concurrency: int) -> None:
        self.client = PivotClient(CLIENT_ID, CLIENT_SECRET, base_url=url,
                                  connection_limit=concurrency)
        await self.client.__aenter__()

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        create = self.client.payments.create

        async def one(i: int) -> bool:
            session = await create(create_body(i))
            return session.id == EXPECTED_SESSION_ID

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.client.aclose()


class AiohttpRaw(Contender):
    name = "aiohttp_raw"

    async def setup(self, url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        token = await fetch_token(self.session, url)
        self.url = url + "/v2/payments"
        self.body = json.dumps(create_body(0), separators=(",", ":")).encode()
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept": "application/json", "X-REQUEST-ID": uuid.uuid4().hex}

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        post, url, body, headers = self.session.post, self.url, self.body, self.headers

        async def one(i: int) -> bool:
            async with post(url, data=body, headers=headers) as resp:
                await resp.read()
                return resp.status == 200

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.session.close()


class AiohttpJson(Contender):
    name = "aiohttp_json"

    async def setup(self, url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        self.token = await fetch_token(self.session, url)
        self.url = url + "/v2/payments"

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        async def one(i: int) -> bool:
            headers = {"Authorization": f"Bearer {self.token}",
                       "Content-Type": "application/json", "Accept": "application/json",
                       "X-REQUEST-ID": uuid.uuid4().hex}
            async with self.session.post(
                self.url, data=json.dumps(create_body(i)), headers=headers
            ) as resp:
                resp.raise_for_status()
                data = json.loads(await resp.read())
            return bool(data["data"]["id"] == EXPECTED_SESSION_ID)

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.session.close()


class AiohttpBestCase(Contender):
    name = "aiohttp_bestcase"

    async def setup(self, url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        self.auth = "Bearer " + await fetch_token(self.session, url)
        self.url = url + "/v2/payments"
        self.decoder = msgspec.json.Decoder(Envelope[PaymentSession])

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        post, url, auth = self.session.post, self.url, self.auth
        encode, decode = msgspec.json.encode, self.decoder.decode

        async def one(i: int) -> bool:
            body = encode(coerce_params(create_body(i), CreatePaymentRequest))
            headers = {"Authorization": auth, "Content-Type": "application/json",
                       "Accept": "application/json", "X-REQUEST-ID": uuid.uuid4().hex}
            for _ in range(3):
                try:
                    async with post(url, data=body, headers=headers) as resp:
                        raw = await resp.read()
                        if resp.status >= 500:
                            continue
                        session = decode(raw).data
                        return session is not None and session.id == EXPECTED_SESSION_ID
                except aiohttp.ClientConnectionError:
                    continue
            return False

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.session.close()


class HttpxPydantic(Contender):
    name = "httpx_pydantic"

    async def setup(self, url: str, concurrency: int) -> None:
        import _pydantic_models as pm
        import httpx

        self.pm = pm
        self.client = httpx.AsyncClient(
            base_url=url,
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency),
            timeout=httpx.Timeout(30.0),
        )
        resp = await self.client.post(
            "/v1/access-token", json={"grantType": "client_credentials"},
            headers={"X-MERCHANT-ID": CLIENT_ID, "X-MERCHANT-SECRET": CLIENT_SECRET},
        )
        resp.raise_for_status()
        token = pm.TokenEnvelope.model_validate_json(resp.content).data
        assert token is not None
        self.token = token.access_token

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        pm = self.pm

        async def one(i: int) -> bool:
            request = pm.CreatePaymentRequest.model_validate(create_body(i))
            resp = await self.client.post(
                "/v2/payments",
                content=request.model_dump_json(by_alias=True, exclude_none=True),
                headers={"Authorization": f"Bearer {self.token}",
                         "Content-Type": "application/json", "Accept": "application/json",
                         "X-REQUEST-ID": uuid.uuid4().hex},
            )
            resp.raise_for_status()
            envelope = pm.SessionEnvelope.model_validate_json(resp.content)
            return envelope.data is not None and envelope.data.id == EXPECTED_SESSION_ID

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.client.aclose()


class RequestsThreads(Contender):
    """Blocking calls in a thread pool; ``run`` blocks the (otherwise idle) event loop."""

    name = "requests_threads"

    async def setup(self, url: str, concurrency: int) -> None:
        import requests

        self.requests = requests
        self.url = url
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="bench-requests")
        resp = self._session().post(
            url + "/v1/access-token", json={"grantType": "client_credentials"},
            headers={"X-MERCHANT-ID": CLIENT_ID, "X-MERCHANT-SECRET": CLIENT_SECRET},
            timeout=30,
        )
        resp.raise_for_status()
        self.token = resp.json()["data"]["accessToken"]

    def _session(self) -> Any:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = self.requests.Session()
        return session

    def _one(self, i: int) -> bool:
        resp = self._session().post(
            self.url + "/v2/payments", json=create_body(i),
            headers={"Authorization": f"Bearer {self.token}",
                     "X-REQUEST-ID": uuid.uuid4().hex},
            timeout=30,
        )
        resp.raise_for_status()
        return bool(resp.json()["data"]["id"] == EXPECTED_SESSION_ID)

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        result = RunResult()
        counter = iter(range(start, start + n))
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                try:
                    ok = self._one(i)
                except Exception as exc:  # counted and reported
                    with lock:
                        result.fail(exc)
                    continue
                with lock:
                    if ok:
                        result.ok += 1
                    else:
                        result.fail(RuntimeError("unexpected response"))

        futures = [self.pool.submit(worker) for _ in range(concurrency)]
        for f in futures:
            f.result()
        return result

    async def close(self) -> None:
        self.pool.shutdown()


PAYMENT_CONTENDERS: list[type[Contender]] = [
    PivotAsync, AiohttpRaw, AiohttpBestCase, AiohttpJson, HttpxPydantic, RequestsThreads,
]


# --- wallet debits ------------------------------------------------------------------------------

_PRIVATE_KEY = None


def _private_key() -> Any:
    global _PRIVATE_KEY
    if _PRIVATE_KEY is None:
        _PRIVATE_KEY = generate_private_key(2048)
    return _PRIVATE_KEY


async def _snap_tokens(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    """The B2B and B2B2C tokens, fetched once (the canned server does not check signatures)."""
    headers = {"X-TIMESTAMP": snap_timestamp(), "X-CLIENT-KEY": WALLET_KEY,
               "X-SIGNATURE": "unchecked", "Content-Type": "application/json"}
    async with session.post(url + "/snap/v1.0/access-token/b2b", headers=headers,
                            data=b'{"grantType":"client_credentials"}') as resp:
        b2b = json.loads(await resp.read())["accessToken"]
    async with session.post(url + "/snap/v1.0/access-token/b2b2c", headers=headers,
                            data=json.dumps({"grantType": "authorization_code",
                                             "authCode": BINDING_ID})) as resp:
        b2b2c = json.loads(await resp.read())["accessToken"]
    return b2b, b2b2c


def _hand_signature(secret: str, method: str, path: str, token: str, body: bytes,
                    timestamp: str) -> str:
    """SNAP symmetric signature, as a hand-rolled client writes it."""
    digest = hashlib.sha256(body).hexdigest().lower()
    string_to_sign = f"{method}:{path}:{token}:{digest}:{timestamp}"
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha512).digest()
    return base64.b64encode(mac).decode()


class PivotWallet(Contender):
    name = "pivot_async"

    async def setup(self, url: str, concurrency: int) -> None:
        creds = WalletCredentials(WALLET_KEY, WALLET_SECRET, _private_key(),
                                  channel_id=CHANNEL_ID)
        self.client = PivotClient(CLIENT_ID, CLIENT_SECRET, base_url=url, wallet=creds,
                                  connection_limit=concurrency)
        await self.client.__aenter__()
        self.customer = self.client.wallet.customer(BINDING_ID)

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        debit, customer = self.client.wallet.debit, self.customer

        async def one(i: int) -> bool:
            result = await debit(customer, debit_body(i))
            return result.reference_no == EXPECTED_DEBIT_REF

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.client.aclose()


class AiohttpPresigned(AiohttpRaw):
    """The wallet ceiling: the same pre-signed bytes and headers on every request (the
    sending and ``resp.read()`` are :class:`AiohttpRaw`'s)."""

    name = "aiohttp_presigned"

    async def setup(self, url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        b2b, b2b2c = await _snap_tokens(self.session, url)
        self.url = url + DEBIT_PATH
        self.body = json.dumps(debit_body(0), separators=(",", ":")).encode()
        ts = snap_timestamp()
        assert body_digest(self.body) == hashlib.sha256(self.body).hexdigest()
        self.headers = {
            "Content-Type": "application/json", "Accept": "application/json",
            "X-PARTNER-ID": WALLET_KEY, "CHANNEL-ID": CHANNEL_ID,
            "Authorization": f"Bearer {b2b}", "Authorization-Customer": f"Bearer {b2b2c}",
            "X-EXTERNAL-ID": "1" * 36, "X-TIMESTAMP": ts,
            "X-SIGNATURE": _hand_signature(WALLET_SECRET, "POST", DEBIT_PATH, b2b, self.body, ts),
        }


class AiohttpHmac(Contender):
    name = "aiohttp_hmac"

    async def setup(self, url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        self.b2b, self.b2b2c = await _snap_tokens(self.session, url)
        self.url = url + DEBIT_PATH
        self.jakarta = dt.timezone(dt.timedelta(hours=7))

    async def run(self, n: int, concurrency: int, start: int) -> RunResult:
        async def one(i: int) -> bool:
            body = json.dumps(debit_body(i), separators=(",", ":")).encode()
            now = dt.datetime.now(self.jakarta)
            ts = now.strftime("%Y-%m-%dT%H:%M:%S+07:00")
            headers = {
                "Content-Type": "application/json", "Accept": "application/json",
                "X-PARTNER-ID": WALLET_KEY, "CHANNEL-ID": CHANNEL_ID,
                "Authorization": f"Bearer {self.b2b}",
                "Authorization-Customer": f"Bearer {self.b2b2c}",
                "X-EXTERNAL-ID": now.strftime("%Y%m%d%H%M%S") + f"{uuid.uuid4().int % 10**22:022d}",
                "X-TIMESTAMP": ts,
                "X-SIGNATURE": _hand_signature(WALLET_SECRET, "POST", DEBIT_PATH, self.b2b,
                                               body, ts),
            }
            async with self.session.post(self.url, data=body, headers=headers) as resp:
                resp.raise_for_status()
                data = json.loads(await resp.read())
            return bool(data["responseCode"] == "2005400")

        return await drive(n, concurrency, start, one)

    async def close(self) -> None:
        await self.session.close()


WALLET_CONTENDERS: list[type[Contender]] = [PivotWallet, AiohttpPresigned, AiohttpHmac]
