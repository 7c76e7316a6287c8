"""Fixtures for client tests: a sandbox on a manual clock and a client whose sleeps are
recorded instead of slept."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pivot_async import PivotClient
from pivot_async.models import CreatePaymentParams
from pivot_async.sandbox import ManualClock, Sandbox


class RecordingSleep:
    """Stands in for asyncio.sleep in the retry middleware: records delays, never sleeps."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock=ManualClock(), callback_delay_scale=0.0001) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox, sleeps: RecordingSleep) -> AsyncIterator[PivotClient]:
    async with PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, sleep=sleeps
    ) as c:
        yield c


def va_request(ref: str = "order1001", value: int = 50000) -> CreatePaymentParams:
    """A minimal VA payment session request (wire format)."""
    return {
        "clientReferenceId": ref,
        "amount": {"value": value, "currency": "IDR"},
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
        "mode": "API",
        "redirectUrl": {
            "successReturnUrl": "https://shop.example/ok",
            "failureReturnUrl": "https://shop.example/fail",
            "expirationReturnUrl": "https://shop.example/expired",
        },
    }


def hosted_request(ref: str = "order2001") -> CreatePaymentParams:
    """A hosted-page session created with autoConfirm false (REQUIRE_CONFIRMATION)."""
    return {
        "clientReferenceId": ref,
        "amount": {"value": 25000, "currency": "IDR"},
        "autoConfirm": False,
        "redirectUrl": {
            "successReturnUrl": "https://shop.example/ok",
            "failureReturnUrl": "https://shop.example/fail",
            "expirationReturnUrl": "https://shop.example/expired",
        },
        "orderInformation": {
            "productDetails": [
                {"type": "PHYSICAL", "name": "Tea", "quantity": 1,
                 "price": {"value": 25000, "currency": "IDR"}}
            ]
        },
    }
