"""Soak, odd answers: mixed operations at concurrency 100 through a rewriting proxy that
answers about 10% of API requests with Pivot's documented nested 401, JSON nested 20,000 deep
or a body over the client's cap (issue 15, point 3).

Asserts what the main soak asserts: every operation ends in a definite result or a typed
``PivotError`` (never ``RecursionError``, ``ValueError``...), no session, refund or debit
exists twice, no debit is re-sent without a status check, no connection leaked.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pivot_async import PivotClient, PivotError, WalletCustomer
from pivot_async.models import PaymentSession, Refund
from pivot_async.resources.wallet import DebitResult

from ._proxy import ProxyFault, rewriting_proxy
from .conftest import (
    DEBIT_PATH,
    STATUS_PATH,
    bind_customer,
    open_env,
    paid_va_session,
    settle,
    va_request,
)
from .test_soak import _blind_resends, _debit_hashes, soak_plan

TOTAL_OPS = 400
CONCURRENCY = 100
SAFETY_BOUND = 600.0  # seconds: turns a hang into a failure; not a performance assertion
API = r"^/(v1|v2|snap|wallet-backend)/.*"


@pytest.mark.soak
async def test_soak_odd_answers_no_duplicates_no_untyped_errors_no_leaks() -> None:
    async with open_env(
        seed=15, request_log_size=10**6
    ) as base, rewriting_proxy(base.sandbox.url) as proxy, \
            PivotClient(base.sandbox.client_id, base.sandbox.client_secret,
                        base_url=proxy.url, wallet=base.credentials, sleep=base.sleeps,
                        wall_clock=base.clock.now, max_response_bytes=64 * 1024) as client:
        sandbox = base.sandbox
        env = type(base)(base.sandbox, base.wallet, client, base.sleeps, base.clock,
                         base.credentials)
        customers: list[WalletCustomer] = [
            await bind_customer(env, phone=f"0818100{i:05d}") for i in range(4)
        ]
        retrievable = [(await client.payments.create(va_request(f"SOR{i}"))).id
                       for i in range(10)]
        paid = await asyncio.gather(*(paid_va_session(env, f"SOP{i}") for i in range(10)))
        for kind, p in (("nested401", 0.04), ("deep", 0.03), ("oversize", 0.03)):
            proxy.faults.append(ProxyFault(kind, "*", API, probability=p))
        since = len(sandbox.requests)

        plan = soak_plan(client, total=TOTAL_OPS, prefix="SO", seed=15, retrievable=retrievable,
                         customers=customers, paid=paid, refund_value="10000")
        gate = asyncio.Semaphore(CONCURRENCY)

        async def run(call: Callable[[], Awaitable[Any]]) -> Any:
            async with gate:
                try:
                    return await call()
                except PivotError as exc:
                    return exc
                except BaseException as exc:  # untyped (RecursionError...): reported below
                    return ("untyped", exc)

        outcomes = await asyncio.wait_for(
            asyncio.gather(*(run(call) for _, _, call in plan)), SAFETY_BOUND
        )
        await settle(sandbox)
        records = sandbox.requests[since:]

        assert [o for o in outcomes if isinstance(o, tuple)] == []
        expected = {"create": PaymentSession, "retrieve": PaymentSession,
                    "debit": DebitResult, "refund": Refund}
        refunds = collections.Counter(
            r.client_reference_id for r in sandbox.state.refunds.values()
        )
        wallet_records = [r for r in records if r.path in (DEBIT_PATH, STATUS_PATH)]
        for (op, ref, _), outcome in zip(plan, outcomes, strict=True):
            assert isinstance(outcome, (PivotError, expected[op])), (op, outcome)
            if op == "create":
                sessions = sandbox.state.sessions_by_reference(ref)
                assert len(sessions) <= 1, ref
                if isinstance(outcome, PaymentSession):
                    assert [s.id for s in sessions] == [outcome.id]
            elif op == "debit":
                assert env.wallet.debit_count(ref) <= 1, ref
                if isinstance(outcome, DebitResult):
                    assert env.wallet.debit_count(ref) == 1, ref
                assert _blind_resends(wallet_records, *_debit_hashes(ref)) == 0, ref
            elif op == "refund":
                assert refunds[ref] <= 1, ref
                if isinstance(outcome, Refund):
                    assert refunds[ref] == 1, ref

        fired = {f.kind: f.hits for f in proxy.faults}
        assert all(n > 0 for n in fired.values()), fired
        # a replayed 401 recovered: most operations still succeeded
        assert sum(not isinstance(o, PivotError) for o in outcomes) > TOTAL_OPS // 2
        connector = client._get_session().connector
        assert connector is not None
        assert len(connector._acquired) == 0
        errors = collections.Counter(type(o).__name__ for o in outcomes
                                     if isinstance(o, PivotError))
        print(f"\nsoak-odd: {TOTAL_OPS} ops, {len(proxy.seen)} requests, faults {fired}, "
              f"errors {dict(errors)}")
