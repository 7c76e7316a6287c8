"""``python -m pivot_async sandbox``, the pytest fixtures of pivot_async.testing, the pages."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from pivot_async.__main__ import COMMANDS, build_parser, main
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ManualClock, Sandbox
from pivot_async.testing import (  # noqa: F401
    pivot_callback_url,
    pivot_clock,
    pivot_sandbox,
    pivot_sandbox_manual,
)
from tests.sandbox.helpers import Api, session_body

ROOT = Path(__file__).resolve().parents[2]


def test_parser_has_the_sandbox_command() -> None:
    assert "sandbox" in COMMANDS
    args = build_parser().parse_args(["sandbox", "--port", "0", "--host", "127.0.0.1"])
    assert args.port == 0
    assert args.host == "127.0.0.1"
    assert callable(args.run)
    with pytest.raises(SystemExit):
        main(["no-such-command"])


def test_standalone_server_stops_on_sigint() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pivot_async", "sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[0])
        assert match, lines
        url = match.group(1)
        assert DEFAULT_CLIENT_ID in lines[1]
        assert DEFAULT_CLIENT_SECRET in lines[2]
        headers = {"X-MERCHANT-ID": DEFAULT_CLIENT_ID, "X-MERCHANT-SECRET": DEFAULT_CLIENT_SECRET}
        token_request = urllib.request.Request(  # noqa: S310 - an http URL on loopback
            url + "/v1/access-token", data=b"{}", headers=headers, method="POST"
        )
        with urllib.request.urlopen(token_request, timeout=10) as resp:  # noqa: S310 - loopback
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_fixture_pivot_sandbox(pivot_sandbox: Sandbox) -> None:  # noqa: F811
    async with aiohttp.ClientSession() as http:
        api = Api(pivot_sandbox, http)
        data = await api.create("va")
        assert data["status"] == "REQUIRE_ACTION"


async def test_fixture_manual(
    pivot_sandbox_manual: Sandbox, pivot_clock: ManualClock  # noqa: F811
) -> None:
    async with aiohttp.ClientSession() as http:
        api = Api(pivot_sandbox_manual, http)
        data = await api.create("va")
        pivot_sandbox_manual.advance(900)
        assert (await api.session(data["id"]))["status"] == "EXPIRED"


async def test_hosted_card_flow_through_the_pages(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("card_redirect")
    http = api.http
    async with http.get(data["paymentUrl"]) as page:
        assert page.status == 200
        assert "Pay by card" in await page.text()
    form = {
        "type": "CARD",
        "number": "4440000112290002",
        "expMonth": "12",
        "expYear": "2030",
        "cvc": "123",
    }
    async with http.post(
        f"{sandbox.url}/_sandbox/payments/{data['id']}/pay", data=form, allow_redirects=False
    ) as resp:
        assert resp.status == 303
        three_ds = resp.headers["Location"]
    assert "/payment/creditcard/threeds?" in three_ds
    async with http.get(three_ds) as page:
        text = await page.text()
        assert "Complete authentication" in text
        assert "Fail authentication" in text
    async with http.post(
        f"{sandbox.url}/_sandbox/3ds/{data['id']}",
        data={"action": "complete"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303
        status_page = resp.headers["Location"]
    async with http.get(sandbox.url + status_page) as page:
        text = await page.text()
        assert "PAID" in text
        assert "merchant.example/success" in text
    assert sandbox.state.sessions[data["id"]].status == "PAID"


async def test_bypass_status_page_redirects_to_the_merchant(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("card_redirect", bypassStatusPage=True)
    card = {"number": "4440000334480001", "expMonth": 12, "expYear": 30}
    await api.control(
        f"/_sandbox/payments/{data['id']}/pay", {"paymentMethod": {"type": "CARD", "card": card}}
    )
    async with api.http.post(
        f"{sandbox.url}/_sandbox/3ds/{data['id']}",
        data={"action": "complete"},
        allow_redirects=False,
    ) as resp:
        assert resp.headers["Location"] == "https://merchant.example/failure"


async def test_other_pages(api: Api, sandbox: Sandbox) -> None:
    va = await api.create("va", mode="REDIRECT")
    async with api.http.get(va["paymentUrl"]) as page:
        assert va["chargeDetails"][0]["virtualAccount"]["virtualAccountNumber"] in await page.text()
    async with api.http.post(
        f"{sandbox.url}/_sandbox/payments/{va['id']}/simulate",
        data={"chargeStatus": "SUCCESS"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303
    assert sandbox.state.sessions[va["id"]].status == "PAID"
    hosted = await api.create("hosted")
    async with api.http.get(hosted["paymentUrl"]) as page:
        text = await page.text()
        assert "Other methods" in text
        assert "Cancel payment" in text
    async with api.http.post(
        f"{sandbox.url}/_sandbox/payments/{hosted['id']}/pay",
        data={"type": "EWALLET", "channel": "DANA"},
    ) as resp:
        assert resp.status == 200
    assert sandbox.state.sessions[hosted["id"]].charges[0].method == "EWALLET"
    async with api.http.get(f"{sandbox.url}/ewallet/pay?session_id={hosted['id']}") as page:
        assert "000000" in await page.text()
    qr = await api.create("qr")
    async with api.http.get(qr["chargeDetails"][0]["qr"]["qrUrl"]) as page:
        assert qr["chargeDetails"][0]["qr"]["qrContent"] in await page.text()
    cancel_me = await api.create("hosted")
    async with api.http.post(
        f"{sandbox.url}/_sandbox/payments/{cancel_me['id']}/customer-cancel",
        data={"go": "cancel"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303
    assert sandbox.state.sessions[cancel_me["id"]].cancellation_reason == "REQUESTED_BY_CUSTOMER"
    async with api.http.get(f"{sandbox.url}/detail?token=forged") as page:
        assert page.status == 404


async def test_manual_clock_control_route(api: Api, sandbox: Sandbox) -> None:
    status, body = await api.post("/v2/payments", session_body("va"))
    status, moved = await api.control("/_sandbox/clock/advance", {"seconds": 900})
    assert status == 200
    assert moved["data"]["now"].startswith("2026-01-01T00:15:00")
    assert sandbox.state.sessions[body["data"]["id"]].status == "EXPIRED"
    async with (
        Sandbox() as real,
        aiohttp.ClientSession() as http,
        http.post(real.url + "/_sandbox/clock/advance", data=b'{"seconds": 1}') as resp,
    ):
        assert resp.status == 409
