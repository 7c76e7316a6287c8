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
from pathlib import Path

from aioresponses import aioresponses

from pivot_async import PivotClient
from pivot_async.sandbox import Sandbox
from pivot_async.testing import install_aioresponses_compat


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
    (session,) = pivot_sandbox.sessions_by_reference("order15001")
    assert session.amount == 42000
    pivot_sandbox.simulate(session.id)  # the customer pays
    assert pivot_sandbox.session(session.id).status == "PAID"
# --8<-- [end:sandbox]


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
