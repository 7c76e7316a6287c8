"""Static request validation (400 ``api_validation_error`` with per-field details).

:class:`Checker` collects every problem of a payload, so one response names all bad fields.
Field paths use dots (``paymentMethodOptions.virtualAccount.channel``).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Collection, Mapping
from typing import Any

from ._errors import SandboxError, validation_error
from ._util import decode_json, parse_request_time

__all__ = ["Checker", "parse_body"]

_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_body(raw: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, else 400."""
    if not raw.strip():
        if allow_empty:
            return {}
        raise validation_error([("", "Request body is required")])
    try:
        body = decode_json(raw)
    except ValueError as exc:
        raise validation_error([("", "Request body is not valid JSON")]) from exc
    if not isinstance(body, dict):
        raise validation_error([("", "Request body must be a JSON object")])
    return body


class Checker:
    """Typed field readers that record problems instead of raising at the first one."""

    def __init__(self) -> None:
        self.details: list[tuple[str, str]] = []

    def error(self, field: str, message: str) -> None:
        self.details.append((field, message))

    @property
    def failed(self) -> bool:
        return bool(self.details)

    def raise_if_failed(self) -> None:
        if self.details:
            raise validation_error(self.details)

    def error_now(self, field: str, message: str) -> SandboxError:
        self.error(field, message)
        return validation_error(self.details)

    # -- readers ------------------------------------------------------------------------------
    def required(self, path: str) -> None:
        self.error(path, f"Make sure {path} value is fulfilled")

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        alphanumeric: bool = False,
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.required(path)
            return None
        if not isinstance(value, str):
            self.error(path, f"{path} must be a string")
            return None
        if required and min_len == 0:
            min_len = 1
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            upper = f" to {max_len}" if max_len is not None else " or more"
            self.error(path, f"{path} length must be {min_len}{upper} characters")
            return None
        if alphanumeric and value and not _ALNUM.match(value):
            self.error(path, f"{path} must be alphanumeric")
            return None
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"{path} must be a boolean")
            return default
        return value

    def enum(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        allowed: Collection[str],
        *,
        default: str | None = None,
        required: bool = False,
        case_insensitive: bool = False,
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.required(path)
            return default
        if isinstance(value, str):
            if case_insensitive:
                for option in allowed:
                    if option.lower() == value.lower():
                        return option
            elif value in allowed:
                return value
        self.error(path, f"{path} must be one of {', '.join(allowed)}")
        return default

    def mapping(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> dict[str, Any] | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.required(path)
            return None
        if not isinstance(value, dict):
            self.error(path, f"{path} must be an object")
            return None
        return value

    def integer(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.required(path)
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"{path} must be an integer")
            return None
        return value

    def amount(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> int | None:
        """A payments amount ``{value: int IDR, currency: "IDR"}``."""
        amount = self.mapping(obj, key, path, required=required)
        if amount is None:
            return None
        value = self.integer(amount, "value", f"{path}.value", required=True)
        currency = amount.get("currency")
        if currency is None:
            self.required(f"{path}.currency")
        elif currency != "IDR":
            self.error(f"{path}.currency", f"{path}.currency must be IDR")
        if value is None:
            return None
        if value <= 0 or len(str(value)) > 18:
            self.error(f"{path}.value", f"{path}.value must be a positive amount of 1 to 18 digits")
            return None
        return value

    def expiry(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        now: _dt.datetime,
        maximum: _dt.timedelta,
        maximum_text: str,
    ) -> _dt.datetime | None:
        """An ``expiryAt`` value: the documented format, in the future, within the maximum."""
        text = self.string(obj, key, path)
        if text is None:
            return None
        moment = parse_request_time(text)
        if moment is None:
            self.error(
                path,
                f"{path} must have the format YYYY-MM-DDTHH:MM:SSZ "
                "(optionally 1 to 9 fractional-second digits before the Z)",
            )
            return None
        if moment <= now:
            self.error(path, f"{path} must be in the future")
            return None
        if moment > now + maximum:
            self.error(path, f"{path} must not be later than {maximum_text} from now")
            return None
        return moment

    # -- composite objects -------------------------------------------------------------------
    def phone(self, obj: Mapping[str, Any], path: str) -> None:
        phone = self.mapping(obj, "phoneNumber", f"{path}.phoneNumber")
        if phone is not None:
            self.string(phone, "countryCode", f"{path}.phoneNumber.countryCode", max_len=4)
            self.string(phone, "number", f"{path}.phoneNumber.number", max_len=15)

    def transfer_destination(
        self, obj: Mapping[str, Any], path: str, *, required: bool, refund: bool = False
    ) -> dict[str, Any] | None:
        base = f"{path}.transferDestination" if path else "transferDestination"
        dest = self.mapping(obj, "transferDestination", base, required=required)
        if dest is None:
            return None
        self.string(dest, "channelCode", f"{base}.channelCode", required=True, max_len=20)
        info = self.mapping(dest, "channelInformation", f"{base}.channelInformation", required=True)
        if info is not None:
            info_path = f"{base}.channelInformation"
            self.string(
                info, "accountNumber", f"{info_path}.accountNumber", required=True, max_len=30
            )
            self.string(info, "accountName", f"{info_path}.accountName", required=True, max_len=50)
        if refund:
            desc = self.string(dest, "description", f"{base}.description", max_len=20)
            if desc and not re.match(r"^[A-Za-z0-9 ]+$", desc):
                self.error(f"{base}.description", f"{base}.description must be alphanumeric")
        return dest

    def customer(self, obj: Mapping[str, Any], key: str = "customer") -> dict[str, Any] | None:
        customer = self.mapping(obj, key, key)
        if customer is None:
            return None
        email = self.string(customer, "email", f"{key}.email", required=True, max_len=255)
        if email and not _EMAIL.match(email):
            self.error(f"{key}.email", f"{key}.email must be a valid email address")
        for name in ("givenName", "surname", "sureName"):
            self.string(customer, name, f"{key}.{name}", max_len=255)
        customer = self.surname(customer, key)
        self.phone(customer, key)
        pref = self.mapping(customer, "refundPreference", f"{key}.refundPreference")
        if pref is not None:
            method = self.enum(
                pref,
                "method",
                f"{key}.refundPreference.method",
                ("AUTO", "TRANSFER_ONLY"),
                default="AUTO",
            )
            self.transfer_destination(
                pref, f"{key}.refundPreference", required=method == "TRANSFER_ONLY"
            )
        return customer

    def surname(self, person: dict[str, Any], path: str) -> dict[str, Any]:
        """``sureName`` (older examples) becomes ``surname`` (the reference): one spelling stored.

        Both given with different values is ambiguous: 400 naming ``<path>.sureName``.
        """
        if "sureName" not in person:
            return person
        out = dict(person)
        legacy = out.pop("sureName")
        current = out.get("surname")
        if current is not None and legacy is not None and current != legacy:
            self.error(
                f"{path}.sureName",
                f"{path}.sureName and {path}.surname differ; send only {path}.surname",
            )
        elif current is None and legacy is not None:
            out["surname"] = legacy
        return out

    def order_information(self, obj: Mapping[str, Any]) -> dict[str, Any] | None:
        order = self.mapping(obj, "orderInformation", "orderInformation")
        if order is None:
            return None
        order = dict(order)
        products = order.get("productDetails")
        if not isinstance(products, list) or not products:
            self.error(
                "orderInformation.productDetails",
                "orderInformation.productDetails must be a non-empty array",
            )
        else:
            for i, product in enumerate(products):
                path = f"orderInformation.productDetails[{i}]"
                if not isinstance(product, dict):
                    self.error(path, f"{path} must be an object")
                    continue
                self.enum(
                    product,
                    "type",
                    f"{path}.type",
                    ("PHYSICAL", "DIGITAL", "SERVICE"),
                    required=True,
                )
                for name in ("category", "subCategory", "name", "description"):
                    self.string(product, name, f"{path}.{name}", max_len=255)
                quantity = self.integer(product, "quantity", f"{path}.quantity", required=True)
                if quantity is not None and quantity < 1:
                    self.error(f"{path}.quantity", f"{path}.quantity must be at least 1")
                self.amount(product, "price", f"{path}.price", required=True)
        for part in ("billingInfo", "shippingInfo"):
            info = self.mapping(order, part, f"orderInformation.{part}")
            if info is None:
                continue
            path = f"orderInformation.{part}"
            for name in ("surname", "sureName"):
                self.string(info, name, f"{path}.{name}", max_len=255)
            info = order[part] = self.surname(info, path)
            self.string(info, "givenName", f"{path}.givenName", required=True, max_len=255)
            self.string(info, "email", f"{path}.email", required=True, max_len=255)
            self.phone(info, path)
            for name in ("addressLine1", "addressLine2", "city", "provinceState", "postalCode"):
                self.string(info, name, f"{path}.{name}", max_len=255)
            if part == "shippingInfo":
                self.enum(
                    info,
                    "method",
                    f"{path}.method",
                    ("REGULAR", "NEXTDAY", "SAMEDAY", "INSTANT"),
                    required=True,
                )
        return order
