"""The customer side of the wallet sandbox: HTML pages behind the links the API returns
(activation, unbinding, payment, QRIS payment) and JSON control routes doing the same steps."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from decimal import InvalidOperation
from typing import NoReturn

import msgspec
from aiohttp import web

from ._errors import SandboxError, json_response, validation_error
from ._html import form, page
from ._wallet_core import WalletSandbox
from ._wallet_model import (
    STATUS_DESC,
    OttSession,
    Registration,
    UnbindLink,
    WalletPayment,
    money,
)

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


def _state_page(exc: SandboxError) -> web.Response:
    return _page("Not possible", f"<p>{html.escape(exc.message)}</p>", status=exc.status)


def _unknown() -> web.Response:
    return _page("Link not found", "<p>This link is unknown to the sandbox.</p>", status=404)


def add_page_routes(app: web.Application, wallet: WalletSandbox) -> None:
    pages = wallet.config.pages_prefix.rstrip("/")
    control = wallet.config.control_prefix.rstrip("/")

    async def bind_page(request: web.Request) -> web.Response:
        reg = wallet._links.get(request.query.get("token", ""))
        if not isinstance(reg, Registration):
            return _unknown()
        if await _action(request) == "bind":
            try:
                wallet.complete_binding(reg.reference_no)
            except SandboxError as exc:
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
        link = wallet._links.get(request.query.get("token", ""))
        if not isinstance(link, UnbindLink):
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
        payment = wallet._links.get(request.query.get("token", ""))
        if isinstance(payment, OttSession):
            ott = payment
            if await _action(request) == "continue" and ott.redirect_url:
                _redirect(ott.redirect_url)
            return _page(
                "QRIS payment link",
                f"<p>One-time token {html.escape(ott.ott)}.</p>" + _form(("continue", "Continue")),
            )
        if not isinstance(payment, WalletPayment):
            return _unknown()
        ref = payment.reference_no
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
            except SandboxError as exc:
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

    # Control routes: JSON twins of the pages' buttons. A refused action raises a
    # SandboxError (control_error) that the error middleware answers as the envelope.
    async def bind_control(request: web.Request) -> web.Response:
        ref = request.match_info["reference"]
        binding = wallet.complete_binding(ref)
        redirect = wallet.binding_redirect_url(wallet._registrations[ref])
        body = {"referenceNo": ref, "bindingId": binding.binding_id, "redirectUrl": redirect}
        return json_response(body)

    def payment_route(
        action: Callable[[str], WalletPayment],
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            return json_response(action(request.match_info["reference"]).to_json())

        return handle

    async def balance_control(request: web.Request) -> web.Response:
        try:
            data = msgspec.json.decode(await request.read())
            balance = wallet.set_balance(request.match_info["binding"], data["value"])
        except (msgspec.DecodeError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
            message = str(exc) if type(exc) is ValueError else 'expected {"value": "<amount>"}'
            raise validation_error([("value", message)]) from None
        binding = request.match_info["binding"]
        return json_response({"bindingId": binding, "balance": money(balance)})

    async def merchant_control(request: web.Request) -> web.Response:
        m = wallet.default_merchant
        return json_response(
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
    app.router.add_post(f"{control}/pay/{{reference}}", payment_route(wallet.complete_payment))
    app.router.add_post(f"{control}/cancel/{{reference}}", payment_route(wallet.cancel_payment))
    app.router.add_get(
        f"{control}/payments/{{reference}}", payment_route(wallet._payment_for_control)
    )
    app.router.add_post(f"{control}/bindings/{{binding}}/balance", balance_control)
