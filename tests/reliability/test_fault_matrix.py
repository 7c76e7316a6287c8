"""The fault matrix: every operation against every injected fault, transient and persistent.

For each cell the test asserts the documented behaviour (docs/reliability.md):

- how many attempts the sandbox saw, and the backoff the client asked for;
- that every attempt of one logical call carried the same idempotency key (X-REQUEST-ID for
  the Payments API; the same ``partnerReferenceNo`` and body bytes, with a new X-EXTERNAL-ID
  per attempt, for the wallet) and that a debit is never re-sent without a status check;
- the final state in the sandbox (sessions, charges, captures, refunds, debits);
- the exact class of the error when the call fails, and that an ambiguous Payments failure
  carries the key that resolves it.

"transient" faults hit the first matching request only; "persistent" ones hit every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pivot_async import (
    APIError,
    OutcomeUnknownError,
    PivotConnectionError,
    PivotError,
    PivotTimeoutError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    Timeout,
)
from pivot_async.models import ConfirmPaymentParams, CreateRefundParams
from pivot_async.resources.wallet import DebitResult
from pivot_async.sandbox import Fault, RequestRecord

from .conftest import (
    DEBIT_PATH,
    STATUS_PATH,
    Env,
    bind_customer,
    card_session_waiting_for_capture,
    debit_params,
    hosted_request,
    open_env,
    paid_va_session,
    settle,
    va_request,
)

READ_TIMEOUT = 0.3  # per attempt, for the latency cells only
LATENCY = 0.5  # > READ_TIMEOUT: the attempt times out, the sandbox still handles it later
RETRY_AFTER = 2.0
MAX_ATTEMPTS = 3  # 1 + the default max_retries (2)

FAULT_NAMES = ("latency", "5xx", "429", "reset", "malformed", "truncated", "drop")
MODES = ("transient", "persistent")


def make_fault(name: str, route: str, times: int | None) -> Fault:
    if name == "latency":
        return Fault(kind="latency", route=route, delay=LATENCY, times=times)
    if name == "5xx":
        return Fault(kind="status", status=503, route=route, times=times)
    if name == "429":
        return Fault(kind="status", status=429, retry_after=RETRY_AFTER, route=route, times=times)
    return Fault(kind=name, route=route, times=times)


# -- the operations ----------------------------------------------------------------------------


@dataclass
class Prepared:
    """One operation made ready: what to fault, what to count, what to call."""

    method: str
    path: str  # the concrete path whose attempts are counted
    call: Callable[[str | None], Awaitable[Any]]  # the idempotency key, or None
    effect: Callable[[], int] | None = None  # how many times the effect exists at the sandbox
    check_result: Callable[[Any], None] = field(default=lambda result: None)


@dataclass(frozen=True)
class Op:
    name: str
    kind: str  # "token" | "read" | "keyed" (POST with X-REQUEST-ID) | "debit"
    prepare: Callable[[Env, str], Awaitable[Prepared]]


async def prep_token(env: Env, ref: str) -> Prepared:
    async def call(key: str | None) -> Any:
        return await env.client.payment_method_configs.retrieve()

    return Prepared("POST", "/v1/access-token", call)


async def prep_create(env: Env, ref: str) -> Prepared:
    sandbox = env.sandbox

    def check(result: Any) -> None:
        assert [s.id for s in sandbox.state.sessions_by_reference(ref)] == [result.id]

    return Prepared(
        "POST", "/v2/payments",
        lambda key: env.client.payments.create(va_request(ref), idempotency_key=key),
        effect=lambda: len(sandbox.state.sessions_by_reference(ref)),
        check_result=check,
    )


async def prep_confirm(env: Env, ref: str) -> Prepared:
    session = await env.client.payments.create(hosted_request(ref))
    body: ConfirmPaymentParams = {"paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}}}

    def check(result: Any) -> None:
        assert result.status == "REQUIRE_ACTION"

    return Prepared(
        "POST", f"/v2/payments/{session.id}/confirm",
        lambda key: env.client.payments.confirm(session.id, body, idempotency_key=key),
        effect=lambda: len(env.sandbox.state.sessions[session.id].charges),
        check_result=check,
    )


async def prep_retrieve(env: Env, ref: str) -> Prepared:
    session = await env.client.payments.create(va_request(ref))

    def check(result: Any) -> None:
        assert result.id == session.id

    return Prepared(
        "GET", f"/v2/payments/{session.id}",
        lambda key: env.client.payments.retrieve(session.id), check_result=check,
    )


async def prep_capture(env: Env, ref: str) -> Prepared:
    sid = await card_session_waiting_for_capture(env, ref)

    def captures() -> int:
        return sum(len(c.capture_histories or []) for c in env.sandbox.state.sessions[sid].charges)

    return Prepared(
        "POST", f"/v2/payments/{sid}/capture",
        lambda key: env.client.payments.capture(sid, {"releaseRemainingAmount": True},
                                               idempotency_key=key),
        effect=captures,
    )


async def prep_cancel(env: Env, ref: str) -> Prepared:
    session = await env.client.payments.create(hosted_request(ref))

    def check(result: Any) -> None:
        assert result.status == "CANCELLED"

    return Prepared(
        "POST", f"/v2/payments/{session.id}/cancel",
        lambda key: env.client.payments.cancel(session.id, idempotency_key=key),
        effect=lambda: int(env.sandbox.state.sessions[session.id].status == "CANCELLED"),
        check_result=check,
    )


async def prep_refund(env: Env, ref: str) -> Prepared:
    sid = await paid_va_session(env, ref)
    params: CreateRefundParams = {"clientReferenceId": f"rf{ref}", "paymentSessionId": sid,
              "amount": {"value": "10000", "currency": "IDR"},
              "reason": "REQUESTED_BY_CUSTOMER"}

    def refunds() -> int:
        return sum(1 for r in env.sandbox.state.refunds.values() if r.payment_session_id == sid)

    return Prepared(
        "POST", "/v1/refunds",
        lambda key: env.client.refunds.create(params, idempotency_key=key), effect=refunds,
    )


async def prep_debit(env: Env, ref: str) -> Prepared:
    customer = await bind_customer(env)

    def check(result: Any) -> None:
        assert isinstance(result, DebitResult)
        assert result.partner_reference_no == ref
        assert result.reference_no

    return Prepared(
        "POST", DEBIT_PATH,
        lambda key: env.client.wallet.debit(customer, debit_params(ref)),
        effect=lambda: env.wallet.debit_count(ref),
        check_result=check,
    )


OPS = (
    Op("token", "token", prep_token),
    Op("create", "keyed", prep_create),
    Op("confirm", "keyed", prep_confirm),
    Op("retrieve", "read", prep_retrieve),
    Op("capture", "keyed", prep_capture),
    Op("cancel", "keyed", prep_cancel),
    Op("refund", "keyed", prep_refund),
    Op("debit", "debit", prep_debit),
)


# -- the documented behaviour ------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    error: type[PivotError] | None  # None: the call succeeds
    attempts: int | None  # on the operation's route; None: depends on timing, not checked
    effect: int | None = None  # None: no effect to count (token, retrieve) or not checked
    status_calls: int | None = None  # debit/status calls (wallet only)
    recovered: bool | None = None  # DebitResult.recovered (wallet only)


# Payments API (and the token): what happens to the attempt, and whether the gateway acted.
_REQUEST_FAULT_ERRORS: dict[str, type[PivotError]] = {
    "latency": PivotTimeoutError,
    "5xx": ServerError,
    "429": RateLimitError,
    "reset": PivotConnectionError,
    "drop": PivotConnectionError,
}
_PROCESSED = {"latency": True, "5xx": False, "429": False, "reset": False, "malformed": False,
              "truncated": True, "drop": True}


def expected(kind: str, fault: str, mode: str) -> Expect:
    persistent = mode == "persistent"
    if kind == "debit":
        return _expected_debit(fault, persistent)
    has_effect = kind == "keyed"
    if fault in ("malformed", "truncated"):
        # HTTP 200 with a body that does not decode: the transport worked, nothing is retried.
        effect = int(_PROCESSED[fault]) if has_effect else None
        return Expect(ResponseValidationError, 1, effect)
    if not persistent:
        # Retried once with the same key; the replay (or the fresh attempt) succeeds.
        return Expect(None, 2, 1 if has_effect else None)
    effect = int(_PROCESSED[fault]) if has_effect else None
    return Expect(_REQUEST_FAULT_ERRORS[fault], MAX_ATTEMPTS, effect)


def _expected_debit(fault: str, persistent: bool) -> Expect:
    if fault == "429":
        # Rejected before processing: the retry middleware re-sends, no status call.
        if persistent:
            return Expect(RateLimitError, MAX_ATTEMPTS, 0, status_calls=0)
        return Expect(None, 2, 1, status_calls=0, recovered=False)
    if fault in ("drop", "truncated"):
        # Processed, answer lost or unreadable: debit/status finds it, nothing is re-sent.
        return Expect(None, 1, 1, status_calls=1, recovered=True)
    if fault == "latency":
        # Processed late: the status call (or a duplicate-reference answer) finds it. How many
        # rounds that takes depends on when the delayed attempt lands.
        return Expect(None, None, 1)
    # 5xx, reset, malformed: not processed. Status says "not found", the debit is re-sent
    # with the same partnerReferenceNo; after three rounds the outcome is left to the caller.
    if persistent:
        return Expect(OutcomeUnknownError, MAX_ATTEMPTS, 0, status_calls=MAX_ATTEMPTS)
    return Expect(None, 2, 1, status_calls=1, recovered=False)


# -- the test ------------------------------------------------------------------------------------


def _attempts(env: Env, since: int, method: str, path: str) -> list[RequestRecord]:
    return [r for r in env.sandbox.requests[since:] if r.method == method and r.path == path]


def _assert_never_blindly_resent(records: list[RequestRecord]) -> None:
    """Between two debit attempts there is a debit/status call, unless the first got 429."""
    previous: RequestRecord | None = None
    for record in records:
        if record.path == STATUS_PATH:
            previous = None
        elif record.path == DEBIT_PATH:
            assert previous is None or previous.status == 429, (
                "a debit was re-sent without a status check after "
                f"status={previous.status} fault={previous.fault}"
            )
            previous = record


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", FAULT_NAMES)
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
async def test_fault_matrix(op: Op, fault: str, mode: str) -> None:
    timeout = Timeout(total=30, connect=5, read=READ_TIMEOUT) if fault == "latency" else None
    ref = f"FM{op.name}{fault}{mode}".replace("5xx", "fivexx")[:40]
    async with open_env(timeout=timeout) as env:
        prepared = await op.prepare(env, ref)
        await env.client.payment_method_configs.retrieve()  # warm the token...
        if op.kind == "token":
            # ...except here: drop the cached token so the call must fetch one (private API)
            env.client._tokens.invalidate(await env.client._tokens.get())
        since = len(env.sandbox.requests)
        env.sleeps.delays.clear()
        route = f"{prepared.method} {prepared.path}"
        env.sandbox.faults.add(make_fault(fault, route, 1 if mode == "transient" else None))
        want = expected(op.kind, fault, mode)

        result: Any = None
        error: PivotError | None = None
        try:
            result = await prepared.call(None)
        except PivotError as exc:  # anything else fails the test
            error = exc
        await settle(env.sandbox)
        records = env.sandbox.requests[since:]
        attempts = _attempts(env, since, prepared.method, prepared.path)

        # the outcome: a result, or exactly the documented error class
        if want.error is None:
            assert error is None, f"expected success, got {error!r}"
            prepared.check_result(result)
        else:
            assert type(error) is want.error, f"expected {want.error.__name__}, got {error!r}"

        # attempts and backoff
        if want.attempts is not None:
            assert len(attempts) == want.attempts
        if op.kind != "debit":  # one backoff wait before each retry, none after the last
            assert len(env.sleeps.delays) == len(attempts) - 1
            assert all(0 < d <= env.client.retry_policy.max_retry_after
                       for d in env.sleeps.delays)
        if fault == "429":
            assert env.sleeps.delays and all(d == RETRY_AFTER for d in env.sleeps.delays)
            if isinstance(error, RateLimitError):
                assert error.retry_after == RETRY_AFTER
        if isinstance(error, ServerError):
            assert error.status == 503

        # one idempotency key for every attempt of the logical call
        assert len({r.body_sha256 for r in attempts}) == 1
        if op.kind == "keyed":
            keys = {r.request_id for r in attempts}
            assert len(keys) == 1 and None not in keys
            (key,) = keys
            if error is not None:  # an ambiguous outcome names the key that resolves it
                assert getattr(error, "request_id", None) == key
            if want.error is None and _PROCESSED[fault] and fault != "latency":
                assert attempts[-1].replayed  # the retry got the first attempt's answer
        if op.kind == "debit":
            external_ids = [r.headers.get("X-EXTERNAL-ID") for r in attempts]
            assert len(set(external_ids)) == len(external_ids)  # a new one per attempt
            _assert_never_blindly_resent(
                [r for r in records if r.path in (DEBIT_PATH, STATUS_PATH)]
            )
            if want.status_calls is not None:
                assert sum(1 for r in records if r.path == STATUS_PATH) == want.status_calls
            if want.recovered is not None:
                assert result.recovered is want.recovered
            if isinstance(error, OutcomeUnknownError):
                assert error.references["partnerReferenceNo"] == ref

        # the final state at the gateway
        if want.effect is not None:
            assert prepared.effect is not None
            assert prepared.effect() == want.effect
        if op.kind == "token":
            configs_calls = _attempts(env, since, "GET", "/v2/payment-method-configs")
            assert len(configs_calls) == (1 if error is None else 0)


@pytest.mark.parametrize("fault", ["latency", "5xx", "429", "reset", "truncated", "drop"])
@pytest.mark.parametrize("op", [op for op in OPS if op.kind == "keyed"],
                         ids=[op.name for op in OPS if op.kind == "keyed"])
async def test_ambiguous_payments_call_is_resolved_with_its_key(op: Op, fault: str) -> None:
    """After a failed money-moving call, calling again with ``idempotency_key=error.request_id``
    gives the definite outcome: the gateway's replay if the first call landed, a fresh
    execution if it did not. Never a second effect."""
    timeout = Timeout(total=30, connect=5, read=READ_TIMEOUT) if fault == "latency" else None
    ref = f"RS{op.name}{fault}".replace("5xx", "fivexx")
    async with open_env(timeout=timeout) as env:
        prepared = await op.prepare(env, ref)
        env.sandbox.faults.add(make_fault(fault, f"{prepared.method} {prepared.path}", None))
        with pytest.raises(PivotError) as info:
            await prepared.call(None)
        key = getattr(info.value, "request_id", None)
        assert isinstance(key, str)
        await settle(env.sandbox)
        env.sandbox.faults.clear()
        since = len(env.sandbox.requests)

        resolved = await prepared.call(key)
        assert resolved is not None
        again = _attempts(env, since, prepared.method, prepared.path)
        assert [r.request_id for r in again] == [key]
        assert again[0].replayed is _PROCESSED[fault]
        assert prepared.effect is not None and prepared.effect() == 1


@pytest.mark.parametrize(
    ("kind", "times", "error", "response_code"),
    [
        ("429", 1, None, None),
        ("429", 3, RateLimitError, "4295400"),
        ("status_500", 1, None, None),
        ("status_500", 3, OutcomeUnknownError, None),
        ("status_504", 3, OutcomeUnknownError, None),
        ("response_lost", 1, None, None),
    ],
)
async def test_snap_shaped_debit_faults(
    kind: str, times: int, error: type[PivotError] | None, response_code: str | None
) -> None:
    """The wallet sandbox's own SNAP faults (``500xx00``, ``504xx00``, ``429xx00``, response
    lost after commit) on the debit: same rules as the gateway-level faults above."""
    async with open_env() as env:
        customer = await bind_customer(env)
        for _ in range(times):
            fault = {"kind": "drop"} if kind == "response_lost" else {
                "kind": "status", "status": 429 if kind == "429" else int(kind[-3:])}
            env.sandbox.faults.add(route=f"POST {DEBIT_PATH}", times=1, **fault)
        since = len(env.sandbox.requests)
        ref = f"SNAP{kind.replace('_', '')}{times}"
        if error is None:
            result = await env.client.wallet.debit(customer, debit_params(ref))
            assert result.reference_no
            assert env.wallet.debit_count(ref) == 1
            assert result.recovered is (kind == "response_lost")
        else:
            with pytest.raises(error) as info:
                await env.client.wallet.debit(customer, debit_params(ref))
            if response_code is not None:
                assert isinstance(info.value, APIError)
                assert info.value.response_code == response_code
            assert env.wallet.debit_count(ref) == 0
        records = [r for r in env.sandbox.requests[since:] if r.path in (DEBIT_PATH, STATUS_PATH)]
        _assert_never_blindly_resent(records)
        assert len({r.body_sha256 for r in records if r.path == DEBIT_PATH}) == 1
