"""Pivot Pay wallet (SNAP) request and response models.

See docs/reference/wire-snap.md#wallet-endpoints, wire-snap.md#snap-b2b-token and
wire-snap.md#snap-b2b2c-token.

Wallet bodies use top-level ``responseCode`` / ``responseMessage`` instead of the Payments
envelope. Amounts are :class:`~pivot_async.models.DecimalAmount`: requests always send 2
decimals (``"10000.00"``); responses are read with 0 or 2 decimals, as string or number.
Requests whose documented examples carry ``additionalInfo: {}`` send it even when empty.
"""

from typing import Annotated, Any, ClassVar

from msgspec import Meta

from ._base import Model
from ._util import (
    PARTNER_REF_MAX,
    check_decimal_amount,
    check_info,
    check_list,
    check_text,
    check_url,
    empty_info,
    fail,
    redacted_repr,
    redacted_rich_repr,
)
from ._wire import text
from .common import DecimalAmount
from .wallet_qr import (
    ApplyOttRequest,
    ApplyOttResponse,
    QrDecodeInfo,
    QrMerchantInfo,
    QrMpmDecodeRequest,
    QrMpmDecodeResponse,
    QrMpmPaymentRequest,
    QrMpmPaymentResponse,
    QrOttRequestInfo,
    QrOttResult,
    QrPaymentRequestInfo,
    QrPaymentResult,
    TransactionHistoryDetailRequest,
    TransactionHistoryDetailResponse,
    TransactionHistoryItem,
    TransactionHistoryListRequest,
    TransactionHistoryListResponse,
    TransactionReferences,
    UserResource,
)
from .wallet_tokens import (
    B2B2CTokenRequest,
    B2B2CTokenResponse,
    B2BTokenRequest,
    B2BTokenResponse,
    WalletResponse,
)

__all__ = [
    "AccountCreationInfo",
    "AccountCreationRequest",
    "AccountCreationResponse",
    "AccountUnbindingInfo",
    "AccountUnbindingRedirects",
    "AccountUnbindingRequest",
    "AccountUnbindingResponse",
    "ApplyOttRequest",
    "ApplyOttResponse",
    "B2B2CTokenRequest",
    "B2B2CTokenResponse",
    "B2BTokenRequest",
    "B2BTokenResponse",
    "BalanceInquiryRequest",
    "BalanceInquiryResponse",
    "DebitPaymentInfo",
    "DebitPaymentRequest",
    "DebitPaymentResponse",
    "DebitStatusRequest",
    "DebitStatusResponse",
    "DebitUrlParam",
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
    "WalletAccountInfo",
    "WalletResponse",
]


# -- account linkage --------------------------------------------------------------------------


class AccountCreationRequest(Model, kw_only=True):
    """``registration-account-creation`` (06): create or bind the user's wallet account."""

    partner_reference_no: str
    """Your unique reference for the binding.
    Rule: Required, 1-64 characters."""
    merchant_id: str
    """Your wallet merchant id.
    Rule: Required, 1-36 characters."""
    name: str | None = None
    """The user's name.
    Rule: At most 50 characters."""
    phone_no: str
    """The user's mobile number.
    Rule: Required, 1-15 characters."""
    redirect_url: str | None = None
    """Where the user returns after activation.
    Rule: A URL of at most 2048 characters."""
    additional_info: dict[str, Any] | None = None
    """Free-form object (``{}`` when absent)."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.partner_reference_no, "partnerReferenceNo", min_len=1,
                   max_len=PARTNER_REF_MAX, required=True)
        check_text(self.merchant_id, "merchantId", min_len=1, max_len=36, required=True)
        check_text(self.phone_no, "phoneNo", min_len=1, max_len=15, required=True)
        check_text(self.name, "name", max_len=50)
        check_url(self.redirect_url, "redirectUrl", max_len=2048, required=False)
        check_info(self.additional_info)


class AccountCreationInfo(Model, kw_only=True):
    """``additionalInfo`` of account creation: the ``activationLink`` and its ``expiredAt``."""

    activation_link: str | None = None
    """Page where the user activates or binds the wallet."""
    expired_at: str | None = None
    """When the activation link expires."""


class AccountCreationResponse(WalletResponse, kw_only=True):
    """Account creation response: Pivot's ``referenceNo`` and the activation link."""

    reference_no: str | None = None
    """Pivot's reference of the binding."""
    partner_reference_no: str | None = None
    """Your reference, echoed."""
    additional_info: AccountCreationInfo | None = None
    """The activation link and its expiry."""


