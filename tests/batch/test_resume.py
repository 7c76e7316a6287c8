"""Crash and resume: nothing that succeeded is re-sent; in-flight rows are resolved first."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pivot_async.batch import BatchRunner, Operation, idempotency_key
from tests.batch._fakes import Amount, FakeClient, FakeGateway, Session, payment
from tests.batch.conftest import read_results


def ops(n: int) -> list[Operation]:
    return [Operation.create_payment(i, payment(i)) for i in range(1, n + 1)]


def set_state(journal: Path, rows: list[int], state: str) -> None:
    """Rewrite rows as if the process died before their outcome was committed."""
    with sqlite3.connect(journal) as conn:
        conn.executemany(
            "UPDATE ops SET state=?, result_id=NULL, status=NULL WHERE row=?",
            [(state, r) for r in rows])


async def test_resume_after_a_crash_mid_batch(journal: Path, results: Path) -> None:
    gateway = FakeGateway()
    never = asyncio.Event()
    blocked = asyncio.Semaphore(0)

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        row = int(params["clientReferenceId"][5:])
        if row >= 40 and row % 2 == 0:  # in flight, the gateway never got it
            blocked.release()
            await never.wait()

    async def after(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        row = int(params["clientReferenceId"][5:])
        if row >= 40:  # the gateway created it, the response never came back
            blocked.release()
            await never.wait()

    first = FakeClient(gateway, before=before, after=after)
    run = asyncio.ensure_future(
        BatchRunner(first, concurrency=8, journal=journal).run(ops(100), job_id="crash"))
    for _ in range(8):  # every worker is stuck in flight
        await blocked.acquire()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    keys_first = {str(ref): key for _, ref, key in first.calls_of("payments.create")}
    created_first = {s.client_reference_id: s.id for s in gateway.sessions}
    in_flight = {ref for ref in keys_first if int(ref[5:]) >= 40}
    assert len(in_flight) == 8
    assert 0 < len(in_flight & set(created_first)) < 8  # some landed, some did not

    second = FakeClient(gateway)
    summary = await BatchRunner(second, concurrency=8, journal=journal).run(
        ops(100), resume=True, results_path=results)

    resent = {ref: key for _, ref, key in second.calls_of("payments.create")}
    done_first = set(keys_first) - in_flight
    assert not done_first & set(resent), "a row that succeeded was sent again"
    for ref in in_flight:
        if ref in created_first:
            assert ref not in resent  # found at the gateway: not re-sent
        else:
            assert resent[ref] == keys_first[ref]  # not found: same idempotency key
    looked_up = {ref for _, ref, _ in second.calls_of("payments.list_by_reference")}
    not_started = {f"ORDER{i}" for i in range(1, 101)} - set(keys_first)
    assert not_started
    assert looked_up == in_flight | not_started  # every row not final in the journal

    refs = [s.client_reference_id for s in gateway.sessions]
    assert sorted(refs) == sorted(f"ORDER{i}" for i in range(1, 101))  # one session per row
    rows = read_results(results)
    assert [r["row"] for r in rows] == list(range(1, 101))
    assert {r["outcome"] for r in rows} == {"succeeded"}
    by_ref = {r["reference"]: r["id"] for r in rows}
    for ref, sid in created_first.items():
        assert by_ref[ref] == sid
    assert summary.job_id == "crash" and summary.resumed
    assert summary.skipped == len(done_first)
    assert summary.resolved == len(in_flight & set(created_first))
    assert summary.resent == len(in_flight - set(created_first))
    assert summary.found == 0 and summary.sent == summary.resent + len(not_started)
    assert summary.succeeded == 100


async def test_lost_outcomes_are_resolved_without_resending(journal: Path, results: Path) -> None:
    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(ops(20), job_id="j")
    ids = {s.client_reference_id: s.id for s in gateway.sessions}
    set_state(journal, [3, 7, 11], "pending")
    set_state(journal, [12], "unknown")

    client = FakeClient(gateway)
    summary = await BatchRunner(client, journal=journal).run(
        ops(20), job_id="j", resume=True, results_path=results)
    assert client.calls_of("payments.create") == []
    assert sorted(str(r) for _, r, _ in client.calls) == ["ORDER11", "ORDER12", "ORDER3", "ORDER7"]
    assert summary.resolved == 4 and summary.skipped == 16
    out = {r["row"]: r for r in read_results(results)}
    assert out[7]["id"] == ids["ORDER7"] and out[7]["outcome"] == "succeeded"
    assert len(gateway.sessions) == 20


async def test_in_flight_row_not_found_is_resent_with_the_same_key(journal: Path) -> None:
    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(ops(3), job_id="j")
    gateway.sessions = [s for s in gateway.sessions if s.client_reference_id != "ORDER2"]
    gateway.replays.clear()
    set_state(journal, [2], "pending")

    client = FakeClient(gateway)
    summary = await BatchRunner(client, journal=journal).run(ops(3), resume=True)
    assert client.calls_of("payments.create") == [
        ("payments.create", "ORDER2", idempotency_key("create_payment", "ORDER2", "merchant1"))]
    assert summary.resent == 1 and summary.succeeded == 3
    with sqlite3.connect(journal) as conn:
        assert conn.execute("SELECT attempts FROM ops WHERE row=2").fetchone()[0] == 2


async def test_changed_in_flight_row_is_not_sent(journal: Path, results: Path) -> None:
    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(ops(3), job_id="j")
    gateway.sessions.clear()
    set_state(journal, [1, 2], "pending")
    changed = ops(3)
    changed[0] = Operation.create_payment(1, payment(1, amount=999))
    changed[1] = Operation.create_payment(2, {"amount": {"value": 1}})  # now malformed

    client = FakeClient(gateway)
    await BatchRunner(client, journal=journal).run(changed, resume=True, results_path=results)
    assert client.calls_of("payments.create") == []
    out = {r["row"]: r for r in read_results(results)}
    assert out[1]["outcome"] == "invalid" and out[1]["error_code"] == "row_changed"
    assert out[2]["outcome"] == "invalid" and out[2]["error_field"] == "clientReferenceId"


async def test_ambiguous_reference_is_unknown_and_not_resent(
    journal: Path, results: Path
) -> None:
    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(ops(2), job_id="j")
    # Another job used the same reference and amount.
    gateway.sessions.append(Session("other", "PAID", "ORDER1", Amount(10000)))
    # ...and one with a different amount, which cannot be this row's.
    gateway.sessions.append(Session("x", "PAID", "ORDER2", Amount(5)))
    set_state(journal, [1, 2], "pending")

    client = FakeClient(gateway)
    summary = await BatchRunner(client, journal=journal).run(
        ops(2), resume=True, results_path=results)
    out = {r["row"]: r for r in read_results(results)}
    assert out[1]["outcome"] == "unknown" and out[1]["error_code"] == "ambiguous_reference"
    assert out[2]["outcome"] == "succeeded" and out[2]["id"] != "x"
    assert client.calls_of("payments.create") == []
    assert summary.unknown == 1


async def test_failed_rows_stay_failed_and_invalid_rows_are_retried(journal: Path) -> None:
    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        if params["clientReferenceId"] == "ORDER1":
            from pivot_async._errors import UnprocessableEntityError

            raise UnprocessableEntityError("no", status=422, code="unprocessable")

    rows = [*ops(1), Operation.create_payment(2, {"amount": {"value": 1}})]
    await BatchRunner(FakeClient(before=before), journal=journal).run(rows, job_id="j")
    client = FakeClient()
    summary = await BatchRunner(client, journal=journal).run(ops(2), resume=True)
    assert [c[:2] for c in client.calls] == [  # looked up, not found, sent
        ("payments.list_by_reference", "ORDER2"), ("payments.create", "ORDER2")]
    assert summary.counts == {"succeeded": 1, "failed": 1, "invalid": 0, "unknown": 0}


async def test_resume_resolves_wallet_debits_through_debit_status(journal: Path) -> None:
    def debits() -> list[Operation]:
        return [Operation.wallet_debit(i, {"partnerReferenceNo": f"PR{i}",
                                           "amount": {"value": "10.00"}}, binding_id="b")
                for i in (1, 2)]

    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(debits(), job_id="w")
    del gateway.debits["PR2"]  # it never landed
    set_state(journal, [1, 2], "pending")

    client = FakeClient(gateway)
    summary = await BatchRunner(client, journal=journal).run(debits(), resume=True)
    assert [c[:2] for c in client.calls] == [
        ("wallet.debit_status", "PR1"), ("wallet.debit_status", "PR2"), ("wallet.debit", "PR2")]
    assert summary.resolved == 1 and summary.resent == 1 and summary.succeeded == 2


async def test_resume_finds_refunds_with_one_list_scan(journal: Path, results: Path) -> None:
    def refunds() -> list[Operation]:
        return [Operation.refund(i, {"clientReferenceId": f"RF{i}", "paymentSessionId": "s",
                                     "reason": "OTHERS", "amount": {"value": "5"}})
                for i in (1, 2, 3)]

    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(refunds(), job_id="r")
    gateway.refunds = [r for r in gateway.refunds if r.client_reference_id != "RF3"]
    gateway.replays.clear()
    set_state(journal, [1, 2, 3], "pending")

    client = FakeClient(gateway)
    await BatchRunner(client, journal=journal).run(refunds(), resume=True, results_path=results)
    assert [c[0] for c in client.calls].count("refunds.list") == 1
    assert client.calls_of("refunds.create") == [
        ("refunds.create", "RF3", idempotency_key("refund", "RF3", "merchant1"))]
    assert {r["outcome"] for r in read_results(results)} == {"succeeded"}
    assert len(gateway.refunds) == 3


async def test_lookup_failure_leaves_the_row_unknown(journal: Path) -> None:
    gateway = FakeGateway()
    await BatchRunner(FakeClient(gateway), journal=journal).run(ops(1), job_id="j")
    set_state(journal, [1], "pending")

    async def down(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        from pivot_async._errors import PivotConnectionError

        raise PivotConnectionError("down")

    client = FakeClient(gateway, before=down, before_lookup=down)
    summary = await BatchRunner(client, journal=journal).run(ops(1), resume=True)
    assert summary.unknown == 1 and client.calls_of("payments.create") == []
    # A later resume, with the gateway back, resolves it.
    summary = await BatchRunner(FakeClient(gateway), journal=journal).run(ops(1), resume=True)
    assert summary.succeeded == 1 and summary.resolved == 1


async def test_resume_without_a_job_id_picks_the_latest_job(journal: Path) -> None:
    await BatchRunner(FakeClient(), journal=journal).run(ops(1), job_id="old")
    await BatchRunner(FakeClient(), journal=journal).run(ops(2), job_id="new")
    client = FakeClient()
    summary = await BatchRunner(client, journal=journal).run(ops(3), resume=True)
    assert summary.job_id == "new" and summary.skipped == 2
    assert [c[:2] for c in client.calls] == [
        ("payments.list_by_reference", "ORDER3"), ("payments.create", "ORDER3")]


async def test_resumed_debit_that_failed_at_the_gateway_is_failed(
    journal: Path, results: Path
) -> None:
    from tests.batch._fakes import DebitStatus

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        from pivot_async._errors import OutcomeUnknownError

        raise OutcomeUnknownError("ambiguous", references={"partnerReferenceNo": "PR1"})

    debit = [Operation.wallet_debit(1, {"partnerReferenceNo": "PR1"}, binding_id="b")]
    gateway = FakeGateway()
    summary = await BatchRunner(FakeClient(gateway, before=before), journal=journal).run(debit)
    assert summary.unknown == 1
    gateway.debits["PR1"] = DebitStatus("06", "wd9", "Failed")

    client = FakeClient(gateway)
    await BatchRunner(client, journal=journal).run(debit, resume=True, results_path=results)
    (row,) = read_results(results)
    assert row["outcome"] == "failed" and row["status"] == "06" and row["id"] == "wd9"
    assert client.calls_of("wallet.debit") == []
