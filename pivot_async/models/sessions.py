"""Payment session, charge and capture responses, simulation result, method configs.

Response models: every member but ``id`` / ``status`` is optional, unknown fields are ignored
and enumerated values are kept as plain strings (compare with the classes in ``enums``).
"""

import datetime as _dt
from typing import Any, Union

from ._base import Model
from .common import Amount, parse_timestamp
from .customers import Customer
from .enums import ChargeStatus, SessionStatus
from .methods import (
    PaymentMethod,
    PaymentMethodOptions,
    QrCharge,
    RedirectUrl,
    SplitRoutingConfiguration,
    VirtualAccount,
)
from .orders import OrderInformation

__all__ = [
    "AuthenticationResult",
    "AuthorizationResult",
    "BinInformation",
    "Capture",
    "CaptureHistory",
    "CardCharge",
    "Charge",
    "EwalletAccountInformation",
    "EwalletCharge",
    "FdsRiskAssessment",
    "InstallmentConfig",
    "MethodConfig",
    "PaymentMethodConfigs",
    "PaymentSession",
    "SimulationResult",
]

_FINAL_SESSION = frozenset(
    {SessionStatus.CANCELLED, SessionStatus.EXPIRED, SessionStatus.INACTIVE, SessionStatus.PAID}
)
_FINAL_CHARGE = frozenset({ChargeStatus.SUCCESS, ChargeStatus.FAILED, ChargeStatus.EXPIRED})


class BinInformation(Model, kw_only=True):
    """BIN details of a card: ``type`` (DEBIT, CREDIT, PREPAID), issuer, brand, country."""

    type: str | None = None
    """``DEBIT``, ``CREDIT`` or ``PREPAID``."""
    issuing_bank: str | None = None
    """Bank that issued the card."""
    brand: str | None = None
    """Card network, e.g. ``VISA``, ``MASTERCARD``."""
    country: str | None = None
    """Issuing country."""


class AuthenticationResult(Model, kw_only=True):
    """3DS outcome: ``threeDsVersion``, ``threeDsResult``, ``threeDsMethod``, ``eciCode``."""

    three_ds_version: str | None = None
    """3DS protocol version, e.g. ``2.2.0``."""
    three_ds_result: str | None = None
    """Outcome, e.g. ``SUCCESSFUL``, ``ATTEMPTED``, ``FAILED``."""
    three_ds_method: str | None = None
    """``BYPASSED``, ``CHALLENGE`` or ``FRICTIONLESS``."""
    eci_code: str | None = None
    """Electronic Commerce Indicator, e.g. ``05``."""


class AuthorizationResult(Model, kw_only=True):
    """Issuer authorization: reference numbers, AVS / CVV results, authorized amount."""

    acquirer_reference_number: str | None = None
    """Acquirer reference number (ARN) of the transaction."""
    retrieval_reference_number: str | None = None
    """Retrieval reference number (RRN)."""
    stan: str | None = None
    """System trace audit number."""
    avs_result: str | None = None
    """Address verification result, e.g. ``MATCHED``."""
    cvv_result: str | None = None
    """CVV check result, e.g. ``MATCHED``, ``NOT_SUBMITTED``."""
    authorized_amount: Amount | None = None
    """Amount the issuer authorized."""
    issuer_authorization_code: str | None = None
    """Approval code from the issuer."""


class CardCharge(Model, kw_only=True):
    """``charge.card``: masked card (first6/first8/last4, expiry strings), BIN, 3DS, auth."""

    first6: str | None = None
    """First 6 digits of the card number."""
    first8: str | None = None
    """First 8 digits of the card number."""
    last4: str | None = None
    """Last 4 digits of the card number."""
    exp_month: str | int | None = None
    """Expiry month (a string in responses)."""
    exp_year: str | int | None = None
    """Expiry year (a string in responses)."""
    fingerprint: str | None = None
    """Stable fingerprint of the card number."""
    bin_informations: BinInformation | None = None
    """Type, issuer, brand and country of the card."""
    authentication_result: AuthenticationResult | None = None
    """The 3DS outcome."""
    authorization_result: AuthorizationResult | None = None
    """The issuer's authorization outcome."""