class AccountUnbindingRedirects(Model, kw_only=True):
    """``additionalInfo`` of unbinding: ``redirectUrl`` / ``failedRedirectUrl``.

    The field table spells them ``redirectionUrl`` / ``failedRedirectionUrl``; those are read
    too. The client sends the example spelling.
    """

    redirect_url: str | None = None
    """Where the user returns after unbinding.
    Rule: A URL of at most 2048 characters."""
    failed_redirect_url: str | None = None
    """Where the user returns if unbinding fails.
    Rule: A URL of at most 2048 characters."""
    redirection_url: str | None = None
    """Field-table spelling of ``redirectUrl``; sent as ``redirectUrl``.
    Rule: Must agree with redirectUrl."""
    failed_redirection_url: str | None = None
    """Field-table spelling of ``failedRedirectUrl``; sent as it.
    Rule: Must agree with failedRedirectUrl."""


_UNBIND_SECRETS = frozenset({"token_id"})


class AccountUnbindingRequest(Model, kw_only=True):
    """``registration-account-unbinding`` (09): unbind; ``tokenId`` is the binding id."""

    merchant_id: str
    """Your wallet merchant id.
    Rule: Required, 1-36 characters."""
    token_id: str
    """The binding to remove.
    Rule: Required, 1-2048 characters."""
    additional_info: AccountUnbindingRedirects | None = None
    """Return URLs of the unbinding page."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.merchant_id, "merchantId", min_len=1, max_len=36, required=True)
        check_text(self.token_id, "tokenId", min_len=1, max_len=2048, required=True)
        info = self.additional_info
        if info is not None and not isinstance(info, AccountUnbindingRedirects):
            fail("additionalInfo", "must be an AccountUnbindingRedirects")
        if info is not None:
            _normalise_redirects(info)
            check_url(info.redirect_url, "additionalInfo.redirectUrl", max_len=2048,
                      required=False)
            check_url(info.failed_redirect_url, "additionalInfo.failedRedirectUrl",
                      max_len=2048, required=False)

    def __repr__(self) -> str:
        return redacted_repr(self, _UNBIND_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _UNBIND_SECRETS)


def _normalise_redirects(info: AccountUnbindingRedirects) -> None:
    """The table's ``redirectionUrl`` / ``failedRedirectionUrl`` are sent as the example's
    ``redirectUrl`` / ``failedRedirectUrl``; both spellings given must agree."""
    for alias, name, wire_alias, wire in (
        ("redirection_url", "redirect_url", "redirectionUrl", "redirectUrl"),
        ("failed_redirection_url", "failed_redirect_url", "failedRedirectionUrl",
         "failedRedirectUrl"),
    ):
        value = getattr(info, alias)
        if value is None:
            continue
        current = getattr(info, name)
        if current is not None and current != value:
            fail(f"additionalInfo.{wire_alias}", f"conflicts with {wire}: give one spelling "
                                                 f"({wire} is sent)")
        setattr(info, name, value)
        setattr(info, alias, None)


class AccountUnbindingInfo(Model, kw_only=True):
    """``additionalInfo`` of the unbinding response: ``redirectUrl`` and ``expiredIn``."""

    expired_in: str | None = None
    """How long the unbinding page stays valid."""
    redirect_url: str | None = None
    """Page where the user confirms the unbinding."""


class AccountUnbindingResponse(WalletResponse, kw_only=True):
    """Unbinding response: the page where the user confirms the unbinding."""

    additional_info: AccountUnbindingInfo | None = None
    """The unbinding page and its validity."""


# -- balance ----------------------------------------------------------------------------------


class BalanceInquiryRequest(Model, kw_only=True):
    """``balance-inquiry`` (11): ``{"additionalInfo":{}}``."""

    additional_info: dict[str, Any] | None = None
    """Free-form object, sent as ``{}``."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        self.additional_info = empty_info(self.additional_info)
        check_info(self.additional_info)


