"""Payments v2 request models and their client-side validation; re-exports the session models.

Each request validates itself in ``__post_init__`` (and again on :meth:`validate`) and raises
:class:`~pivot_async.RequestValidationError` naming the wire path of the field and the rule,
before any I/O. Decoding a request body with these models runs the same rules.
"""

import decimal
from typing import Any, ClassVar, Literal

from ._base import Model
from ._util import (
    check_alnum,
    check_expiry_at,
    check_idr_amount,
    check_list,
    check_one_of,
    check_struct,
    check_text,
    check_url,
    fail,
)
from ._wire import ALNUM_100, EXPIRY_AT, Required, text
from .common import Amount
from .customers import Customer, validate_customer
from .enums import Mode, PaymentMethodType, PaymentType
from .methods import (
    CardOptions,
    EwalletAccount,
    EwalletOptions,
    Installment,
    PaymentCard,
    PaymentMethod,
    PaymentMethodOptions,
    ProcessingConfig,
    QrCharge,
    QrOptions,
    RedirectUrl,
    SplitRoutingConfiguration,
    VirtualAccount,
)
from .orders import OrderInformation, validate_order
from .sessions import (
    AuthenticationResult,
    AuthorizationResult,
    BinInformation,
    Capture,
    CaptureHistory,
    CardCharge,
    Charge,
    EwalletAccountInformation,
    EwalletCharge,
    FdsRiskAssessment,
    InstallmentConfig,
    MethodConfig,
    PaymentMethodConfigs,
    PaymentSession,
    SimulationResult,
)

__all__ = [
    "AuthenticationResult",
    "AuthorizationResult",
    "BinInformation",
    "CancelPaymentRequest",
    "Capture",
    "CaptureHistory",
    "CapturePaymentRequest",
    "CardCharge",
    "CardOptions",
    "Charge",
    "ConfirmPaymentRequest",
    "CreatePaymentRequest",
    "EwalletAccount",
    "EwalletAccountInformation",
    "EwalletCharge",
    "EwalletOptions",
    "FdsRiskAssessment",
    "Installment",
    "InstallmentConfig",
    "MethodConfig",
    "PaymentCard",
    "PaymentMethod",
    "PaymentMethodConfigs",
    "PaymentMethodOptions",
    "PaymentSession",
    "ProcessingConfig",
    "QrCharge",
    "QrOptions",
    "RedirectUrl",
    "SimulationRequest",
    "SimulationResult",
    "SplitRoutingConfiguration",
    "VirtualAccount",
]

#: Plain strings: an enum member's ``.value`` costs 0.2 us per read, three per request.
_API, _MULTIPLE, _QR = Mode.API.value, PaymentType.MULTIPLE.value, PaymentMethodType.QR.value
_MULTIPLE_METHODS = (_QR, PaymentMethodType.VIRTUAL_ACCOUNT.value)
_SAVE_METHODS = (PaymentMethodType.CARD.value, PaymentMethodType.EWALLET.value)
_EXPIRATION_MODES = ("LOOSE", "STRICT")


def _check_applicable(req: "CreatePaymentRequest") -> None:
    """Fields documented as applying only somewhere are refused where they would not apply.

    Only a value that would take effect is refused: the documented defaults
    (``showSavedPayment: false``, ``bypassStatusPage: false``, ``saveForFutureUse: false``,
    ``expirationMode: "LOOSE"``) pass anywhere. ``mode`` absent means REDIRECT (its
    default). ``paymentMethod`` absent (the customer picks on the hosted page) leaves the
    CARD / EWALLET-only fields allowed, since they may yet apply.
    """
    api_mode = req.mode == _API
    if req.show_saved_payment is True and api_mode:
        fail("showSavedPayment", "applies only with mode REDIRECT (the hosted page); "
                                 "omit it or send false in API mode")
    if req.bypass_status_page is True and api_mode:
        fail("bypassStatusPage", "applies only with mode REDIRECT (the hosted page); "
                                 "omit it or send false in API mode")
    method = req.payment_method.type if req.payment_method is not None else None
    if method is None or method in _SAVE_METHODS:
        return
    if req.expiration_mode == "STRICT":
        fail("expirationMode", "STRICT applies only to CARD and EWALLET payments; "
                               "omit it or send LOOSE")
    for value, wire in ((req.save_for_future_use, "saveForFutureUse"),
                        (req.save_for_future, "saveForFuture")):
        if value is True:
            fail(wire, "applies only to CARD and EWALLET payments; omit it or send false")


