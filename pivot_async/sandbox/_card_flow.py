"""The card flow: card details, 3DS, authorisation, FDS review and capture (the test card
decides; docs/reference/wire.md#confirm-cancel-capture, wire.md#card-encryption, wire.md#test-data).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import os
from typing import Any

from ._cards import (
    AVS_RESULTS,
    SCENARIOS,
    TEST_CARDS,
    CardDecryptError,
    card_json,
    card_profile,
    decrypt_card,
    key_for_index,
)
from ._errors import state_error, validation_error
from ._fields import check
from ._merchants import Merchant
from ._models import Capture, Charge, Session
from ._requests import MethodInput
from ._transitions import Transitions, status_error
from ._util import format_time, random_digits, uuid7
from ._validation import CAPTURE_FIELDS

__all__ = ["CardFlow", "PreparedCard"]

_Json = dict[str, Any]
_ENCRYPTED = "paymentMethod.card.encryptedCard"
_ECI = {"VISA": ("05", "07"), "JCB": ("05", "07"), "AMEX": ("05", "07")}


@dataclasses.dataclass
class PreparedCard:
    """Card details resolved before a charge starts: scenario, display data, token use."""

    key: str
    profile: dict[str, Any] | None
    via_token: bool
    cvc: bool


class CardFlow:
    """Card-specific steps on top of :class:`~._transitions.Transitions`."""

    def __init__(self, moves: Transitions) -> None:
        self.moves = moves
        self.ctx = moves.ctx

    async def prepare(
        self, merchant: Merchant, session: Session, m: MethodInput, order: dict[str, Any] | None
    ) -> PreparedCard | None:
        """Decrypt / look up the card; ``None`` when no card data was given (hosted entry)."""
        card, prepared = m.card, None
        if m.encrypted_card:
            loop, key = asyncio.get_running_loop(), key_for_index(merchant.key_index)
            try:
                card = await loop.run_in_executor(None, decrypt_card, m.encrypted_card, key)
            except CardDecryptError as exc:
                problem = f"encryptedCard could not be decrypted: {exc}"
                raise validation_error([(_ENCRYPTED, problem)]) from None
            if card.expired(self.ctx.now()):
                raise validation_error([(_ENCRYPTED, "The card has expired")])
        if card is not None:
            scenario = TEST_CARDS.get(card.number, "UNKNOWN")
            profile = card_profile(card, merchant.id)
            prepared = PreparedCard(scenario, profile, via_token=False, cvc=bool(card.cvc))
        elif m.card_token:
            stored = self.ctx.state.card_tokens.get(m.card_token)
            if stored is None or stored.merchant_id != merchant.id:
                raise validation_error([("paymentMethod.card.token", "Unknown card token")])
            owner = stored.customer_id
            if session.customer_id is not None and owner not in (None, session.customer_id):
                problem = "The card token belongs to another customer"
                raise validation_error([("paymentMethod.card.token", problem)])
            prepared = PreparedCard(stored.card_key, stored.profile, via_token=True, cvc=True)
        billing = (order or session.order_information or {}).get("billingInfo")
        if prepared is not None and prepared.key == "FOREIGN_AVS" and not isinstance(billing, dict):
            problem = "billingInfo is required for this card (AVS)"
            raise validation_error([("orderInformation.billingInfo", problem)])
        return prepared

    def attach(self, session: Session, charge: Charge, card: PreparedCard | None) -> None:
        """Put the card on the charge and point ``paymentUrl`` at the 3DS or token page."""
        if card is None:
            charge.card = None
            session.payment_url = session.payment_url or self.moves.hosted_url(session)
            return
        charge.card_key = card.key
        charge.card_profile = card.profile
        charge.card_cvc_given = card.cvc
        charge.card = card_json(None if card.via_token else card.profile)
        session.awaiting_3ds = True
        page = self.moves.token_auth_url if card.via_token else self.moves.three_ds_url
        session.payment_url = page(session)

    def authenticate(self, session: Session, action: str) -> None:
        """Complete (``complete``), fail (``fail``) or cancel (``cancel``) the 3DS step."""
        charge = session.charges[-1] if session.charges else None
        waiting = charge is not None and charge.status == "WAITING_FOR_USER_ACTION"
        if charge is None or not waiting or charge.method != "CARD" or not session.awaiting_3ds:
            raise status_error(session, "no card authentication is pending")
        session.awaiting_3ds = False
        scenario = SCENARIOS[charge.card_key or "UNKNOWN"]
        if charge.card_profile is not None:
            charge.card = card_json(charge.card_profile)
        brand = (charge.card_profile or {}).get("binInformations", {}).get("brand", "VISA")
        ok_eci, bad_eci = _ECI.get(brand, ("02", "00"))
        failed = None
        if action == "fail" or (action == "complete" and scenario.key == "AUTHENTICATION_FAILED"):
            failed = SCENARIOS["AUTHENTICATION_FAILED"]
        elif action == "cancel" or scenario.key == "CANCELLED_BY_USER":
            failed = SCENARIOS["CANCELLED_BY_USER"]
        if failed is not None:
            self._auth_result(charge, "CHALLENGE", "FAILED", bad_eci)
            self.moves.fail(session, charge, failed.key, failed.message)
            return
        if session.three_ds_method == "NEVER":
            self._auth_result(charge, "BYPASSED", "NOT_AVAILABLE", bad_eci)
        else:  # the card decides, as an issuer would
            method = "CHALLENGE" if scenario.challenge else "FRICTIONLESS"
            self._auth_result(charge, method, "SUCCESSFUL", ok_eci)
        if scenario.key == "BLOCKED_BY_FDS":
            self._block(session, charge)
        elif scenario.key == "REQUIRE_REVIEW":
            charge.fds = self._fds("REVIEW")
            self.moves.processing(session, charge, "PROCESSING")
        elif scenario.failure_code is not None:
            charge.fds = self._fds("PASSED")
            self._authorization(charge, scenario.issuer_code, avs="")
            self.moves.fail(session, charge, scenario.failure_code, scenario.message)
        else:
            self.authorize(session, charge)

    def review(self, session: Session, decision: str) -> None:
        """Decide a REQUIRE_REVIEW charge: ``approve`` authorises, ``reject`` blocks it."""
        charge = session.charges[-1] if session.charges else None
        if charge is None or charge.status != "PROCESSING" or charge.card_key != "REQUIRE_REVIEW":
            raise status_error(session, "nothing is under review")
        (self.authorize if decision == "approve" else self._block)(session, charge)

    def _block(self, session: Session, charge: Charge) -> None:
        charge.fds = self._fds("REJECTED")
        self.moves.fail(session, charge, "BLOCKED_BY_FDS", SCENARIOS["BLOCKED_BY_FDS"].message)

    def authorize(self, session: Session, charge: Charge) -> None:
        """Approved by the issuer: capture now (automatic) or hold (manual, T9)."""
        charge.fds = self._fds("PASSED")
        avs = ""
        if charge.card_key == "FOREIGN_AVS":
            info = (session.order_information or {}).get("billingInfo") or {}
            line = str(info.get("addressLine1", "")).strip().lower()
            avs = AVS_RESULTS.get(line, "NOT_AVAILABLE")
        self._authorization(charge, "00", avs)
        charge.authorized_amount = charge.amount
        if session.capture_method == "manual":
            self.moves.processing(session, charge, "WAITING_FOR_CAPTURE")
        else:
            self.moves.succeed(session, charge)

    def _auth_result(self, charge: Charge, method: str, result: str, eci: str) -> None:
        assert charge.card is not None
        charge.card["authenticationResult"] = {
            "threeDsVersion": "2.2.0",
            "threeDsResult": result,
            "threeDsMethod": method,
            "eciCode": eci,
        }

    def _authorization(self, charge: Charge, code: str, avs: str) -> None:
        assert charge.card is not None
        charge.card["authorizationResult"] = {
            "acquirerReferenceNumber": random_digits(9),
            "retrievalReferenceNumber": f"TRXCC{os.urandom(12).hex()}",
            "stan": random_digits(6),
            "avsResult": avs,
            "cvvResult": "MATCHED" if charge.card_cvc_given else "NOT_SUBMITTED",
            "authorizedAmount": {"value": charge.amount, "currency": "IDR"},
            "issuerAuthorizationCode": code,
        }

    def _fds(self, status: str) -> dict[str, Any]:
        level = {"PASSED": ("0", "very low", "Approve"), "REVIEW": ("60", "medium", "Review")}
        score, text, advice = level.get(status, ("100", "very high", "Reject"))
        return {
            "score": score,
            "level": text,
            "recommendation": advice,
            "status": status,
            "evaluatedAt": format_time(self.ctx.now()),
        }

    def capture(self, session: Session, body: dict[str, Any]) -> Capture:
        """``POST /v2/payments/{id}/capture``: a PENDING capture, settled later."""
        chk = check(body, CAPTURE_FIELDS)
        chk.raise_if_failed()
        release, amount = chk.get("releaseRemainingAmount"), chk.get("amount.value")
        charge = next((c for c in reversed(session.charges) if _capturable(session, c)), None)
        if charge is None or charge.authorized_amount is None:
            raise status_error(session, "no authorized amount can be captured")
        remaining = charge.authorized_amount - charge.capture_reserved
        value = remaining if amount is None else amount
        if value > remaining:
            problem = f"Capture amount {value} exceeds the remaining authorized amount {remaining}"
            raise state_error(problem, "amount.value")
        now, release = self.ctx.now(), bool(release)
        ids = (uuid7(now), session.id, session.client_reference_id, charge.id)
        capture = Capture(*ids, release, value, "PENDING", now, now)
        charge.capture_reserved += value
        charge.capture_released = release
        entry = {
            "captureId": capture.id,
            "currency": "IDR",
            "capturedAmount": value,
            "status": "PENDING",
            "createdAt": format_time(now),
        }
        charge.capture_histories = [*(charge.capture_histories or []), entry]
        self.moves.touch(session, charge)
        due = now + _dt.timedelta(seconds=self.ctx.config.capture_delay)
        self.ctx.state.schedule(due, lambda: self._settle(session, charge, capture, entry))
        return capture

    def _settle(self, session: Session, charge: Charge, capture: Capture, entry: _Json) -> None:
        capture.status = entry["status"] = "SUCCESS"
        capture.updated_at = self.ctx.now()
        charge.captured_amount = (charge.captured_amount or 0) + capture.amount
        charge.is_captured = True
        if charge.status == "SUCCESS":
            self.moves.touch(session, charge)
            return
        self.moves.succeed(session, charge)


def _capturable(session: Session, c: Charge) -> bool:
    return (
        session.capture_method == "manual"
        and c.method == "CARD"
        and c.status in ("WAITING_FOR_CAPTURE", "SUCCESS")
        and c.authorized_amount is not None
        and not c.capture_released
        and c.capture_reserved < c.authorized_amount
    )
