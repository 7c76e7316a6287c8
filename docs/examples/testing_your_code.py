"""Testing code that uses pivot_async: with the sandbox fixture and with aioresponses.

In your project, enable the fixtures once in ``conftest.py``::

    pytest_plugins = ["pivot_async.testing"]

and set ``asyncio_mode = "auto"`` for pytest-asyncio (or mark the tests). ``main()`` below
does exactly that in a temporary directory and runs this file's tests there with pytest.
"""

import asyncio
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aioresponses import aioresponses

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox
from pivot_async.testing import install_aioresponses_compat, mock_create_payment


# --8<-- [start:code]
async def start_checkout(client: PivotClient, order_id: str, amount: int) -> str:
    """The code under test: opens a QRIS payment for an order, returns the QR string."""
    session = await client.payments.create({
        "clientReferenceId": order_id,
        "amount": {"value": amount, "currency": "IDR"},
        "mode": "API",
        "paymentMethod": {"type": "QR"},
        "redirectUrl": {
            "successReturnUrl": "https://shop.example/ok",
            "failureReturnUrl": "https://shop.example/fail",
            "expirationReturnUrl": "https://shop.example/expired",
        },
    })
    qr = session.charges[0].qr
    if qr is None or not qr.qr_content:
        raise RuntimeError(f"session {session.id} has no QR string")
    return qr.qr_content
# --8<-- [end:code]


# --8<-- [start:sandbox]
async def test_checkout_against_the_sandbox(pivot_sandbox: Sandbox) -> None:
    async with PivotClient(pivot_sandbox.client_id, pivot_sandbox.client_secret,
                           base_url=pivot_sandbox.url) as client:
        qr = await start_checkout(client, "order15001", 42000)
    assert qr.startswith("000201")  # an EMVCo QRIS payload
    (session,) = pivot_sandbox.state.sessions_by_reference("order15001")
    assert session.amount == 42000
    pivot_sandbox.simulate(session.id)  # the customer pays
    assert pivot_sandbox.state.sessions[session.id].status == "PAID"
# --8<-- [end:sandbox]


# --8<-- [start:client]
async def test_checkout_with_the_client_fixture(pivot_client: PivotClient,
                                                pivot_sandbox: Sandbox) -> None:
    qr = await start_checkout(pivot_client, "order15003", 42000)  # already bound to the sandbox
    assert qr.startswith("000201")
    assert [s.amount for s in pivot_sandbox.state.sessions_by_reference("order15003")] == [42000]
# --8<-- [end:client]


# --8<-- [start:callbacks]
# Your callback endpoint, started per test (usually in conftest.py).
@pytest_asyncio.fixture
async def received() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    events: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        events.append(await request.json())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/pivot/callbacks", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/pivot/callbacks", events
    await runner.cleanup()


# Overriding pivot_callback_url makes pivot_sandbox deliver callbacks there (for one test:
# @pytest.mark.pivot_sandbox(callback_url=...)).
@pytest.fixture
def pivot_callback_url(received: tuple[str, list[dict[str, Any]]]) -> str:
    return received[0]


async def test_paid_callback_reaches_the_endpoint(
    pivot_client: PivotClient, pivot_sandbox: Sandbox,
    received: tuple[str, list[dict[str, Any]]],
) -> None:
    await start_checkout(pivot_client, "order15004", 42000)
    (session,) = pivot_sandbox.state.sessions_by_reference("order15004")
    pivot_sandbox.simulate(session.id)
    await pivot_sandbox.callbacks.wait_idle()
    assert "PAYMENT.PAID" in [event["event"] for event in received[1]]
# --8<-- [end:callbacks]


# --8<-- [start:aioresponses]
async def test_checkout_with_aioresponses() -> None:
    install_aioresponses_compat()  # aiohttp >= 3.14; in a real project: once, in conftest.py
    session = {"id": "s1", "status": "REQUIRE_ACTION",
               "chargeDetails": [{"id": "c1", "status": "WAITING_FOR_USER_ACTION",
                                  "qr": {"qrContent": "000201010212"}}]}
    with aioresponses() as mock:
        mock.post("https://api-stg.pivot-payment.com/v2/payments",
                  payload={"code": "00", "message": "Success", "data": session})
        async with PivotClient("client-id", "client-secret") as client:
            qr = await start_checkout(client, "order15002", 42000)
    assert qr == "000201010212"
# --8<-- [end:aioresponses]


# --8<-- [start:helpers]
async def test_checkout_with_a_documented_response() -> None:
    with aioresponses() as mock:
        body = mock_create_payment(mock, "qr_dynamic_api")  # Pivot's documented example
        async with PivotClient("client-id", "client-secret") as client:
            qr = await start_checkout(client, "order15005", 42000)
    assert qr == body["data"]["chargeDetails"][0]["qr"]["qrContent"]
# --8<-- [end:helpers]


async def main() -> int:
    """Run this file's tests with pytest, set up as in your project."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copy(__file__, project / "test_checkout.py")
        (project / "conftest.py").write_text('pytest_plugins = ["pivot_async.testing"]\n')
        (project / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_checkout.py",
            cwd=project, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        code = await proc.wait()
    print(output.decode().strip().splitlines()[-1])
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
