"""A fake, duck-typed client for the batch tests: an in-memory gateway that records calls.

``FakeGateway`` holds the state (sessions, refunds, debits, idempotency keys) so that a second
``FakeClient`` on the same gateway sees what the first one created, as after a crash.
Failures are injected with hooks: ``before(kind, params, key)`` may raise before anything is
stored, ``after(kind, params, key)`` after the record is stored (a lost response); both apply
to creates only. ``before_lookup(kind, params, key)`` applies to the lookups (list by
reference, refund list, debit status) that the runner makes before creating a row.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pivot_async._errors import TransactionNotFoundError

CREATES = frozenset({"payments.create", "refunds.create", "wallet.debit"})
Hook = Callable[[str, Mapping[str, Any], "str | None"], Awaitable[None]]


@dataclass
class Amount:
    value: Any
    currency: str = "IDR"


@dataclass
class Session:
    id: str
    status: str
    client_reference_id: str
    amount: Amount | None
    payment_url: str | None = None


@dataclass
class Refund:
    id: str
    status: str
    client_reference_id: str
    amount: Amount | None


@dataclass
class DebitStatus:
    latest_transaction_status: str
    reference_no: str | None = None
    transaction_status_desc: str | None = None
    trans_amount: Amount | None = None


@dataclass
class DebitResponse:
    response_code: str = "2005400"


@dataclass
class DebitResult:
    partner_reference_no: str
    reference_no: str | None
    web_redirect_url: str | None
    response: DebitResponse | None = None
    status: DebitStatus | None = None


@dataclass
class Customer:
    binding_id: str


def _amount(params: Mapping[str, Any]) -> Amount | None:
    a = params.get("amount")
    return Amount(a.get("value"), a.get("currency", "IDR")) if isinstance(a, Mapping) else None


@dataclass
class FakeGateway:
    """The gateway's state, shared by clients."""

    sessions: list[Session] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    debits: dict[str, DebitStatus] = field(default_factory=dict)
    replays: dict[str, Any] = field(default_factory=dict)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class FakeClient:
    """Duck-types PivotClient for the runner; ``calls`` records (method, reference, key)."""

    def __init__(self, gateway: FakeGateway | None = None, *, before: Hook | None = None,
                 after: Hook | None = None, before_lookup: Hook | None = None,
                 yields: int = 1, client_id: str = "merchant1") -> None:
        self.gateway = gateway or FakeGateway()
        self.client_id = client_id
        self.before = before
        self.after = after
        self.before_lookup = before_lookup
        self.yields = yields
        self.calls: list[tuple[str, str | None, str | None]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.completed = 0
        self.payments = _Payments(self)
        self.refunds = _Refunds(self)
        self.wallet = _Wallet(self)

    async def _enter(self, kind: str, params: Mapping[str, Any], key: str | None,
                     ref: str | None) -> None:
        self.calls.append((kind, ref, key))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        for _ in range(self.yields):
            await asyncio.sleep(0)
        hook = self.before if kind in CREATES else self.before_lookup
        if hook is not None:
            await hook(kind, params, key)

    def _exit(self) -> None:
        self.in_flight -= 1
        self.completed += 1

    def calls_of(self, kind: str) -> list[tuple[str, str | None, str | None]]:
        return [c for c in self.calls if c[0] == kind]

    def creates(self) -> list[tuple[str, str | None, str | None]]:
        """The create calls (payments, refunds, wallet debits), in order."""
        return [c for c in self.calls if c[0] in CREATES]


class _Payments:
    def __init__(self, client: FakeClient) -> None:
        self._c = client

    async def create(self, params: Mapping[str, Any], *, idempotency_key: str | None = None,
                     ) -> Session:
        c, g = self._c, self._c.gateway
        ref = params.get("clientReferenceId")
        try:
            await c._enter("payments.create", params, idempotency_key, ref)
            if idempotency_key in g.replays:
                return g.replays[idempotency_key]  # type: ignore[no-any-return]
            s = Session(f"sess{next(g.seq)}", "REQUIRE_ACTION", str(ref), _amount(params),
                        payment_url="https://pay.example/x")
            g.sessions.append(s)
            if idempotency_key:
                g.replays[idempotency_key] = s
            if c.after is not None:
                await c.after("payments.create", params, idempotency_key)
            return s
        finally:
            c._exit()

    async def list_by_reference(self, client_reference_id: str) -> list[Session]:
        c = self._c
        try:
            await c._enter("payments.list_by_reference", {}, None, client_reference_id)
            return [s for s in c.gateway.sessions if s.client_reference_id == client_reference_id]
        finally:
            c._exit()


class _Refunds:
    def __init__(self, client: FakeClient) -> None:
        self._c = client

    async def create(self, params: Mapping[str, Any], *, idempotency_key: str | None = None,
                     ) -> Refund:
        c, g = self._c, self._c.gateway
        ref = params.get("clientReferenceId")
        try:
            await c._enter("refunds.create", params, idempotency_key, ref)
            if idempotency_key in g.replays:
                return g.replays[idempotency_key]  # type: ignore[no-any-return]
            r = Refund(f"ref{next(g.seq)}", "PENDING", str(ref), _amount(params))
            g.refunds.append(r)
            if idempotency_key:
                g.replays[idempotency_key] = r
            if c.after is not None:
                await c.after("refunds.create", params, idempotency_key)
            return r
        finally:
            c._exit()

    async def list(self, *, per_page: int = 20) -> AsyncIterator[Refund]:
        c = self._c
        c.calls.append(("refunds.list", None, None))
        if c.before_lookup is not None:
            await c.before_lookup("refunds.list", {}, None)
        for r in list(c.gateway.refunds):
            await asyncio.sleep(0)
            yield r


class _Wallet:
    def __init__(self, client: FakeClient) -> None:
        self._c = client

    def customer(self, binding_id: str) -> Customer:
        return Customer(binding_id)

    async def debit(self, customer: Customer, params: Mapping[str, Any]) -> DebitResult:
        c, g = self._c, self._c.gateway
        ref = str(params.get("partnerReferenceNo"))
        try:
            await c._enter("wallet.debit", params, None, ref)
            if ref in g.debits:  # the client resolves duplicates through debit/status
                st = g.debits[ref]
                return DebitResult(ref, st.reference_no, None, status=st)
            g.debits[ref] = DebitStatus("01", f"wd{next(g.seq)}", "Initiated")
            if c.after is not None:
                await c.after("wallet.debit", params, None)
            return DebitResult(ref, g.debits[ref].reference_no, "https://wallet.example/pay",
                               response=DebitResponse())
        finally:
            c._exit()

    async def debit_status(self, customer: Customer, original_partner_reference_no: str,
                           ) -> DebitStatus:
        c = self._c
        try:
            await c._enter("wallet.debit_status", {}, None, original_partner_reference_no)
            st = c.gateway.debits.get(original_partner_reference_no)
            if st is None:
                raise TransactionNotFoundError("Transaction Not Found", status=404,
                                               code="4045501")
            return st
        finally:
            c._exit()


def payment(row: int, ref: str | None = None, amount: int = 10000) -> dict[str, Any]:
    """A create-payment request for ``row``."""
    return {"clientReferenceId": ref or f"ORDER{row}", "amount": {"value": amount,
                                                                   "currency": "IDR"}}


class _CountingPayments:
    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.completed = 0

    async def create(self, params: Mapping[str, Any], *, idempotency_key: str | None = None,
                     ) -> Session:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        self.completed += 1
        return Session("s", "REQUIRE_ACTION", params["clientReferenceId"], None)

    async def list_by_reference(self, client_reference_id: str) -> list[Session]:
        return []


class LeanClient:
    """A fake that keeps nothing per call (for the streaming test): counts only."""

    def __init__(self) -> None:
        self.payments = _CountingPayments()
        self.refunds = None
        self.wallet = None
