"""Pivot Pay wallet (SNAP) QRIS and transaction-history models.

See docs/reference/wire-snap.md#wallet-endpoints.
"""

from collections.abc import Mapping
from typing import Any, Union

import msgspec

from ._base import Model
from ._util import (
    PARTNER_REF_MAX,
    check_decimal_amount,
    check_info,
    check_text,
    check_url,
    empty_info,
    fail,
    is_empty_money,
    redacted_repr,
    redacted_rich_repr,
)
from .common import DecimalAmount
from .wallet_tokens import WalletResponse

__all__ = [
    "ApplyOttRequest",
    "ApplyOttResponse",
    "QrDecodeInfo",
    "QrMerchantInfo",
    "QrMpmDecodeRequest",
    "QrMpmDecodeResponse",
    "QrMpmPaymentRequest",
    "QrMpmPaymentResponse",
    "QrOttRequestInfo",
    "QrOttResult",
    "QrPaymentRequestInfo",
    "QrPaymentResult",
    "TransactionHistoryDetailRequest",
    "TransactionHistoryDetailResponse",
    "TransactionHistoryItem",
    "TransactionHistoryListRequest",
    "TransactionHistoryListResponse",
    "TransactionReferences",
    "UserResource",
]


# -- QR ---------------------------------------------------------------------------------------


class QrOttRequestInfo(Model, kw_only=True):
    """``additionalInfo`` of apply-OTT: ``partnerReferenceNo``, ``mode`` (JIT), redirects."""

    partner_reference_no: str
    """Your unique reference: the operation's duplicate guard (``409xx01`` on a repeat).
    Rule: Required, 1-64 characters."""
    mode: str | None = None
    """Payment mode, ``JIT``."""
    redirect_url: str | None = None
    """Where the user returns after paying.
    Rule: A URL of at most 2048 characters."""
    failed_redirect_url: str | None = None
    """Where the user returns if paying fails.
    Rule: A URL of at most 2048 characters."""


class ApplyOttRequest(Model, kw_only=True):
    """``qr/apply-ott`` (49): get a one-time token and a QRIS payment link."""

    user_resources: list[str] | None = None
    """Resources requested, e.g. ``["OTT"]``.
    Rule: A non-empty list."""
    additional_info: QrOttRequestInfo
    """Reference, mode and return URLs.
    Rule: Required: it carries ``partnerReferenceNo``."""

    def __post_init__(self) -> None:
        if self.user_resources is None:
            self.user_resources = ["OTT"]
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        resources: object = self.user_resources
        if not isinstance(resources, list) or not resources:
            fail("userResources", "must be a non-empty list such as ['OTT']")
        info: object = self.additional_info
        if info is None:
            fail("additionalInfo", "is required")
        if not isinstance(info, QrOttRequestInfo):
            fail("additionalInfo", "must be a QrOttRequestInfo")
        if info is not None:
            check_text(info.partner_reference_no, "additionalInfo.partnerReferenceNo",
                       min_len=1, max_len=PARTNER_REF_MAX, required=True)
            check_url(info.redirect_url, "additionalInfo.redirectUrl", max_len=2048,
                      required=False)
            check_url(info.failed_redirect_url, "additionalInfo.failedRedirectUrl",
                      max_len=2048, required=False)


_OTT_SECRETS = frozenset({"value"})


class UserResource(Model, kw_only=True):
    """One ``userResources[]`` entry of the apply-OTT response (the value is masked in repr)."""

    resource_type: str | None = None
    """Kind of resource, e.g. ``OTT``."""
    value: str | None = None
    """The one-time token; masked in repr."""

    def __repr__(self) -> str:
        return redacted_repr(self, _OTT_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _OTT_SECRETS)


class QrOttResult(Model, kw_only=True):
    """``additionalInfo`` of the apply-OTT / QR payment response: ``paymentUrl``, ``urlExpiry``."""

    payment_url: str | None = None
    """Page where the user pays."""
    url_expiry: str | None = None
    """When the page expires."""


class ApplyOttResponse(WalletResponse, kw_only=True):
    """Apply-OTT response: the token(s) and the payment link."""

    user_resources: list[UserResource] | None = None
    """The tokens issued."""
    additional_info: QrOttResult | None = None
    """The payment link and its expiry."""


