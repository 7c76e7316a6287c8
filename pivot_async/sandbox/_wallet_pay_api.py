"""Wallet payment endpoints: QRIS decode (48), apply OTT (49), QRIS payment (50), direct debit
(54) and debit status (55). Handlers run after verification (steps 1-8); step 9, the duplicate
``partnerReferenceNo`` check (``409xx01``), happens here."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from .._signing import snap_timestamp
from . import _wallet_checks as c
from ._errors import SnapError
from ._qris import parse_qris
from ._wallet_account_api import REDIRECT_FIELDS, redirects
from ._wallet_core import WalletSandbox
from ._wallet_model import (
    STATUS_DESC,
    DecodedQris,
    HistoryEntry,
    OttSession,
    WalletPayment,
    money,
    parse_amount,
)
from ._wallet_verify import Field, SnapContext

__all__ = [
    "APPLY_OTT_FIELDS",
    "DEBIT_FIELDS",
    "DEBIT_STATUS_FIELDS",
    "QR_DECODE_FIELDS",
    "QR_PAYMENT_FIELDS",
    "apply_ott",
    "debit",
    "debit_status",
    "qr_decode",
    "qr_payment",
]

QR_DECODE_FIELDS = (
    Field("qrContent", True, c.qris_content),
    Field("scanTime", False, c.datetime_str),
    Field("additionalInfo", False, c.is_object),
)


def qr_decode(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    content: str = ctx.body["qrContent"]
    parsed = parse_qris(content)
    qris_id = wallet._qris_by_content.get(content)
    if qris_id is None:
        qris_id = str(uuid.uuid4())
        wallet._qris_by_content[content] = qris_id
        wallet._qris[qris_id] = DecodedQris(
            qris_id=qris_id,
            content=content,
            merchant_name=parsed.merchant_name,
            merchant_id=parsed.merchant_id,
            qris_type=parsed.qris_type,
        )
    return {
        "additionalInfo": {
            "merchantId": parsed.merchant_id,
            "qrisId": qris_id,
            "qrisType": parsed.qris_type,
        },
        "merchantCategory": parsed.merchant_category,
        "merchantInfos": parsed.merchant_infos,
        "merchantLocation": parsed.merchant_location,
        "merchantName": parsed.merchant_name,
    }


APPLY_OTT_FIELDS = (
    Field("userResources", True, c.user_resources),
    Field("additionalInfo", True, c.is_object),
    Field("additionalInfo.partnerReferenceNo", True, c.str_max(64)),
    Field("additionalInfo.mode", False, c.one_of("JIT")),
    *REDIRECT_FIELDS,
)


def apply_ott(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    assert ctx.binding is not None
    info: dict[str, Any] = ctx.body["additionalInfo"]
    key = (ctx.merchant.client_key, info["partnerReferenceNo"])
    if key in wallet._ott_keys:
        raise SnapError("4094901", "Duplicate partnerReferenceNo")
    ott = str(uuid.uuid4())
    link, expires = wallet._new_link(
        sub=ctx.binding.binding_id, merchant_id=ctx.merchant.merchant_id, session_id=ott
    )
    redirect, failed = redirects(info)
    wallet._links[link] = OttSession(
        ott=ott,
        partner_reference_no=info["partnerReferenceNo"],
        client_key=ctx.merchant.client_key,
        binding_id=ctx.binding.binding_id,
        redirect_url=redirect,
        failed_url=failed,
        link_token=link,
        expires_at=expires,
    )
    wallet._ott_keys.add(key)
    return {
        "additionalInfo": {
            "paymentUrl": wallet._page_url("qris-payment", link),
            "urlExpiry": snap_timestamp(expires),
        },
        "userResources": [{"resourceType": "OTT", "value": ott}],
    }


_AMOUNT_FIELDS = (
    Field("amount", True, c.is_object),
    Field("amount.value", True, c.amount_value),
    Field("amount.currency", True, c.currency),
)

QR_PAYMENT_FIELDS = (
    Field("partnerReferenceNo", True, c.str_max(64)),
    *_AMOUNT_FIELDS,
    Field("feeAmount", False, c.is_object),
    Field("feeAmount.value", False, c.amount_or_empty),
    Field("feeAmount.currency", False, c.currency_or_empty),
    Field("additionalInfo", True, c.is_object),
    Field("additionalInfo.qrisId", True, c.str_max(64)),
    Field("additionalInfo.mode", False, c.one_of("JIT")),
    *REDIRECT_FIELDS,
)


def _create_payment(
    wallet: WalletSandbox,
    ctx: SnapContext,
    service: str,
    *,
    return_url: str | None,
    failed_url: str | None,
    fee: Decimal = Decimal("0.00"),
    sub_merchant_id: str | None = None,
    qris_id: str | None = None,
) -> WalletPayment:
    """Steps 9+ shared by debit (54) and QRIS payment (50)."""
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
    if qris_id is not None and qris_id not in wallet._qris:
        raise SnapError(f"404{service}08", "Invalid Merchant")
    if amount + fee > binding.account.balance:
        raise SnapError(f"403{service}14", "Insufficient Funds")
    now = wallet.clock.now()
    reference_no = str(uuid.uuid4())
    link, expires = wallet._new_link(
        sub=binding.binding_id, merchant_id=ctx.merchant.merchant_id, session_id=reference_no
    )
    payment = WalletPayment(
        reference_no=reference_no,
        partner_reference_no=partner_ref,
        service=service,
        client_key=ctx.merchant.client_key,
        binding_id=binding.binding_id,
        amount=amount.quantize(Decimal("0.01")),
        created_at=now,
        url_expires_at=expires,
        link_token=link,
        fee=fee,
        return_url=return_url,
        failed_url=failed_url,
        sub_merchant_id=sub_merchant_id,
        qris_id=qris_id,
    )
    wallet._payments[reference_no] = wallet._links[link] = payment
    wallet._payment_keys[key] = reference_no
    binding.account.history.append(
        HistoryEntry(
            type="PAYMENT",
            reference_no=reference_no,
            partner_reference_no=partner_ref,
            amount=payment.amount,
            date_time=now,
            client_key=ctx.merchant.client_key,
            payment=payment,
        )
    )
    return payment


def _fee(body: dict[str, Any]) -> dict[str, Any]:
    """``feeAmount``: the documented ``{"value": "", "currency": ""}`` (or ``{}``) means absent;
    half of one (a value without its currency, or the reverse) is an invalid field."""
    fee_obj: dict[str, Any] = body.get("feeAmount") or {}
    value, currency = fee_obj.get("value") or "", fee_obj.get("currency") or ""
    if value and not currency:
        raise SnapError("4005002", "Invalid Mandatory Field {feeAmount.currency}")
    if currency and not value:
        raise SnapError("4005002", "Invalid Mandatory Field {feeAmount.value}")
    return fee_obj


def qr_payment(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    info: dict[str, Any] = ctx.body["additionalInfo"]
    fee_obj = _fee(ctx.body)
    fee = parse_amount(fee_obj.get("value") or "0") or Decimal("0")
    redirect, failed = redirects(info)
    payment = _create_payment(
        wallet,
        ctx,
        "50",
        return_url=redirect,
        failed_url=failed,
        fee=fee.quantize(Decimal("0.01")),
        qris_id=info["qrisId"],
    )
    return {
        "additionalInfo": {
            "paymentUrl": wallet._page_url("qris-payment", payment.link_token),
            "urlExpiry": snap_timestamp(payment.url_expires_at),
        },
        "amount": money(payment.amount),
        "feeAmount": money(payment.fee),
        "partnerReferenceNo": payment.partner_reference_no,
        "referenceNo": payment.reference_no,
    }


DEBIT_FIELDS = (
    Field("partnerReferenceNo", True, c.str_max(64)),
    *_AMOUNT_FIELDS,
    # "Payment to Merchant" parameter table (debit 54,
    # docs/reference/wire-snap.md#wallet-endpoints): all mandatory
    Field("subMerchantId", True, c.str_max(36)),
    Field("urlParams", True, c.is_list),
    Field("urlParams[]", True, c.is_object),
    Field("urlParams[].url", True, c.str_max(255)),
    Field("urlParams[].type", True, c.str_max(20)),
    Field("urlParams[].isDeeplink", True, c.deeplink_flag),
    Field("additionalInfo", False, c.is_object),
)


def debit(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    wallet._debit_attempts[ctx.body["partnerReferenceNo"]] += 1
    params: list[dict[str, Any]] = ctx.body["urlParams"]
    return_url = next((p["url"] for p in params if p["type"] == "PAY_RETURN"), params[0]["url"])
    payment = _create_payment(
        wallet,
        ctx,
        "54",
        return_url=return_url,
        failed_url=return_url,
        sub_merchant_id=ctx.body.get("subMerchantId"),
    )
    return {
        "additionalInfo": {"urlExpiredAt": snap_timestamp(payment.url_expires_at)},
        "referenceNo": payment.reference_no,
        "webRedirectUrl": wallet._page_url("payment", payment.link_token),
    }


DEBIT_STATUS_FIELDS = (
    Field("originalPartnerReferenceNo", True, c.str_max(64)),
    Field("serviceCode", True, c.one_of("54")),
    Field("originalReferenceNo", False, c.str_max(64)),
    Field("additionalInfo", False, c.is_object),
)


def debit_status(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    key = (ctx.merchant.client_key, "54", body["originalPartnerReferenceNo"])
    ref = wallet._payment_keys.get(key)
    payment = wallet._payments.get(ref) if ref is not None else None
    original_ref = body.get("originalReferenceNo")
    if payment is None or (original_ref and original_ref != payment.reference_no):
        raise SnapError("4045501", "Transaction Not Found")
    wallet._refresh(payment)
    out: dict[str, Any] = {
        # sic (docs/reference/wire.md#decision-n)
        "originalPartnerReferenceCode": payment.partner_reference_no,
        "originalReferenceNo": payment.reference_no,
        "serviceCode": "54",
        "latestTransactionStatus": payment.status,
        "transactionStatusDesc": STATUS_DESC[payment.status],
        "transAmount": money(payment.amount),
        "feeAmount": money(payment.fee),
        "additionalInfo": {},
    }
    if payment.paid_at is not None:
        out["paidTime"] = snap_timestamp(payment.paid_at)
    return out
