"""A static virtual account (paymentType MULTIPLE): one number, many payments."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> int:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "member7001",
            "paymentType": "MULTIPLE",
            "amount": {"value": 10000, "currency": "IDR"},  # required by the API for VA
            "mode": "API",
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {
                "channel": "PERMATA",
                "virtualAccountName": "Toko Budi",
                "virtualAccountNumber": "7001",  # your number, 1-8 digits
            }},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        method = session.payment_method  # static: no charge yet, the number is on the method
        va = method.virtual_account if method else None
        assert va is not None  # a VIRTUAL_ACCOUNT session carries its account
        print(f"{session.status}: static VA {va.channel} {va.virtual_account_number}")

        # Each transfer into the number is a new SUCCESS charge; the session stays ACTIVE.
        for amount in (50000, 125000):
            await client.simulations.create({
                "paymentSessionId": session.id,
                "chargeStatus": "SUCCESS",
                "amount": {"value": amount, "currency": "IDR"},
            })
        current = await client.payments.retrieve(session.id)
        paid = [c for c in current.charges if c.status == "SUCCESS"]
        print(f"{current.status}: {len(paid)} payments received")
        return len(paid)


if __name__ == "__main__":
    asyncio.run(main())
