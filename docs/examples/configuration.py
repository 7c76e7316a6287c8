"""Configuration: environment variables, timeouts, retries, per-call options."""

import asyncio

from pivot_async import ENV_VARS, PivotClient, RetryPolicy, Timeout
from pivot_async.sandbox import Sandbox


async def main() -> str:
    for name, meaning in ENV_VARS.items():
        print(f"{name:28} {meaning}")

    async with Sandbox() as sandbox:
        # from_env() reads os.environ; a mapping can be passed instead (handy in tests).
        env = {
            "PIVOT_CLIENT_ID": sandbox.client_id,
            "PIVOT_CLIENT_SECRET": sandbox.client_secret,
            "PIVOT_BASE_URL": sandbox.url,  # http only for loopback; https everywhere else
            "PIVOT_TIMEOUT": "30",
            "PIVOT_MAX_RETRIES": "3",
        }
        async with PivotClient.from_env(env) as client:
            print(repr(client))  # the secret is never part of a repr
            print(client.timeout, client.retry_policy)

        # The same, explicitly, with every knob.
        async with PivotClient(
            sandbox.client_id,
            sandbox.client_secret,
            base_url=sandbox.url,           # or environment="sandbox" / "production"
            timeout=Timeout(total=60, connect=5, read=30),
            retry_policy=RetryPolicy(max_retries=4, base_delay=0.2, max_delay=5.0),
            connection_limit=50,
        ) as client:
            # Per call: a timeout, a retry budget and your own idempotency key.
            session = await client.payments.create(
                {
                    "clientReferenceId": "order16001",
                    "amount": {"value": 50000, "currency": "IDR"},
                    "mode": "API",
                    "paymentMethod": {"type": "QR"},
                    "redirectUrl": {
                        "successReturnUrl": "https://shop.example/ok",
                        "failureReturnUrl": "https://shop.example/fail",
                        "expirationReturnUrl": "https://shop.example/expired",
                    },
                },
                timeout=10,
                max_retries=1,
                idempotency_key="order16001attempt0001",
            )
            print(session.status)
            return repr(client)


if __name__ == "__main__":
    asyncio.run(main())