def _check_payment_type(req: "CreatePaymentRequest") -> None:
    if req.payment_type == _MULTIPLE:
        method_type = req.payment_method.type if req.payment_method is not None else None
        if method_type not in _MULTIPLE_METHODS:
            fail("paymentType", "MULTIPLE is only allowed for QR and VIRTUAL_ACCOUNT")
        if req.mode != _API:
            fail("paymentType", "MULTIPLE is only allowed with mode API")


def _normalise_save_flag(req: "CreatePaymentRequest") -> None:
    """``saveForFuture`` (older examples) is sent as ``saveForFutureUse``; both must agree."""
    alias: object = req.save_for_future
    if alias is None:
        return
    if req.save_for_future_use is not None and req.save_for_future_use != alias:
        fail("saveForFuture", "conflicts with saveForFutureUse: give one spelling "
                              "(saveForFutureUse is sent)")
    if not isinstance(alias, bool):
        fail("saveForFuture", "must be a boolean")
    req.save_for_future_use = alias
    req.save_for_future = None


def _validate_redirect_url(redirect: RedirectUrl | None, field: str) -> None:
    if redirect is None:
        fail(field, "is required")
    if not isinstance(redirect, RedirectUrl):
        fail(field, "must be a RedirectUrl")
    check_url(redirect.success_return_url, f"{field}.successReturnUrl")
    check_url(redirect.failure_return_url, f"{field}.failureReturnUrl")
    check_url(redirect.expiration_return_url, f"{field}.expirationReturnUrl")


def _validate_payment_method(method: PaymentMethod | None, field: str) -> None:
    if method is None:
        return
    if not isinstance(method, PaymentMethod):
        fail(field, "must be a PaymentMethod")
    check_text(method.type, f"{field}.type", min_len=1, max_len=50, required=True)
    if method.qr is not None:
        fail(f"{field}.qr", "is response-only (a static QR's details); do not send it")
    if method.payment_method_options is not None:
        _validate_options(method.payment_method_options, f"{field}.paymentMethodOptions")


def _validate_options(options: PaymentMethodOptions | None, field: str) -> None:
    if options is None:
        return
    if not isinstance(options, PaymentMethodOptions):
        fail(field, "must be a PaymentMethodOptions")
    va = check_struct(options.virtual_account, VirtualAccount, f"{field}.virtualAccount")
    if va is not None:
        check_expiry_at(va.expiry_at, f"{field}.virtualAccount.expiryAt")
    ewallet = check_struct(options.ewallet, EwalletOptions, f"{field}.ewallet")
    if ewallet is not None:
        check_expiry_at(ewallet.expiry_at, f"{field}.ewallet.expiryAt")
    qr = check_struct(options.qr, QrOptions, f"{field}.qr")
    if qr is not None:
        check_expiry_at(qr.expiry_at, f"{field}.qr.expiryAt")


def _validate_split(rules: list[SplitRoutingConfiguration] | None, field: str) -> None:
    for i, rule in enumerate(check_list(rules, field)):
        rfield = f"{field}[{i}]"
        if not isinstance(rule, SplitRoutingConfiguration):
            fail(rfield, "must be a SplitRoutingConfiguration")
        check_text(rule.merchant_id, f"{rfield}.merchantId", min_len=1, max_len=255,
                   required=True)
        check_one_of(rule.type, f"{rfield}.type", ("FIXED", "PERCENTAGE"), required=True)
        if rule.currency is not None and rule.currency != "IDR":
            fail(f"{rfield}.currency", "must be 'IDR'")
        if rule.type == "FIXED":
            fixed: object = rule.fixed_amount
            if isinstance(fixed, bool) or not isinstance(fixed, int) or fixed <= 0:
                fail(f"{rfield}.fixedAmount", "must be a positive integer amount of IDR")
        else:
            pct: object = rule.percentage_amount
            if isinstance(pct, int) and not isinstance(pct, bool):
                pct = decimal.Decimal(pct)
            if not isinstance(pct, decimal.Decimal) or not pct.is_finite() or not 0 < pct <= 100:
                fail(f"{rfield}.percentageAmount", "must be a decimal above 0 and at most 100")