class WalletAccountInfo(Model, kw_only=True):
    """One ``accountInfos[]`` entry: ``balanceType`` (e.g. CASH) and ``availableBalance``."""

    balance_type: str | None = None
    """Kind of balance, e.g. ``CASH``."""
    available_balance: DecimalAmount | None = None
    """Balance the user can spend."""
    amount: DecimalAmount | None = None
    """Total balance."""
    hold_amount: DecimalAmount | None = None
    """Amount on hold."""
    ledger_balance: DecimalAmount | None = None
    """Ledger balance."""
    status: str | None = None
    """Account status."""


class BalanceInquiryResponse(WalletResponse, kw_only=True):
    """Balance inquiry response: ``accountInfos``."""

    account_infos: list[WalletAccountInfo] | None = None
    """One entry per balance."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""


# -- debit ------------------------------------------------------------------------------------


class DebitUrlParam(Model, kw_only=True):
    """One ``urlParams[]`` entry: ``url`` (1-255), ``type`` (1-20, e.g. ``PAY_RETURN``) and
    ``isDeeplink`` (a JSON boolean), all mandatory ("Payment to Merchant" parameter table).
    """

    url: str
    """A return URL or deep link.
    Rule: Required, 1-255 characters."""
    type: str
    """Its role, e.g. ``PAY_RETURN``.
    Rule: Required, 1-20 characters."""
    is_deeplink: bool
    """Whether ``url`` is an app deep link.
    Rule: a JSON boolean (not a string)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "url": text(255, 1, required=True), "type": text(20, 1, required=True),
    }


class DebitPaymentRequest(Model, kw_only=True):
    """``debit/payment-host-to-host`` (54): debit the bound wallet to the merchant.

    Mandatory, as the "Payment to Merchant" table says: ``subMerchantId`` (1-36),
    ``partnerReferenceNo`` (1-64), ``amount`` (a positive decimal in IDR, sent with 2
    decimals) and ``urlParams`` (at least one entry, each with ``url`` <= 255, ``type`` <= 20
    and a boolean ``isDeeplink``). ``additionalInfo`` is a free-form object (``{}`` is sent
    when absent).

    ``partnerReferenceNo`` is the money-duplicate key: reuse it when re-sending after an
    ambiguous outcome (docs/reference/wire.md#decision-i).
    """

    sub_merchant_id: str
    """The sub-merchant that receives the payment.
    Rule: Required, 1-36 characters."""
    partner_reference_no: str
    """Your unique reference; reuse it to retry safely.
    Rule: Required, 1-64 characters."""
    amount: DecimalAmount
    """Amount to debit in IDR (sent with 2 decimals).
    Rule: Required, positive."""
    url_params: list[DebitUrlParam]
    """Return URLs after payment.
    Rule: At least one entry."""
    additional_info: dict[str, Any] | None = None
    """Free-form object (``{}`` when absent)."""

    #: Per-field rules checked in C when a request is read (``models._wire``).
    __wire_rules__: ClassVar[dict[str, Any]] = {
        "sub_merchant_id": text(36, 1, required=True),
        "partner_reference_no": text(PARTNER_REF_MAX, 1, required=True),
        "url_params": Annotated[list[DebitUrlParam], Meta(min_length=1)],
    }

    def __post_init__(self) -> None:
        self._wire_check()
        self.validate()

    def _wire_check(self) -> None:
        self.additional_info = empty_info(self.additional_info)

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.partner_reference_no, "partnerReferenceNo", min_len=1,
                   max_len=PARTNER_REF_MAX, required=True)
        check_text(self.sub_merchant_id, "subMerchantId", min_len=1, max_len=36, required=True)
        check_decimal_amount(self.amount, "amount", required=True)
        params = check_list(self.url_params, "urlParams")
        if not params:
            fail("urlParams", "is required (at least one entry, e.g. the PAY_RETURN url)")
        for i, param in enumerate(params):
            pfield = f"urlParams[{i}]"
            if not isinstance(param, DebitUrlParam):
                fail(pfield, "must be a DebitUrlParam")
            check_text(param.url, f"{pfield}.url", min_len=1, max_len=255, required=True)
            check_text(param.type, f"{pfield}.type", min_len=1, max_len=20, required=True)
            if not isinstance(param.is_deeplink, bool):
                fail(f"{pfield}.isDeeplink", "is required and must be a boolean")
        check_info(self.additional_info)


