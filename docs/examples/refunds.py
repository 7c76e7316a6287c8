"""Refunds: refund part of a paid session and follow the refund to SUCCESS."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order10001",
            "amount": {"value": 120000, "currency": "IDR"},
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

        # Refund amounts are decimal strings; the X-REQUEST-ID is reused by every retry.
        refund = await client.refunds.create({
            "clientReferenceId": "refund10001",
            "paymentSessionId": session.id,
            "amount": {"value": "20000", "currency": "IDR"},
            "reason": "REQUESTED_BY_CUSTOMER",
            "description": "One item was out of stock",
        })
        print("refund", refund.id, refund.status)  # PENDING

        # The sandbox moves a refund on every few seconds; here we move it at once.
        sandbox.advance_refund(refund.id)
        final = await client.refunds.retrieve(refund.id)
        print("refund", final.status)

        async for item in client.refunds.list(per_page=50):
            print("listed:", item.client_reference_id, item.status)
        return final.status


if __name__ == "__main__":
    asyncio.run(main())
