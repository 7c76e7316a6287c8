"""Wallet endpoints about the account: creation/binding (06), unbinding (09), balance (11),
transaction history list (12) and detail (13). Handlers run after verification (steps 1-8)."""

from __future__ import annotations

import uuid
from typing import Any

from .._signing import parse_snap_datetime, snap_timestamp
from . import _wallet_checks as c
from ._errors import SnapError
from ._wallet_core import WalletSandbox
from ._wallet_model import HistoryEntry, Registration, UnbindLink, money
from ._wallet_verify import Field, SnapContext

__all__ = [
    "ACCOUNT_CREATION_FIELDS",
    "REDIRECT_FIELDS",
    "BALANCE_FIELDS",
    "HISTORY_DETAIL_FIELDS",
    "HISTORY_LIST_FIELDS",
    "UNBINDING_FIELDS",
    "account_creation",
    "balance_inquiry",
    "history_detail",
    "history_list",
    "redirects",
    "unbinding",
]

ACCOUNT_CREATION_FIELDS = (
    Field("partnerReferenceNo", True, c.str_max(64)),
    Field("merchantId", True, c.str_max(36)),
    Field("name", False, c.str_max(50)),
    Field("phoneNo", True, c.msisdn),
    Field("redirectUrl", True, c.url),
    Field("additionalInfo", False, c.is_object),
)


def account_creation(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    reference_no = str(uuid.uuid4())
    link, expires = wallet._new_link(
        sub=str(uuid.uuid4()), merchant_id=body["merchantId"], session_id=reference_no
    )
    reg = Registration(
        reference_no=reference_no,
        partner_reference_no=body["partnerReferenceNo"],
        client_key=ctx.merchant.client_key,
        merchant_id=body["merchantId"],
        name=body.get("name") or "",
        phone_no=body["phoneNo"],
        redirect_url=body["redirectUrl"],
        link_token=link,
        expires_at=expires,
    )
    wallet._registrations[reference_no] = wallet._links[link] = reg
    return {
        "additionalInfo": {
            "activationLink": wallet._page_url("account-linkage-bind", link),
            "expiredAt": snap_timestamp(expires),
        },
        "referenceNo": reference_no,
    }


REDIRECT_FIELDS = (
    Field("additionalInfo.redirectUrl", False, c.url),
    Field("additionalInfo.failedRedirectUrl", False, c.url),
    Field("additionalInfo.redirectionUrl", False, c.url),
    Field("additionalInfo.failedRedirectionUrl", False, c.url),
)


def redirects(info: dict[str, Any]) -> tuple[str | None, str | None]:
    """The success and failure redirect URLs of ``additionalInfo`` (either spelling)."""
    return (
        info.get("redirectUrl") or info.get("redirectionUrl"),
        info.get("failedRedirectUrl") or info.get("failedRedirectionUrl"),
    )


UNBINDING_FIELDS = (
    Field("merchantId", True, c.str_max(36)),
    Field("tokenId", True, c.str_max(64)),
    Field("additionalInfo", False, c.is_object),
    *REDIRECT_FIELDS,
)


def unbinding(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    binding = wallet._bindings.get(body["tokenId"])
    if binding is None or not binding.active or binding.client_key != ctx.merchant.client_key:
        raise SnapError("4040911", "Invalid Card/Account/Customer/VA")
    binding.active = False
    binding.unbound_at = wallet.clock.now()
    wallet._revoke_binding_tokens(binding.binding_id)
    redirect, failed = redirects(body.get("additionalInfo") or {})
    link, expires = wallet._new_link(
        sub=binding.binding_id, merchant_id=body["merchantId"], session_id=str(uuid.uuid4())
    )
    wallet._links[link] = UnbindLink(binding.binding_id, redirect, failed, expires)
    return {
        "additionalInfo": {
            "expiredIn": snap_timestamp(expires),
            "redirectUrl": wallet._page_url("account-linkage-unbind", link),
        },
    }


BALANCE_FIELDS = (Field("additionalInfo", False, c.is_object),)


def balance_inquiry(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    assert ctx.binding is not None
    return {
        "accountInfos": [
            {"availableBalance": money(ctx.binding.account.balance), "balanceType": "CASH"},
        ],
    }


HISTORY_LIST_FIELDS = (
    Field("partnerReferenceNo", False, c.str_max(64)),
    Field("fromDateTime", True, c.datetime_str),
    Field("toDateTime", True, c.datetime_str),
    Field("pageSize", True, c.page_size),
    Field("pageNumber", True, c.page_number),
    Field("additionalInfo", False, c.is_object),
)


def _visible(wallet: WalletSandbox, ctx: SnapContext) -> list[HistoryEntry]:
    assert ctx.binding is not None
    key = ctx.merchant.client_key
    entries = [e for e in ctx.binding.account.history if e.client_key in (None, key)]
    for e in entries:
        if e.payment is not None:
            wallet._refresh(e.payment)
    return entries


def _row(e: HistoryEntry) -> dict[str, Any]:
    return {
        "dateTime": snap_timestamp(e.date_time),
        "status": e.status,
        "type": e.type,
        "amount": money(e.amount),
        "additionalInfo": {
            "referenceNo": e.reference_no,
            "partnerReferenceNo": e.partner_reference_no,
        },
    }


def history_list(wallet: WalletSandbox, ctx: SnapContext) -> dict[str, Any]:
    body = ctx.body
    start = parse_snap_datetime(body["fromDateTime"])
    end = parse_snap_datetime(body["toDateTime"])
    if start > end:
        raise SnapError("4001201", "Invalid Field Format {fromDateTime}")
    ref = body.get("partnerReferenceNo") or ""
    rows = [
        e
        for e in _visible(wallet, ctx)
        if start <= e.date_time <= end and (not ref or e.partner_reference_no == ref)
    ]
    rows.reverse()  # newest first; equal times keep the newest-recorded first (stable sort)
    rows.sort(key=lambda e: e.date_time, reverse=True)
    size, number = int(body["pageSize"]), int(body["pageNumber"])
    page = rows[(number - 1) * size : number * size]
    return {"detailData": [_row(e) for e in page]}


HISTORY_DETAIL_FIELDS = (
    Field("originalPartnerReferenceNo", True, c.str_max(64)),
    Field("additionalInfo", False, c.is_object),
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
