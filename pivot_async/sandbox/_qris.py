"""QRIS (EMVCo merchant-presented) strings: the one builder (the payments' ``qrContent``) and
parser (the QRIS a wallet customer scans: ``qr/qr-mpm-decode``) of the sandbox."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ParsedQris", "build_qris", "crc16_ccitt", "parse_qris", "parse_tlv", "tlv"]


def crc16_ccitt(text: str) -> str:
    """CRC-16/CCITT-FALSE as EMVCo tag 63 wants it (4 upper-case hex digits)."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def tlv(tag: str, value: str) -> str:
    """One EMVCo data object: tag, two-digit length, value."""
    return f"{tag}{len(value):02d}{value}"


def build_qris(
    *,
    merchant_name: str,
    merchant_pan: str = "936009110000000008",
    merchant_id: str = "210312440000008",
    mcc: str = "5812",
    acquirer: str = "ID.LINKAJA.WWW",
    criterion: str = "UMI",
    amount: str | None = None,
    reference: str | None = None,
) -> str:
    """A valid QRIS string (static unless ``amount`` is given; tag 62.01 is ``reference``)."""
    account = tlv("00", acquirer) + tlv("01", merchant_pan) + tlv("02", merchant_id)
    account += tlv("03", criterion)
    body = (
        tlv("00", "01")
        + tlv("01", "12" if amount else "11")
        + tlv("26", account)
        + tlv("52", mcc)
        + tlv("53", "360")
        + (tlv("54", amount) if amount else "")
        + tlv("58", "ID")
        + tlv("59", merchant_name)
        + tlv("60", "JAKARTA")
        + tlv("61", "10110")
        + (tlv("62", tlv("01", reference)) if reference is not None else "")
        + "6304"
    )
    return body + crc16_ccitt(body)


class ParsedQris(NamedTuple):
    merchant_name: str
    merchant_category: str
    merchant_location: str
    merchant_infos: list[dict[str, str]]
    merchant_id: str
    qris_type: str
    amount: str | None


def parse_tlv(data: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(data):
        tag, length = data[i : i + 2], data[i + 2 : i + 4]
        if len(tag) != 2 or not length.isdigit() or not tag.isdigit():
            raise ValueError("bad TLV")
        end = i + 4 + int(length)
        if end > len(data):
            raise ValueError("truncated TLV")
        out.append((tag, data[i + 4 : end]))
        i = end
    return out


def _luhn_digit(number: str) -> str:
    doubled = [int(c) * (2 - i % 2) for i, c in enumerate(reversed(number))]
    return str(-sum(d // 10 + d % 10 for d in doubled) % 10)


def parse_qris(content: str) -> ParsedQris:
    """Parse and check a QRIS string (TLV structure and CRC16 tag 63). Raises ValueError."""
    if not isinstance(content, str) or not content.isascii() or len(content) > 512:
        raise ValueError("not a QRIS string")
    tags = parse_tlv(content)
    top = dict(tags)
    if top.get("00") != "01" or tags[-1][0] != "63":
        raise ValueError("not a QRIS string")
    if crc16_ccitt(content[:-4]) != top["63"].upper():
        raise ValueError("QRIS CRC mismatch")
    if "59" not in top or "52" not in top:
        raise ValueError("QRIS without merchant name or category")
    accounts = [dict(parse_tlv(value)) for tag, value in tags if "26" <= tag <= "45"]
    if not accounts:
        raise ValueError("QRIS without merchant account information")
    infos = []
    for sub in accounts:
        gui, pan = sub.get("00", ""), sub.get("01", "")
        parts = gui.split(".")
        pan += _luhn_digit(pan) if pan.isdigit() else ""
        infos.append({"acquirerName": parts[1] if len(parts) >= 3 else gui, "merchantPAN": pan})
    merchant_id = next((sub["02"] for sub in accounts if sub.get("02")), "")
    city, postal, country = top.get("60", ""), top.get("61", ""), top.get("58", "")
    location = f"{city:<13} {postal} {country}".strip()
    kind = "ISSUING_DYNAMIC" if top.get("01") == "12" else "ISSUING_STATIC"
    return ParsedQris(top["59"], top["52"], location, infos, merchant_id, kind, top.get("54"))
