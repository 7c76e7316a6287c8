"""Manual capture: authorise a card now, capture part of it later, release the rest."""

import asyncio
import datetime as dt

from pivot_async import Card, PivotClient
from pivot_async.models import PaymentMethodOptionsParams
from pivot_async.sandbox import Sandbox

CARD_OPTIONS: PaymentMethodOptionsParams = {
    "card": {"captureMethod": "manual", "threeDsMethod": "CHALLENGE"},
}


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "hotel8001",
            "amount": {"value": 300000, "currency": "IDR"},
            "mode": "API",
            "autoConfirm": False,
            "paymentMethod": {"type": "CARD"},
            "paymentMethodOptions": CARD_OPTIONS,
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
            "orderInformation": {"productDetails": [{
                "type": "SERVICE", "name": "Room deposit", "quantity": 1,
                "price": {"value": 300000, "currency": "IDR"},
            }]},
        })
        assert session.encryption_key is not None  # set for CARD + API mode + autoConfirm false
        card = Card("5550000112220002", 12, dt.date.today().year + 2, cvc="123")
        encrypted = await client.cards.encrypt(session.encryption_key, card)
        await client.payments.confirm(session.id, {
            "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
            "paymentMethodOptions": CARD_OPTIONS,
        })
        sandbox.complete_3ds(session.id)

        held = await client.payments.retrieve(session.id)
        print(held.status, held.charges[0].status)  # PROCESSING WAITING_FOR_CAPTURE

        # Capture 200,000 of the 300,000 and release the remaining 100,000.
        capture = await client.payments.capture(session.id, {
            "amount": {"value": 200000, "currency": "IDR"},
            "releaseRemainingAmount": True,
        })
        print("capture", capture.status)
        done = await client.payments.retrieve(session.id)
        captured = done.charges[0].captured_amount  # None until the charge is captured
        print(done.status, captured.value if captured else None)
        return done.status


if __name__ == "__main__":
    asyncio.run(main())
