"""Fault injection: the sandbox fails the requests you choose, the way a network or Pivot can."""

import asyncio

from pivot_async import PivotClient, RetryPolicy
from pivot_async.sandbox import Fault, Sandbox


async def main() -> int:
    async with Sandbox(seed=1) as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
        retry_policy=RetryPolicy(base_delay=0.05),
    ) as client:
        sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=2))
        sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments/{id}/capture", times=1))
        sandbox.faults.add(Fault(kind="latency", delay=0.5, route="GET /v2/*", probability=0.3))
        sandbox.faults.add_rate_limit("POST /v1/refunds", limit=5, per=1.0)

        # Two 503s, then the request goes through: the client retried with the same key.
        session = await client.payments.create({
            "clientReferenceId": "order19001",
            "amount": {"value": 50000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        attempts = sum(sandbox.request_ids("POST", "/v2/payments").values())
        print(f"{session.status} after {attempts} attempts")
        sandbox.faults.clear()  # faults and rate limits
        return attempts


if __name__ == "__main__":
    asyncio.run(main())
