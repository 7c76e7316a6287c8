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
    issuing_bank: str | None = None
    brand: str | None = None
    country: str | None = None


class AuthenticationResult(Model, kw_only=True):
    """3DS outcome: ``threeDsVersion``, ``threeDsResult``, ``threeDsMethod``, ``eciCode``."""

    three_ds_version: str | None = None
    three_ds_result: str | None = None
    three_ds_method: str | None = None
    eci_code: str | None = None


class AuthorizationResult(Model, kw_only=True):
    """Issuer authorization: reference numbers, AVS / CVV results, authorized amount."""

    acquirer_reference_number: str | None = None
    retrieval_reference_number: str | None = None
    stan: str | None = None
    avs_result: str | None = None
    cvv_result: str | None = None
    authorized_amount: Amount | None = None
    issuer_authorization_code: str | None = None


class CardCharge(Model, kw_only=True):
    """``charge.card``: masked card (first6/first8/last4, expiry strings), BIN, 3DS, auth."""

    first6: str | None = None
    first8: str | None = None
    last4: str | None = None
    exp_month: str | int | None = None
    exp_year: str | int | None = None
    fingerprint: str | None = None
    bin_informations: BinInformation | None = None
    authentication_result: AuthenticationResult | None = None
    authorization_result: AuthorizationResult | None = None


class EwalletAccountInformation(Model, kw_only=True):
    """E-wallet account of a charge: ``mobileNumber`` (E.164) and ``name``."""

    mobile_number: str | None = None
    name: str | None = None


class EwalletCharge(Model, kw_only=True):
    """``charge.ewallet``: ``channel`` (DANA, OVO, SHOPEEPAY) and ``accountInformations``."""

    channel: str | None = None
    account_informations: EwalletAccountInformation | None = None


class FdsRiskAssessment(Model, kw_only=True):
    """Fraud screening: ``score``, ``level``, ``recommendation``, ``status``, ``evaluatedAt``."""

    score: str | int | None = None
    level: str | None = None
    recommendation: str | None = None
    status: str | None = None
    evaluated_at: str | None = None


class CaptureHistory(Model, kw_only=True):
    """One manual capture of a charge.

    The amount is a bare number with a separate ``currency``; examples spell it
    ``capturedAmount`` and the field table ``captureAmount``: :attr:`amount` reads either.
    """

    capture_id: str | None = None
    currency: str | None = None
    captured_amount: Union[int, Amount, None] = None
    capture_amount: Union[int, Amount, None] = None
    status: str | None = None
    created_at: str | None = None

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
    payment_session_id: str | None = None
    payment_session_client_reference_id: str | None = None
    amount: Amount | None = None
    statement_descriptor: str | None = None
    status: str
    authorized_amount: Amount | None = None
    captured_amount: Amount | None = None
    is_captured: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    paid_at: str | None = None
    fds_risk_assessment: FdsRiskAssessment | None = None
    card: CardCharge | None = None
    capture_histories: list[CaptureHistory] | None = None
    virtual_account: VirtualAccount | None = None
    qr: QrCharge | None = None
    ewallet: EwalletCharge | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    recommendation: str | None = None

    @property
    def is_final(self) -> bool:
        """True for SUCCESS, FAILED and EXPIRED: a final status never changes again."""
        return self.status in _FINAL_CHARGE


class PaymentSession(Model, kw_only=True):
    """A payment session (the ``data`` of create, confirm, cancel, retrieve and callbacks)."""

    id: str
    client_reference_id: str | None = None
    amount: Amount | None = None
    auto_confirm: bool | None = None
    mode: str | None = None
    bypass_status_page: bool | None = None
    redirect_url: RedirectUrl | None = None
    payment_type: str | None = None
    payment_method: PaymentMethod | None = None
    payment_method_options: PaymentMethodOptions | None = None
    statement_descriptor: str | None = None
    expiration_mode: str | None = None
    save_for_future_use: bool | None = None
    show_saved_payment: bool | None = None
    status: str
    investigation_status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    expiry_at: str | None = None
    encryption_key: str | None = None
    payment_url: str | None = None
    charge_details: list[Charge] | None = None
    customer_id: str | None = None
    customer: Customer | None = None
    order_information: OrderInformation | None = None
    cancelled_at: str | None = None
    cancellation_reason: str | None = None
    metadata: dict[str, Any] | None = None
    split_routing_configurations: list[SplitRoutingConfiguration] | None = None
    recurring_id: str | None = None
    initiate_first_authorization: Any = None

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
    payment_session_id: str | None = None
    payment_session_client_reference_id: str | None = None
    release_remaining_amount: bool | None = None
    amount: Amount | None = None
    status: str
    created_at: str | None = None
    updated_at: str | None = None


class SimulationResult(Model, kw_only=True):
    """Result of a sandbox simulation: ``updated`` (sent as the string ``"true"``)."""

    updated: bool | None = None


class InstallmentConfig(Model, kw_only=True):
    """Card installment configuration: BINs, plans and amount limits."""

    bin_numbers: list[Any] | None = None
    enabled_plans: list[Any] | None = None
    plans: list[Any] | None = None
    minimum_amount: Amount | None = None
    maximum_amount: Amount | None = None


class MethodConfig(Model, kw_only=True):
    """One method's config: ``enabled``, ``acceptedChannels``, amount limits, ``maximumExpiry``.

    ``acceptedChannels`` is an array, but ``{}`` for installment in the docs: :attr:`channels`
    always returns a list. The installment config is spelled ``installmentConfig`` or
    ``installmentConfigs``: :attr:`installments` reads either.
    """

    enabled: bool | None = None
    accepted_channels: Union[list[str], dict[str, Any], None] = None
    minimum_amount: Amount | None = None
    maximum_amount: Amount | None = None
    maximum_expiry: str | None = None
    installment_config: Union[InstallmentConfig, list[InstallmentConfig], None] = None
    installment_configs: Union[InstallmentConfig, list[InstallmentConfig], None] = None

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
    virtual_account: MethodConfig | None = None
    qr: MethodConfig | None = None
    ewallet: MethodConfig | None = None
    installment: MethodConfig | None = None
