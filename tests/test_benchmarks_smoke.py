"""Smoke tests of benchmarks/: the canned server answers like the gateway, every contender
works, the decode payload is what the docs say. Figures are never asserted here."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

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


CACHEGRIND_SAMPLE = """\
==8239== Cachegrind, a cache and branch-prediction profiler
==8239== Command: python instructions.py --child AiohttpRaw 1000
--8239-- warning: L3 cache found, using its data for the LL simulation.
==8240== I   refs:      1,000
==8239== I   refs:      2,308,928,662
==8239== I1  misses:       29,736,669
==8239== LLi misses:           27,901
==8239== D1  misses:       27,951,738  ( 24,606,189 rd   +   3,345,549 wr)
==8239== LLd misses:          477,632  (     91,798 rd   +     385,834 wr)
==8239== LL refs:          57,688,407  ( 54,342,858 rd   +   3,345,549 wr)
==8239== LL misses:           505,533  (    119,699 rd   +     385,834 wr)
"""


def test_instructions_parses_cachegrind_and_derives_what_each_target_allows() -> None:
    ins = bench_module("instructions")
    assert ins.parse_summary(CACHEGRIND_SAMPLE, 8239) == {
        "instructions": 2_308_928_662, "i1_misses": 29_736_669, "d1_misses": 27_951_738,
        "ll_misses": 505_533}
    assert ins.parse_summary(CACHEGRIND_SAMPLE, 8240) == {"instructions": 1000}
    with pytest.raises(ValueError, match="no cachegrind summary"):
        ins.parse_summary(CACHEGRIND_SAMPLE, 1)  # another process's summary is not ours
    derived = ins.derive({
        "payments": {"aiohttp_raw": 435_700.0, "aiohttp_bestcase": 581_500.0,
                     "pivot_async": 709_800.0},
        "wallet": {"aiohttp_presigned": 458_300.0, "aiohttp_hmac": 672_600.0},  # incomplete
    })
    assert derived == {"payments": {
        "target": 0.72, "budget_instructions": 605_139, "bestcase_ratio": 0.749,
        "pivot_ratio": 0.614, "pivot_over_bestcase": 1.221, "budget_minus_bestcase": 23_639,
        "pivot_minus_budget": 104_661}}
    result = {"method": "cachegrind", "n": 1000, "concurrency": 64, "warmup": 200,
              "commit": "abc", "derived": derived,
              "results": {"payments": {"aiohttp_raw": {"instructions": 435_700},
                                       "pivot_async": {"instructions": 709_800}}}}
    md = "\n".join(bench_module("report").instructions_section(
        {"instructions": {"result": result}}))
    assert "| payments | `pivot_async` | 709,800 | 1.63 |" in md
    assert "| 605,139 | 0.749 | 0.614 | 1.221 | -/- |" in md


def test_instructions_without_valgrind_exits_0_saying_not_measured(tmp_path: Path) -> None:
    results = BENCH / "results" / "instructions.json"
    before = results.read_bytes() if results.exists() else None
    proc = subprocess.run(
        [sys.executable, str(BENCH / "instructions.py"), "--quick"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": str(tmp_path)},  # no valgrind on it
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("instructions: not measured: valgrind not installed")
    assert json.loads(lines[-1]) == {"benchmark": "instructions",
                                     "not_measured": "valgrind not installed"}
    assert (results.read_bytes() if results.exists() else None) == before  # kept


def test_instructions_child_runs_a_wallet_contender_on_a_given_key(tmp_path: Path) -> None:
    from pivot_async.signing import generate_private_key

    key = tmp_path / "key.pem"
    key.write_text(generate_private_key(1024).to_pem(), "ascii")
    proc = subprocess.run(  # what runs under valgrind, here natively and tiny
        [sys.executable, str(BENCH / "instructions.py"), "--child", "PivotWallet", "6",
         "--warmup", "2", "--concurrency", "3", "--key-file", str(key)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
