"""Channel artefacts: VA numbers, EMVCo QRIS strings and e-wallet deep links.

See docs/reference/wire.md#create-session and wire.md#session-object.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = [
    "EWALLET_TEST_PHONES",
    "crc16_ccitt",
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


def crc16_ccitt(text: str) -> str:
    """CRC-16/CCITT-FALSE as EMVCo tag 63 wants it (4 upper-case hex digits)."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def qris_content(
    *, merchant_name: str, reference: str, amount: int | None, store_id: str = ""
) -> str:
    """An EMVCo merchant-presented QRIS string with a valid CRC.

    ``amount`` None gives a static QR (point of initiation ``11``, no tag 54).
    """
    account = (
        _tlv("00", "ID.CO.PIVOTSANDBOX.WWW")
        + _tlv("01", "936000000000000001")
        + _tlv("02", (store_id or "SANDBOX000000001")[:15])
        + _tlv("03", "UKE")
    )
    parts = [
        _tlv("00", "01"),
        _tlv("01", "11" if amount is None else "12"),
        _tlv("26", account),
        _tlv("52", "5999"),
        _tlv("53", "360"),
    ]
    if amount is not None:
        parts.append(_tlv("54", str(amount)))
    parts += [
        _tlv("58", "ID"),
        _tlv("59", merchant_name[:25] or "Pivot Sandbox"),
        _tlv("60", "JAKARTA"),
        _tlv("61", "10110"),
        _tlv("62", _tlv("01", reference[:25])),
    ]
    body = "".join(parts) + "6304"
    return body + crc16_ccitt(body)


def ewallet_deep_link(channel: str, page_url: str) -> str:
    """A wallet-app deep link whose navigation target is the sandbox's e-wallet page."""
    scheme = _DEEP_LINK_SCHEMES.get(channel, "ewallet://pay")
    return f"{scheme}?navigate_url={quote(page_url, safe='')}"
