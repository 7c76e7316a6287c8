"""The runner: concurrency, journal ordering, keys, outcomes, strictness, results."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pivot_async._errors import (
    BadRequestError,
    ConfigurationError,
    IdempotencyError,
    OutcomeUnknownError,
    PivotConnectionError,
    PivotTimeoutError,
    RequestValidationError,
    ServerError,
)
from pivot_async.batch import (
    BatchError,
    BatchRunner,
    InvalidRowError,
    Operation,
    idempotency_key,
)
from tests.batch._fakes import FakeClient, payment
from tests.batch.conftest import read_results


def ops(n: int, start: int = 1) -> list[Operation]:
    return [Operation.create_payment(i, payment(i)) for i in range(start, start + n)]


async def test_concurrency_bound_is_respected(journal: Path) -> None:
    client = FakeClient(yields=5)
    summary = await BatchRunner(client, concurrency=7, journal=journal).run(ops(200))
    assert summary.succeeded == 200
    assert client.max_in_flight == 7
    assert len(client.calls_of("payments.create")) == 200


async def test_intent_is_committed_before_the_request_is_sent(journal: Path) -> None:
    seen: list[tuple[str, str]] = []

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        # A separate connection sees only committed data.
        with sqlite3.connect(journal) as conn:
            row = conn.execute("SELECT state, idempotency_key FROM ops WHERE reference=?",
                               (params["clientReferenceId"],)).fetchone()
        assert row is not None, "the intent must be committed before sending"
        assert row[1] == key
        seen.append(row)

    client = FakeClient(before=before)
    summary = await BatchRunner(client, concurrency=4, journal=journal).run(ops(30))
    assert summary.succeeded == 30
    assert len(seen) == 30
    assert {state for state, _ in seen} == {"pending"}


async def test_idempotency_keys_come_from_the_business_identity(tmp_path: Path) -> None:
    client = FakeClient(client_id="merchantA")
    summary = await BatchRunner(client, journal=tmp_path / "a.sqlite").run(ops(5), job_id="job42")
    keys = {ref: key for _, ref, key in client.calls_of("payments.create")}
    for row in range(1, 6):
        key = keys[f"ORDER{row}"]
        assert key == idempotency_key("create_payment", f"ORDER{row}", "merchantA")
        assert len(key) == 32 and key.isalnum()
    assert summary.job_id == "job42"
    # Another job, another journal, other row numbers: the same reference, the same key.
    other = FakeClient(client_id="merchantA")
    shifted = [Operation.create_payment(i + 100, payment(i)) for i in range(1, 6)]
    await BatchRunner(other, journal=tmp_path / "b.sqlite").run(shifted, job_id="job43")
    assert {ref: key for _, ref, key in other.calls_of("payments.create")} == keys
    # The operation and the merchant are part of the identity; the secret is not used.
    assert idempotency_key("refund", "ORDER1", "merchantA") != keys["ORDER1"]
    assert idempotency_key("create_payment", "ORDER1", "merchantB") != keys["ORDER1"]
    with pytest.raises(ValueError, match="reference"):
        idempotency_key("create_payment", "")


async def test_outcomes_are_classified_and_reported_once_per_row(
    journal: Path, results: Path
) -> None:
    failures: dict[str, Exception] = {
        "ORDER2": BadRequestError("bad", status=400, code="api_validation_error"),
        "ORDER3": PivotTimeoutError("timed out"),
        "ORDER4": RequestValidationError("amount.value", "must be a positive integer"),
        "ORDER5": ServerError("oops", status=503, code="service_unavailable"),
        "ORDER6": OutcomeUnknownError("ambiguous", references={"x": "y"}),
        "ORDER7": PivotConnectionError("reset"),
        "ORDER8": RuntimeError("bug in a hook"),
        "ORDER9": IdempotencyError("reused", status=409, code="idempotency_error"),
    }

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        exc = failures.get(params["clientReferenceId"])
        if exc is not None:
            raise exc

    client = FakeClient(before=before)
    summary = await BatchRunner(client, concurrency=3, journal=journal).run(
        ops(10), results_path=results)
    rows = read_results(results)
    assert [r["row"] for r in rows] == list(range(1, 11))
    by_row = {r["row"]: r for r in rows}
    assert by_row[1]["outcome"] == "succeeded" and by_row[1]["id"].startswith("sess")
    assert by_row[1]["status"] == "REQUIRE_ACTION"
    assert by_row[2]["outcome"] == "failed" and by_row[2]["error_code"] == "api_validation_error"
    assert by_row[3]["outcome"] == "unknown" and by_row[3]["error_code"] == "timeout"
    assert by_row[4]["outcome"] == "invalid"
    assert by_row[4]["error_field"] == "amount.value"
    assert by_row[5]["outcome"] == "unknown" and by_row[5]["error_code"] == "service_unavailable"
    assert by_row[6]["outcome"] == "unknown"
    assert by_row[7]["outcome"] == "unknown"
    assert by_row[8]["outcome"] == "unknown" and by_row[8]["error_code"] == "internal_error"
    assert by_row[9]["outcome"] == "failed" and by_row[9]["error_code"] == "idempotency_error"
    assert by_row[10]["outcome"] == "succeeded"
    assert by_row[1]["input"] == {"operation": "create_payment", **payment(1)}
    assert summary.counts == {"succeeded": 2, "failed": 2, "invalid": 1, "unknown": 5}
    assert summary.processed == 10 and summary.total == 10
    assert not summary.ok


async def test_malformed_rows_are_reported_and_the_job_continues(results: Path) -> None:
    rows = [
        Operation.create_payment(1, payment(1)),
        Operation.create_payment(2, {"amount": {"value": 1}}),  # no reference
        Operation("teleport", 3, payment(3)),
        Operation.wallet_debit(4, {"partnerReferenceNo": "P4"}, binding_id=""),
        Operation.create_payment(5, payment(5)),
    ]
    client = FakeClient()
    summary = await BatchRunner(client).run(rows, results_path=results)
    out = {r["row"]: r for r in read_results(results)}
    assert out[2]["outcome"] == "invalid" and out[2]["error_field"] == "clientReferenceId"
    assert out[3]["outcome"] == "invalid" and out[3]["error_field"] == "operation"
    assert out[4]["outcome"] == "invalid" and out[4]["error_field"] == "bindingId"
    assert out[5]["outcome"] == "succeeded"
    assert summary.invalid == 3 and summary.succeeded == 2
    assert sorted(c[:2] for c in client.creates()) == [
        ("payments.create", "ORDER1"), ("payments.create", "ORDER5")]


async def test_strict_stops_at_the_first_invalid_row(journal: Path, results: Path) -> None:
    rows = [*ops(4), Operation.create_payment(5, {"amount": {"value": 1}}), *ops(5, start=6)]
    client = FakeClient()
    runner = BatchRunner(client, concurrency=1, journal=journal, strict=True)
    with pytest.raises(InvalidRowError) as info:
        await runner.run(rows, results_path=results)
    assert info.value.error.row == 5
    assert info.value.error.field == "clientReferenceId"
    assert "row 5" in str(info.value)
    assert info.value.summary is not None and info.value.summary.invalid == 1
    assert len(client.creates()) == 4  # nothing after row 5 was sent (nor looked up)
    assert {c[1] for c in client.calls} == {f"ORDER{i}" for i in range(1, 5)}
    assert [r["row"] for r in read_results(results)] == [1, 2, 3, 4, 5]


async def test_duplicate_references_in_a_job_are_invalid(results: Path) -> None:
    rows = [Operation.create_payment(1, payment(1, ref="SAME")),
            Operation.create_payment(2, payment(2)),
            Operation.create_payment(3, payment(3, ref="SAME"))]
    client = FakeClient()
    summary = await BatchRunner(client, concurrency=1).run(rows, results_path=results)
    out = {r["row"]: r for r in read_results(results)}
    assert out[3]["outcome"] == "invalid"
    assert out[3]["error_code"] == "duplicate_reference"
    assert "row 1" in out[3]["error_message"]
    assert [c[1] for c in client.creates()] == ["SAME", "ORDER2"]
    assert summary.invalid == 1


async def test_configuration_error_stops_the_job(journal: Path, results: Path) -> None:
    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        if params["clientReferenceId"] == "ORDER3":
            raise ConfigurationError("no credentials")

    client = FakeClient(before=before)
    with pytest.raises(ConfigurationError):
        await BatchRunner(client, concurrency=1, journal=journal).run(
            ops(10), results_path=results)
    out = read_results(results)
    assert [r["row"] for r in out] == [1, 2, 3]
    assert out[2]["outcome"] == "unknown" and out[2]["error_code"] == "in_flight"


async def test_row_numbers_must_increase() -> None:
    rows = [Operation.create_payment(2, payment(2)), Operation.create_payment(2, payment(3))]
    with pytest.raises(BatchError, match="row numbers must increase"):
        await BatchRunner(FakeClient()).run(rows)


async def test_existing_job_needs_resume(journal: Path) -> None:
    await BatchRunner(FakeClient(), journal=journal).run(ops(2), job_id="j1")
    with pytest.raises(BatchError, match="already exists"):
        await BatchRunner(FakeClient(), journal=journal).run(ops(2), job_id="j1")


async def test_a_journal_is_used_by_one_run_at_a_time(journal: Path) -> None:
    gate, started = asyncio.Event(), asyncio.Event()

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        started.set()
        await gate.wait()

    first = asyncio.ensure_future(
        BatchRunner(FakeClient(before=before), journal=journal).run(ops(1)))
    await started.wait()
    with pytest.raises(BatchError, match="in use"):
        await BatchRunner(FakeClient(), journal=journal).run(ops(1))
    gate.set()
    assert (await first).succeeded == 1


async def test_csv_results_and_async_sources(tmp_path: Path) -> None:
    async def source() -> Any:
        for op in ops(3):
            yield op

    out = tmp_path / "r.csv"
    summary = await BatchRunner(FakeClient()).run(source(), results_path=out)
    rows = read_results(out)
    assert [r["row"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["outcome"] == "succeeded" and rows[0]["error_code"] == ""
    assert summary.journal_path == f"{out}.journal.sqlite"


async def test_bad_results_extension_fails_before_anything_is_sent(tmp_path: Path) -> None:
    client = FakeClient()
    with pytest.raises(BatchError, match=r"\.csv"):
        await BatchRunner(client).run(ops(1), results_path=tmp_path / "r.xlsx")
    assert client.calls == []


def test_constructor_validates() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        BatchRunner(FakeClient(), concurrency=0)
    with pytest.raises(ValueError, match="rate"):
        BatchRunner(FakeClient(), rate=0)


async def test_refunds_and_wallet_debits(results: Path) -> None:
    rows = [
        Operation.refund(1, {"clientReferenceId": "RF1", "paymentSessionId": "s1",
                             "reason": "OTHERS", "amount": {"value": "100"}}),
        Operation.wallet_debit(2, {"partnerReferenceNo": "PR2",
                                   "amount": {"value": "100.00", "currency": "IDR"}},
                               binding_id="bind1"),
    ]
    client = FakeClient()
    summary = await BatchRunner(client).run(rows, results_path=results)
    out = {r["row"]: r for r in read_results(results)}
    assert out[1]["id"].startswith("ref") and out[1]["status"] == "PENDING"
    assert out[2]["id"].startswith("wd") and out[2]["status"] == "2005400"
    assert out[2]["url"] == "https://wallet.example/pay"
    assert out[2]["input"]["bindingId"] == "bind1"
    assert summary.succeeded == 2
    assert [c[0] for c in client.calls] == [  # each looked up before it is created
        "refunds.list", "refunds.create", "wallet.debit_status", "wallet.debit"]
