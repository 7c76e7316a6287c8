"""Format checks for wallet request fields, and a small QRIS (EMVCo MPM) parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._signing import parse_snap_datetime
from ._wallet_model import parse_amount

__all__ = [
    "ParsedQris",
    "amount_or_empty",
    "amount_value",
    "currency",
    "currency_or_empty",
    "datetime_str",
    "deeplink_flag",
    "is_list",
    "is_object",
    "msisdn",
    "one_of",
    "page_number",
    "page_size",
    "parse_qris",
    "str_max",
    "url",
    "user_resources",
]

Check = Callable[[Any], bool]


def is_object(value: Any) -> bool:
    return isinstance(value, dict)


def str_max(n: int) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and len(value) <= n

    return check


def one_of(*choices: str) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in choices

    return check


_MSISDN = re.compile(r"\+?[0-9]{6,15}")


def msisdn(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 15 and _MSISDN.fullmatch(value) is not None


def url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", value) is not None


def datetime_str(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_snap_datetime(value)
    except ValueError:
        return False
    return True


def amount_value(value: Any) -> bool:
    """``"10000.00"`` or ``"36000"``: a decimal string with 0 or 2 decimals."""
    return parse_amount(value) is not None


def amount_or_empty(value: Any) -> bool:
    return value == "" or amount_value(value)


currency = one_of("IDR")
currency_or_empty = one_of("IDR", "")


def _digits_in(lo: int, hi: int) -> Check:
    def check(value: Any) -> bool:
        return (
            isinstance(value, str)
            and re.fullmatch(r"[0-9]{1,4}", value) is not None
            and lo <= int(value) <= hi
        )

    return check


page_size = _digits_in(1, 100)
page_number = _digits_in(1, 9999)


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def deeplink_flag(value: Any) -> bool:
    """``urlParams[].isDeeplink``: a JSON boolean, as Pivot's field table and example give it.

    The client sends only booleans; the sandbox refuses anything else (SNAP's ``"Y"``/``"N"``
    flags included) so that client and sandbox enforce one rule.
    """
    return isinstance(value, bool)


def user_resources(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) for v in value)
        and "OTT" in value
    )


# ------------------------------------------------------------------ QRIS


@dataclass(frozen=True)
class ParsedQris:
    merchant_name: str
    merchant_category: str
    merchant_location: str
    merchant_infos: list[dict[str, str]]
    merchant_id: str
    qris_type: str
    amount: str | None


def _tlv(data: str) -> list[tuple[str, str]]:
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


def _crc16(data: str) -> str:
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _luhn_digit(number: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def parse_qris(content: str) -> ParsedQris:
    """Parse and check a QRIS string (TLV structure and CRC16 tag 63). Raises ValueError."""
    if not isinstance(content, str) or not content.isascii() or len(content) > 512:
        raise ValueError("not a QRIS string")
    tags = _tlv(content)
    top = dict(tags)
    if top.get("00") != "01" or tags[-1][0] != "63":
        raise ValueError("not a QRIS string")
    if _crc16(content[:-4]) != top["63"].upper():
        raise ValueError("QRIS CRC mismatch")
    if "59" not in top or "52" not in top:
        raise ValueError("QRIS without merchant name or category")
    infos: list[dict[str, str]] = []
    merchant_id = ""
    for tag, value in tags:
        if not ("26" <= tag <= "45"):
            continue
        sub = dict(_tlv(value))
        gui = sub.get("00", "")
        parts = gui.split(".")
        acquirer = parts[1] if len(parts) >= 3 else gui
        pan = sub.get("01", "")
        if pan.isdigit():
            pan += _luhn_digit(pan)
        infos.append({"acquirerName": acquirer, "merchantPAN": pan})
        merchant_id = merchant_id or sub.get("02", "")
    if not infos:
        raise ValueError("QRIS without merchant account information")
    city, postal, country = top.get("60", ""), top.get("61", ""), top.get("58", "")
    location = f"{city:<13} {postal} {country}".strip()
    return ParsedQris(
        merchant_name=top["59"],
        merchant_category=top["52"],
        merchant_location=location,
        merchant_infos=infos,
        merchant_id=merchant_id,
        qris_type="ISSUING_DYNAMIC" if top.get("01") == "12" else "ISSUING_STATIC",
        amount=top.get("54"),
    )


def qris_content(value: Any) -> bool:
    try:
        parse_qris(value)
    except ValueError:
        return False
    return True


def build_qris(
    *,
    merchant_name: str,
    merchant_pan: str = "936009110000000008",
    merchant_id: str = "210312440000008",
    mcc: str = "5812",
    city: str = "JAKARTA",
    postal: str = "10110",
    acquirer: str = "ID.LINKAJA.WWW",
    amount: str | None = None,
) -> str:
    """A valid QRIS string for tests and demos (static unless ``amount`` is given)."""

    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    account = (
        tlv("00", acquirer) + tlv("01", merchant_pan) + tlv("02", merchant_id) + tlv("03", "UMI")
    )
    body = (
        tlv("00", "01")
        + tlv("01", "12" if amount else "11")
        + tlv("26", account)
        + tlv("52", mcc)
        + tlv("53", "360")
        + (tlv("54", amount) if amount else "")
        + tlv("58", "ID")
        + tlv("59", merchant_name)
        + tlv("60", city)
        + tlv("61", postal)
        + "6304"
    )
    return body + _crc16(body)
