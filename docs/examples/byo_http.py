"""Bring your own HTTP setup: your session's middlewares, and a call's raw response."""

import asyncio

import aiohttp

from pivot_async import PivotClient, RawResponse
from pivot_async.models import PaymentSession
from pivot_async.sandbox import Fault, Sandbox

seen: list[str] = []


async def record_attempts(
    req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """Your own aiohttp client middleware: it runs after the client's retry, auth and
    signing layers, so it sees every attempt with its final headers."""
    resp = await handler(req)
    # Log ids, never header values wholesale: Authorization is in req.headers here.
    seen.append(f"{req.method} {req.url.path} -> {resp.status}")
    return resp


async def main() -> str | None:
    async with Sandbox() as sandbox, aiohttp.ClientSession(
        middlewares=(record_attempts,)
    ) as http, PivotClient(
        sandbox.client_id,
        sandbox.client_secret,
        base_url=sandbox.url,
        session=http,  # yours: the client uses it as is and never closes it
        # proxy="http://user:password@proxy.internal:3128",  # through a proxy
        # trust_env=True,  # or HTTP(S)_PROXY / NO_PROXY (own session only)
    ) as client:
        sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=1))

        # The result *and* what the HTTP answer said about it.
        raw: RawResponse[PaymentSession] = await client.with_raw_response.payments.create({
            "clientReferenceId": "order17001",
            "amount": {"value": 50000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        print(f"HTTP {raw.status}, X-REQUEST-ID {raw.request_id}, trace id {raw.trace_id}")
        print(f"session {raw.parsed.id}: {raw.parsed.status}")

        for line in seen:  # the token request, the 503 and the retry that went through
            print(line)
        return raw.request_id


if __name__ == "__main__":
    asyncio.run(main())
