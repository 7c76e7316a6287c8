"""The ten transactional endpoints of docs/reference/wire-snap.md#wallet-endpoints, each
registered in :data:`ENDPOINTS` with its field table. Handlers run after verification (steps
1-8); step 9, the duplicate ``partnerReferenceNo`` check (``409xx01``), happens here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from .._signing import parse_snap_datetime, snap_timestamp
from . import _wallet_verify as v
from ._errors import SnapError
from ._fields import Field, Rule, text
from ._qris import parse_qris
from ._wallet_core import (
    HistoryEntry,
    PageLink,
    Registration,
    WalletPayment,
    WalletSandbox,
    money,
    parse_amount,
)
from ._wallet_verify import SnapContext

__all__ = ["ENDPOINTS", "Endpoint"]

Handler = Callable[[WalletSandbox, SnapContext], dict[str, Any]]


class Endpoint(NamedTuple):
    path: str
    service: str
    customer: bool
    fields: tuple[Field, ...]
    handler: Handler


ENDPOINTS: list[Endpoint] = []
"""Every endpoint: path under the API prefix, service, customer token needed, body fields."""


def endpoint(path: str, service: str, *fields: Field) -> Callable[[Handler], Handler]:
    """Registers a handler; all but the account endpoints (06, 09) take a customer token."""

    def register(handler: Handler) -> Handler:
        customer = service not in ("06", "09")
        ENDPOINTS.append(Endpoint(path, service, customer, fields, handler))
        return handler

    return register


# ------------------------------------------------------------------ account endpoints

REDIRECT_FIELDS = tuple(
    Field(f"additionalInfo.{name}", False, v.url)
    for name in ("redirectUrl", "failedRedirectUrl", "redirectionUrl", "failedRedirectionUrl")
)


def _redirects(info: dict[str, Any]) -> tuple[str | None, str | None]:
    """The success and failure redirect URLs of ``additionalInfo`` (either spelling)."""
    return (
        info.get("redirectUrl") or info.get("redirectionUrl"),
        info.get("failedRedirectUrl") or info.get("failedRedirectionUrl"),
    )


@endpoint(
    "registration-account-creation",
    "06",
    Field("partnerReferenceNo", True, text(64)),
    Field("merchantId", True, text(36)),
    Field("name", False, text(50)),
    Field("phoneNo", True, v.msisdn),
    Field("redirectUrl", True, v.url),
    Field("additionalInfo", False, v.is_object),
)
def account_creation(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    reference_no = str(uuid.uuid4())
    link, page, expires = wallet._new_link(
        "account-linkage-bind", str(uuid.uuid4()), body["merchantId"], reference_no
    )
    reg = Registration(
        reference_no,
        ctx.merchant.client_key,
        body.get("name") or "",
        body["phoneNo"],
        body["redirectUrl"],
        expires,
    )
    wallet.registrations[reference_no] = wallet._links[link] = reg
    info = {"activationLink": page, "expiredAt": snap_timestamp(expires)}
    return {"additionalInfo": info, "referenceNo": reference_no}


@endpoint(
    "registration-account-unbinding",
    "09",
    Field("merchantId", True, text(36)),
    Field("tokenId", True, text(64)),
    Field("additionalInfo", False, v.is_object),
    *REDIRECT_FIELDS,
)
def unbinding(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    binding = wallet.bindings.get(body["tokenId"])
    if binding is None or not binding.active or binding.client_key != ctx.merchant.client_key:
        raise SnapError("4040911", "Invalid Card/Account/Customer/VA")
    binding.active = False  # its customer and refresh tokens stop working (binding checks)
    link, page, expires = wallet._new_link(
        "account-linkage-unbind", binding.binding_id, body["merchantId"], str(uuid.uuid4())
    )
    wallet._links[link] = PageLink(_redirects(body.get("additionalInfo") or {})[0], expires)
    return {"additionalInfo": {"expiredIn": snap_timestamp(expires), "redirectUrl": page}}


@endpoint("balance-inquiry", "11", Field("additionalInfo", False, v.is_object))
def balance_inquiry(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    assert ctx.binding is not None
    balance = money(ctx.binding.account.balance)
    return {"accountInfos": [{"availableBalance": balance, "balanceType": "CASH"}]}


def _visible(wallet: WalletSandbox, ctx: SnapContext) -> list[HistoryEntry]:
    assert ctx.binding is not None
    key = ctx.merchant.client_key
    entries = [e for e in ctx.binding.account.history if e.client_key in (None, key)]
    for e in entries:
        if e.payment is not None:
            wallet._refresh(e.payment)
    return entries


@endpoint(
    "transaction-history-list",
    "12",
    Field("partnerReferenceNo", False, text(64)),
    Field("fromDateTime", True, v.datetime_str),
    Field("toDateTime", True, v.datetime_str),
    Field("pageSize", True, v.page_size),
    Field("pageNumber", True, v.page_number),
    Field("additionalInfo", False, v.is_object),
)
def history_list(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    start, end = parse_snap_datetime(body["fromDateTime"]), parse_snap_datetime(body["toDateTime"])
    if start > end:
        raise SnapError("4001201", "Invalid Field Format {fromDateTime}")
    ref = body.get("partnerReferenceNo") or ""
    rows = [e for e in _visible(wallet, ctx) if start <= e.date_time <= end]
    rows = [e for e in rows if not ref or e.partner_reference_no == ref]
    rows.reverse()  # newest first; equal times keep the newest-recorded first (stable sort)
    rows.sort(key=lambda e: e.date_time, reverse=True)
    size, number = int(body["pageSize"]), int(body["pageNumber"])
    return {
        "detailData": [
            {
                "dateTime": snap_timestamp(e.date_time),
                "status": e.status,
                "type": e.type,
                "amount": money(e.amount),
                "additionalInfo": {
                    "referenceNo": e.reference_no,
                    "partnerReferenceNo": e.partner_reference_no,
                },
            }
            for e in rows[(number - 1) * size : number * size]
        ]
    }


@endpoint(
    "transaction-history-detail",
    "13",
    Field("originalPartnerReferenceNo", True, text(64)),
    Field("additionalInfo", False, v.is_object),
)
def history_detail(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    ref = ctx.body["originalPartnerReferenceNo"]
    for e in _visible(wallet, ctx):
        if e.partner_reference_no == ref:
            return {
                "amount": money(e.amount),
                "dateTime": snap_timestamp(e.date_time),
                "partnerReferenceNo": e.partner_reference_no,
                "referenceNo": e.reference_no,
                "status": e.status,
                "type": e.type,
            }
    raise SnapError("4041301", "Transaction Not Found")


# ------------------------------------------------------------------ payment endpoints

_JIT = Rule(choices=("JIT",))


@endpoint(
    "qr/qr-mpm-decode",
    "48",
    Field("qrContent", True, v.qris_content),
    Field("scanTime", False, v.datetime_str),
    Field("additionalInfo", False, v.is_object),
)
def qr_decode(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    content: str = ctx.body["qrContent"]
    parsed = parse_qris(content)
    qris_id = wallet._qris_ids.setdefault(content, str(uuid.uuid4()))
    info = {"merchantId": parsed.merchant_id, "qrisId": qris_id, "qrisType": parsed.qris_type}
    return {
        "additionalInfo": info,
        "merchantCategory": parsed.merchant_category,
        "merchantInfos": parsed.merchant_infos,
        "merchantLocation": parsed.merchant_location,
        "merchantName": parsed.merchant_name,
    }


@endpoint(
    "qr/apply-ott",
    "49",
    Field("userResources", True, v.user_resources),
    Field("additionalInfo", True, v.is_object),
    Field("additionalInfo.partnerReferenceNo", True, text(64)),
    Field("additionalInfo.mode", False, _JIT),
    *REDIRECT_FIELDS,
)
def apply_ott(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    assert ctx.binding is not None
    info: dict[str, Any] = ctx.body["additionalInfo"]
    key = (ctx.merchant.client_key, info["partnerReferenceNo"])
    if key in wallet._ott_keys:
        raise SnapError("4094901", "Duplicate partnerReferenceNo")
    ott = str(uuid.uuid4())
    link, page, expires = wallet._new_link(
        "qris-payment", ctx.binding.binding_id, ctx.merchant.merchant_id, ott
    )
    wallet._links[link] = PageLink(_redirects(info)[0], expires, ott)
    wallet._ott_keys.add(key)
    info = {"paymentUrl": page, "urlExpiry": snap_timestamp(expires)}
    return {"additionalInfo": info, "userResources": [{"resourceType": "OTT", "value": ott}]}


def _create_payment(
    wallet: WalletSandbox,
    ctx: SnapContext,
    service: str,
    urls: tuple[str | None, str | None],
    fee: Decimal = Decimal("0.00"),
    qris_id: str | None = None,
) -> tuple[WalletPayment, str]:
    """Steps 9+ shared by debit (54) and QRIS payment (50): the payment and its page's URL."""
    binding = ctx.binding
    assert binding is not None
    partner_ref: str = ctx.body["partnerReferenceNo"]
    key = (ctx.merchant.client_key, service, partner_ref)
    if key in wallet._payment_keys:
        raise SnapError(f"409{service}01", "Duplicate partnerReferenceNo")
    amount = parse_amount(ctx.body["amount"]["value"])
    assert amount is not None
    if amount <= 0:
        raise SnapError(f"404{service}13", "Invalid Amount")
    if qris_id is not None and qris_id not in wallet._qris_ids.values():
        raise SnapError(f"404{service}08", "Invalid Merchant")
    if amount + fee > binding.account.balance:
        raise SnapError(f"403{service}14", "Insufficient Funds")
    now = wallet.clock.now()
    reference_no = str(uuid.uuid4())
    page_name = "payment" if service == "54" else "qris-payment"
    link, page, expires = wallet._new_link(
        page_name, binding.binding_id, ctx.merchant.merchant_id, reference_no
    )
    payment = WalletPayment(
        reference_no, partner_ref, service, binding.binding_id, amount, fee, expires, *urls
    )
    wallet.payments[reference_no] = wallet._links[link] = payment
    wallet._payment_keys[key] = reference_no
    binding.account.history.append(
        HistoryEntry("PAYMENT", reference_no, partner_ref, amount, now, key[0], payment)
    )
    return payment, page