class QrMpmDecodeRequest(Model, kw_only=True):
    """``qr/qr-mpm-decode`` (48): decode a merchant-presented QRIS string."""

    qr_content: str
    """The scanned QRIS string.
    Rule: Required, 1-512 characters."""
    scan_time: str | None = None
    """When the QR was scanned.
    Rule: 1-64 characters."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    def __post_init__(self) -> None:
        self.additional_info = empty_info(self.additional_info)
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.qr_content, "qrContent", min_len=1, max_len=512, required=True)
        check_text(self.scan_time, "scanTime", min_len=1, max_len=64)
        check_info(self.additional_info)


class QrMerchantInfo(Model, kw_only=True):
    """One ``merchantInfos[]`` entry: ``acquirerName`` and ``merchantPAN``."""

    acquirer_name: str | None = None
    """Acquirer of the QR."""
    merchant_pan: str | None = msgspec.field(default=None, name="merchantPAN")
    """Merchant PAN of the QR at that acquirer."""


class QrDecodeInfo(Model, kw_only=True):
    """``additionalInfo`` of the decode response: ``merchantId``, ``qrisId``, ``qrisType``."""

    merchant_id: str | None = None
    """Merchant id of the QR."""
    qris_id: str | None = None
    """Id of the decoded QR; send it to pay."""
    qris_type: str | None = None
    """Static or dynamic QR."""


class QrMpmDecodeResponse(WalletResponse, kw_only=True):
    """Decoded QRIS: merchant name, category, location and acquirer infos.

    ``merchantInfos`` is an array in the example but an object in the table:
    :attr:`merchants` always returns a list.
    """

    merchant_name: str | None = None
    """Merchant name."""
    merchant_category: str | None = None
    """Merchant category code."""
    merchant_location: str | None = None
    """Merchant city."""
    merchant_infos: Union[list[QrMerchantInfo], QrMerchantInfo, None] = None
    """Acquirers of the QR; read ``merchants``."""
    additional_info: QrDecodeInfo | None = None
    """Merchant id, QRIS id and type."""

    @property
    def merchants(self) -> list[QrMerchantInfo]:
        """``merchantInfos`` as a list."""
        if self.merchant_infos is None:
            return []
        if isinstance(self.merchant_infos, QrMerchantInfo):
            return [self.merchant_infos]
        return self.merchant_infos


class QrPaymentRequestInfo(Model, kw_only=True):
    """``additionalInfo`` of QR payment: ``qrisId``, ``mode`` (JIT), redirect URLs."""

    qris_id: str | None = None
    """The ``qrisId`` returned by decode."""
    mode: str | None = None
    """Payment mode, ``JIT``."""
    redirect_url: str | None = None
    """Where the user returns after paying.
    Rule: A URL of at most 2048 characters."""
    failed_redirect_url: str | None = None
    """Where the user returns if paying fails.
    Rule: A URL of at most 2048 characters."""


class QrMpmPaymentRequest(Model, kw_only=True):
    """``qr/qr-mpm-payment`` (50): pay a decoded QRIS from the wallet.

    ``feeAmount`` may be zero. An empty money object, ``{"value": "", "currency": ""}`` as
    in the documented request, means "no fee": it is accepted and not sent (the field is
    dropped from the body). Any other partly empty amount is refused.
    """

    partner_reference_no: str
    """Your unique reference.
    Rule: Required, 1-64 characters."""
    amount: DecimalAmount
    """Amount to pay in IDR (2 decimals).
    Rule: Required, positive."""
    fee_amount: DecimalAmount | None = None
    """Fee, if any (2 decimals).
    Rule: Zero or positive."""
    additional_info: QrPaymentRequestInfo | None = None
    """QRIS id, mode and return URLs."""

    @staticmethod
    def _prepare_mapping(data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Drop a documented empty ``feeAmount`` before the wire form is read."""
        if is_empty_money(data.get("feeAmount")):
            return {k: v for k, v in data.items() if k != "feeAmount"}
        return data

    def __post_init__(self) -> None:
        fee: object = self.fee_amount
        if isinstance(fee, DecimalAmount) and fee.value == "" and fee.currency == "":
            self.fee_amount = None
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.partner_reference_no, "partnerReferenceNo", min_len=1,
                   max_len=PARTNER_REF_MAX, required=True)
        check_decimal_amount(self.amount, "amount", required=True)
        check_decimal_amount(self.fee_amount, "feeAmount", required=False, allow_zero=True)
        info = self.additional_info
        if info is not None and not isinstance(info, QrPaymentRequestInfo):
            fail("additionalInfo", "must be a QrPaymentRequestInfo")
        if info is not None:
            check_url(info.redirect_url, "additionalInfo.redirectUrl", max_len=2048,
                      required=False)
            check_url(info.failed_redirect_url, "additionalInfo.failedRedirectUrl",
                      max_len=2048, required=False)


