"""Timeouts, retries and idempotency, shown with the sandbox's fault injection."""

import asyncio

from pivot_async import PivotClient, PivotTimeoutError, RetryPolicy, ServerError
from pivot_async.models import CreatePaymentParams
from pivot_async.sandbox import Fault, Sandbox

REQUEST: CreatePaymentParams = {
    "clientReferenceId": "order18001",
    "amount": {"value": 50000, "currency": "IDR"},
    "mode": "API",
    "paymentMethod": {"type": "QR"},
    "redirectUrl": {
        "successReturnUrl": "https://shop.example/ok",
        "failureReturnUrl": "https://shop.example/fail",
        "expirationReturnUrl": "https://shop.example/expired",
    },
}


async def main() -> dict[str, object]:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
        retry_policy=RetryPolicy(max_retries=3, base_delay=0.05),
    ) as client:
        # 1. Two 503s, then success: retried with the SAME X-REQUEST-ID each time.
        sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=2))
        session = await client.payments.create(REQUEST)
        keys = sandbox.request_ids("POST", "/v2/payments")
        print(f"{session.status} after {sum(keys.values())} attempts with {len(keys)} key")

        # 2. "Processed, but the response was lost": the retry is answered from the
        #    gateway's idempotency record, so no second session is created.
        sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments", times=1))
        again = await client.payments.create({**REQUEST, "clientReferenceId": "order18002"})
        print(again.status, "- sessions for order18002:",
              len(sandbox.state.sessions_by_reference("order18002")))

        # 3. Your own key: the same key and payload replays the first answer.
        first = await client.payments.create(
            {**REQUEST, "clientReferenceId": "order18003"}, idempotency_key="order18003key00001"
        )
        replay = await client.payments.create(
            {**REQUEST, "clientReferenceId": "order18003"}, idempotency_key="order18003key00001"
        )
        print("same session:", first.id == replay.id)

        # 4. Retries are bounded: a persistent 503 ends in ServerError.
        sandbox.faults.add(Fault(kind="status", status=503, route="GET /v2/payments/{id}"))
        try:
            await client.payments.retrieve(session.id, timeout=5)
        except ServerError as exc:
            print("gave up:", type(exc).__name__, exc.status)
        sandbox.faults.clear()

        # 5. A timeout: the call raises PivotTimeoutError (a PivotConnectionError).
        sandbox.faults.add(Fault(kind="latency", delay=1.0, route="GET /v2/payments/{id}"))
        try:
            await client.payments.retrieve(session.id, timeout=0.2)
        except PivotTimeoutError as exc:
            print("timed out:", exc)
        sandbox.faults.clear()
        return {
            "attempts": sum(keys.values()),
            "keys": len(keys),
            "dropped_sessions": len(sandbox.state.sessions_by_reference("order18002")),
            "replayed": first.id == replay.id,
        }


if __name__ == "__main__":
    asyncio.run(main())
