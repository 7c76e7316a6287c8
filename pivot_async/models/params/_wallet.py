"""Typed mappings of the Pivot Pay wallet (SNAP) requests."""

from __future__ import annotations

from typing import Any, TypedDict

from ._payments import DecimalAmountParams

__all__ = [
    "AccountCreationParams",
    "AccountUnbindingParams",
    "AccountUnbindingRedirectsParams",
    "ApplyOttParams",
    "BalanceInquiryParams",
    "DebitPaymentParams",
    "DebitUrlParamParams",
    "QrMpmDecodeParams",
    "QrMpmPaymentParams",
    "QrOttRequestInfoParams",
    "QrPaymentRequestInfoParams",
    "TransactionHistoryListParams",
]


class _AccountCreationParamsRequired(TypedDict):
    partnerReferenceNo: str
    merchantId: str
    phoneNo: str


class AccountCreationParams(_AccountCreationParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.AccountCreationRequest`."""

    name: str | None
    redirectUrl: str | None
    additionalInfo: dict[str, Any] | None


class AccountUnbindingRedirectsParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.AccountUnbindingRedirects`."""

    redirectUrl: str | None
    failedRedirectUrl: str | None
    redirectionUrl: str | None
    failedRedirectionUrl: str | None


class _AccountUnbindingParamsRequired(TypedDict):
    merchantId: str
    tokenId: str


class AccountUnbindingParams(_AccountUnbindingParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.AccountUnbindingRequest`."""

    additionalInfo: AccountUnbindingRedirectsParams | None


class BalanceInquiryParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.BalanceInquiryRequest`."""

    additionalInfo: dict[str, Any] | None


class DebitUrlParamParams(TypedDict):
    """The mapping form of :class:`~pivot_async.models.DebitUrlParam`."""

    url: str
    type: str
    isDeeplink: bool


class _DebitPaymentParamsRequired(TypedDict):
    subMerchantId: str
    partnerReferenceNo: str
    amount: DecimalAmountParams
    urlParams: list[DebitUrlParamParams]


class DebitPaymentParams(_DebitPaymentParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.DebitPaymentRequest`."""

    additionalInfo: dict[str, Any] | None


class _QrOttRequestInfoParamsRequired(TypedDict):
    partnerReferenceNo: str


class QrOttRequestInfoParams(_QrOttRequestInfoParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.QrOttRequestInfo`."""

    mode: str | None
    redirectUrl: str | None
    failedRedirectUrl: str | None


class _ApplyOttParamsRequired(TypedDict):
    additionalInfo: QrOttRequestInfoParams


class ApplyOttParams(_ApplyOttParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.ApplyOttRequest`."""

    userResources: list[str] | None


class _QrMpmDecodeParamsRequired(TypedDict):
    qrContent: str


class QrMpmDecodeParams(_QrMpmDecodeParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.QrMpmDecodeRequest`."""

    scanTime: str | None
    additionalInfo: dict[str, Any] | None


class QrPaymentRequestInfoParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.QrPaymentRequestInfo`."""

    qrisId: str | None
    mode: str | None
    redirectUrl: str | None
    failedRedirectUrl: str | None


class _QrMpmPaymentParamsRequired(TypedDict):
    partnerReferenceNo: str
    amount: DecimalAmountParams


class QrMpmPaymentParams(_QrMpmPaymentParamsRequired, total=False):
    """The mapping form of :class:`~pivot_async.models.QrMpmPaymentRequest`."""

    feeAmount: DecimalAmountParams | None
    additionalInfo: QrPaymentRequestInfoParams | None


class TransactionHistoryListParams(TypedDict, total=False):
    """The mapping form of :class:`~pivot_async.models.TransactionHistoryListRequest`."""

    fromDateTime: str | None
    toDateTime: str | None
    pageSize: str | int | None
    pageNumber: str | int | None
    partnerReferenceNo: str | None
    additionalInfo: dict[str, Any] | None
