"""Receiving Pivot's callbacks in any ASGI framework (Starlette, FastAPI, Django...).

``callbacks.construct_event`` verifies the ``X-API-Key`` header (constant time) and parses the
raw body into a typed event, from any framework's header mapping; a dedupe store drops
redeliveries. ``handle_callback`` below is framework-free; in Starlette or FastAPI the endpoint
is ``handle_callback(request.headers, await request.body())``. ``app`` is a bare ASGI
application; serve it with any ASGI server, e.g. ``uvicorn callbacks_asgi:app``.
"""

# --8<-- [start:handler]
from collections.abc import Mapping

from pivot_async import callbacks
from pivot_async.models import PaymentCallbackEvent

CALLBACK_KEY = "my-callback-key-from-the-dashboard"
store = callbacks.InMemoryDedupeStore()  # share one (Redis, SQL) between several workers
processed: list[str] = []


async def on_event(event: callbacks.CallbackEvent) -> None:
    """Your work, once per distinct event: keep it short (record it, enqueue the rest)."""
    if isinstance(event, PaymentCallbackEvent):
        processed.append(event.event)


async def handle_callback(
    headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str]]:
    """(status, JSON reply) for one delivery: the framework's headers and the raw body."""
    try:
        event = callbacks.construct_event(body, headers, CALLBACK_KEY)
    except callbacks.CallbackAuthenticationError:
        return 401, {"error": "unauthorized"}  # Pivot does not retry; never log the body
    except callbacks.CallbackPayloadError:
        return 400, {"error": "bad callback body"}
    key = callbacks.dedupe_key(event, body=body)
    if not await store.claim(key):
        return 200, {"status": "duplicate"}  # a redelivery: acknowledge it, do nothing
    try:
        await on_event(event)
    except Exception:
        await store.release(key)  # so that Pivot's retry is processed
        return 500, {"error": "handler failed"}  # Pivot retries on its schedule
    return 200, {"status": "ok"}
# --8<-- [end:handler]


# The rest serves ``handle_callback`` as a bare ASGI app and runs it against the sandbox.
import asyncio  # noqa: E402
import json  # noqa: E402
from typing import Any  # noqa: E402

from multidict import CIMultiDict  # noqa: E402

from pivot_async import PivotClient  # noqa: E402
from pivot_async.sandbox import Sandbox  # noqa: E402


# --8<-- [start:asgi]
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
    # every header, repeats included (a repeated X-API-Key is refused), decoded as Starlette does
    headers = CIMultiDict((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
    status, reply = await handle_callback(headers, body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(reply).encode()})
# --8<-- [end:asgi]


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
