"""The same first payment, configured from the environment.

Against Pivot's sandbox:

    export PIVOT_CLIENT_ID=...        # from the Pivot dashboard
    export PIVOT_CLIENT_SECRET=...
    python from_env.py

or against the embedded sandbox started with ``python -m pivot_async sandbox --port 8080``:

    export PIVOT_CLIENT_ID=0196a1c2-5b7d-7e3f-9a10-5a4db0c0ffee
    export PIVOT_CLIENT_SECRET=sandbox-secret-not-for-production
    export PIVOT_BASE_URL=http://127.0.0.1:8080
"""

import asyncio
import uuid

from pivot_async import PivotClient


async def main() -> str:
    async with PivotClient.from_env() as client:
        session = await client.payments.create({
            "clientReferenceId": f"order{uuid.uuid4().hex[:16]}",
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
        va = session.charges[0].virtual_account
        assert va is not None  # a VIRTUAL_ACCOUNT charge carries its account
        print(f"{session.status}: pay to {va.channel} {va.virtual_account_number}")
        return session.status


if __name__ == "__main__":
    asyncio.run(main())
