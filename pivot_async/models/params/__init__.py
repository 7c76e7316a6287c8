"""Typed mappings: the ``TypedDict`` form of every request model, with the wire names.

Every method that takes a request as a mapping is annotated with the matching ``*Params``
``TypedDict``, so that ``mypy --strict`` and editors flag a misspelled key or a wrong value
type in a dict literal::

    params: CreatePaymentParams = {
        "clientReferenceId": "order1",
        "amount": {"value": 10000, "currency": "IDR"},
        "redirectUrl": {"successReturnUrl": "https://shop.example/ok", ...},
    }
    session = await client.payments.create(params)

A key is required exactly when the model's field is; the value types are the model's
(nested objects are the nested ``*Params``; decimal amounts of refunds and the wallet take a
``Decimal``, an ``int`` or a string of ASCII digits). At run time any mapping is accepted
and read by the strict request model: an unknown key is a
:class:`~pivot_async.RequestValidationError` naming its wire path, with a "did you mean"
hint. :data:`PARAMS_MODELS` pairs each ``TypedDict`` with its model
(``tests/models/test_params.py`` keeps them in step).
"""

from __future__ import annotations

from typing import Any

from ..cards import DeviceInformation
from ..common import Amount, DecimalAmount, PhoneNumber
from ..customers import ChannelInformation, Customer, RefundPreference, TransferDestination
from ..methods import (
    CardOptions,
    EwalletAccount,
    EwalletOptions,
    Installment,
    PaymentCard,
    PaymentMethod,
    PaymentMethodOptions,
    ProcessingConfig,
    QrOptions,
    RedirectUrl,
    SplitRoutingConfiguration,
    VirtualAccount,
)
from ..orders import BillingInfo, OrderInformation, ProductDetail, ShippingInfo
from ..payments import (
    CancelPaymentRequest,
    CapturePaymentRequest,
    ConfirmPaymentRequest,
    CreatePaymentRequest,
    SimulationRequest,
)
from ..refunds import CreateRefundRequest
from ..wallet import (
    AccountCreationRequest,
    AccountUnbindingRedirects,
    AccountUnbindingRequest,
    BalanceInquiryRequest,
    DebitPaymentRequest,
    DebitUrlParam,
)
from ..wallet_qr import (
    ApplyOttRequest,
    QrMpmDecodeRequest,
    QrMpmPaymentRequest,
    QrOttRequestInfo,
    QrPaymentRequestInfo,
    TransactionHistoryListRequest,
)
from ._payments import (
    AmountParams,
    BillingInfoParams,
    CancelPaymentParams,
    CapturePaymentParams,
    CardOptionsParams,
    ChannelInformationParams,
    ConfirmPaymentParams,
    CreatePaymentParams,
    CreateRefundParams,
    CustomerParams,
    DecimalAmountParams,
    DeviceInformationParams,
    EwalletAccountParams,
    EwalletOptionsParams,
    InstallmentParams,
    OrderInformationParams,
    PaymentCardParams,
    PaymentMethodOptionsParams,
    PaymentMethodParams,
    PhoneNumberParams,
    ProcessingConfigParams,
    ProductDetailParams,
    QrOptionsParams,
    RedirectUrlParams,
    RefundPreferenceParams,
    ShippingInfoParams,
    SimulationParams,
    SplitRoutingConfigurationParams,
    TransferDestinationParams,
    VirtualAccountParams,
)
from ._wallet import (
    AccountCreationParams,
    AccountUnbindingParams,
    AccountUnbindingRedirectsParams,
    ApplyOttParams,
    BalanceInquiryParams,
    DebitPaymentParams,
    DebitUrlParamParams,
    QrMpmDecodeParams,
    QrMpmPaymentParams,
    QrOttRequestInfoParams,
    QrPaymentRequestInfoParams,
    TransactionHistoryListParams,
)

__all__ = [
    "PARAMS_MODELS",
    "AccountCreationParams",
    "AccountUnbindingParams",
    "AccountUnbindingRedirectsParams",
    "AmountParams",
    "ApplyOttParams",
    "BalanceInquiryParams",
    "BillingInfoParams",
    "CancelPaymentParams",
    "CapturePaymentParams",
    "CardOptionsParams",
    "ChannelInformationParams",
    "ConfirmPaymentParams",
    "CreatePaymentParams",
    "CreateRefundParams",
    "CustomerParams",
    "DebitPaymentParams",
    "DebitUrlParamParams",
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
    "QrMpmDecodeParams",
    "QrMpmPaymentParams",
    "QrOptionsParams",
    "QrOttRequestInfoParams",
    "QrPaymentRequestInfoParams",
    "RedirectUrlParams",
    "RefundPreferenceParams",
    "ShippingInfoParams",
    "SimulationParams",
    "SplitRoutingConfigurationParams",
    "TransactionHistoryListParams",
    "TransferDestinationParams",
    "VirtualAccountParams",
]

PARAMS_MODELS: dict[Any, type[Any]] = {
    AmountParams: Amount,
    PaymentCardParams: PaymentCard,
    VirtualAccountParams: VirtualAccount,
    EwalletAccountParams: EwalletAccount,
    ProcessingConfigParams: ProcessingConfig,
    InstallmentParams: Installment,
    CardOptionsParams: CardOptions,
    EwalletOptionsParams: EwalletOptions,
    QrOptionsParams: QrOptions,
    PaymentMethodOptionsParams: PaymentMethodOptions,
    PaymentMethodParams: PaymentMethod,
    RedirectUrlParams: RedirectUrl,
    PhoneNumberParams: PhoneNumber,
    ChannelInformationParams: ChannelInformation,
    TransferDestinationParams: TransferDestination,
    RefundPreferenceParams: RefundPreference,
    CustomerParams: Customer,
    ProductDetailParams: ProductDetail,
    BillingInfoParams: BillingInfo,
    ShippingInfoParams: ShippingInfo,
    OrderInformationParams: OrderInformation,
    SplitRoutingConfigurationParams: SplitRoutingConfiguration,
    CreatePaymentParams: CreatePaymentRequest,
    ConfirmPaymentParams: ConfirmPaymentRequest,
    CapturePaymentParams: CapturePaymentRequest,
    CancelPaymentParams: CancelPaymentRequest,
    SimulationParams: SimulationRequest,
    DecimalAmountParams: DecimalAmount,
    CreateRefundParams: CreateRefundRequest,
    AccountCreationParams: AccountCreationRequest,
    AccountUnbindingRedirectsParams: AccountUnbindingRedirects,
    AccountUnbindingParams: AccountUnbindingRequest,
    BalanceInquiryParams: BalanceInquiryRequest,
    DebitUrlParamParams: DebitUrlParam,
    DebitPaymentParams: DebitPaymentRequest,
    QrOttRequestInfoParams: QrOttRequestInfo,
    ApplyOttParams: ApplyOttRequest,
    QrMpmDecodeParams: QrMpmDecodeRequest,
    QrPaymentRequestInfoParams: QrPaymentRequestInfo,
    QrMpmPaymentParams: QrMpmPaymentRequest,
    TransactionHistoryListParams: TransactionHistoryListRequest,
    DeviceInformationParams: DeviceInformation,
}
"""Each typed mapping and the request model it mirrors (a test keeps them in step)."""
