"""Soak: thousands of mixed operations at concurrency 200 with about 10% injected faults.

Asserts that no payment session, charge, refund or wallet debit exists twice, that every
operation ended in a definite result or a ``PivotError``, that no debit was re-sent without a
status check, and that no connection leaked (the connector has none in use afterwards).

The default size keeps the suite fast; ``PIVOT_SOAK_FULL=1`` runs the full size (5,000
operations). aiohttp has no public count of connections in use, so the leak check reads
``TCPConnector._acquired``, the set its ``limit`` is enforced against.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import os
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pivot_async import PivotClient, PivotError, Timeout, WalletCustomer, _codec
from pivot_async.models import (
    DebitPaymentRequest,
    DebitStatusRequest,
    PaymentSession,
    Refund,
)
from pivot_async.resources._base import coerce_params
from pivot_async.resources.wallet import DebitResult
from pivot_async.sandbox import Fault, RequestRecord

from .conftest import (
    DEBIT_PATH,
    STATUS_PATH,
    bind_customer,
    debit_params,
    open_env,
    paid_va_session,
    settle,
    va_request,
)

FULL = os.environ.get("PIVOT_SOAK_FULL") == "1"
TOTAL_OPS = 5_000 if FULL else 1_000
CONCURRENCY = 200
CUSTOMERS = 8
REFUND_VALUE = "10000"


Plan = list[tuple[str, str, Callable[[], Awaitable[Any]]]]


def soak_plan(
    client: PivotClient, *, total: int, prefix: str, seed: int, retrievable: list[str],
    customers: list[WalletCustomer], paid: list[str], refund_value: str,
) -> Plan:
    """The soak's operations in a seeded, shuffled order: per 10, 4 creates, 2 retrieves,
    3 wallet debits and 1 refund (kind, reference, call)."""
    rng = random.Random(seed)
    plan: Plan = []
    for i in range(total):
        slot = i % 10
        if slot < 4:
            ref = f"{prefix}C{i}"
            plan.append(("create", ref, lambda ref=ref: client.payments.create(  # type: ignore[misc]
                va_request(ref))))
        elif slot < 6:
            sid = rng.choice(retrievable)
            plan.append(("retrieve", sid, lambda sid=sid: client.payments.retrieve(sid)))  # type: ignore[misc]
        elif slot < 9:
            ref = f"{prefix}D{i}"
            customer = customers[i % len(customers)]
            plan.append(("debit", ref, lambda ref=ref, c=customer: client.wallet.debit(  # type: ignore[misc]
                c, debit_params(ref))))
        else:
            ref = f"{prefix}F{i}"
            sid = paid[(i // 10) % len(paid)]
            plan.append(("refund", ref, lambda ref=ref, sid=sid: client.refunds.create({  # type: ignore[misc]
                "clientReferenceId": ref, "paymentSessionId": sid,
                "amount": {"value": refund_value, "currency": "IDR"},
                "reason": "REQUESTED_BY_CUSTOMER",
            })))
    rng.shuffle(plan)
    return plan
SAFETY_BOUND = 900.0  # seconds: turns a hang into a failure; not a performance assertion

# Probabilities per request; together about 10% of all API requests get a fault.
FAULTS = (
    Fault(kind="status", status=503, probability=0.025),
    Fault(kind="status", status=429, retry_after=0, probability=0.02),
    Fault(kind="reset", probability=0.015),
    Fault(kind="drop", probability=0.015),
    Fault(kind="truncated", probability=0.01),
    Fault(kind="malformed", probability=0.01),
    # beyond the 2 s read timeout: the attempt times out, the sandbox handles it later
    Fault(kind="latency", delay=2.5, probability=0.01),
)


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _debit_hashes(ref: str) -> tuple[str, str]:
    """SHA-256 of the debit body and of its status body: the bytes the client sends."""
    debit = _codec.encode(coerce_params(debit_params(ref), DebitPaymentRequest))
    status = _codec.encode(coerce_params(
        {"originalPartnerReferenceNo": ref, "serviceCode": "54", "additionalInfo": {}},
        DebitStatusRequest,
    ))
    return _sha(debit), _sha(status)


def _blind_resends(records: list[RequestRecord], debit_sha: str, status_sha: str) -> int:
    """Debit attempts that followed another attempt with no status call in between (unless
    the earlier one was refused with 429, i.e. not processed)."""
    count = 0
    previous: RequestRecord | None = None
    for r in records:
        if r.path == STATUS_PATH and r.body_sha256 == status_sha:
            previous = None
        elif r.path == DEBIT_PATH and r.body_sha256 == debit_sha:
            if previous is not None and previous.status != 429:
                count += 1
            previous = r
    return count


@pytest.mark.soak
async def test_soak_no_duplicates_no_untyped_errors_no_leaks() -> None:
    timeout = Timeout(total=60, connect=5, read=2.0)
    async with open_env(timeout=timeout, seed=20260101, request_log_size=10**6) as env:
        sandbox, client = env.sandbox, env.client
        # -- setup, without faults --------------------------------------------------------
        customers: list[WalletCustomer] = [
            await bind_customer(env, phone=f"0818000{i:05d}") for i in range(CUSTOMERS)
        ]
        retrievable = [
            (await client.payments.create(va_request(f"SOAKR{i}"))).id for i in range(20)
        ]
        refund_ops = TOTAL_OPS // 10
        paid = await asyncio.gather(
            *(paid_va_session(env, f"SOAKP{i}") for i in range(refund_ops // 4 + 1))
        )
        for fault in FAULTS:
            sandbox.faults.add(Fault(**{
                k: getattr(fault, k)
                for k in ("kind", "status", "delay", "retry_after", "probability")
            }))
        since = len(sandbox.requests)

        # -- the run --------------------------------------------------------------------------
        plan = soak_plan(client, total=TOTAL_OPS, prefix="SOAK", seed=7, retrievable=retrievable,
                         customers=customers, paid=paid, refund_value=REFUND_VALUE)

        gate = asyncio.Semaphore(CONCURRENCY)

        async def run(call: Callable[[], Awaitable[Any]]) -> Any:
            async with gate:
                try:
                    return await call()
                except PivotError as exc:
                    return exc
                except Exception as exc:  # an untyped failure: reported below
                    return ("untyped", exc)

        outcomes = await asyncio.wait_for(
            asyncio.gather(*(run(call) for _, _, call in plan)), SAFETY_BOUND
        )
        await settle(sandbox)
        records = sandbox.requests[since:]

        # -- every operation ended in a definite result or a typed error -------------------
        expected_types = {"create": PaymentSession, "retrieve": PaymentSession,
                          "debit": DebitResult, "refund": Refund}
        untyped = [o for o in outcomes if isinstance(o, tuple)]
        assert untyped == []
        for (op, _, _), outcome in zip(plan, outcomes, strict=True):
            assert isinstance(outcome, (PivotError, expected_types[op])), (op, outcome)

        # -- no duplicate session, charge, refund or debit ---------------------------------
        for (op, ref, _), outcome in zip(plan, outcomes, strict=True):
            if op == "create":
                sessions = sandbox.state.sessions_by_reference(ref)
                assert len(sessions) <= 1, ref
                for s in sessions:
                    assert len(sandbox.state.sessions[s.id].charges) == 1, ref
                if isinstance(outcome, PaymentSession):
                    assert [s.id for s in sessions] == [outcome.id]
            elif op == "debit":
                count = env.wallet.debit_count(ref)
                assert count <= 1, ref
                if isinstance(outcome, DebitResult):
                    assert count == 1, ref
        refunds_by_ref = collections.Counter(
            r.client_reference_id for r in sandbox.state.refunds.values()
        )
        for (op, ref, _), outcome in zip(plan, outcomes, strict=True):
            if op == "refund":
                assert refunds_by_ref[ref] <= 1, ref
                if isinstance(outcome, Refund):
                    assert refunds_by_ref[ref] == 1, ref

        # -- a debit is never re-sent without a status check --------------------------------
        wallet_records = [r for r in records if r.path in (DEBIT_PATH, STATUS_PATH)]
        for op, ref, _ in plan:
            if op == "debit":
                assert _blind_resends(wallet_records, *_debit_hashes(ref)) == 0, ref

        # -- the faults really fired, at about the intended rate -----------------------------
        fired: collections.Counter[str] = collections.Counter()
        for fault in sandbox.faults.faults:
            fired[fault.kind if fault.kind != "status" else str(fault.status)] += fault.hits
        assert all(fired[k] > 0 for k in ("503", "429", "reset", "drop", "truncated",
                                          "malformed", "latency")), fired
        rate = sum(fired.values()) / len(records)
        assert 0.05 < rate < 0.15, rate

        # -- no connection leaked ------------------------------------------------------------
        connector = client._get_session().connector
        assert connector is not None
        assert len(connector._acquired) == 0
        assert connector.limit == 100

        errors = collections.Counter(type(o).__name__ for o in outcomes
                                     if isinstance(o, PivotError))
        print(f"\nsoak: {TOTAL_OPS} ops, {len(records)} requests, faults {dict(fired)} "
              f"({rate:.1%}), errors {dict(errors)}")
