"""The fault matrix, continued: odd answers (issue 15, point 3) for every operation.

The faults come from a rewriting proxy in front of the sandbox (``_proxy.py``):

- ``nested401``: a 401 whose body is Pivot's documented shape (no top-level ``code``), not
  forwarded (never processed): the token that was used is dropped and the call replayed once;
- ``deep``: the request is processed, its answer replaced by JSON nested 20,000 deep;
- ``oversize``: the request is processed, its answer replaced by a body over the client's
  ``max_response_bytes``.

Per cell: the outcome (result or exact error class), the attempts the proxy saw, no backoff,
one idempotency key per logical call (and the error naming it), a new X-EXTERNAL-ID per wallet
attempt, the debit resolved through ``debit/status``, and the final state at the gateway.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pivot_async import (
    AuthenticationError,
    PivotClient,
    PivotError,
    ResponseValidationError,
)
from pivot_async._errors import ResponseTooLargeError

from ._proxy import ProxyFault, rewriting_proxy
from .conftest import DEBIT_PATH, STATUS_PATH, open_env
from .test_fault_matrix import MODES, OPS, Expect, Op

ODD_FAULTS = ("nested401", "deep", "oversize")
BODY_CAP = 64 * 1024


def _token_requests(seen: list[Any]) -> int:
    """Token requests of either API (Payments, wallet B2B and B2B2C) seen so far."""
    return sum(1 for s in seen if s.method == "POST" and "access-token" in s.path)


def expected_odd(kind: str, fault: str, mode: str) -> Expect:
    persistent = mode == "persistent"
    if fault == "nested401":
        if kind == "token":  # a refused token request is not a token to refresh
            return Expect(AuthenticationError, 1)
        if kind == "debit":
            if persistent:
                return Expect(AuthenticationError, 2, 0, status_calls=0)
            return Expect(None, 2, 1, status_calls=0, recovered=False)
        effect = (0 if persistent else 1) if kind == "keyed" else None
        return Expect(AuthenticationError if persistent else None, 2, effect)
    # deep / oversize: processed, the answer cannot be read; never retried blindly
    if kind == "debit":
        return Expect(None, 1, 1, status_calls=1, recovered=True)
    error = ResponseTooLargeError if fault == "oversize" else ResponseValidationError
    return Expect(error, 1, 1 if kind == "keyed" else None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", ODD_FAULTS)
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
async def test_fault_matrix_odd_answers(op: Op, fault: str, mode: str) -> None:
    ref = f"FO{op.name}{fault}{mode}"[:40]
    async with open_env() as base, rewriting_proxy(base.sandbox.url) as proxy, PivotClient(
        base.sandbox.client_id, base.sandbox.client_secret, base_url=proxy.url,
        wallet=base.credentials, sleep=base.sleeps, wall_clock=base.clock.now,
        max_response_bytes=BODY_CAP,
    ) as client:
        env = dataclasses.replace(base, client=client)
        prepared = await op.prepare(env, ref)
        await client.payment_method_configs.retrieve()  # warm the token...
        if op.kind == "token":
            client._tokens.invalidate(await client._tokens.get())  # ...except here
        tokens_before = _token_requests(proxy.seen)
        since = len(proxy.seen)
        env.sleeps.delays.clear()
        proxy.faults.append(ProxyFault(fault, prepared.method, prepared.path,
                                       times=1 if mode == "transient" else None))
        want = expected_odd(op.kind, fault, mode)

        result: Any = None
        error: PivotError | None = None
        try:
            result = await prepared.call(None)
        except PivotError as exc:  # anything else (RecursionError...) fails the test
            error = exc
        attempts = proxy.attempts(prepared.method, prepared.path, since)

        if want.error is None:
            assert error is None, f"expected success, got {error!r}"
            prepared.check_result(result)
        else:
            assert type(error) is want.error, f"expected {want.error.__name__}, got {error!r}"
        assert len(attempts) == want.attempts
        assert env.sleeps.delays == []  # nothing here is worth a backoff

        if op.kind == "keyed":
            keys = {a.headers.get("X-REQUEST-ID") for a in attempts}
            assert len(keys) == 1 and None not in keys
            if error is not None:  # an ambiguous or refused call names its key
                assert getattr(error, "request_id", None) == keys.pop()
        if fault == "nested401" and op.kind != "token":
            # the token that was used was dropped and a fresh one fetched for the replay
            assert _token_requests(proxy.seen) > tokens_before
            auth = [a.headers.get("Authorization") for a in attempts]
            assert len(set(auth)) == len(auth)
        if op.kind == "debit":
            external_ids = [a.headers.get("X-EXTERNAL-ID") for a in attempts]
            assert len(set(external_ids)) == len(external_ids)
            if want.status_calls is not None:
                assert len(proxy.attempts("POST", STATUS_PATH, since)) == want.status_calls
            if want.recovered is not None:
                assert result.recovered is want.recovered
            assert prepared.path == DEBIT_PATH
        if want.effect is not None:
            assert prepared.effect is not None
            assert prepared.effect() == want.effect