_AMOUNT_FIELDS = (
    Field("amount", True, v.is_object),
    Field("amount.value", True, v.amount_value),
    Field("amount.currency", True, Rule(choices=("IDR",))),
)


@endpoint(
    "qr/qr-mpm-payment",
    "50",
    Field("partnerReferenceNo", True, text(64)),
    *_AMOUNT_FIELDS,
    Field("feeAmount", False, v.is_object),
    Field("feeAmount.value", False, v.amount_or_empty),
    Field("feeAmount.currency", False, Rule(choices=("IDR", ""))),
    Field("additionalInfo", True, v.is_object),
    Field("additionalInfo.qrisId", True, text(64)),
    Field("additionalInfo.mode", False, _JIT),
    *REDIRECT_FIELDS,
)
def qr_payment(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    info: dict[str, Any] = ctx.body["additionalInfo"]
    # feeAmount: the documented {"value": "", "currency": ""} (or {}) means absent; half of one
    # (a value without its currency, or the reverse) is an invalid field
    fee_obj: dict[str, Any] = ctx.body.get("feeAmount") or {}
    value, currency = fee_obj.get("value") or "", fee_obj.get("currency") or ""
    if bool(value) != bool(currency):
        half = "currency" if value else "value"
        raise SnapError("4005002", f"Invalid Mandatory Field {{feeAmount.{half}}}")
    fee = parse_amount(value or "0") or Decimal("0.00")
    payment, page = _create_payment(wallet, ctx, "50", _redirects(info), fee, info["qrisId"])
    return {
        "additionalInfo": {"paymentUrl": page, "urlExpiry": snap_timestamp(payment.url_expires_at)},
        "amount": money(payment.amount),
        "feeAmount": money(payment.fee),
        "partnerReferenceNo": payment.partner_reference_no,
        "referenceNo": payment.reference_no,
    }


@endpoint(
    "debit/payment-host-to-host",
    "54",
    Field("partnerReferenceNo", True, text(64)),
    *_AMOUNT_FIELDS,
    # "Payment to Merchant" parameter table (debit 54,
    # docs/reference/wire-snap.md#wallet-endpoints): all mandatory
    Field("subMerchantId", True, text(36)),
    Field("urlParams", True, Rule("array")),
    Field("urlParams[]", True, v.is_object),
    Field("urlParams[].url", True, text(255)),
    Field("urlParams[].type", True, text(20)),
    Field("urlParams[].isDeeplink", True, v.deeplink_flag),
    Field("additionalInfo", False, v.is_object),
)
def debit(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    wallet.debit_attempts[ctx.body["partnerReferenceNo"]] += 1
    params: list[dict[str, Any]] = ctx.body["urlParams"]
    return_url = next((p["url"] for p in params if p["type"] == "PAY_RETURN"), params[0]["url"])
    payment, page = _create_payment(wallet, ctx, "54", (return_url, return_url))
    expiry = snap_timestamp(payment.url_expires_at)
    return {
        "additionalInfo": {"urlExpiredAt": expiry},
        "referenceNo": payment.reference_no,
        "webRedirectUrl": page,
    }


@endpoint(
    "debit/status",
    "55",
    Field("originalPartnerReferenceNo", True, text(64)),
    Field("serviceCode", True, Rule(choices=("54",))),
    Field("originalReferenceNo", False, text(64)),
    Field("additionalInfo", False, v.is_object),
)
def debit_status(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    key = (ctx.merchant.client_key, "54", body["originalPartnerReferenceNo"])
    payment = wallet.payments.get(wallet._payment_keys.get(key, ""))
    original_ref = body.get("originalReferenceNo")
    if payment is None or (original_ref and original_ref != payment.reference_no):
        raise SnapError("4045501", "Transaction Not Found")
    wallet._refresh(payment)
    out: dict[str, Any] = {  # originalPartnerReferenceCode: sic (docs/reference/wire.md#decision-n)
        "originalPartnerReferenceCode": payment.partner_reference_no,
        "originalReferenceNo": payment.reference_no,
        "serviceCode": "54",
        "latestTransactionStatus": payment.status,
        "transactionStatusDesc": payment.status_desc,
        "transAmount": money(payment.amount),
        "feeAmount": money(payment.fee),
        "additionalInfo": {},
    }
    if payment.paid_at is not None:
        out["paidTime"] = snap_timestamp(payment.paid_at)
    return out
