"""Card payment on Pivot's hosted page (REDIRECT mode): you never see the card."""

import asyncio

import aiohttp

from pivot_async import PivotClient
from pivot_async.models import RedirectUrlParams
from pivot_async.sandbox import Sandbox

REDIRECT: RedirectUrlParams = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}


async def customer_pays_on_hosted_page(sandbox: Sandbox, session_id: str) -> None:
    """What the customer does in the browser, done through the sandbox's control routes."""
    card = {"number": "4440000112290002", "expMonth": 12, "expYear": 2035, "cvc": "123"}
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.url}/_sandbox/payments/{session_id}/pay"
        async with http.post(url, json={"paymentMethod": {"type": "CARD", "card": card}}) as r:
            r.raise_for_status()
    sandbox.complete_3ds(session_id)  # the 3DS challenge page, answered "complete"


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order2001",
            "amount": {"value": 150000, "currency": "IDR"},
            "mode": "REDIRECT",
            "paymentMethod": {"type": "CARD"},
            "paymentMethodOptions": {
                "card": {"captureMethod": "automatic", "threeDsMethod": "CHALLENGE"}
            },
            "redirectUrl": REDIRECT,
        })
        print(f"{session.status}: send the customer to {session.payment_url}")

        await customer_pays_on_hosted_page(sandbox, session.id)

        paid = await client.payments.retrieve(session.id)
        print("after the hosted page:", paid.status)
        return paid.status


if __name__ == "__main__":
    asyncio.run(main())
