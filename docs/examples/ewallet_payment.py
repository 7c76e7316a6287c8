"""E-wallet (DANA, OVO, ShopeePay): the test account 08111111001 always pays."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order6001",
            "amount": {"value": 75000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "EWALLET", "ewallet": {"accountIdentifier": "08111111001"}},
            "paymentMethodOptions": {"ewallet": {"channel": "DANA"}},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        print(f"{session.status}: open the wallet app at {session.payment_url}")

        # The customer approves in the wallet app; Pivot tells you by callback, or you poll.
        status = session.status
        for _ in range(50):
            status = (await client.payments.retrieve(session.id)).status
            if status != "REQUIRE_ACTION":
                break
            await asyncio.sleep(0.1)
        print("after the app:", status)
        return status


if __name__ == "__main__":
    asyncio.run(main())
