"""Typed mappings of the Payments API requests (payments, refunds, simulations, cards)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

__all__ = [
    "AmountParams",
    "BillingInfoParams",
    "CancelPaymentParams",
    "CapturePaymentParams",
    "CardOptionsParams",
    "ChannelInformationParams",
    "ConfirmPaymentParams",
    "CreatePaymentParams",
    "CreateRefundParams",
    "CustomerParams",
    "DecimalAmountParams",
    "DeviceInformationParams",
    "EwalletAccountParams",
    "EwalletOptionsParams",
    "InstallmentParams",
    "OrderInformationParams",
    "PaymentCardParams",
    "PaymentMethodOptionsParams",
    "PaymentMethodParams",
    "PhoneNumberParams",
    "ProcessingConfigParams",
    "ProductDetailParams",
    "QrOptionsParams",
    "RedirectUrlParams",
    "RefundPreferenceParams",
    "ShippingInfoParams",
    "SimulationParams",
    "SplitRoutingConfigurationParams",
    "TransferDestinationParams",
    "VirtualAccountParams",
]


class _AmountParamsRequired(TypedDict):
    value: int


class AmountParams(_AmountParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.Amount`."""

    currency: str


class PaymentCardParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.PaymentCard`."""

    encryptedCard: str | None
    token: str | None
    number: str | None
    expMonth: int | str | None
    expYear: int | str | None
    cvc: str | None
    cardHolderFirstName: str | None
    cardHolderLastName: str | None
    cardHolderEmail: str | None
    cardHolderPhone: str | None


class VirtualAccountParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.VirtualAccount`."""

    channel: str | None
    virtualAccountNumber: str | None
    virtualAccountName: str | None
    expiryAt: str | None


class EwalletAccountParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.EwalletAccount`."""

    accountIdentifier: str | None


class ProcessingConfigParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.ProcessingConfig`."""

    bankMerchantId: str | None
    merchantIdTag: str | None


class InstallmentParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.Installment`."""

    enabled: bool | None
    availablePlans: list[Any] | None
    plan: str | list[Any] | None


class CardOptionsParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.CardOptions`."""

    captureMethod: str | None
    threeDsMethod: str | None
    processingConfig: ProcessingConfigParams | None
    installment: InstallmentParams | None


class EwalletOptionsParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.EwalletOptions`."""

    channel: str | None
    expiryAt: str | None


class QrOptionsParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.QrOptions`."""

    expiryAt: str | None


class PaymentMethodOptionsParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.PaymentMethodOptions`."""

    id: str | None
    card: CardOptionsParams | None
    virtualAccount: VirtualAccountParams | None
    ewallet: EwalletOptionsParams | None
    qr: QrOptionsParams | None


class PaymentMethodParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.PaymentMethod`."""

    type: str | None
    card: PaymentCardParams | None
    virtualAccount: VirtualAccountParams | None
    ewallet: EwalletAccountParams | None
    paymentMethodOptions: PaymentMethodOptionsParams | None


class RedirectUrlParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.RedirectUrl`."""

    successReturnUrl: str | None
    failureReturnUrl: str | None
    expirationReturnUrl: str | None


class PhoneNumberParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.PhoneNumber`."""

    countryCode: str | None
    number: str | None


class ChannelInformationParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.ChannelInformation`."""

    accountNumber: str | None
    accountName: str | None


class TransferDestinationParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.TransferDestination`."""

    channelCode: str | None
    channelInformation: ChannelInformationParams | None
    description: str | None


class RefundPreferenceParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.RefundPreference`."""

    method: str | None
    transferDestination: TransferDestinationParams | None


class CustomerParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.Customer`."""

    givenName: str | None
    surname: str | None
    sureName: str | None
    email: str | None
    phoneNumber: PhoneNumberParams | None
    refundPreference: RefundPreferenceParams | None


class ProductDetailParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.ProductDetail`."""

    type: str | None
    category: str | None
    subCategory: str | None
    name: str | None
    description: str | None
    quantity: int | None
    price: AmountParams | None


class BillingInfoParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.BillingInfo`."""

    givenName: str | None
    surname: str | None
    sureName: str | None
    email: str | None
    phoneNumber: PhoneNumberParams | None
    addressLine1: str | None
    addressLine2: str | None
    city: str | None
    provinceState: str | None
    country: str | None
    postalCode: str | None


class ShippingInfoParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.ShippingInfo`."""

    givenName: str | None
    surname: str | None
    sureName: str | None
    email: str | None
    phoneNumber: PhoneNumberParams | None
    addressLine1: str | None
    addressLine2: str | None
    city: str | None
    provinceState: str | None
    country: str | None
    postalCode: str | None
    method: str | None
    shippingFee: AmountParams | None


class OrderInformationParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.OrderInformation`."""

    productDetails: list[ProductDetailParams] | None
    billingInfo: BillingInfoParams | None
    shippingInfo: ShippingInfoParams | None


class SplitRoutingConfigurationParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.SplitRoutingConfiguration`."""

    merchantId: str | None
    type: str | None
    currency: str | None
    percentageAmount: Decimal | str | int | None
    fixedAmount: int | None
    remarks: str | None


class _CreatePaymentParamsRequired(TypedDict):
    clientReferenceId: str


class CreatePaymentParams(_CreatePaymentParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.CreatePaymentRequest`."""

    amount: AmountParams | None
    paymentType: str | None
    paymentMethod: PaymentMethodParams | None
    paymentMethodOptions: PaymentMethodOptionsParams | None
    saveForFutureUse: bool | None
    saveForFuture: bool | None
    showSavedPayment: bool | None
    mode: str | None
    bypassStatusPage: bool | None
    redirectUrl: RedirectUrlParams | None
    customerId: str | None
    customer: CustomerParams | None
    orderInformation: OrderInformationParams | None
    autoConfirm: bool | None
    statementDescriptor: str | None
    expirationMode: str | None
    expiryAt: str | None
    metadata: dict[str, Any] | None
    splitRoutingConfigurations: list[SplitRoutingConfigurationParams] | None


class _ConfirmPaymentParamsRequired(TypedDict):
    paymentMethod: PaymentMethodParams


class ConfirmPaymentParams(_ConfirmPaymentParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.ConfirmPaymentRequest`."""

    paymentMethodOptions: PaymentMethodOptionsParams | None
    orderInformation: OrderInformationParams | None


class _CapturePaymentParamsRequired(TypedDict):
    releaseRemainingAmount: bool


class CapturePaymentParams(_CapturePaymentParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.CapturePaymentRequest`."""

    amount: AmountParams | None


class CancelPaymentParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.CancelPaymentRequest`."""

    cancellationReason: str | None


class _SimulationParamsRequired(TypedDict):
    paymentSessionId: str
    chargeStatus: str


class SimulationParams(_SimulationParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.SimulationRequest`."""

    amount: AmountParams | None


class _DecimalAmountParamsRequired(TypedDict):
    value: Decimal | str | int


class DecimalAmountParams(_DecimalAmountParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.DecimalAmount`."""

    currency: str


class _CreateRefundParamsRequired(TypedDict):
    clientReferenceId: str
    reason: str


class CreateRefundParams(_CreateRefundParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.CreateRefundRequest`."""

    paymentSessionId: str | None
    chargeId: str | None
    isFullAmount: bool | None
    amount: DecimalAmountParams | None
    description: str | None
    method: str | None
    transferDestination: TransferDestinationParams | None
    metadata: dict[str, Any] | None


class DeviceInformationParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.DeviceInformation`."""

    type: str | None
    userAgent: str | None
    ipAddress: str | None
    acceptLanguage: str | None
    cookieToken: str | None
    deviceId: str | None
    browserWidth: str | None
    browserHeight: str | None
    country: str | None