class CreatePaymentRequest(Model, kw_only=True):
    """``POST /v2/payments``: create a payment session.

    Rules checked before any I/O: ``clientReferenceId`` 1-100 alphanumeric; ``amount`` a
    positive whole number of IDR (omitted only for a static MULTIPLE QR, required otherwise);
    ``paymentType`` MULTIPLE only for QR / VIRTUAL_ACCOUNT and only with ``mode`` API;
    ``redirectUrl`` required with each URL 1-255 characters; ``statementDescriptor`` at most
    20; ``expiryAt`` formatted ``YYYY-MM-DDTHH:MM:SSZ`` (1-9 fractional-second digits
    allowed; see :func:`~pivot_async.models.format_expiry_at`).

    Fields that apply only somewhere are refused where they would take effect elsewhere:
    ``showSavedPayment: true`` / ``bypassStatusPage: true`` only in REDIRECT mode,
    ``saveForFutureUse: true`` / ``expirationMode: "STRICT"`` only for CARD and EWALLET
    (an explicit default such as ``false`` or ``"LOOSE"`` passes). Unknown keys are refused
    by the client (``RequestValidationError`` with a "did you mean" hint).
    """

    client_reference_id: str
    """Your own unique reference for the payment.
    Rule: Alphanumeric, 1-100 characters."""
    amount: Amount | None = None
    """What the customer pays, whole IDR.
    Rule: Positive integer; required except for a static MULTIPLE QR, where it must be omitted."""
    payment_type: str | None = None
    """``SINGLE`` (default, paid once) or ``MULTIPLE`` (reusable VA or QR).
    Rule: MULTIPLE only for QR / VIRTUAL_ACCOUNT and only with mode API."""
    payment_method: PaymentMethod | None = None
    """The method to pay with; omit it to let the customer choose on the hosted page."""
    payment_method_options: PaymentMethodOptions | None = None
    """Per-method options (card capture and 3DS, VA channel, e-wallet channel, expiries).
    Rule: Each ``expiryAt`` formatted YYYY-MM-DDTHH:MM:SSZ."""
    save_for_future_use: bool | None = None
    """Save the card or e-wallet on the customer once the charge succeeds.
    Rule: true only for CARD and EWALLET."""
    save_for_future: bool | None = None
    """Older spelling of ``saveForFutureUse``; sent as ``saveForFutureUse``.
    Rule: Must agree with saveForFutureUse when both are given."""
    show_saved_payment: bool | None = None
    """Offer the customer's saved methods on the hosted page.
    Rule: true only with mode REDIRECT."""
    mode: str | None = None
    """``REDIRECT`` (default: Pivot's hosted page, a ``paymentUrl``) or ``API``."""
    bypass_status_page: bool | None = None
    """Skip Pivot's status page and return straight to your URLs.
    Rule: true only with mode REDIRECT."""
    redirect_url: RedirectUrl | None = None
    """Where the customer returns after paying, failing or expiring.
    Rule: Required; each URL 1-255 characters."""
    customer_id: str | None = None
    """Id of an existing customer (alternative to ``customer``).
    Rule: At most 255 characters."""
    customer: Customer | None = None
    """The customer, created or matched by ``email``.
    Rule: email required (1-255); response-only members refused."""
    order_information: OrderInformation | None = None
    """Products, billing and shipping details.
    Rule: Each product: type required, quantity a positive integer, price in whole IDR."""
    auto_confirm: bool | None = None
    """Charge at creation (default ``true``); ``false`` waits for ``confirm``."""
    statement_descriptor: str | None = None
    """Text on the customer's statement (default: your short name).
    Rule: At most 20 characters."""
    expiration_mode: str | None = None
    """``LOOSE`` (default: the processor's expiry) or ``STRICT`` (your ``expiryAt``).
    Rule: One of LOOSE, STRICT; STRICT only for CARD and EWALLET."""
    expiry_at: str | None = None
    """When the session expires (default 15 minutes after creation).
    Rule: Format YYYY-MM-DDTHH:MM:SSZ (see format_expiry_at)."""
    metadata: dict[str, Any] | None = None
    """Your own key/value data, echoed back.
    Rule: A JSON object."""
    split_routing_configurations: list[SplitRoutingConfiguration] | None = None
    """How the amount is split between sub-accounts.
    Rule: Each rule: merchantId, type FIXED or PERCENTAGE with its amount."""

    #: Per-field rules checked in C when a request is read (``models._wire``).
    __wire_rules__: ClassVar[dict[str, Any]] = {
        "client_reference_id": ALNUM_100,
        "redirect_url": Required(RedirectUrl),
        "customer_id": text(255),
        "statement_descriptor": text(20),
        "expiration_mode": Literal["LOOSE", "STRICT"] | None,
        "expiry_at": EXPIRY_AT | None,
    }

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        """The cross-field rules, after the per-field ones were checked in C."""
        _check_payment_type(self)
        if (self.amount is not None) is self.is_static_qr:
            fail("amount", "is required (omitted only for a static MULTIPLE QR)")
        _check_applicable(self)
        _normalise_save_flag(self)

    @property
    def is_static_qr(self) -> bool:
        """True for a MULTIPLE QR session (a static QR: it must not carry an amount)."""
        return (
            self.payment_type == _MULTIPLE
            and self.payment_method is not None
            and self.payment_method.type == _QR
        )

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_alnum(self.client_reference_id, "clientReferenceId", max_len=100)
        _validate_payment_method(self.payment_method, "paymentMethod")
        _check_payment_type(self)
        if self.is_static_qr:
            if self.amount is not None:
                fail("amount", "must be omitted for a static (MULTIPLE) QR")
        else:
            check_idr_amount(self.amount, "amount", required=True)
        _validate_options(self.payment_method_options, "paymentMethodOptions")
        _validate_redirect_url(self.redirect_url, "redirectUrl")
        check_text(self.customer_id, "customerId", max_len=255)
        if self.customer is not None:
            validate_customer(self.customer, "customer")
        if self.order_information is not None:
            validate_order(self.order_information, "orderInformation")
        check_text(self.statement_descriptor, "statementDescriptor", max_len=20)
        check_one_of(self.expiration_mode, "expirationMode", _EXPIRATION_MODES, required=False)
        check_expiry_at(self.expiry_at, "expiryAt")
        _check_applicable(self)
        _normalise_save_flag(self)
        if self.metadata is not None and not isinstance(self.metadata, dict):
            fail("metadata", "must be an object")
        _validate_split(self.split_routing_configurations, "splitRoutingConfigurations")


