"""Errors: one tree rooted at PivotError; catch what you can act on."""

import asyncio

from pivot_async import (
    APIError,
    NotFoundError,
    PivotClient,
    RequestValidationError,
    UnprocessableEntityError,
)
from pivot_async.models import RedirectUrlParams
from pivot_async.sandbox import Sandbox

REDIRECT: RedirectUrlParams = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}


async def main() -> list[str]:
    caught: list[str] = []
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        # Refused before any I/O: the field is named by its wire path.
        try:
            await client.payments.create({
                "clientReferenceId": "order-19001",  # not alphanumeric
                "amount": {"value": 50000, "currency": "IDR"},
                "paymentMethod": {"type": "QR"},
                "mode": "API",
                "redirectUrl": REDIRECT,
            })
        except RequestValidationError as exc:
            print("not sent:", exc.field, "-", exc.rule)
            caught.append(type(exc).__name__)

        # The gateway answered 404.
        try:
            await client.payments.retrieve("01900000-0000-7000-8000-000000000000")
        except NotFoundError as exc:
            print("404:", exc.code, exc.message)
            caught.append(type(exc).__name__)

        # The gateway answered 422: the session's state forbids the operation.
        session = await client.payments.create({
            "clientReferenceId": "order19002",
            "amount": {"value": 50000, "currency": "IDR"},
            "paymentMethod": {"type": "QR"},
            "mode": "API",
            "redirectUrl": REDIRECT,
        })
        await client.simulations.create({"paymentSessionId": session.id, "chargeStatus": "SUCCESS"})
        try:
            await client.payments.cancel(session.id)
        except UnprocessableEntityError as exc:
            print("422:", exc.code, exc.message)
            caught.append(type(exc).__name__)
        except APIError as exc:  # any other gateway error: status, code, details, trace id
            print("API error:", exc.status, exc.code, exc.fields, exc.trace_id)
            raise
    return caught


if __name__ == "__main__":
    asyncio.run(main())
