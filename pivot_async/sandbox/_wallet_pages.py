"""The customer side of the wallet sandbox: HTML pages behind the links the API returns
(activation, unbinding, payment, QRIS payment) and JSON control routes doing the same steps."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import msgspec
from aiohttp import web

from ._html import form, page
from ._wallet_core import WalletSandbox, WalletStateError
from ._wallet_model import STATUS_DESC, WalletPayment, jakarta, money

__all__ = ["add_page_routes"]

_FOOTER = "Pivot Pay wallet sandbox - no real money moves."


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    return page(title, body, status=status, footer=_FOOTER)


def _form(*buttons: tuple[str, str]) -> str:
    """A form posting ``action=<value>`` to the page itself, one button per choice."""
    return form(None, (), [("action", value, label) for value, label in buttons])


def _redirect(location: str) -> NoReturn:
    raise web.HTTPFound(location)


async def _action(request: web.Request) -> str:
    if request.method != "POST":
        return ""
    form = await request.post()
    value = form.get("action", "")
    return value if isinstance(value, str) else ""


def _state_page(exc: WalletStateError) -> web.Response:
    return _page("Not possible", f"<p>{html.escape(str(exc))}</p>", status=exc.status)


def _unknown() -> web.Response:
    return _page("Link not found", "<p>This link is unknown to the sandbox.</p>", status=404)


def payment_json(p: WalletPayment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "referenceNo": p.reference_no,
        "partnerReferenceNo": p.partner_reference_no,
        "serviceCode": p.service,
        "bindingId": p.binding_id,
        "latestTransactionStatus": p.status,
        "transactionStatusDesc": STATUS_DESC[p.status],
        "amount": money(p.amount),
    }
    if p.paid_at is not None:
        out["paidTime"] = jakarta(p.paid_at)
    return out


def add_page_routes(app: web.Application, wallet: WalletSandbox) -> None:
    pages = wallet.config.pages_prefix.rstrip("/")
    control = wallet.config.control_prefix.rstrip("/")

    async def bind_page(request: web.Request) -> web.Response:
        ref = wallet._registration_links.get(request.query.get("token", ""))
        reg = wallet._registrations.get(ref or "")
        if reg is None:
            return _unknown()
        if await _action(request) == "bind":
            try:
                wallet.complete_binding(reg.reference_no)
            except WalletStateError as exc:
                return _state_page(exc)
            _redirect(wallet.binding_redirect_url(reg))
        if reg.binding_id is not None:
            target = html.escape(wallet.binding_redirect_url(reg), quote=True)
            return _page("Account linked", f"<p><a href='{target}'>Continue</a></p>")
        if wallet.clock.now() >= reg.expires_at:
            return _page("Link expired", "<p>The activation link has expired.</p>", status=410)
        info = (
            f"<p>Link the Pivot Pay wallet of <b>{html.escape(reg.name or '-')}</b> "
            f"({html.escape(reg.phone_no)}) to this merchant?</p>"
        )
        return _page("Link your wallet", info + _form(("bind", "Link account")))

    async def unbind_page(request: web.Request) -> web.Response:
        link = wallet._unbind_links.get(request.query.get("token", ""))
        if link is None:
            return _unknown()
        if wallet.clock.now() >= link.expires_at:
            return _page("Link expired", "<p>The link has expired.</p>", status=410)
        if await _action(request) == "continue" and link.redirect_url:
            _redirect(link.redirect_url)
        return _page(
            "Wallet unlinked",
            "<p>The wallet is no longer linked.</p>" + _form(("continue", "Continue")),
        )

    async def payment_page(request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        ref = wallet._payment_links.get(token)
        if ref is None:
            ott = wallet._otts.get(wallet._ott_links.get(token, ""))
            if ott is None:
                return _unknown()
            if await _action(request) == "continue" and ott.redirect_url:
                _redirect(ott.redirect_url)
            return _page(
                "QRIS payment link",
                f"<p>One-time token {html.escape(ott.ott)}.</p>" + _form(("continue", "Continue")),
            )
        payment = wallet._payments[ref]
        wallet._refresh(payment)
        action = await _action(request)
        if action in ("pay", "cancel"):
            try:
                if action == "pay":
                    wallet.complete_payment(ref)
                    target = payment.return_url
                else:
                    wallet.cancel_payment(ref)
                    target = payment.failed_url
            except WalletStateError as exc:
                return _state_page(exc)
            if target:
                _redirect(target)
        amount = money(payment.amount)["value"]
        text = (
            f"<p>Pay <b>IDR {html.escape(amount)}</b> "
            f"(ref {html.escape(payment.partner_reference_no)}).</p>"
            f"<p>Status: {html.escape(STATUS_DESC[payment.status])}</p>"
        )
        if payment.status == "01":
            text += _form(("pay", "Pay"), ("cancel", "Cancel"))
        return _page("Confirm payment", text)

    def _json(data: Any, status: int = 200) -> web.Response:
        return web.Response(
            body=msgspec.json.encode(data), status=status, content_type="application/json"
        )

    def _control(exc: WalletStateError) -> web.Response:
        return _json({"error": str(exc)}, exc.status)

    async def bind_control(request: web.Request) -> web.Response:
        ref = request.match_info["reference"]
        try:
            binding = wallet.complete_binding(ref)
            reg = wallet._registrations[ref]
            return _json(
                {
                    "referenceNo": ref,
                    "bindingId": binding.binding_id,
                    "redirectUrl": wallet.binding_redirect_url(reg),
                }
            )
        except WalletStateError as exc:
            return _control(exc)

    async def pay_control(request: web.Request) -> web.Response:
        try:
            return _json(payment_json(wallet.complete_payment(request.match_info["reference"])))
        except WalletStateError as exc:
            return _control(exc)

    async def cancel_control(request: web.Request) -> web.Response:
        try:
            return _json(payment_json(wallet.cancel_payment(request.match_info["reference"])))
        except WalletStateError as exc:
            return _control(exc)

    async def payment_control(request: web.Request) -> web.Response:
        payment = wallet.get_payment(request.match_info["reference"])
        if payment is None:
            return _json({"error": "unknown payment referenceNo"}, 404)
        return _json(payment_json(payment))

    async def balance_control(request: web.Request) -> web.Response:
        try:
            data = msgspec.json.decode(await request.read())
            value = Decimal(data["value"]) if isinstance(data, dict) else None
        except (msgspec.DecodeError, KeyError, TypeError, InvalidOperation):
            value = None
        if value is None:
            return _json({"error": 'expected {"value": "<amount>"}'}, 400)
        try:
            balance = wallet.set_balance(request.match_info["binding"], value)
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        except WalletStateError as exc:
            return _control(exc)
        return _json({"bindingId": request.match_info["binding"], "balance": money(balance)})

    async def merchant_control(request: web.Request) -> web.Response:
        m = wallet.default_merchant
        return _json(
            {
                "clientKey": m.client_key,
                "clientSecret": m.client_secret,
                "partnerId": m.partner_id,
                "channelId": m.channel_id,
                "merchantId": m.merchant_id,
                "privateKeyPem": m.private_key_pem,
                "publicKeyPem": m.public_key.to_pem(),
                "b2bTokenPath": wallet.config.b2b_token_path,
                "b2b2cTokenPath": wallet.config.b2b2c_token_path,
                "apiPrefix": wallet.config.api_prefix,
            }
        )

    for name, handler in (
        ("account-linkage-bind", bind_page),
        ("account-linkage-unbind", unbind_page),
        ("payment", payment_page),
        ("qris-payment", payment_page),
    ):
        app.router.add_get(f"{pages}/{name}", handler)
        app.router.add_post(f"{pages}/{name}", handler)
    app.router.add_get(f"{control}/merchant", merchant_control)
    app.router.add_post(f"{control}/bind/{{reference}}", bind_control)
    app.router.add_post(f"{control}/pay/{{reference}}", pay_control)
    app.router.add_post(f"{control}/cancel/{{reference}}", cancel_control)
    app.router.add_get(f"{control}/payments/{{reference}}", payment_control)
    app.router.add_post(f"{control}/bindings/{{binding}}/balance", balance_control)
