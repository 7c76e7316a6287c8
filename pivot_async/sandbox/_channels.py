"""Channel artefacts (VA numbers, EMVCo QRIS strings, e-wallet deep links) and the e-wallet
customer step, :class:`EwalletFlow` (docs/reference/wire.md#session-object, wire.md#test-data).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any
from urllib.parse import quote

from ._errors import validation_error
from ._models import Charge, Session
from ._qris import build_qris
from ._transitions import Transitions, status_error
from ._util import random_digits

__all__ = [
    "EWALLET_TEST_PHONES",
    "EwalletFlow",
    "ewallet_deep_link",
    "qr_object",
    "qris_content",
    "va_number",
    "va_object",
]

_VA_PREFIX = {
    "PERMATA": ("7663", "7664"),
    "BCA": ("3901", "3902"),
    "BNI": ("9888", "9889"),
    "MANDIRI": ("8908", "8909"),
    "BRI": ("2626", "2627"),
    "CIMB": ("5919", "5920"),
    "DANAMON": ("7915", "7916"),
    "BSI": ("9347", "9348"),
    "BNC": ("9012", "9013"),
}

EWALLET_TEST_PHONES: dict[str, tuple[str, str]] = {
    "08111111001": ("PAID", "SUCCESS"),
    "08111111002": ("PROCESSING", "PROCESSING"),
    "08111111003": ("CANCELLED", "FAILED"),
    "08111111004": ("EXPIRED", "EXPIRED"),
}
"""E-wallet test accounts (docs/reference/wire.md#test-data): phone -> (session, charge status)."""

_Json = dict[str, Any]
_DEEP_LINK_SCHEMES = {"SHOPEEPAY": "shopeepayid://main", "DANA": "dana://pay", "OVO": "ovo://pay"}


def va_number(channel: str, number: int, *, static: bool = False) -> str:
    """A 16-digit VA number: the channel's dynamic (or static) prefix and 12 digits."""
    return _VA_PREFIX.get(channel, ("9999", "9998"))[static] + f"{number:012d}"


def qris_content(
    *, merchant_name: str, reference: str, amount: int | None, store_id: str = ""
) -> str:
    """The ``qrContent`` of a QRIS session: an EMVCo MPM string with a valid CRC; ``amount``
    None gives a static QR (point of initiation ``11``, no tag 54)."""
    return build_qris(
        merchant_name=merchant_name[:25] or "Pivot Sandbox",
        merchant_pan="936000000000000001",
        merchant_id=(store_id or "SANDBOX000000001")[:15],
        mcc="5999",
        acquirer="ID.CO.PIVOTSANDBOX.WWW",
        criterion="UKE",
        amount=None if amount is None else str(amount),
        reference=reference[:25],
    )


def ewallet_deep_link(channel: str, page_url: str) -> str:
    """A wallet-app deep link whose navigation target is the sandbox's e-wallet page."""
    scheme = _DEEP_LINK_SCHEMES.get(channel, "ewallet://pay")
    return f"{scheme}?navigate_url={quote(page_url, safe='')}"


def va_object(channel: str, number: str, name: str, expiry: str) -> dict[str, Any]:
    """A ``virtualAccount`` object (a static session's or a charge's)."""
    return {
        "channel": channel,
        "virtualAccountNumber": number,
        "virtualAccountName": f"Pivot - {name}",
        "expiryAt": expiry,
    }


def qr_object(name: str, reference: str, amount: int | None, qr_url: str, expiry: str) -> _Json:
    """A ``qr`` object: dynamic (a charge's, with ``amount``) or static (``amount`` None, a
    MULTIPLE session's, with a ``storeId``)."""
    static = amount is None
    store_id = f"ST{random_digits(10)}" if static else ""
    content = qris_content(
        merchant_name=name, reference=reference, amount=amount, store_id=store_id
    )
    qr: dict[str, Any] = {"acquirer": "BNC", "qrContent": content, "qrUrl": qr_url}
    qr["qrType"] = "STATIC" if static else "DYNAMIC"
    if static:
        qr["storeId"] = store_id
    qr["retrievalReferenceNumber"] = "" if static else random_digits(25)
    return {**qr, "issuerName": "", "expiryAt": expiry, "merchantName": name}


class EwalletFlow:
    """The e-wallet side of a session: the customer's phone and OTP, the test phones."""

    def __init__(self, moves: Transitions) -> None:
        self.moves = moves

    def page(self, session: Session, phone: str, otp: str) -> Session:
        """The sandbox e-wallet page: phone and OTP (always ``000000``)."""
        charge = session.charges[-1] if session.charges else None
        waiting = charge is not None and charge.status == "WAITING_FOR_USER_ACTION"
        if charge is None or not waiting or charge.method != "EWALLET":
            raise status_error(session, "no e-wallet payment waits")
        if otp != "000000":
            raise validation_error([("otp", "The OTP is invalid")])
        if not phone:
            raise validation_error([("phone", "Make sure phone value is fulfilled")])
        self.phone(session, charge, phone, delayed=False)
        return session

    def phone(self, session: Session, charge: Charge, phone: str, *, delayed: bool) -> None:
        """The customer's phone on an e-wallet charge: a test phone settles it (after
        ``config.ewallet_delay`` when given at confirm), other numbers wait."""
        assert charge.ewallet is not None
        mobile = "62" + phone[1:] if phone.startswith("0") else phone.lstrip("+")
        account = {"mobileNumber": mobile, "name": "Sandbox Wallet User"}
        charge.ewallet["accountInformations"] = account
        outcome = EWALLET_TEST_PHONES.get(phone)
        if outcome is None:
            # other numbers wait for the simulation API or expiry (docs/reference/wire.md#test-data)
            return

        def apply() -> None:
            if charge.status != "WAITING_FOR_USER_ACTION" or session.final:
                return
            if outcome[1] == "SUCCESS":
                self.moves.succeed(session, charge)
            elif outcome[1] == "PROCESSING":
                self.moves.processing(session, charge, "PROCESSING")
            elif outcome[1] == "FAILED":
                self.moves.fail(session, charge, "DECLINED_BY_CHANNEL", "The e-wallet declined it.")
            else:
                self.moves.expire(session, force=True)

        delay = self.moves.ctx.config.ewallet_delay if delayed else 0.0
        self.moves.ctx.state.schedule(self.moves.ctx.now() + _dt.timedelta(seconds=delay), apply)
