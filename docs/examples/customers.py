"""Customers: created from ``customer.email`` with a session, then retrieved by id."""

import asyncio

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox


async def main() -> str:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        session = await client.payments.create({
            "clientReferenceId": "order11001",
            "amount": {"value": 30000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
            "customer": {
                "givenName": "Budi",
                "surname": "Santoso",
                "email": "budi@example.com",
                "phoneNumber": {"countryCode": "+62", "number": "81234567890"},
            },
        })
        assert session.customer_id is not None  # sessions created with a customer carry its id
        customer = await client.customers.retrieve(session.customer_id)
        print(customer.id, customer.given_name, customer.email)

        # Every session of this merchant with a given reference (the answer is a list):
        sessions = await client.payments.list_by_reference("order11001")
        print(len(sessions), "session(s) for order11001")
        return customer.email or ""


if __name__ == "__main__":
    asyncio.run(main())
