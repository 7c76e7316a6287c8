"""``client.wallet``: the Pivot Pay wallet over SNAP.

Calls go through the client's one requestor with the SNAP protocol (B2B, or B2B + B2B2C for
a customer; see :mod:`pivot_async._requestor`): this module touches no header, token, retry
or status code. Customer-scoped calls take a :class:`~pivot_async.WalletCustomer` from
:meth:`Wallet.customer`.

A debit whose outcome is ambiguous (timeout, connection lost after sending, 5xx, 504) is
never re-sent blindly: ``debit/status`` with the original ``partnerReferenceNo`` decides, and
the debit is re-sent (same ``partnerReferenceNo``, new X-EXTERNAL-ID) only when the status
says "not found" (docs/reference/wire.md#decision-i). The caller gets a definite result or an
:class:`~pivot_async.OutcomeUnknownError` carrying the references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import msgspec

from .._config import Timeout
from .._errors import (
    ConfigurationError,
    DuplicatePartnerReferenceError,
    OutcomeUnknownError,
    PivotConnectionError,
    PivotTimeoutError,
    ResponseValidationError,
    ServerError,
    TransactionNotFoundError,
)
from .._options import RequestOptions
from .._transport import deadline
from .._wallet import WalletCustomer, WalletTokens, wallet_path
from ..models import (
    AccountCreationRequest,
    AccountCreationResponse,
    AccountUnbindingRequest,
    AccountUnbindingResponse,
    ApplyOttRequest,
    ApplyOttResponse,
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    DebitPaymentRequest,
    DebitPaymentResponse,
    DebitStatusRequest,
    DebitStatusResponse,
    QrMpmDecodeRequest,
    QrMpmDecodeResponse,
    QrMpmPaymentRequest,
    QrMpmPaymentResponse,
    TransactionHistoryDetailRequest,
    TransactionHistoryDetailResponse,
    TransactionHistoryListRequest,
    TransactionHistoryListResponse,
)
from ..models.params import (
    AccountCreationParams,
    AccountUnbindingParams,
    ApplyOttParams,
    BalanceInquiryParams,
    DebitPaymentParams,
    QrMpmDecodeParams,
    QrMpmPaymentParams,
    TransactionHistoryListParams,
)
from ._base import Resource, coerce_params

if TYPE_CHECKING:
    from .._client import PivotClient

__all__ = ["DebitResult", "Wallet"]

S = TypeVar("S", bound=msgspec.Struct)
R = TypeVar("R", bound=msgspec.Struct)

_NOT_FOUND_STATUS = "07"
_MAX_DEBIT_ROUNDS = 3


@dataclass(frozen=True)
class DebitResult:
    """The definite outcome of :meth:`Wallet.debit`.

    ``response`` is the debit response when the debit call itself answered; ``status`` the
    ``debit/status`` answer when an ambiguous outcome was resolved through it (then
    ``recovered`` is True). ``web_redirect_url`` is where the customer confirms the payment
    (absent when recovered through the status call).
    """

    partner_reference_no: str
    reference_no: str | None
    web_redirect_url: str | None
    response: DebitPaymentResponse | None = None
    status: DebitStatusResponse | None = None

    @property
    def recovered(self) -> bool:
        """True if the outcome came from ``debit/status`` after an ambiguous debit."""
        return self.status is not None


class Wallet(Resource):
    """``client.wallet``: Pivot Pay wallet operations (needs ``PivotClient(wallet=...)``)."""

    def __init__(self, client: PivotClient, tokens: WalletTokens | None) -> None:
        super().__init__(client)
        self._tokens = tokens

    @property
    def tokens(self) -> WalletTokens:
        """The wallet's token manager (B2B token and customer handles)."""
        if self._tokens is None:
            raise ConfigurationError(
                "wallet credentials are not configured: PivotClient(..., wallet="
                "WalletCredentials(...)) or the PIVOT_WALLET_* variables"
            )
        return self._tokens

    def customer(self, binding_id: str) -> WalletCustomer:
        """The handle of a bound customer, from the binding's ``bindingId`` (the authCode)."""
        return self.tokens.customer(binding_id)

    async def _call(
        self,
        endpoint: str,
        params: S | Mapping[str, Any],
        request_type: type[S],
        response_type: type[R],
        *,
        customer: WalletCustomer | None = None,
        timeout: Timeout | float | None = None,
    ) -> R:
        body = coerce_params(params, request_type)
        return await self._send(endpoint, body, response_type, customer=customer,
                                timeout=timeout)

    async def _send(
        self,
        endpoint: str,
        body: msgspec.Struct,
        response_type: type[R],
        *,
        customer: WalletCustomer | None,
        timeout: Timeout | float | None,
    ) -> R:
        result: R = await self._requestor.request(
            self.tokens.protocol(customer), "POST", wallet_path(endpoint), response_type,
            body=body, options=RequestOptions(timeout=timeout) if timeout is not None else None,
        )
        return result

    # -- B2B operations ------------------------------------------------------------------------

    async def create_account(
        self, params: AccountCreationRequest | AccountCreationParams, *,
        timeout: Timeout | float | None = None,
    ) -> AccountCreationResponse:
        """Create or bind a wallet account (``registration-account-creation``, service 06).

        The response's ``additionalInfo.activationLink`` is where the user binds; the binding
        yields the ``bindingId`` used with :meth:`customer`.
        """
        return await self._call("registration-account-creation", params,
                                AccountCreationRequest, AccountCreationResponse, timeout=timeout)

    async def unbind(
        self, params: AccountUnbindingRequest | AccountUnbindingParams, *,
        timeout: Timeout | float | None = None,
    ) -> AccountUnbindingResponse:
        """Unbind an account (``registration-account-unbinding``, service 09)."""
        return await self._call("registration-account-unbinding", params,
                                AccountUnbindingRequest, AccountUnbindingResponse,
                                timeout=timeout)

    # -- customer operations ---------------------------------------------------------------

    async def balance(
        self, customer: WalletCustomer,
        params: BalanceInquiryRequest | BalanceInquiryParams | None = None, *,
        timeout: Timeout | float | None = None,
    ) -> BalanceInquiryResponse:
        """The customer's balance (``balance-inquiry``, service 11)."""
        return await self._call("balance-inquiry", params or {"additionalInfo": {}},
                                BalanceInquiryRequest, BalanceInquiryResponse,
                                customer=customer, timeout=timeout)

    async def debit_status(
        self, customer: WalletCustomer, original_partner_reference_no: str, *,
        timeout: Timeout | float | None = None,
    ) -> DebitStatusResponse:
        """The status of a debit (``debit/status``, service 55)."""
        return await self._call(
            "debit/status",
            {"originalPartnerReferenceNo": original_partner_reference_no, "serviceCode": "54",
             "additionalInfo": {}},
            DebitStatusRequest, DebitStatusResponse, customer=customer, timeout=timeout,
        )

    async def debit(
        self, customer: WalletCustomer, params: DebitPaymentRequest | DebitPaymentParams, *,
        timeout: Timeout | float | None = None,
    ) -> DebitResult:
        """Debit the customer's wallet (``debit/payment-host-to-host``, service 54).

        Never debits twice: see the module docs for the ambiguous-outcome procedure.
        """
        body = coerce_params(params, DebitPaymentRequest)
        ref = body.partner_reference_no
        refs = {"partnerReferenceNo": ref, "bindingId": customer.binding_id}
        total = (Timeout.coerce(timeout) if timeout is not None else self._requestor.timeout).total
        # One deadline for the whole procedure: debit attempts and status resolution (a
        # status call the deadline leaves no time for is not sent: the outcome is unknown).
        with deadline(total):
            return await self._debit_rounds(customer, body, refs, timeout)

    async def _debit_rounds(
        self, customer: WalletCustomer, body: DebitPaymentRequest, refs: dict[str, str],
        timeout: Timeout | float | None,
    ) -> DebitResult:
        ref = body.partner_reference_no
        last: Exception | None = None
        for _ in range(_MAX_DEBIT_ROUNDS):
            try:
                resp = await self._send("debit/payment-host-to-host", body,
                                        DebitPaymentResponse, customer=customer, timeout=timeout)
                return DebitResult(ref, resp.reference_no, resp.web_redirect_url, response=resp)
            except DuplicatePartnerReferenceError as exc:
                last = exc  # an earlier attempt landed after all: ask the status
            except (ServerError, PivotTimeoutError, ResponseValidationError) as exc:
                # ResponseValidationError: an answer that does not decode (malformed, cut,
                # nested too deep, too large) tells nothing about whether the debit landed;
                # the status call decides.
                last = exc
            except PivotConnectionError as exc:
                if _not_sent(exc):
                    raise
                last = exc
            try:
                status = await self.debit_status(customer, ref, timeout=timeout)
            except TransactionNotFoundError:
                continue  # nothing landed: re-send (same reference, new X-EXTERNAL-ID)
            except (ServerError, PivotConnectionError, ResponseValidationError) as exc:
                raise OutcomeUnknownError(
                    "the debit's outcome is unknown and its status could not be read",
                    references=refs,
                ) from exc
            if status.latest_transaction_status == _NOT_FOUND_STATUS:
                continue
            return DebitResult(ref, status.original_reference_no, None, status=status)
        raise OutcomeUnknownError(
            "the debit's outcome stayed ambiguous after status checks", references=refs
        ) from last

    async def apply_ott(
        self, customer: WalletCustomer, params: ApplyOttRequest | ApplyOttParams, *,
        timeout: Timeout | float | None = None,
    ) -> ApplyOttResponse:
        """A one-time token for a QRIS payment page (``qr/apply-ott``, service 49)."""
        return await self._call("qr/apply-ott", params, ApplyOttRequest, ApplyOttResponse,
                                customer=customer, timeout=timeout)

    async def qr_decode(
        self, customer: WalletCustomer, params: QrMpmDecodeRequest | QrMpmDecodeParams, *,
        timeout: Timeout | float | None = None,
    ) -> QrMpmDecodeResponse:
        """Decode a merchant QRIS (``qr/qr-mpm-decode``, service 48)."""
        return await self._call("qr/qr-mpm-decode", params, QrMpmDecodeRequest,
                                QrMpmDecodeResponse, customer=customer, timeout=timeout)

    async def qr_payment(
        self, customer: WalletCustomer, params: QrMpmPaymentRequest | QrMpmPaymentParams, *,
        timeout: Timeout | float | None = None,
    ) -> QrMpmPaymentResponse:
        """Pay a decoded QRIS (``qr/qr-mpm-payment``, service 50).

        Not re-sent on an ambiguous outcome (no status endpoint): check with
        :meth:`history_detail` using the ``partnerReferenceNo``.
        """
        return await self._call("qr/qr-mpm-payment", params, QrMpmPaymentRequest,
                                QrMpmPaymentResponse, customer=customer, timeout=timeout)

    async def history(
        self, customer: WalletCustomer,
        params: TransactionHistoryListRequest | TransactionHistoryListParams, *,
        timeout: Timeout | float | None = None,
    ) -> TransactionHistoryListResponse:
        """The customer's transactions (``transaction-history-list``, service 12)."""
        return await self._call("transaction-history-list", params,
                                TransactionHistoryListRequest, TransactionHistoryListResponse,
                                customer=customer, timeout=timeout)

    async def history_detail(
        self, customer: WalletCustomer, original_partner_reference_no: str, *,
        timeout: Timeout | float | None = None,
    ) -> TransactionHistoryDetailResponse:
        """One transaction (``transaction-history-detail``, service 13)."""
        return await self._call(
            "transaction-history-detail",
            {"originalPartnerReferenceNo": original_partner_reference_no, "additionalInfo": {}},
            TransactionHistoryDetailRequest, TransactionHistoryDetailResponse,
            customer=customer, timeout=timeout,
        )


def _not_sent(exc: PivotConnectionError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
