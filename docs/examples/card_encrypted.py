"""Card payment with your own card form (API mode): encrypt, confirm, 3DS."""

import asyncio
import datetime as dt

from pivot_async import Card, PivotClient
from pivot_async.models import PaymentMethodOptionsParams, RedirectUrlParams
from pivot_async.sandbox import Sandbox

REDIRECT: RedirectUrlParams = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}
CARD_OPTIONS: PaymentMethodOptionsParams = {
    "card": {"captureMethod": "automatic", "threeDsMethod": "CHALLENGE"},
}


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        # 1. A session waiting for confirmation; it carries the session's encryptionKey.
        session = await client.payments.create({
            "clientReferenceId": "order3001",
            "amount": {"value": 150000, "currency": "IDR"},
            "mode": "API",
            "autoConfirm": False,
            "paymentMethod": {"type": "CARD"},
            "paymentMethodOptions": CARD_OPTIONS,
            "redirectUrl": REDIRECT,
            "orderInformation": {"productDetails": [{
                "type": "PHYSICAL", "name": "Kopi Luwak", "quantity": 1,
                "price": {"value": 150000, "currency": "IDR"},
            }]},
        })
        print(session.status)  # REQUIRE_CONFIRMATION
        assert session.encryption_key is not None  # set for CARD + API mode + autoConfirm false

        # 2. Encrypt what your form collected (RSA-OAEP-SHA256 + AES-256-GCM, in a thread).
        card = Card("4440000112290002", 12, dt.date.today().year + 2, cvc="123",
                    name_on_card="Siti Aminah")
        print(repr(card))  # the repr masks the number and never shows the CVC
        encrypted = await client.cards.encrypt(session.encryption_key, card)

        # 3. Confirm with the encrypted card; the customer then completes 3DS at paymentUrl.
        confirmed = await client.payments.confirm(session.id, {
            "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
            "paymentMethodOptions": CARD_OPTIONS,
        })
        print(f"{confirmed.status}: 3DS at {confirmed.payment_url}")
        sandbox.complete_3ds(session.id)  # what the customer does on the 3DS page

        paid = await client.payments.retrieve(session.id)
        charge = paid.charges[0]
        if charge.card is not None:  # the card details of a CARD charge
            print(paid.status, charge.status, f"{charge.card.first6}...{charge.card.last4}")
        return paid.status


if __name__ == "__main__":
    asyncio.run(main())