class ConfirmPaymentRequest(Model, kw_only=True):
    """``POST /v2/payments/{id}/confirm``: confirm a session with a payment method.

    ``paymentMethodOptions`` is sent at the top level (docs/reference/wire.md#decision-j);
    one nested in ``paymentMethod`` (as in the docs' example) is still read: see
    :attr:`effective_payment_method_options`.
    """

    payment_method: PaymentMethod
    """The method to pay with (card data, VA, e-wallet or QR).
    Rule: Required; type 1-50 characters."""
    payment_method_options: PaymentMethodOptions | None = None
    """Per-method options, sent at the top level.
    Rule: Each expiryAt formatted YYYY-MM-DDTHH:MM:SSZ."""
    order_information: OrderInformation | None = None
    """Products, billing and shipping details, if not given at creation."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        """No cross-field rule: the nested models' constraints are all."""

    @property
    def effective_payment_method_options(self) -> PaymentMethodOptions | None:
        """The top-level options, else those nested in ``paymentMethod``."""
        if self.payment_method_options is not None:
            return self.payment_method_options
        return self.payment_method.payment_method_options

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        if self.payment_method is None:
            fail("paymentMethod", "is required")
        _validate_payment_method(self.payment_method, "paymentMethod")
        _validate_options(self.payment_method_options, "paymentMethodOptions")
        if self.order_information is not None:
            validate_order(self.order_information, "orderInformation")


class CapturePaymentRequest(Model, kw_only=True):
    """``POST /v2/payments/{id}/capture``: capture an authorized card charge.

    Omit ``amount`` to capture the full remaining amount.
    """

    release_remaining_amount: bool
    """Release the part of the authorization not captured now.
    Rule: a JSON boolean."""
    amount: Amount | None = None
    """Amount to capture in whole IDR; omit to capture all that remains.
    Rule: Positive integer."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        """No cross-field rule."""

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        if not isinstance(self.release_remaining_amount, bool):
            fail("releaseRemainingAmount", "must be a boolean")
        check_idr_amount(self.amount, "amount", required=False)


class CancelPaymentRequest(Model, kw_only=True):
    """``POST /v2/payments/{id}/cancel``: no documented fields; sent as ``{}`` by default."""

    cancellation_reason: str | None = None
    """Why the session is cancelled (e.g. ``REQUESTED_BY_CUSTOMER``).
    Rule: 1-100 characters."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"cancellation_reason": text(100, 1)}

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        """No cross-field rule."""

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.cancellation_reason, "cancellationReason", min_len=1, max_len=100)


class SimulationRequest(Model, kw_only=True):
    """``POST /v2/payments/simulations`` (sandbox only): settle or expire a charge.

    ``chargeStatus`` is ``SUCCESS`` or ``EXPIRED``; ``amount`` is needed for MULTIPLE sessions.
    """

    payment_session_id: str
    """The session whose charge is simulated.
    Rule: Required, 1-255 characters."""
    charge_status: str
    """Outcome to simulate: ``SUCCESS`` or ``EXPIRED``.
    Rule: Required; one of SUCCESS, EXPIRED."""
    amount: Amount | None = None
    """Amount paid, needed for a MULTIPLE session.
    Rule: Positive integer."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "payment_session_id": text(255, 1, required=True),
        "charge_status": Literal["SUCCESS", "EXPIRED"],
    }

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        """No cross-field rule."""

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.payment_session_id, "paymentSessionId", min_len=1, max_len=255,
                   required=True)
        check_one_of(self.charge_status, "chargeStatus", ("SUCCESS", "EXPIRED"), required=True)
        check_idr_amount(self.amount, "amount", required=False)
