"""Logging: one DEBUG line per attempt, and nothing secret in it."""

import asyncio
import io
import logging

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("pivot_async")  # the library's logger (and its children)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)  # INFO shows retries only; DEBUG every attempt
    try:
        async with Sandbox() as sandbox, PivotClient(
            sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
        ) as client:
            session = await client.payments.create({
                "clientReferenceId": "order17001",
                "amount": {"value": 50000, "currency": "IDR"},
                "mode": "API",
                "paymentMethod": {"type": "QR"},
                "redirectUrl": {
                    "successReturnUrl": "https://shop.example/ok",
                    "failureReturnUrl": "https://shop.example/fail",
                    "expirationReturnUrl": "https://shop.example/expired",
                },
            })
            await client.payments.retrieve(session.id)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    text = stream.getvalue()
    print(text, end="")
    return text


if __name__ == "__main__":
    asyncio.run(main())
