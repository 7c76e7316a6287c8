"""Re-running a job without its journal never creates a record twice: payments, refunds, debits.

A real :class:`~pivot_async.PivotClient` against the embedded sandbox. Each scenario runs a job,
loses its journal (deleted, or replaced by an older copy), runs the same operations again, and
counts the create requests that reached the sandbox and the records it holds per reference.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pivot_async import PivotClient
from pivot_async.batch import BatchRunner, BatchSummary, Operation
from pivot_async.sandbox import Sandbox
from tests.batch.conftest import read_results
from tests.client.conftest import va_request

PAYMENTS = "/v2/payments"
REFUNDS = "/v1/refunds"
DEBIT = "/wallet-backend/snap/v1.0/debit/payment-host-to-host"


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Sandbox, PivotClient]]:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
        wallet=sandbox.wallet.default_merchant.client_credentials()
    ) as client:
        yield sandbox, client


def lose(journal: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{journal}{suffix}").unlink(missing_ok=True)


async def run(client: PivotClient, operations: list[Operation], journal: Path,
              results: Path | None = None) -> BatchSummary:
    """A new job (the journal holds none) over ``operations``."""
    return await BatchRunner(client, concurrency=16, journal=journal).run(
        operations, results_path=results)


def payments(prefix: str, n: int) -> list[Operation]:
    return [Operation.create_payment(i, va_request(f"{prefix}{i}", 10000 + i))
            for i in range(1, n + 1)]


def ids(results: Path) -> dict[str, str]:
    rows = read_results(results)
    assert {r["outcome"] for r in rows} == {"succeeded"}, rows[:3]
    return {r["reference"]: r["id"] for r in rows}


async def test_payments_rerun_without_the_journal_sends_no_create(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    sandbox, client = gateway
    journal, results = tmp_path / "j.sqlite", tmp_path / "r.jsonl"
    ops = payments("pay", 200)
    first = await run(client, ops[:120], journal)  # a partial run...
    assert first.sent == 120
    lose(journal)  # ...whose journal is lost
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent, summary.succeeded) == (120, 80, 200)
    assert sandbox.request_count("POST", PAYMENTS) == 200
    done = ids(results)

    lose(journal)  # the finished job, run again without its journal
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent, summary.succeeded) == (200, 0, 200)
    assert sandbox.request_count("POST", PAYMENTS) == 200  # no create reached the sandbox
    assert ids(results) == done
    per_ref = Counter(s.client_reference_id for s in sandbox.state.sessions.values())
    assert set(per_ref.values()) == {1} and len(per_ref) == 200


async def test_refunds_rerun_without_the_journal_sends_no_create(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    sandbox, client = gateway
    sessions = []
    for i in range(1, 41):
        session = await client.payments.create(va_request(f"paid{i}", 50000))
        await client.simulations.create({"paymentSessionId": session.id,
                                         "chargeStatus": "SUCCESS"})
        sessions.append(session.id)
    ops = [Operation.refund(i, {"clientReferenceId": f"rf{i}", "paymentSessionId": sid,
                                "amount": {"value": "10000", "currency": "IDR"},
                                "reason": "REQUESTED_BY_CUSTOMER"})
           for i, sid in enumerate(sessions, start=1)]
    journal, results = tmp_path / "j.sqlite", tmp_path / "r.jsonl"
    await run(client, ops[:25], journal)
    lose(journal)
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent) == (25, 15)
    done = ids(results)

    lose(journal)
    lists = sandbox.request_count("GET", REFUNDS)
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent, summary.succeeded) == (40, 0, 40)
    assert sandbox.request_count("POST", REFUNDS) == 40  # 25 + 15, none on the re-run
    assert sandbox.request_count("GET", REFUNDS) == lists + 1  # one scan of the refund list
    assert ids(results) == done
    per_ref = Counter(r.client_reference_id for r in sandbox.state.refunds.values())
    assert set(per_ref.values()) == {1} and len(per_ref) == 40


async def bound_customer(sandbox: Sandbox, client: PivotClient) -> str:
    created = await client.wallet.create_account({
        "partnerReferenceNo": "USERBATCH1",
        "merchantId": sandbox.wallet.default_merchant.merchant_id,
        "name": "Budi", "phoneNo": "081800007777", "redirectUrl": "https://merchant.example/bound"})
    binding = sandbox.wallet.complete_binding(str(created.reference_no))
    sandbox.wallet.set_balance(binding.binding_id, "100000000")
    return str(binding.binding_id)


def debits(binding_id: str, n: int) -> list[Operation]:
    return [Operation.wallet_debit(i, {
        "subMerchantId": "SUBMERCHANT1", "partnerReferenceNo": f"WD{i:04d}",
        "amount": {"value": "1000.00", "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {}}, binding_id=binding_id) for i in range(1, n + 1)]


async def test_wallet_debits_rerun_without_the_journal_sends_no_debit(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    sandbox, client = gateway
    ops = debits(await bound_customer(sandbox, client), 40)
    journal, results = tmp_path / "j.sqlite", tmp_path / "r.jsonl"
    await run(client, ops[:25], journal)
    lose(journal)
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent) == (25, 15)
    done = ids(results)
    sent = sandbox.request_count("POST", DEBIT)
    assert sent == 40

    lose(journal)
    summary = await run(client, ops, journal, results)
    assert (summary.found, summary.sent, summary.succeeded) == (40, 0, 40)
    assert sandbox.request_count("POST", DEBIT) == sent  # no debit reached the sandbox
    assert ids(results) == done
    assert all(sandbox.wallet.debit_count(f"WD{i:04d}") == 1 for i in range(1, 41))


async def test_a_stale_journal_copy_sends_nothing_twice(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    """A journal restored from an older copy (or another machine's): rows it does not know
    as finished are found at the gateway, not created again."""
    sandbox, client = gateway
    journal, results = tmp_path / "j.sqlite", tmp_path / "r.jsonl"
    ops = payments("stale", 150)
    await BatchRunner(client, journal=journal).run(ops[:50], job_id="job")
    shutil.copyfile(journal, tmp_path / "old.sqlite")  # closed: nothing is left in the WAL
    await BatchRunner(client, journal=journal).run(ops, job_id="job", resume=True)
    assert sandbox.request_count("POST", PAYMENTS) == 150

    lose(journal)
    shutil.copyfile(tmp_path / "old.sqlite", journal)
    summary = await BatchRunner(client, journal=journal).run(
        ops, job_id="job", resume=True, results_path=results)
    assert (summary.skipped, summary.found, summary.sent) == (50, 100, 0)
    assert sandbox.request_count("POST", PAYMENTS) == 150
    assert len(ids(results)) == 150


async def test_without_the_gateway_check_the_derived_key_still_prevents_a_second_session(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    """``check_gateway=False`` sends rows the journal does not know, but under the same key as
    the first run, so the gateway replays the session instead of creating another."""
    sandbox, client = gateway
    journal = tmp_path / "j.sqlite"
    ops = payments("nocheck", 30)
    await BatchRunner(client, journal=journal, check_gateway=False).run(ops)
    lose(journal)
    summary = await BatchRunner(client, journal=journal, check_gateway=False).run(ops)
    assert (summary.found, summary.sent, summary.succeeded) == (0, 30, 30)
    assert sandbox.request_count("GET", PAYMENTS) == 0  # no lookups
    assert sandbox.request_count("POST", PAYMENTS) == 60
    per_ref = Counter(s.client_reference_id for s in sandbox.state.sessions.values())
    assert set(per_ref.values()) == {1} and len(per_ref) == 30


async def test_a_reference_taken_by_another_amount_is_invalid_and_not_sent(
    gateway: tuple[Sandbox, PivotClient], tmp_path: Path
) -> None:
    sandbox, client = gateway
    await client.payments.create(va_request("taken1", 77777))
    results = tmp_path / "r.jsonl"
    summary = await BatchRunner(client, journal=tmp_path / "j.sqlite").run(
        [Operation.create_payment(1, va_request("taken1", 10000))], results_path=results)
    (row,) = read_results(results)
    assert row["outcome"] == "invalid" and row["error_code"] == "reference_in_use"
    assert row["error_field"] == "clientReferenceId" and "taken1" in row["error_message"]
    assert summary.invalid == 1 and summary.sent == 0
    assert sandbox.request_count("POST", PAYMENTS) == 1


# -- lookups that fail, with the fake gateway ------------------------------------------------


async def test_a_new_row_whose_lookup_fails_is_unknown_and_not_sent(tmp_path: Path) -> None:
    from pivot_async._errors import PivotTimeoutError
    from tests.batch._fakes import FakeClient, FakeGateway, payment

    async def down(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        raise PivotTimeoutError("timed out")

    gateway, journal, results = FakeGateway(), tmp_path / "j.sqlite", tmp_path / "r.jsonl"
    rows = [Operation.create_payment(1, payment(1))]
    client = FakeClient(gateway, before_lookup=down)
    summary = await BatchRunner(client, journal=journal).run(rows, results_path=results)
    assert client.creates() == [] and summary.unknown == 1
    (row,) = read_results(results)
    assert row["error_code"] == "resolution_failed" and "not sent" in row["error_message"]

    again = FakeClient(gateway)  # the gateway answers again: checked, then sent once
    summary = await BatchRunner(again, journal=journal).run(rows, resume=True)
    assert [c[0] for c in again.calls] == ["payments.list_by_reference", "payments.create"]
    assert summary.succeeded == 1 and len(gateway.sessions) == 1


async def test_a_new_row_whose_lookup_is_refused_is_failed_and_not_sent(tmp_path: Path) -> None:
    from pivot_async._errors import RebindRequiredError
    from tests.batch._fakes import FakeClient

    async def refused(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        raise RebindRequiredError("tokens refused", status=401, code="4017400")

    client = FakeClient(before_lookup=refused)
    results = tmp_path / "r.jsonl"
    summary = await BatchRunner(client, journal=tmp_path / "j.sqlite").run(
        [Operation.wallet_debit(1, {"partnerReferenceNo": "PR1"}, binding_id="b")],
        results_path=results)
    (row,) = read_results(results)
    assert row["outcome"] == "failed" and row["error_code"] == "4017400"
    assert "nothing was sent" in row["error_message"]
    assert client.creates() == [] and summary.failed == 1


async def test_a_debit_reference_held_with_another_amount_is_invalid(tmp_path: Path) -> None:
    from tests.batch._fakes import Amount, DebitStatus, FakeClient, FakeGateway

    gateway = FakeGateway()
    gateway.debits["PR1"] = DebitStatus("00", "wd1", "Success", Amount("5.00"))
    client = FakeClient(gateway)
    results = tmp_path / "r.jsonl"
    await BatchRunner(client, journal=tmp_path / "j.sqlite").run(
        [Operation.wallet_debit(1, {"partnerReferenceNo": "PR1",
                                    "amount": {"value": "10.00", "currency": "IDR"}},
                                binding_id="b")], results_path=results)
    (row,) = read_results(results)
    assert row["outcome"] == "invalid" and row["error_code"] == "reference_in_use"
    assert row["error_field"] == "partnerReferenceNo"
    assert client.creates() == []