class EwalletAccountInformation(Model, kw_only=True):
    """E-wallet account of a charge: ``mobileNumber`` (E.164) and ``name``."""

    mobile_number: str | None = None
    """Wallet owner's mobile number (E.164)."""
    name: str | None = None
    """Wallet owner's name."""


class EwalletCharge(Model, kw_only=True):
    """``charge.ewallet``: ``channel`` (DANA, OVO, SHOPEEPAY) and ``accountInformations``."""

    channel: str | None = None
    """The e-wallet: ``DANA``, ``OVO`` or ``SHOPEEPAY``."""
    account_informations: EwalletAccountInformation | None = None
    """The paying wallet account."""


class FdsRiskAssessment(Model, kw_only=True):
    """Fraud screening: ``score``, ``level``, ``recommendation``, ``status``, ``evaluatedAt``."""

    score: str | int | None = None
    """Fraud score (a string such as ``"0"``)."""
    level: str | None = None
    """Risk level, e.g. ``very low``."""
    recommendation: str | None = None
    """``Approve`` or ``Reject``."""
    status: str | None = None
    """``PASSED`` or ``REJECTED``."""
    evaluated_at: str | None = None
    """When the screening ran (RFC 3339)."""


class CaptureHistory(Model, kw_only=True):
    """One manual capture of a charge.

    The amount is a bare number with a separate ``currency``; examples spell it
    ``capturedAmount`` and the field table ``captureAmount``: :attr:`amount` reads either.
    """

    capture_id: str | None = None
    """Id of the capture."""
    currency: str | None = None
    """Currency of the captured amount, ``IDR``."""
    captured_amount: Union[int, Amount, None] = None
    """Amount captured (spelling of the examples); read :attr:`amount`."""
    capture_amount: Union[int, Amount, None] = None
    """Amount captured (spelling of the field table); read :attr:`amount`."""
    status: str | None = None
    """``PENDING``, ``SUCCESS`` or ``FAILED``."""
    created_at: str | None = None
    """When the capture was requested (RFC 3339)."""

    @property
    def amount(self) -> int | None:
        """The captured value in IDR, whichever spelling (and shape) carried it."""
        raw = self.captured_amount if self.captured_amount is not None else self.capture_amount
        if isinstance(raw, Amount):
            return raw.value
        return raw


class Charge(Model, kw_only=True):
    """A charge: one payment attempt on a session, with its method-specific details."""

    id: str
    """Charge id."""
    payment_session_id: str | None = None
    """The session this charge belongs to."""
    payment_session_client_reference_id: str | None = None
    """The session's ``clientReferenceId``."""
    amount: Amount | None = None
    """Amount charged."""
    statement_descriptor: str | None = None
    """Text on the customer's statement."""
    status: str
    """Charge status, see ``ChargeStatus`` (e.g. ``SUCCESS``, ``FAILED``)."""
    authorized_amount: Amount | None = None
    """Amount authorized (card), ``null`` before authorization."""
    captured_amount: Amount | None = None
    """Amount captured so far (card), ``null`` before capture."""
    is_captured: bool | None = None
    """Whether the card charge is captured."""
    created_at: str | None = None
    """When the charge was created (RFC 3339)."""
    updated_at: str | None = None
    """When the charge last changed (RFC 3339)."""
    paid_at: str | None = None
    """When the charge succeeded (set with status SUCCESS)."""
    fds_risk_assessment: FdsRiskAssessment | None = None
    """Fraud screening result."""
    card: CardCharge | None = None
    """Card details (masked), 3DS and authorization results (CARD)."""
    capture_histories: list[CaptureHistory] | None = None
    """Manual captures of the charge, ``null`` for automatic capture."""
    virtual_account: VirtualAccount | None = None
    """The virtual account to pay (VIRTUAL_ACCOUNT)."""
    qr: QrCharge | None = None
    """The QR code to pay (QR)."""
    ewallet: EwalletCharge | None = None
    """The e-wallet and its account (EWALLET)."""
    failure_code: str | None = None
    """Why the charge failed, see ``FailureCode``."""
    failure_message: str | None = None
    """Human-readable failure reason."""
    recommendation: str | None = None
    """What to do after the failure."""

    @property
    def is_final(self) -> bool:
        """True for SUCCESS, FAILED and EXPIRED: a final status never changes again."""
        return self.status in _FINAL_CHARGE


