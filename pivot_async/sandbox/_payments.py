"""Payment sessions: create, confirm, cancel, simulate, and the customer-side steps
(docs/reference/wire.md#create-session, wire.md#confirm-cancel-capture, wire.md#test-data); the
statuses follow T1-T15 of wire.md#transitions, applied by :mod:`._transitions`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ._card_flow import CardFlow
from ._cards import key_for_index, public_key_b64
from ._channels import EwalletFlow, ewallet_deep_link, qr_object, va_number, va_object
from ._context import SandboxContext
from ._errors import not_found, state_error, validation_error
from ._fields import Field, check
from ._merchants import Merchant
from ._models import Charge, Customer, Session
from ._requests import MethodInput, parse_confirm, parse_create, parse_method
from ._transitions import CONFIRMABLE, Transitions, status_error
from ._util import ZERO_TIME, format_time, uuid7
from ._validation import OBJECT, SIMULATION_FIELDS

__all__ = ["Payments"]

VA_OUTSIDE_RANGE = (
    "The requested Virtual Account number is not within your assigned static VA range. "
    "Please check your configuration."
)
VA_TAKEN = (
    "The Virtual Account number you requested has already been assigned. "
    "Please choose a different number."
)
QRIS_LIMIT = (
    "The number of static QRIS you’ve created has reached the allowed limit. "
    "Cannot create a new QRIS."
)
_Json = dict[str, Any]
_CUSTOMER_PAY = (Field("paymentMethod", True, OBJECT), Field("paymentMethodOptions", False, OBJECT))


class Payments:
    """The payments state machine of one sandbox."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.moves = Transitions(ctx)
        self.cards = CardFlow(self.moves)
        self.ewallet = EwalletFlow(self.moves)

    def session(self, merchant: Merchant, session_id: str, field: str = "id") -> Session:
        session = self.ctx.state.sessions.get(session_id)
        if session is None or session.merchant_id != merchant.id:
            raise not_found("payment session", field)
        return session

    async def create(self, merchant: Merchant, body: dict[str, Any]) -> Session:
        """``POST /v2/payments`` (T1-T4)."""
        now = self.ctx.now()
        session, m = parse_create(body, merchant, self.ctx.config, now)
        customer = self._customer(merchant, session)
        if customer is not None:
            session.customer_id, session.customer_ref = customer.id, customer
            session.customer = dict(session.customer or customer.fields)
        if not session.multiple and session.expiry_at is None:
            session.expiry_at = now + _dt.timedelta(seconds=self.ctx.config.session_ttl)
        charge_now = m is not None and session.auto_confirm and not session.multiple
        card = None
        if charge_now and m is not None and m.type == "CARD":
            card = await self.cards.prepare(merchant, session, m, None)
        if session.multiple:
            assert m is not None
            self._static(merchant, session, m)
            session.status = "ACTIVE"
        elif m is None and session.auto_confirm:
            session.status = "REQUIRE_PAYMENT_METHOD"
        if session.mode == "REDIRECT":
            session.payment_url = self.moves.hosted_url(session)
        elif m is not None and m.type == "CARD" and not session.auto_confirm:
            session.encryption_key = public_key_b64(key_for_index(merchant.key_index))
        self.ctx.state.sessions[session.id] = session
        if charge_now and m is not None:
            self._start_charge(session, m, card)
        if session.expiry_at is not None:
            self.moves.schedule_expiry(session, session.expiry_at)
        return session

    def _customer(self, merchant: Merchant, session: Session) -> Customer | None:
        """The customer of ``customer.email`` (created or updated), else of ``customerId``."""
        state, given, customer_id = self.ctx.state, session.customer, session.customer_id
        if given is not None:
            email = str(given["email"])
            customer = state.customer_by_email(merchant.id, email)
            if customer is None:
                customer = Customer(uuid7(self.ctx.now()), merchant.id, email, dict(given))
                state.customers[customer.id] = customer
                state.customer_ids[(merchant.id, email.lower())] = customer.id
            else:
                customer.fields.update(given)
            if customer_id is not None and customer_id != customer.id:
                raise validation_error([("customerId", "customerId does not match customer.email")])
            return customer
        if customer_id is not None:
            found = state.customers.get(customer_id)
            if found is None or found.merchant_id != merchant.id:
                raise validation_error([("customerId", "Customer not found")])
            return found
        return None

    def _static(self, merchant: Merchant, session: Session, m: MethodInput) -> None:
        """MULTIPLE sessions: a static VA number or a static QRIS (T4)."""
        state = self.ctx.state
        if m.type == "QR":
            count_key = f"static-qr:{merchant.id}"
            if state.counters[count_key] >= self.ctx.config.static_qris_limit:
                raise validation_error([("", QRIS_LIMIT)])
            state.next_number(count_key)
            session.payment_method = {"type": "QR", "qr": self._qr(session, None, ZERO_TIME)}
            return
        channel, custom = m.channel or "PERMATA", m.va_number
        if custom is None:
            custom = str(state.next_number(f"static-va:{merchant.id}:{channel}"))
        elif not (custom.isdigit() and 1 <= len(custom) <= 8 and int(custom) >= 1):
            raise validation_error([("", VA_OUTSIDE_RANGE)])
        number = va_number(channel, int(custom), static=True)
        if (channel, number) in state.va_numbers:
            raise validation_error([("", VA_TAKEN)])
        state.va_numbers[(channel, number)] = session.id
        va = va_object(channel, number, m.va_name or session.statement_descriptor, ZERO_TIME)
        session.payment_method = {"type": "VIRTUAL_ACCOUNT", "virtualAccount": va}

    def _qr(self, session: Session, charge: Charge | None, expiry: str) -> dict[str, Any]:
        """A charge's dynamic QRIS, or (``charge`` None) the session's static one."""
        reference = (charge or session).id[-12:]
        url = f"{self.ctx.base_url}/qris/{session.id}"
        amount = None if charge is None else charge.amount
        return qr_object(session.statement_descriptor, reference, amount, url, expiry)

    def _new_charge(self, session: Session, method: str, amount: int) -> Charge:
        now, waiting = self.ctx.now(), "WAITING_FOR_USER_ACTION"
        ref, name = session.client_reference_id, session.statement_descriptor
        charge = Charge(uuid7(now), session.id, ref, name, method, amount, waiting, now, now)
        session.charges.append(charge)
        self.ctx.state.charges[charge.id] = charge
        return charge

    def _start_charge(self, session: Session, m: MethodInput, card: Any) -> None:
        """The charge starts and waits for the customer (T3, T5)."""
        expiry_at = session.expiry_at
        if m.method_expiry is not None and (expiry_at is None or m.method_expiry < expiry_at):
            session.expiry_at = m.method_expiry
            self.moves.schedule_expiry(session, m.method_expiry)
        charge = self._new_charge(session, m.type, session.amount)
        expiry = format_time(session.expiry_at) if session.expiry_at else ZERO_TIME
        if m.type == "VIRTUAL_ACCOUNT":
            channel = m.channel or "PERMATA"
            number = va_number(channel, self.ctx.state.next_number(f"va:{channel}"))
            name = m.va_name or session.statement_descriptor
            charge.virtual_account = va_object(channel, number, name, expiry)
        elif m.type == "QR":
            charge.qr = self._qr(session, charge, expiry)
        elif m.type == "EWALLET":
            channel = m.channel or "DANA"
            charge.ewallet = {"channel": channel}
            if session.mode == "API":
                page = f"{self.ctx.base_url}/ewallet/pay?session_id={session.id}"
                session.payment_url = ewallet_deep_link(channel, page)
            if m.ewallet_phone:
                self.ewallet.phone(session, charge, m.ewallet_phone, delayed=True)
        else:
            self.cards.attach(session, charge, card)
        session.status = "REQUIRE_ACTION"
        self.moves.touch(session, charge)

    async def confirm(self, merchant: Merchant, session: Session, body: dict[str, Any]) -> Session:
        """``POST /v2/payments/{id}/confirm`` (T5)."""
        self._confirmable(session)
        m, order = parse_confirm(body, session, self.ctx.config, self.ctx.now())
        # No blanket orderInformation rule (docs/sandbox.md): only AVS cards need billingInfo.
        return await self._apply_method(merchant, session, m, order)

    async def _apply_method(
        self, merchant: Merchant, session: Session, m: MethodInput, order: dict[str, Any] | None
    ) -> Session:
        card = await self.cards.prepare(merchant, session, m, order) if m.type == "CARD" else None
        self._confirmable(session)  # the state may have moved while decrypting
        if order is not None:
            session.order_information = order
        session.method_type = m.type
        session.payment_method = {**(session.payment_method or {}), **m.echo}
        session.method_options = m.options
        session.capture_method, session.three_ds_method = m.capture_method, m.three_ds_method
        self._start_charge(session, m, card)
        return session

    def _confirmable(self, session: Session) -> None:
        if session.status not in CONFIRMABLE:
            raise status_error(session, "it cannot be confirmed")

    def cancel(self, session: Session, reason: str = "VOID_SESSION") -> Session:
        """``POST /v2/payments/{id}/cancel`` (T6); only before a charge starts."""
        if session.status not in CONFIRMABLE:
            only = "only REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION can be cancelled"
            raise status_error(session, only)
        self.moves.cancel(session, reason)
        return session

    def simulate(self, merchant: Merchant, body: dict[str, Any]) -> None:
        """``POST /v2/payments/simulations`` (docs/reference/wire.md#test-data)."""
        chk = check(body, SIMULATION_FIELDS)
        chk.raise_if_failed()
        session = self.session(merchant, chk.get("paymentSessionId"), "paymentSessionId")
        self.simulate_session(session, chk.get("chargeStatus"), chk.get("amount.value"))

    def simulate_session(self, session: Session, status: str, amount: int | None) -> None:
        if session.method_type == "CARD":
            problem = "Simulation covers QRIS, VA and e-wallet charges only"
            raise validation_error([("paymentSessionId", problem)])
        if session.final:
            raise status_error(session, "it cannot change")
        if session.multiple:
            if status == "EXPIRED":
                raise state_error("An ACTIVE MULTIPLE session cannot be simulated as EXPIRED")
            if amount is None:
                raise validation_error([("amount", "Make sure amount value is fulfilled")])
            config = self.ctx.config.methods[session.method_type or "QR"]
            low, high = config.minimum, config.maximum
            if not low <= amount <= high:
                problem = f"amount.value must be between {low} and {high}"
                raise validation_error([("amount.value", problem)])
            paid = self._new_charge(session, session.method_type or "QR", amount)
            static = session.payment_method or {}
            paid.virtual_account, paid.qr = static.get("virtualAccount"), static.get("qr")
            self.moves.succeed(session, paid)
            return
        waiting = ("WAITING_FOR_USER_ACTION", "PROCESSING")
        charge = next((c for c in session.charges if c.status in waiting), None)
        if charge is None:
            raise status_error(session, "no charge awaits payment")
        if status == "SUCCESS":
            self.moves.succeed(session, charge)
        else:
            self.moves.expire(session, force=True)

    async def customer_pay(self, merchant: Merchant, session: Session, body: _Json) -> Session:
        """The hosted page: the customer picks a method (and may enter a card)."""
        chk = check(body, _CUSTOMER_PAY)
        options = chk.get("paymentMethodOptions", session.method_options)
        pm = chk.get("paymentMethod", {})
        m = parse_method(chk, pm, options, self.ctx.config, self.ctx.now(), stage="confirm")
        chk.raise_if_failed()
        assert m is not None
        waiting = session.charges[-1] if session.charges else None
        card_awaited = waiting is not None and waiting.method == "CARD" and waiting.card is None
        if session.status == "REQUIRE_ACTION" and card_awaited and m.type == "CARD":
            assert waiting is not None
            card = await self.cards.prepare(merchant, session, m, None)
            if card is None:
                raise validation_error([("paymentMethod.card", "Card details are required")])
            self.cards.attach(session, waiting, card)
            self.moves.touch(session, waiting)
            return session
        if session.mode != "REDIRECT":
            raise state_error("Only hosted (REDIRECT) sessions take a method from the customer")
        if session.method_type is not None and m.type != session.method_type:
            problem = f"paymentMethod.type must be {session.method_type}"
            raise validation_error([("paymentMethod.type", problem)])
        return await self._apply_method(merchant, session, m, None)
