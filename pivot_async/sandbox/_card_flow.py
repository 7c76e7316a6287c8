"""The card flow: card details, 3DS, authorisation, FDS review and capture.

See docs/reference/wire.md#confirm-cancel-capture, wire.md#card-encryption and wire.md#test-data.

After confirm (or create with ``autoConfirm`` and card data) the charge waits at the 3DS page
(``paymentUrl``). :meth:`CardFlow.authenticate` completes, fails or cancels that step, which the
page's buttons and ``POST /_sandbox/3ds/{sessionId}`` both call. The test card then decides.
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
    card_from_plaintext,
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
from ._transitions import Transitions
from ._util import format_time, random_digits, uuid7
from ._validation import CAPTURE_FIELDS

__all__ = ["CardFlow", "PreparedCard"]

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

    # -- before the charge --------------------------------------------------------------------
    async def prepare(
        self, merchant: Merchant, session: Session, m: MethodInput, order: dict[str, Any] | None
    ) -> PreparedCard | None:
        """Decrypt / look up the card; ``None`` when no card data was given (hosted entry)."""
        field = "paymentMethod.card.encryptedCard"
        now = self.ctx.now()
        prepared: PreparedCard | None = None
        if m.encrypted_card:
            key = key_for_index(merchant.key_index)
            loop = asyncio.get_running_loop()
            try:
                payload = await loop.run_in_executor(None, decrypt_card, m.encrypted_card, key)
                card = card_from_plaintext(payload)
            except CardDecryptError as exc:
                raise validation_error(
                    [(field, f"encryptedCard could not be decrypted: {exc}")]
                ) from None
            if card.expired(now):
                raise validation_error([(field, "The card has expired")])
            prepared = PreparedCard(
                _key(card.number),
                card_profile(card, merchant.id),
                via_token=False,
                cvc=bool(card.cvc),
            )
        elif m.card is not None:
            prepared = PreparedCard(
                _key(m.card.number),
                card_profile(m.card, merchant.id),
                via_token=False,
                cvc=bool(m.card.cvc),
            )
        elif m.card_token:
            stored = self.ctx.state.card_tokens.get(m.card_token)
            if stored is None or stored.merchant_id != merchant.id:
                raise validation_error([("paymentMethod.card.token", "Unknown card token")])
            if session.customer_id is not None and stored.customer_id not in (
                None,
                session.customer_id,
            ):
                raise validation_error(
                    [("paymentMethod.card.token", "The card token belongs to another customer")]
                )
            prepared = PreparedCard(stored.card_key, stored.profile, via_token=True, cvc=True)
        if prepared is not None and prepared.key == "FOREIGN_AVS":
            info = (order or session.order_information or {}).get("billingInfo")
            if not isinstance(info, dict):
                raise validation_error(
                    [
                        (
                            "orderInformation.billingInfo",
                            "billingInfo is required for this card (AVS)",
                        )
                    ]
                )
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
        if card.via_token:
            session.payment_url = self.moves.token_auth_url(session)
        else:
            session.payment_url = self.moves.three_ds_url(session)

    # -- 3DS ----------------------------------------------------------------------------------
    def pending_charge(self, session: Session) -> Charge:
        charge = session.charges[-1] if session.charges else None
        if (
            charge is None
            or charge.method != "CARD"
            or charge.status != "WAITING_FOR_USER_ACTION"
            or not session.awaiting_3ds
        ):
            raise state_error(
                f"Payment session status is {session.status}; no card authentication is pending"
            )
        return charge

    def authenticate(self, session: Session, action: str) -> None:
        """Complete (``complete``), fail (``fail``) or cancel (``cancel``) the 3DS step."""
        charge = self.pending_charge(session)
        session.awaiting_3ds = False
        scenario = SCENARIOS[charge.card_key or "UNKNOWN"]
        if charge.card_profile is not None:
            charge.card = card_json(charge.card_profile)
        brand = (charge.card_profile or {}).get("binInformations", {}).get("brand", "VISA")
        ok_eci, bad_eci = _ECI.get(brand, ("02", "00"))
        if action == "fail" or (action == "complete" and scenario.key == "AUTHENTICATION_FAILED"):
            self._auth_result(charge, "CHALLENGE", "FAILED", bad_eci)
            self.moves.fail(session, charge, "AUTHENTICATION_FAILED", "3DS authentication failed.")
            return
        if action == "cancel" or scenario.key == "CANCELLED_BY_USER":
            self._auth_result(charge, "CHALLENGE", "FAILED", bad_eci)
            self.moves.fail(session, charge, "CANCELLED_BY_USER", "The cardholder cancelled 3DS.")
            return
        if session.three_ds_method == "NEVER":
            self._auth_result(charge, "BYPASSED", "NOT_AVAILABLE", bad_eci)
        elif scenario.challenge:  # the card decides, as an issuer would
            self._auth_result(charge, "CHALLENGE", "SUCCESSFUL", ok_eci)
        else:
            self._auth_result(charge, "FRICTIONLESS", "SUCCESSFUL", ok_eci)
        if scenario.key == "BLOCKED_BY_FDS":
            charge.fds = self._fds("REJECTED")
            self.moves.fail(session, charge, "BLOCKED_BY_FDS", scenario.message)
        elif scenario.key == "REQUIRE_REVIEW":
            charge.fds = self._fds("REVIEW")
            self.moves.processing(session, charge, "PROCESSING")
        elif scenario.failure_code is not None:
            charge.fds = self._fds("PASSED")
            self._authorization(session, charge, scenario.issuer_code, avs="")
            self.moves.fail(session, charge, scenario.failure_code, scenario.message)
        else:
            self.authorize(session, charge)

    def review(self, session: Session, decision: str) -> None:
        """Decide a REQUIRE_REVIEW charge: ``approve`` authorises, ``reject`` blocks it."""
        charge = session.charges[-1] if session.charges else None
        if charge is None or charge.status != "PROCESSING" or charge.card_key != "REQUIRE_REVIEW":
            raise state_error(
                f"Payment session status is {session.status}; nothing is under review"
            )
        if decision == "approve":
            self.authorize(session, charge)
        else:
            charge.fds = self._fds("REJECTED")
            self.moves.fail(
                session, charge, "BLOCKED_BY_FDS", "The fraud detection system rejected it."
            )

    def authorize(self, session: Session, charge: Charge) -> None:
        """Approved by the issuer: capture now (automatic) or hold (manual, T9)."""
        charge.fds = self._fds("PASSED")
        avs = ""
        if charge.card_key == "FOREIGN_AVS":
            info = (session.order_information or {}).get("billingInfo") or {}
            line = str(info.get("addressLine1", "")).strip().lower()
            avs = AVS_RESULTS.get(line, "NOT_AVAILABLE")
        self._authorization(session, charge, "00", avs)
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

    def _authorization(self, session: Session, charge: Charge, code: str, avs: str) -> None:
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

    # -- capture ------------------------------------------------------------------------------
    def capture(self, session: Session, body: dict[str, Any]) -> Capture:
        """``POST /v2/payments/{id}/capture``: a PENDING capture, settled later.

        See docs/reference/wire.md#confirm-cancel-capture.
        """
        chk = check(body, CAPTURE_FIELDS)
        chk.raise_if_failed()
        release, amount = chk.get("releaseRemainingAmount"), chk.get("amount.value")
        charge = next(
            (
                c
                for c in reversed(session.charges)
                if c.method == "CARD"
                and c.status in ("WAITING_FOR_CAPTURE", "SUCCESS")
                and c.authorized_amount is not None
                and not c.capture_released
                and c.capture_reserved < c.authorized_amount
                and session.capture_method == "manual"
            ),
            None,
        )
        if charge is None or charge.authorized_amount is None:
            raise state_error(
                f"Payment session status is {session.status}; no authorized amount can be captured"
            )
        remaining = charge.authorized_amount - charge.capture_reserved
        value = remaining if amount is None else amount
        if value > remaining:
            raise state_error(
                f"Capture amount {value} exceeds the remaining authorized amount {remaining}",
                "amount.value",
            )
        now = self.ctx.now()
        capture = Capture(
            uuid7(now),
            session.id,
            session.client_reference_id,
            charge.id,
            bool(release),
            value,
            "PENDING",
            now,
            now,
        )
        charge.capture_reserved += value
        charge.capture_released = bool(release)
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

    def _settle(
        self, session: Session, charge: Charge, capture: Capture, entry: dict[str, Any]
    ) -> None:
        capture.status = "SUCCESS"
        capture.updated_at = self.ctx.now()
        entry["status"] = "SUCCESS"
        charge.captured_amount = (charge.captured_amount or 0) + capture.amount
        charge.is_captured = True
        if charge.status == "SUCCESS":
            self.moves.touch(session, charge)
            return
        self.moves.succeed(session, charge)


def _key(pan: str) -> str:
    return TEST_CARDS.get(pan, "UNKNOWN")
