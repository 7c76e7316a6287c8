"""The order object: products, billing and shipping details.

See docs/reference/wire.md#order-object.
"""

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta

from ._base import Model
from ._util import check_idr_amount, check_list, check_one_of, check_struct, check_text, fail
from ._wire import Required, positive_int, text
from .common import Amount, PhoneNumber
from .customers import normalise_surname

__all__ = ["BillingInfo", "OrderInformation", "ProductDetail", "ShippingInfo"]


class ProductDetail(Model, kw_only=True):
    """One product: ``type`` (PHYSICAL, DIGITAL, SERVICE), names, ``quantity``, ``price``."""

    type: str | None = None
    """``PHYSICAL``, ``DIGITAL`` or ``SERVICE``.
    Rule: Required, 1-255 characters."""
    category: str | None = None
    """Product category.
    Rule: 1-255 characters."""
    sub_category: str | None = None
    """Product sub-category.
    Rule: 1-255 characters."""
    name: str | None = None
    """Product name.
    Rule: 1-255 characters."""
    description: str | None = None
    """Product description.
    Rule: 1-255 characters."""
    quantity: int | None = None
    """Number of items.
    Rule: Required positive integer."""
    price: Amount | None = None
    """Unit price in whole IDR.
    Rule: Required; a non-negative integer."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "type": text(255, 1, required=True),
        "category": text(255, 1),
        "sub_category": text(255, 1),
        "name": text(255, 1),
        "description": text(255, 1),
        "quantity": Required(positive_int()),
        "price": Required(Amount),
    }


class BillingInfo(Model, kw_only=True):
    """Billing details; mandatory for foreign cards with AVS.

    ``surname`` is also read as ``sureName`` (older examples): see :attr:`last_name`.
    """

    given_name: str | None = None
    """First name.
    Rule: Required in a request, at most 255 characters."""
    surname: str | None = None
    """Last name (the spelling that is sent)."""
    sure_name: str | None = None
    """Older spelling of ``surname``, read and normalised to it."""
    email: str | None = None
    """Email address.
    Rule: Required in a request, at most 255 characters."""
    phone_number: PhoneNumber | None = None
    """Phone number."""
    address_line1: str | None = None
    """First address line."""
    address_line2: str | None = None
    """Second address line."""
    city: str | None = None
    """City."""
    province_state: str | None = None
    """Province or state."""
    country: str | None = None
    """Country (ISO 3166 code)."""
    postal_code: str | None = None
    """Postal code."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "given_name": text(255, required=True), "email": text(255, required=True),
    }

    def _wire_check(self) -> None:
        normalise_surname(self, "billingInfo")

    @property
    def last_name(self) -> str | None:
        """The family name, whether it came as ``surname`` or ``sureName``."""
        return self.surname if self.surname is not None else self.sure_name


SHIPPING_METHODS = ("REGULAR", "NEXTDAY", "SAMEDAY", "INSTANT")
"""The documented ``shippingInfo.method`` values (wire.md#payment-objects)."""


class ShippingInfo(BillingInfo, kw_only=True):
    """Shipping details: the billing fields plus ``method`` and ``shippingFee``."""

    method: str | None = None
    """``REGULAR``, ``NEXTDAY``, ``SAMEDAY`` or ``INSTANT``.
    Rule: Required in a request."""
    shipping_fee: Amount | None = None
    """Shipping fee in whole IDR.
    Rule: A non-negative integer."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "method": Required(Literal["REGULAR", "NEXTDAY", "SAMEDAY", "INSTANT"])
    }


class OrderInformation(Model, kw_only=True):
    """The order: ``productDetails`` plus optional ``billingInfo`` and ``shippingInfo``."""

    product_details: list[ProductDetail] | None = None
    """The products bought.
    Rule: Required in a request, at least one; see ProductDetail for each entry's rules."""
    billing_info: BillingInfo | None = None
    """Billing details; needed for foreign cards with AVS."""
    shipping_info: ShippingInfo | None = None
    """Shipping details and method."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "product_details": Required(Annotated[list[ProductDetail], Meta(min_length=1)]),
    }


def validate_order(order: OrderInformation, field: str) -> None:
    """Client-side rules for an order sent in a request (``field`` is its wire path).

    ``sureName`` in ``billingInfo`` / ``shippingInfo`` is sent as ``surname``.
    """
    if not isinstance(order, OrderInformation):
        fail(field, "must be an OrderInformation")
    products = check_list(order.product_details, f"{field}.productDetails")
    if not products:
        fail(f"{field}.productDetails", "is required: at least one product")
    for i, product in enumerate(products):
        pfield = f"{field}.productDetails[{i}]"
        if not isinstance(product, ProductDetail):
            fail(pfield, "must be a ProductDetail")
        check_text(product.type, f"{pfield}.type", min_len=1, max_len=255, required=True)
        for attr, wire in (
            ("category", "category"),
            ("sub_category", "subCategory"),
            ("name", "name"),
            ("description", "description"),
        ):
            check_text(getattr(product, attr), f"{pfield}.{wire}", min_len=1, max_len=255)
        qty: object = product.quantity
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            fail(f"{pfield}.quantity", "must be a positive integer")
        check_idr_amount(product.price, f"{pfield}.price", required=True, allow_zero=True)
    billing = check_struct(order.billing_info, BillingInfo, f"{field}.billingInfo")
    shipping = check_struct(order.shipping_info, ShippingInfo, f"{field}.shippingInfo")
    for info, wire in ((billing, "billingInfo"), (shipping, "shippingInfo")):
        if info is None:
            continue
        ifield = f"{field}.{wire}"
        normalise_surname(info, ifield)
        check_text(info.given_name, f"{ifield}.givenName", max_len=255, required=True)
        check_text(info.email, f"{ifield}.email", max_len=255, required=True)
        if isinstance(info, ShippingInfo):
            check_one_of(info.method, f"{ifield}.method", SHIPPING_METHODS, required=True)
            check_idr_amount(info.shipping_fee, f"{ifield}.shippingFee", required=False,
                             allow_zero=True)
