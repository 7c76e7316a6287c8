"""QRIS (dynamic QR): create, render the QR string, settle by simulation."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order5001",
            "amount": {"value": 42000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        qr = session.charges[0].qr
        assert qr is not None  # a QR charge carries its QRIS string
        assert qr.qr_content is not None
        print(f"{session.status}: render this QRIS string as a QR code: {qr.qr_content[:24]}...")

        await client.simulations.create(
            {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
        )
        paid = await client.payments.retrieve(session.id)
        print("after the scan:", paid.status)
        return paid.status


if __name__ == "__main__":
    asyncio.run(main())
