"""Smoke tests of benchmarks/: the canned server answers like the gateway, every contender
works, the decode payload is what the docs say. Figures are never asserted here."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from pivot_async import PivotClient, WalletCredentials

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def bench_module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


async def test_canned_server_answers_the_client_with_documented_responses() -> None:
    common = bench_module("_common")
    contenders = bench_module("_contenders")
    async with common.CannedServer() as server:
        creds = WalletCredentials(contenders.WALLET_KEY, contenders.WALLET_SECRET,
                                  contenders._private_key(), channel_id=contenders.CHANNEL_ID)
        async with PivotClient(contenders.CLIENT_ID, contenders.CLIENT_SECRET,
                               base_url=server.url + "/hold1", wallet=creds) as client:
            session = await client.payments.create(contenders.create_body(7))
            customer = client.wallet.customer(contenders.BINDING_ID)
            debit = await client.wallet.debit(customer, contenders.debit_body(7))
        stats = await server.stats()
    assert session.id == contenders.EXPECTED_SESSION_ID
    assert session.status == "REQUIRE_ACTION"
    assert debit.reference_no == contenders.EXPECTED_DEBIT_REF
    assert not debit.recovered
    assert stats["paths"]["/v2/payments"] == 1
    assert stats["paths"]["/v1/access-token"] == 1
    assert stats["paths"]["/snap/v1.0/access-token/b2b"] == 1
    assert stats["paths"]["/snap/v1.0/access-token/b2b2c"] == 1
    assert stats["cpu"] >= 0


def test_decode_payload_has_four_charges_decoded_alike() -> None:
    decode = bench_module("decode")  # pydantic comes with the test extra
    raw = decode.payload()
    info = decode.check(raw)  # raises if the three decoders disagree
    assert info["charges"] == 4
    assert json.loads(raw)["data"]["chargeDetails"][3]["card"]["last4"] == "0001"


def test_every_throughput_contender_completes_its_calls() -> None:
    proc = subprocess.run(  # httpx, pydantic and requests come with the test extra
        [sys.executable, str(BENCH / "throughput.py"), "--n", "12", "--slow-n", "12",
         "--wallet-n", "12", "--warmup", "4", "--rounds", "1", "--concurrency", "3"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    payments = result["results"]["payments"]["3"]
    wallet = result["results"]["wallet"]["3"]
    assert set(payments) == {"pivot_async", "aiohttp_raw", "aiohttp_bestcase", "aiohttp_json",
                             "httpx_pydantic", "requests_threads"}
    assert set(wallet) == {"pivot_async", "aiohttp_presigned", "aiohttp_hmac"}
    for name, figures in {**payments, **{f"wallet {k}": v for k, v in wallet.items()}}.items():
        assert figures["errors"] == 0, (name, figures["first_error"])
    report = bench_module("report")
    md = report.render({
        "command": "test", "started_utc": "now", "seconds": 1.0, "mode": "quick",
        "machine": result["machine"], "versions": result["versions"],
        "scripts": {"throughput": {"result": result}},
    })
    assert "payments.create, concurrency 3" in md
    assert "signed wallet debits, concurrency 3" in md