class PaymentSession(Model, kw_only=True):
    """A payment session (the ``data`` of create, confirm, cancel, retrieve and callbacks)."""

    id: str
    """Session id generated by Pivot (opaque UUID)."""
    client_reference_id: str | None = None
    """Your reference, echoed from the request."""
    amount: Amount | None = None
    """Amount of the session (``0`` for a static MULTIPLE QR or VA)."""
    auto_confirm: bool | None = None
    """Whether the session was charged at creation."""
    mode: str | None = None
    """``REDIRECT`` or ``API``."""
    bypass_status_page: bool | None = None
    """Whether Pivot's status page is skipped."""
    redirect_url: RedirectUrl | None = None
    """Your return URLs."""
    payment_type: str | None = None
    """``SINGLE`` or ``MULTIPLE``."""
    payment_method: PaymentMethod | None = None
    """The method chosen, ``null`` until the customer picks one."""
    payment_method_options: PaymentMethodOptions | None = None
    """The per-method options of the request."""
    statement_descriptor: str | None = None
    """Text on the customer's statement."""
    expiration_mode: str | None = None
    """``LOOSE`` or ``STRICT``."""
    save_for_future_use: bool | None = None
    """Whether the method is saved once the charge succeeds."""
    show_saved_payment: bool | None = None
    """Whether saved methods are offered on the hosted page."""
    status: str
    """Session status, see ``SessionStatus`` (e.g. ``REQUIRE_ACTION``, ``PAID``)."""
    investigation_status: str | None = None
    """Settlement Guarantee investigation state, usually ``null``."""
    created_at: str | None = None
    """When the session was created (RFC 3339)."""
    updated_at: str | None = None
    """When the session last changed (RFC 3339)."""
    expiry_at: str | None = None
    """When the session expires; ``null`` for MULTIPLE (see ``expiry_datetime``)."""
    encryption_key: str | None = None
    """RSA public key to encrypt the card with (CARD, API mode, no auto-confirm)."""
    payment_url: str | None = None
    """Page where the customer pays (hosted page, 3DS page or wallet link)."""
    charge_details: list[Charge] | None = None
    """The payment attempts, or ``null`` (see ``charges``)."""
    customer_id: str | None = None
    """Id of the session's customer."""
    customer: Customer | None = None
    """The session's customer."""
    order_information: OrderInformation | None = None
    """Products, billing and shipping details."""
    cancelled_at: str | None = None
    """When the session was cancelled."""
    cancellation_reason: str | None = None
    """Why it was cancelled, see ``CancellationReason``."""
    metadata: dict[str, Any] | None = None
    """Your key/value data, echoed."""
    split_routing_configurations: list[SplitRoutingConfiguration] | None = None
    """The split-routing rules of the request."""
    recurring_id: str | None = None
    """Recurring-payment id (undocumented; kept as given)."""
    initiate_first_authorization: Any = None
    """Recurring-payment flag (undocumented; kept as given)."""

    @property
    def is_final(self) -> bool:
        """True for PAID, CANCELLED, EXPIRED and INACTIVE: a final status never changes."""
        return self.status in _FINAL_SESSION

    @property
    def charges(self) -> list[Charge]:
        """``chargeDetails``, or an empty list when the gateway sent ``null``."""
        return self.charge_details or []

    @property
    def expiry_datetime(self) -> _dt.datetime | None:
        """``expiryAt`` as an aware datetime (``None`` when absent or the zero time)."""
        return parse_timestamp(self.expiry_at)


