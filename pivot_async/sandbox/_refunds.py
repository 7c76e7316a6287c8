"""Refunds (docs/reference/wire.md#refunds): a refund starts ``PENDING`` and walks the status path
chosen at creation (``Refunds._path``; docs/sandbox.md "Refunds", wire.md#test-data), one step
every ``config.refund_step_seconds`` or at once through ``POST /_sandbox/refunds/{id}/advance``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from typing import Any

from ._context import SandboxContext
from ._errors import not_found, state_error, validation_error
from ._merchants import Merchant
from ._models import Charge, Refund
from ._util import uuid7
from ._validation import read_refund

__all__ = ["REFUND_EVENTS", "Refunds"]

REFUND_EVENTS = {
    "PENDING": "REFUND.PENDING",
    # sic, as documented (docs/reference/wire.md#decision-n)
    "WAITING_BANK_TRANSFER": "REFUND.WAITING_BANK_TRANFER",
    "SUCCESS": "REFUND.SUCCESS",
    "FAILED": "REFUND.FAILED",
}
FAILING_ACCOUNTS = frozenset({"999966660002", "999966660008"})
_SUCCESS_ONLY = "only SUCCESS charges can be refunded"


class Refunds:
    """Refund creation and progression."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx

    def get(self, merchant: Merchant, refund_id: str) -> Refund:
        refund = self.ctx.state.refunds.get(refund_id)
        if refund is None or refund.merchant_id != merchant.id:
            raise not_found("refund", "id")
        return refund

    def create(self, merchant: Merchant, body: dict[str, Any]) -> Refund:
        """``POST /v1/refunds``."""
        chk = read_refund(body)
        chk.raise_if_failed()
        charge = self._charge(merchant, chk.get("paymentSessionId"), chk.get("chargeId"))
        if charge.status != "SUCCESS":
            raise state_error(f"Charge status is {charge.status}; {_SUCCESS_ONLY}")
        captured = charge.captured_amount or 0
        refunds = self.ctx.state.refunds.values()
        taken = (r.amount for r in refunds if r.charge_id == charge.id and r.status != "FAILED")
        remaining = decimal.Decimal(captured) - sum(taken, decimal.Decimal(0))
        full = chk.get("isFullAmount", False)
        value = remaining if full else chk.get("amount.value")
        if value <= 0 or value > remaining:
            problem = f"Refund amount {value} exceeds the refundable amount {remaining}"
            raise state_error(problem, "amount.value")
        now = self.ctx.now()
        refund = Refund(
            id=uuid7(now),
            merchant_id=merchant.id,
            client_reference_id=chk.get("clientReferenceId"),
            payment_session_id=charge.session_id,
            charge_id=charge.id,
            captured_amount=captured,
            is_full_amount=full,
            amount=value,
            status="PENDING",
            reason=chk.get("reason"),
            description=chk.get("description"),
            method=chk.get("method") or "AUTO",
            transfer_destination=chk.get("transferDestination"),
            metadata=chk.get("metadata"),
            created_at=now,
            updated_at=now,
        )
        refund.path = self._path(refund)
        self.ctx.state.refunds[refund.id] = refund
        self._emit(refund)
        self._schedule_next(refund)
        return refund

    def advance(self, refund: Refund) -> Refund:
        """Take the next step of the refund's path now."""
        if not refund.path:
            raise state_error(f"Refund status is {refund.status}; it has no further step")
        status, destination = refund.path.pop(0)
        refund.status = status
        refund.destination_type = destination
        refund.updated_at = self.ctx.now()
        self._emit(refund)
        self._schedule_next(refund)
        return refund

    def _charge(self, merchant: Merchant, session_id: str | None, charge_id: str | None) -> Charge:
        state = self.ctx.state
        if charge_id:
            charge = state.charges.get(charge_id)
            if charge is None or state.sessions[charge.session_id].merchant_id != merchant.id:
                raise not_found("charge", "chargeId")
            if session_id and charge.session_id != session_id:
                problem = "chargeId does not belong to paymentSessionId"
                raise validation_error([("chargeId", problem)])
            return charge
        session = state.sessions.get(session_id or "")
        if session is None or session.merchant_id != merchant.id:
            raise not_found("payment session", "paymentSessionId")
        paid = [c for c in session.charges if c.status == "SUCCESS"]
        if len(paid) > 1:
            problem = "chargeId is required: the session has several charges"
            raise validation_error([("chargeId", problem)])
        if not paid:
            status = session.charges[-1].status if session.charges else "none"
            raise state_error(f"Charge status is {status}; {_SUCCESS_ONLY}")
        return paid[0]

    def _path(self, refund: Refund) -> list[tuple[str, str]]:
        destination = refund.transfer_destination
        if destination is None:
            session = self.ctx.state.sessions[refund.payment_session_id]
            customer = self.ctx.state.customers.get(session.customer_id or "")
            pref = (customer.fields if customer else session.customer or {}).get("refundPreference")
            dest = pref.get("transferDestination") if isinstance(pref, dict) else None
            destination = dest if isinstance(dest, dict) else None
        info = (destination or {}).get("channelInformation") or {}
        account = str(info.get("accountNumber", "")) if isinstance(info, dict) else ""
        ref = refund.client_reference_id
        transfer_ok = destination is not None and account not in FAILING_ACCOUNTS
        if refund.method == "TRANSFER_ONLY":
            ok = transfer_ok and not ref.startswith("2002-")
            return [("SUCCESS" if ok else "FAILED", "ACCOUNT")]
        if ref.startswith("2001-") or (ref.startswith("1001-") and not transfer_ok):
            return [("WAITING_BANK_TRANSFER", "ACCOUNT"), ("FAILED", "ACCOUNT")]
        if ref.startswith("1001-"):
            return [("WAITING_BANK_TRANSFER", "ACCOUNT"), ("SUCCESS", "ACCOUNT")]
        return [("SUCCESS", "CHANNEL")]

    def _schedule_next(self, refund: Refund) -> None:
        if not refund.path:
            return
        expected = len(refund.path)
        due = self.ctx.now() + _dt.timedelta(seconds=self.ctx.config.refund_step_seconds)

        def step() -> None:
            if len(refund.path) == expected:  # not advanced by hand in the meantime
                self.advance(refund)

        self.ctx.state.schedule(due, step)

    def _emit(self, refund: Refund) -> None:
        event = REFUND_EVENTS.get(refund.status)
        if event is not None:
            self.ctx.send_callback(event, refund.to_json(), merchant_id=refund.merchant_id)