class DebitPaymentInfo(Model, kw_only=True):
    """``additionalInfo`` of the debit response: ``urlExpiredAt`` of ``webRedirectUrl``."""

    url_expired_at: str | None = None
    """When ``webRedirectUrl`` expires."""


class DebitPaymentResponse(WalletResponse, kw_only=True):
    """Debit response: ``referenceNo`` and the ``webRedirectUrl`` where the user pays."""

    reference_no: str | None = None
    """Pivot's reference of the debit."""
    partner_reference_no: str | None = None
    """Your reference, echoed."""
    web_redirect_url: str | None = None
    """Page where the user approves the payment."""
    additional_info: DebitPaymentInfo | None = None
    """The expiry of ``webRedirectUrl``."""


class DebitStatusRequest(Model, kw_only=True):
    """``debit/status`` (55): status of a debit by its ``partnerReferenceNo``.

    ``serviceCode`` defaults to ``"54"`` (the debit) and is always sent.
    """

    original_partner_reference_no: str
    """Your reference of the debit.
    Rule: Required, 1-64 characters."""
    service_code: str | None = None
    """SNAP service code of the debit (``54``)."""
    original_reference_no: str | None = None
    """Pivot's reference of the debit."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "original_partner_reference_no": text(PARTNER_REF_MAX, 1, required=True),
        "service_code": Annotated[str, Meta(pattern=r"\A[0-9]{2}\Z")] | None,
    }

    def __post_init__(self) -> None:
        self._wire_check()
        self.validate()

    def _wire_check(self) -> None:
        if self.service_code is None:
            self.service_code = "54"

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.original_partner_reference_no, "originalPartnerReferenceNo",
                   min_len=1, max_len=PARTNER_REF_MAX, required=True)
        code: object = self.service_code
        if not isinstance(code, str) or len(code) != 2 or not (code.isascii() and code.isdigit()):
            fail("serviceCode", "must be a 2-digit service code such as '54'")
        check_info(self.additional_info)


class DebitStatusResponse(WalletResponse, kw_only=True):
    """Debit status: ``latestTransactionStatus`` (see ``WalletTransactionStatus``) and amounts.

    The docs spell the echoed reference ``originalPartnerReferenceCode`` (sic); the SNAP name
    ``originalPartnerReferenceNo`` is read too: see :attr:`original_partner_reference`.
    """

    original_partner_reference_no: str | None = None
    """Your reference of the debit."""
    original_partner_reference_code: str | None = None
    """Reference code of the debit (as given)."""
    original_reference_no: str | None = None
    """Pivot's reference of the debit."""
    original_external_id: str | None = None
    """The ``X-EXTERNAL-ID`` of the debit request."""
    service_code: str | None = None
    """SNAP service code of the debit."""
    latest_transaction_status: str | None = None
    """Status code, see ``WalletTransactionStatus`` (``00`` = success)."""
    transaction_status_desc: str | None = None
    """Description of the status."""
    paid_time: str | None = None
    """When the debit was paid."""
    trans_amount: DecimalAmount | None = None
    """Amount of the debit."""
    fee_amount: DecimalAmount | None = None
    """Fee charged."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    @property
    def original_partner_reference(self) -> str | None:
        """The debit's ``partnerReferenceNo``, whichever spelling carried it."""
        if self.original_partner_reference_no is not None:
            return self.original_partner_reference_no
        return self.original_partner_reference_code