class Capture(Model, kw_only=True):
    """A capture of an authorized card charge (``POST /v2/payments/{id}/capture``)."""

    id: str
    """Capture id."""
    payment_session_id: str | None = None
    """The session captured."""
    payment_session_client_reference_id: str | None = None
    """The session's ``clientReferenceId``."""
    release_remaining_amount: bool | None = None
    """Whether the amount not captured was released."""
    amount: Amount | None = None
    """Amount captured."""
    status: str
    """Capture status, see ``CaptureStatus``."""
    created_at: str | None = None
    """When the capture was created (RFC 3339)."""
    updated_at: str | None = None
    """When the capture last changed (RFC 3339)."""


class SimulationResult(Model, kw_only=True):
    """Result of a sandbox simulation: ``updated`` (sent as the string ``"true"``)."""

    updated: bool | None = None
    """Whether the simulated charge changed."""


class InstallmentConfig(Model, kw_only=True):
    """Card installment configuration: BINs, plans and amount limits."""

    bin_numbers: list[Any] | None = None
    """Card BINs eligible for installments."""
    enabled_plans: list[Any] | None = None
    """Plans enabled for these BINs (month counts)."""
    plans: list[Any] | None = None
    """Plans offered (month counts)."""
    minimum_amount: Amount | None = None
    """Smallest amount allowed for installments."""
    maximum_amount: Amount | None = None
    """Largest amount allowed for installments."""


class MethodConfig(Model, kw_only=True):
    """One method's config: ``enabled``, ``acceptedChannels``, amount limits, ``maximumExpiry``.

    ``acceptedChannels`` is an array, but ``{}`` for installment in the docs: :attr:`channels`
    always returns a list. The installment config is spelled ``installmentConfig`` or
    ``installmentConfigs``: :attr:`installments` reads either.
    """

    enabled: bool | None = None
    """Whether the method is enabled for your account."""
    accepted_channels: Union[list[str], dict[str, Any], None] = None
    """Channels accepted (banks, wallets); read :attr:`channels`."""
    minimum_amount: Amount | None = None
    """Smallest amount accepted."""
    maximum_amount: Amount | None = None
    """Largest amount accepted."""
    maximum_expiry: str | None = None
    """Longest expiry allowed for the method."""
    installment_config: Union[InstallmentConfig, list[InstallmentConfig], None] = None
    """Installment settings (one spelling); read :attr:`installments`."""
    installment_configs: Union[InstallmentConfig, list[InstallmentConfig], None] = None
    """Installment settings (other spelling); read :attr:`installments`."""

    @property
    def channels(self) -> list[str]:
        """Accepted channels as a list (an object form yields its keys)."""
        if isinstance(self.accepted_channels, dict):
            return list(self.accepted_channels)
        return list(self.accepted_channels or [])

    @property
    def installments(self) -> list[InstallmentConfig]:
        """Installment configs, whichever spelling and shape carried them."""
        raw = (
            self.installment_config
            if self.installment_config is not None
            else self.installment_configs
        )
        if raw is None:
            return []
        if isinstance(raw, InstallmentConfig):
            return [raw]
        return raw


class PaymentMethodConfigs(Model, kw_only=True):
    """``GET /v2/payment-method-configs``: per-method configuration."""

    card: MethodConfig | None = None
    """Configuration of card payments."""
    virtual_account: MethodConfig | None = None
    """Configuration of virtual accounts."""
    qr: MethodConfig | None = None
    """Configuration of QR payments."""
    ewallet: MethodConfig | None = None
    """Configuration of e-wallet payments."""
    installment: MethodConfig | None = None
    """Configuration of card installments."""
