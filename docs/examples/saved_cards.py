"""Saved cards: save a card on the first payment, pay again with its token and the CVC."""

import asyncio
import datetime as dt

from pivot_async import Card, PivotClient
from pivot_async.models import OrderInformationParams, RedirectUrlParams
from pivot_async.sandbox import Sandbox

REDIRECT: RedirectUrlParams = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}
ORDER: OrderInformationParams = {"productDetails": [{
    "type": "PHYSICAL", "name": "Kopi", "quantity": 1,
    "price": {"value": 90000, "currency": "IDR"},
}]}


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        # First payment: the card is entered once and saved for this customer.
        first = await client.payments.create({
            "clientReferenceId": "order9001",
            "amount": {"value": 90000, "currency": "IDR"},
            "mode": "API",
            "autoConfirm": False,
            "paymentMethod": {"type": "CARD"},
            "saveForFutureUse": True,
            "customer": {"givenName": "Siti", "email": "siti@example.com"},
            "redirectUrl": REDIRECT,
            "orderInformation": ORDER,
        })
        assert first.encryption_key is not None  # set for CARD + API mode + autoConfirm false
        card = Card("4440000112200001", 12, dt.date.today().year + 2, cvc="123")
        encrypted = await client.cards.encrypt(first.encryption_key, card)
        await client.payments.confirm(
            first.id, {"paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}}}
        )
        sandbox.complete_3ds(first.id)
        paid = await client.payments.retrieve(first.id)

        # The customer now has a stored card: a token, the masked number, never the PAN.
        assert paid.customer_id is not None  # the session was created with a customer
        customer = await client.customers.retrieve(paid.customer_id)
        stored = customer.payment_methods[0]
        assert stored.token is not None  # a stored method is used through its token
        print("saved:", stored.token[:8] + "...")

        # Next time: the token plus the CVC the customer types again.
        second = await client.payments.create({
            "clientReferenceId": "order9002",
            "amount": {"value": 90000, "currency": "IDR"},
            "mode": "API",
            "customerId": paid.customer_id,
            "paymentMethod": {"type": "CARD", "card": {"token": stored.token, "cvc": "123"}},
            "redirectUrl": REDIRECT,
            "orderInformation": ORDER,
        })
        print(f"{second.status}: authenticate at {second.payment_url}")
        sandbox.complete_3ds(second.id)
        again = await client.payments.retrieve(second.id)
        print("second payment:", again.status)
        return again.status


if __name__ == "__main__":
    asyncio.run(main())
