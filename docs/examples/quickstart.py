"""A first payment: a virtual-account session against the embedded sandbox."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order1001",
            "amount": {"value": 50000, "currency": "IDR"},
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
            "mode": "API",
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        print(session.id, session.status)
        return session.status


if __name__ == "__main__":
    asyncio.run(main())
