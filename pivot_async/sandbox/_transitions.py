"""State changes shared by every flow, each with its callback event (T1-T15 of
docs/reference/wire.md#transitions): :meth:`Transitions.succeed`, :meth:`~Transitions.processing`,
:meth:`~Transitions.fail`, :meth:`~Transitions.expire` (no event) and :meth:`~Transitions.cancel`.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any
from urllib.parse import urlencode

from ._context import SandboxContext
from ._errors import SandboxError, state_error
from ._models import Charge, Session
from ._state import StoredCard
from ._util import format_time, jwt_encode, uuid7

__all__ = ["CONFIRMABLE", "RECOMMENDATIONS", "Transitions", "status_error"]

RECOMMENDATIONS = {
    "DECLINED_BY_CHANNEL": "Ask the customer to use another card or payment method.",
    "INVALID_ACCOUNT": "Ask the customer to check the card details or use another card.",
    "AUTHENTICATION_FAILED": "Ask the customer to retry and complete 3DS authentication.",
    "SUSPECTED_FRAUD": "Do not retry with this card.",
    "BLOCKED_BY_FDS": "Do not retry; the transaction was rejected by fraud screening.",
    "INSUFFICIENT_FUND": "Ask the customer to top up or use another payment method.",
    "CHANNEL_UNAVAILABLE": "Retry later or use another payment method.",
    "CANCELLED_BY_USER": "Ask the customer whether they want to pay again.",
    "CHARGE_EXPIRED": "Create a new payment session.",
}

_TIME_OUT = "The payment time has run out."
CONFIRMABLE = frozenset({"REQUIRE_CONFIRMATION", "REQUIRE_PAYMENT_METHOD"})
EXPIRABLE = CONFIRMABLE | {"REQUIRE_ACTION", "ACTIVE"}


def status_error(session: Session, why: str) -> SandboxError:
    """422: the session's status does not allow the step."""
    return state_error(f"Payment session status is {session.status}; {why}")


