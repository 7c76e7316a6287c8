"""Receiving Pivot's callbacks in an aiohttp application."""

import asyncio

from aiohttp import web

from pivot_async import PivotClient
from pivot_async.callbacks import CallbackEvent, callback_handler
from pivot_async.models import PaymentCallbackEvent
from pivot_async.sandbox import Sandbox

CALLBACK_KEY = "my-callback-key-from-the-dashboard"
received: list[str] = []


async def on_event(event: CallbackEvent) -> None:
    """Called once per distinct event, after the X-API-Key was verified. Keep it short."""
    if isinstance(event, PaymentCallbackEvent):
        received.append(f"{event.event} {event.data.client_reference_id} {event.data.status}")
    else:
        received.append(event.event)


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/pivot/callbacks", callback_handler(CALLBACK_KEY, on_event))
    return app


async def main() -> list[str]:
    runner = web.AppRunner(make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    callback_url = f"http://{host}:{port}/pivot/callbacks"
    try:
        # The sandbox delivers callbacks like Pivot does (X-API-Key, retries on failure).
        async with Sandbox(callback_url=callback_url, callback_key=CALLBACK_KEY) as sandbox, \
                PivotClient(sandbox.client_id, sandbox.client_secret,
                            base_url=sandbox.url) as client:
            session = await client.payments.create({
                "clientReferenceId": "order12001",
                "amount": {"value": 50000, "currency": "IDR"},
                "mode": "API",
                "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
                "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
                "redirectUrl": {
                    "successReturnUrl": "https://shop.example/ok",
                    "failureReturnUrl": "https://shop.example/fail",
                    "expirationReturnUrl": "https://shop.example/expired",
                },
            })
            await client.simulations.create(
                {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
            )
            await sandbox.callbacks.wait_idle()
    finally:
        await runner.cleanup()
    for line in received:
        print("callback:", line)
    return received


if __name__ == "__main__":
    asyncio.run(main())
