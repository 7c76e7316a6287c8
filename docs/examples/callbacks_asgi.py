"""Receiving Pivot's callbacks in any ASGI framework (Starlette, FastAPI, Django...).

The building blocks are framework-free: ``verify_api_key`` (constant time), ``parse_event``
(typed events) and a dedupe store. ``app`` below is a bare ASGI application; serve it with
any ASGI server, e.g. ``uvicorn callbacks_asgi:app``.
"""

import asyncio
import json
from typing import Any

from pivot_async import CallbackVerificationError, PivotClient
from pivot_async.callbacks import (
    InMemoryDedupeStore,
    dedupe_key,
    parse_event,
    verify_api_key,
)
from pivot_async.sandbox import Sandbox

CALLBACK_KEY = "my-callback-key-from-the-dashboard"
store = InMemoryDedupeStore()  # use a shared store (Redis, SQL) with several workers
processed: list[str] = []


# --8<-- [start:handler]
async def handle_callback(headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
    """Framework-independent: (status, JSON reply) for one delivery."""
    if not verify_api_key(headers, CALLBACK_KEY):
        return 401, {"error": "unauthorized"}  # never read or log the body of a forgery
    try:
        event = parse_event(body)
    except CallbackVerificationError:
        return 400, {"error": "bad callback body"}
    key = dedupe_key(event)
    if not await store.claim(key):
        return 200, {"status": "duplicate"}
    try:
        processed.append(event.event)  # your work: enqueue it, update the order...
    except Exception:
        await store.release(key)  # let Pivot's retry be processed
        return 500, {"error": "handler failed"}
    return 200, {"status": "ok"}
# --8<-- [end:handler]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app: POST /pivot/callbacks."""
    if scope["type"] != "http" or scope["method"] != "POST":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    status, reply = await handle_callback(headers, body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(reply).encode()})


async def call_asgi(path: str, headers: dict[str, str], body: bytes) -> int:
    """Drive ``app`` in-process, as an ASGI server would (for this demo and for tests)."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "POST", "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def main() -> list[int]:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order13001",
            "amount": {"value": 50000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        await client.simulations.create(
            {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
        )
        # The callback the sandbox emitted, as Pivot would POST it to your endpoint.
        event = sandbox.events[-1]
        body = json.dumps({"event": event.event, "data": event.data}).encode()

    good = {"X-API-Key": CALLBACK_KEY, "Content-Type": "application/json"}
    statuses = [
        await call_asgi("/pivot/callbacks", good, body),              # processed
        await call_asgi("/pivot/callbacks", good, body),              # duplicate, still 200
        await call_asgi("/pivot/callbacks", {"X-API-Key": "forged"}, body),  # 401
    ]
    print("replies:", statuses, "processed:", processed)
    return statuses


if __name__ == "__main__":
    asyncio.run(main())