class Transitions:
    """Applies status changes, timestamps and events."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx

    def touch(self, session: Session, *charges: Charge) -> None:
        now = self.ctx.now()
        session.updated_at = now
        for charge in charges:
            charge.updated_at = now

    def emit(self, session: Session, event: str) -> None:
        self.ctx.send_callback(event, session.to_json(), merchant_id=session.merchant_id)

    def page_token(self, session: Session) -> str:
        expiry = session.expiry_at or (self.ctx.now() + _dt.timedelta(days=30))
        payload = {"uuid": session.id, "iss": "backend-portal", "exp": int(expiry.timestamp())}
        return jwt_encode(payload, self.ctx.signing_key)

    def hosted_url(self, session: Session) -> str:
        return f"{self.ctx.base_url}/detail?token={self.page_token(session)}"

    def three_ds_url(self, session: Session) -> str:
        acquirer_id, ref = f"TRXCC{os.urandom(12).hex()}", session.client_reference_id
        ids = {"client_transaction_id": ref, "acquirer_transaction_id": acquirer_id}
        query = urlencode({**ids, "session_id": session.id})
        return f"{self.ctx.base_url}/payment/creditcard/threeds?{query}"

    def token_auth_url(self, session: Session) -> str:
        query = urlencode({"cred": self.page_token(session), "merchant_id": session.merchant_id})
        return f"{self.ctx.base_url}/payment/creditcard/authenticate-token?{query}"

    def schedule_expiry(self, session: Session, at: _dt.datetime) -> None:
        self.ctx.state.schedule(at, lambda: self.expire(session))

    # -- transitions --------------------------------------------------------------------------
    def succeed(self, session: Session, charge: Charge) -> None:
        """A charge is paid in full (T10, T11, T12)."""
        now = self.ctx.now()
        charge.status = "SUCCESS"
        charge.paid_at = now
        charge.authorized_amount = charge.authorized_amount or charge.amount
        if charge.captured_amount is None:
            charge.captured_amount = charge.amount
        charge.is_captured = True
        self.touch(session, charge)
        self.save_method(session, charge)
        if session.multiple:
            self.emit(session, "CHARGE.SUCCESS")
            return
        session.status = "PAID"
        self.emit(session, "PAYMENT.PAID")

    def processing(self, session: Session, charge: Charge, charge_status: str) -> None:
        """The session waits on the partner (T7, T8, T9); the event is sent once."""
        charge.status = charge_status
        session.status = "PROCESSING"
        self.touch(session, charge)
        if not session.processing_sent:
            session.processing_sent = True
            self.emit(session, "PAYMENT.PROCESSING")

    def fail(self, session: Session, charge: Charge, code: str, message: str) -> None:
        """A charge fails: the session is cancelled with ``CHARGE_FAILED`` (T13)."""
        self._failed(session, charge, "FAILED", code, message)
        if not session.multiple:
            self.cancel(session, "CHARGE_FAILED")

    def _failed(self, session: Session, c: Charge, status: str, code: str, message: str) -> None:
        c.status, c.failure_code = status, code
        c.failure_message = f"{c.method.replace('_', ' ')} payment failed. {message}".strip()
        c.recommendation = RECOMMENDATIONS.get(code, "Contact Pivot support.")
        self.touch(session, c)

    def cancel(self, session: Session, reason: str) -> None:
        """The merchant or the customer cancels (T6), or a charge failed (T13)."""
        now = self.ctx.now()
        session.status, session.cancelled_at, session.cancellation_reason = "CANCELLED", now, reason
        session.expiry_at = now
        self.touch(session)
        self.release_static_number(session)
        self.emit(session, "PAYMENT.CANCELLED")

    def expire(self, session: Session, *, force: bool = False) -> None:
        """``expiryAt`` passed (T14, T15); no event. PROCESSING sessions do not expire."""
        if session.status not in EXPIRABLE:
            return
        due = session.expiry_at is not None and session.expiry_at <= self.ctx.now()
        if not (due or force):
            return
        if session.multiple:
            self.release_static_number(session)
        else:
            for charge in (c for c in session.charges if not c.final):
                self._failed(session, charge, "EXPIRED", "CHARGE_EXPIRED", _TIME_OUT)
        session.status = "INACTIVE" if session.multiple else "EXPIRED"
        self.touch(session)

    def release_static_number(self, session: Session) -> None:
        va = (session.payment_method or {}).get("virtualAccount")
        if session.multiple and isinstance(va, dict):
            key = (str(va.get("channel")), str(va.get("virtualAccountNumber")))
            if self.ctx.state.va_numbers.get(key) == session.id:
                del self.ctx.state.va_numbers[key]

    def save_method(self, session: Session, charge: Charge) -> None:
        """``saveForFutureUse``: store the card or e-wallet on the customer (wire.md#customers)."""
        customer = self.ctx.state.customers.get(session.customer_id or "")
        profile = charge.card_profile
        if not session.save_for_future_use or customer is None:
            return
        if charge.method == "CARD" and profile is not None:
            prints = (s.get("card", {}).get("fingerprint") for s in customer.stored)
            if profile["fingerprint"] in prints:
                return
            kind, channel = "CARD", profile["binInformations"]["brand"]
        elif charge.method == "EWALLET" and charge.ewallet is not None:
            kind, channel = "ewallet", str(charge.ewallet.get("channel", "")).lower()
        else:
            return
        token, now = uuid7(self.ctx.now()), format_time(self.ctx.now())
        entry: dict[str, Any] = {"token": token, "paymentMethod": kind, "paymentChannel": channel}
        entry.update(createdAt=now, status="ACTIVE")
        if profile is not None and kind == "CARD":
            key = charge.card_key or "UNKNOWN"
            stored = StoredCard(token, session.merchant_id, customer.id, key, profile)
            self.ctx.state.card_tokens[token] = stored
            first, _, last = str(profile.get("cardHolderName") or "").partition(" ")
            entry["card"] = {
                "fingerprint": profile["fingerprint"],
                "network": channel,
                **{k: profile[k] for k in ("first6", "first8", "last4", "expMonth", "expYear")},
                "cardHolderFirstName": first,
                "cardHolderLastName": last,
            }
        customer.stored.append(entry)