class QrPaymentResult(Model, kw_only=True):
    """``additionalInfo`` of the QR payment response: ``paymentUrl`` and ``urlExpiry``."""

    payment_url: str | None = None
    """Page where the user confirms the payment."""
    url_expiry: str | None = None
    """When the page expires."""


class QrMpmPaymentResponse(WalletResponse, kw_only=True):
    """QR payment response: references, amounts (2 decimals) and the payment link."""

    reference_no: str | None = None
    """Pivot's reference of the payment."""
    partner_reference_no: str | None = None
    """Your reference, echoed."""
    amount: DecimalAmount | None = None
    """Amount paid."""
    fee_amount: DecimalAmount | None = None
    """Fee charged."""
    additional_info: QrPaymentResult | None = None
    """The payment link and its expiry."""


# -- transaction history ----------------------------------------------------------------------


class TransactionHistoryListRequest(Model, kw_only=True):
    """``transaction-history-list`` (12): transactions in a time range, paged.

    ``pageSize`` / ``pageNumber`` are strings on the wire; ints are accepted and converted.
    """

    from_date_time: str | None = None
    """Start of the range.
    Rule: 1-64 characters."""
    to_date_time: str | None = None
    """End of the range.
    Rule: 1-64 characters."""
    page_size: Union[str, int, None] = None
    """Items per page.
    Rule: Positive integer, sent as a string."""
    page_number: Union[str, int, None] = None
    """Page to return.
    Rule: Positive integer, sent as a string."""
    partner_reference_no: str | None = None
    """Only this reference.
    Rule: At most 64 characters."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    def __post_init__(self) -> None:
        self.additional_info = empty_info(self.additional_info)
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        for attr, wire in (("page_size", "pageSize"), ("page_number", "pageNumber")):
            raw: object = getattr(self, attr)
            if raw is None:
                continue
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
                setattr(self, attr, raw)
            if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
                fail(wire, "must be a positive integer (sent as a string)")
        check_text(self.partner_reference_no, "partnerReferenceNo", max_len=PARTNER_REF_MAX)
        check_text(self.from_date_time, "fromDateTime", min_len=1, max_len=64)
        check_text(self.to_date_time, "toDateTime", min_len=1, max_len=64)
        check_info(self.additional_info)


class TransactionReferences(Model, kw_only=True):
    """``additionalInfo`` of a history entry: ``referenceNo`` and ``partnerReferenceNo``."""

    reference_no: str | None = None
    """Pivot's reference."""
    partner_reference_no: str | None = None
    """Your reference."""


class TransactionHistoryItem(Model, kw_only=True):
    """One ``detailData[]`` entry: ``dateTime``, ``status``, ``type`` (TOP_UP, PAYMENT...)."""

    date_time: str | None = None
    """When the transaction happened."""
    status: str | None = None
    """Transaction status."""
    type: str | None = None
    """Kind, e.g. ``TOP_UP``, ``PAYMENT``."""
    amount: DecimalAmount | None = None
    """Amount of the transaction."""
    reference_no: str | None = None
    """Pivot's reference."""
    partner_reference_no: str | None = None
    """Your reference."""
    additional_info: TransactionReferences | None = None
    """References of the transaction."""


class TransactionHistoryListResponse(WalletResponse, kw_only=True):
    """Transaction history list: ``detailData``."""

    detail_data: list[TransactionHistoryItem] | None = None
    """The transactions of the page."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""


class TransactionHistoryDetailRequest(Model, kw_only=True):
    """``transaction-history-detail`` (13): one transaction by ``originalPartnerReferenceNo``."""

    original_partner_reference_no: str
    """Your reference of the transaction.
    Rule: Required, 1-64 characters."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    def __post_init__(self) -> None:
        self.additional_info = empty_info(self.additional_info)
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.original_partner_reference_no, "originalPartnerReferenceNo",
                   min_len=1, max_len=PARTNER_REF_MAX, required=True)
        check_info(self.additional_info)


class TransactionHistoryDetailResponse(WalletResponse, kw_only=True):
    """Transaction history detail: amount, time, references, ``status`` and ``type``."""

    amount: DecimalAmount | None = None
    """Amount of the transaction."""
    date_time: str | None = None
    """When it happened."""
    partner_reference_no: str | None = None
    """Your reference."""
    reference_no: str | None = None
    """Pivot's reference."""
    status: str | None = None
    """Transaction status."""
    type: str | None = None
    """Kind, e.g. ``PAYMENT``."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""
