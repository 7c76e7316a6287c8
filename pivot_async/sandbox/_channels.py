"""Channel artefacts: VA numbers, EMVCo QRIS strings and e-wallet deep links.

See docs/reference/wire.md#create-session and wire.md#session-object.
"""

from __future__ import annotations

from urllib.parse import quote

from ._qris import build_qris

__all__ = [
    "EWALLET_TEST_PHONES",
    "dynamic_va_number",
    "ewallet_deep_link",
    "qris_content",
    "static_va_number",
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

_DEEP_LINK_SCHEMES = {"SHOPEEPAY": "shopeepayid://main", "DANA": "dana://pay", "OVO": "ovo://pay"}


def dynamic_va_number(channel: str, sequence: int) -> str:
    """A 16-digit dynamic VA number: the channel's prefix and a 12-digit sequence."""
    return _VA_PREFIX.get(channel, ("9999", "9998"))[0] + f"{sequence:012d}"


def static_va_number(channel: str, custom: str) -> str:
    """A static VA number: the channel's static prefix and the merchant's number."""
    return _VA_PREFIX.get(channel, ("9999", "9998"))[1] + f"{int(custom):012d}"


def qris_content(
    *, merchant_name: str, reference: str, amount: int | None, store_id: str = ""
) -> str:
    """The ``qrContent`` of a QRIS session: an EMVCo MPM string with a valid CRC.

    ``amount`` None gives a static QR (point of initiation ``11``, no tag 54).
    """
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
