"""Virtual account (bank transfer): create, show the number, settle by simulation."""

import asyncio

from pivot_async import PivotClient
from pivot_async.models import CreatePaymentParams
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        # --8<-- [start:typed]
        # The typed mapping: mypy and editors flag a misspelled key or a wrong value type.
        params: CreatePaymentParams = {
            "clientReferenceId": "order4001",
            "amount": {"value": 250000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {"channel": "BNI"}},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
            "customer": {"givenName": "Budi", "email": "budi@example.com"},
        }
        session = await client.payments.create(params)
        # --8<-- [end:typed]
        va = session.charges[0].virtual_account
        assert va is not None  # a VIRTUAL_ACCOUNT charge carries its account
        print(f"{session.status}: transfer to {va.channel} {va.virtual_account_number}")

        # In the sandbox, the transfer is simulated (Pivot's simulation API).
        await client.simulations.create(
            {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
        )
        paid = await client.payments.retrieve(session.id)
        print("after the transfer:", paid.status)
        return paid.status


if __name__ == "__main__":
    asyncio.run(main())
