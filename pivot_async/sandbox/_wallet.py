"""The routes of the Pivot Pay wallet sandbox, a strict SNAP server mounted by :func:`wallet_hook`:
tokens (73, 74), :data:`ENDPOINTS`, the customer's pages and the JSON control routes. What is
verified, in which order and with which codes is in ``docs/sandbox_wallet.md``."""

from __future__ import annotations

import functools
import html
from collections.abc import Awaitable, Callable
from decimal import InvalidOperation
from typing import Any

import msgspec
from aiohttp import web

from .._signing import snap_timestamp
from ._context import SandboxContext, SetupHook
from ._errors import SandboxError, SnapError, json_response, validation_error
from ._html import form, page
from ._merchants import SnapCredentials
from ._wallet_api import ENDPOINTS, Endpoint
from ._wallet_core import PageLink, Registration, WalletConfig, WalletPayment, WalletSandbox, money
from ._wallet_verify import validate_body, verify_token_request, verify_transaction

__all__ = ["ENDPOINTS", "WALLET_APP_KEY", "WalletConfig", "WalletSandbox", "wallet_hook"]

WALLET_APP_KEY = web.AppKey("pivot_async_wallet", WalletSandbox)
"""``app[WALLET_APP_KEY]`` is the :class:`WalletSandbox` that :func:`wallet_hook` mounted."""

Route = Callable[[web.Request], Awaitable[web.Response]]
# a route's SnapError is rendered by the error middleware; faults apply as on every route


def _transactional(wallet: WalletSandbox, ep: Endpoint) -> Route:
    ok = {"responseCode": f"200{ep.service}00", "responseMessage": "Successful"}

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        ctx = verify_transaction(wallet, request, raw, ep.service, customer=ep.customer)
        ctx.body = validate_body(raw, ep.fields, ep.service)
        return json_response({**ok, **ep.handler(wallet, ctx)})

    return handle


def _token(wallet: WalletSandbox, service: str) -> Route:
    """B2B (service 73) or B2B2C (74) token: docs/reference/wire-snap.md#snap-b2b-token,
    wire-snap.md#snap-b2b2c-token and wire-snap.md#snap-verify-tokens."""

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        merchant, body, grant = verify_token_request(wallet, request, raw, service)
        if service == "73":
            token = wallet._issue("b2b", merchant.client_key)
            return json_response(
                {
                    "responseCode": "2007300",
                    "responseMessage": "Successful",
                    "accessToken": token.value,
                    "tokenType": "Bearer",
                    "expiresIn": str(int(wallet.config.b2b_token_ttl)),
                }
            )
        binding_id = _granted_binding(wallet, merchant, body, grant)
        access = wallet._issue("customer", merchant.client_key, binding_id)
        refresh = wallet._issue("refresh", merchant.client_key, binding_id)
        return json_response(
            {
                "accessToken": access.value,
                "accessTokenExpiryTime": snap_timestamp(access.expires_at),
                "refreshToken": refresh.value,
                "refreshTokenExpiryTime": snap_timestamp(refresh.expires_at),
                "responseCode": "2007400",
                "responseMessage": "Successful",
                "tokenType": "Bearer",
            }
        )

    return handle


def _granted_binding(
    wallet: WalletSandbox, merchant: SnapCredentials, body: dict[str, Any], grant: str
) -> str:
    """Step 5 of a B2B2C token: grant material present (4007402) and valid (4017400),
    docs/reference/wire-snap.md#snap-b2b2c-sandbox. Returns the binding id."""
    name = "authCode" if grant == "authorization_code" else "refreshToken"
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise SnapError("4007402", f"Invalid Mandatory Field {{{name}}}")
    refresh = None
    if name == "refreshToken":  # an unused, unexpired refresh token names its binding
        refresh = wallet._tokens.get(value)
        if refresh is None or refresh.kind != "refresh" or wallet.clock.now() >= refresh.expires_at:
            refresh = None
        value = "" if refresh is None else refresh.binding_id or ""
    binding = wallet.bindings.get(value)
    if binding is None or not binding.active or binding.client_key != merchant.client_key:
        raise SnapError("4017400", f"Unauthorized. [{name}]")
    if refresh is not None:
        del wallet._tokens[refresh.value]  # refresh tokens rotate: each is good for one use
    return binding.binding_id


# ------------------------------------------------------------------ customer pages, control

_page = functools.partial(page, footer="Pivot Pay wallet sandbox - no real money moves.")


def _form(*buttons: tuple[str, str]) -> str:
    """A form posting ``action=<value>`` to the page itself, one button per choice."""
    return form(None, (), [("action", value, label) for value, label in buttons])


async def _action(request: web.Request) -> str:
    value = (await request.post()).get("action", "") if request.method == "POST" else ""
    return value if isinstance(value, str) else ""


def _unknown() -> web.Response:
    return _page("Link not found", "<p>This link is unknown to the sandbox.</p>", status=404)


def _expired(what: str = "link") -> web.Response:
    return _page("Link expired", f"<p>The {what} has expired.</p>", status=410)


async def _continue(request: web.Request, link: PageLink, title: str, text: str) -> web.Response:
    """An informational page whose "Continue" goes to the link's ``redirect_url``."""
    if await _action(request) == "continue" and link.redirect_url:
        raise web.HTTPFound(link.redirect_url)
    return _page(title, f"<p>{text}</p>" + _form(("continue", "Continue")))


def add_page_routes(app: web.Application, wallet: WalletSandbox) -> None:
    pages = wallet.config.pages_prefix.rstrip("/")
    control = wallet.config.control_prefix.rstrip("/")

    async def bind_page(request: web.Request) -> web.Response:
        reg = wallet._links.get(request.query.get("token", ""))
        if not isinstance(reg, Registration):
            return _unknown()
        if await _action(request) == "bind":
            wallet.complete_binding(reg.reference_no)
            raise web.HTTPFound(wallet.binding_redirect_url(reg))
        if reg.binding_id is not None:
            target = html.escape(wallet.binding_redirect_url(reg), quote=True)
            return _page("Account linked", f"<p><a href='{target}'>Continue</a></p>")
        if wallet.clock.now() >= reg.expires_at:
            return _expired("activation link")
        info = (
            f"<p>Link the Pivot Pay wallet of <b>{html.escape(reg.name or '-')}</b> "
            f"({html.escape(reg.phone_no)}) to this merchant?</p>"
        )
        return _page("Link your wallet", info + _form(("bind", "Link account")))

    async def unbind_page(request: web.Request) -> web.Response:
        link = wallet._links.get(request.query.get("token", ""))
        if not isinstance(link, PageLink) or link.ott is not None:
            return _unknown()
        if wallet.clock.now() >= link.expires_at:
            return _expired()
        return await _continue(request, link, "Wallet unlinked", "The wallet is no longer linked.")

    async def payment_page(request: web.Request) -> web.Response:
        payment = wallet._links.get(request.query.get("token", ""))
        if isinstance(payment, PageLink) and payment.ott is not None:  # an apply-ott link
            text = f"One-time token {html.escape(payment.ott)}."
            return await _continue(request, payment, "QRIS payment link", text)
        if not isinstance(payment, WalletPayment):
            return _unknown()
        wallet._refresh(payment)
        action = await _action(request)
        if action in ("pay", "cancel"):
            pay = action == "pay"
            (wallet.complete_payment if pay else wallet.cancel_payment)(payment.reference_no)
            if target := payment.return_url if pay else payment.failed_url:
                raise web.HTTPFound(target)
        text = (
            f"<p>Pay <b>IDR {money(payment.amount)['value']}</b> "
            f"(ref {html.escape(payment.partner_reference_no)}).</p>"
            f"<p>Status: {payment.status_desc}</p>"
        )
        if payment.status == "01":
            text += _form(("pay", "Pay"), ("cancel", "Cancel"))
        return _page("Confirm payment", text)

    def as_page(handler: Route) -> Route:
        """A refused customer step (a :class:`SandboxError`) as an HTML page, same status."""

        async def handle(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except SandboxError as exc:
                message = f"<p>{html.escape(exc.message)}</p>"
                return _page("Not possible", message, status=exc.status)

        return handle

    # Control routes: JSON twins of the pages' buttons. A refused action raises a
    # SandboxError (control_error) that the error middleware answers as the envelope.
    async def bind_control(request: web.Request) -> web.Response:
        ref = request.match_info["reference"]
        binding = wallet.complete_binding(ref)
        redirect = wallet.binding_redirect_url(wallet.registrations[ref])
        body = {"referenceNo": ref, "bindingId": binding.binding_id, "redirectUrl": redirect}
        return json_response(body)

    def as_json(action: Callable[[str], WalletPayment]) -> Route:
        async def handle(request: web.Request) -> web.Response:
            return json_response(action(request.match_info["reference"]).to_json())

        return handle

    async def balance_control(request: web.Request) -> web.Response:
        binding = request.match_info["binding"]
        try:
            data = msgspec.json.decode(await request.read())
            balance = wallet.set_balance(binding, data["value"])
        except (msgspec.DecodeError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
            message = str(exc) if type(exc) is ValueError else 'expected {"value": "<amount>"}'
            raise validation_error([("value", message)]) from None
        return json_response({"bindingId": binding, "balance": money(balance)})

    async def merchant_control(request: web.Request) -> web.Response:
        m, cfg = wallet.default_merchant, wallet.config
        return json_response(
            {
                "clientKey": m.client_key,
                "clientSecret": m.client_secret,
                "partnerId": m.partner_id,
                "channelId": m.channel_id,
                "merchantId": m.merchant_id,
                "privateKeyPem": m.private_key_pem,
                "publicKeyPem": m.public_key.to_pem(),
                "b2bTokenPath": cfg.b2b_token_path,
                "b2b2cTokenPath": cfg.b2b2c_token_path,
                "apiPrefix": cfg.api_prefix,
            }
        )

    for name, handler in {
        "account-linkage-bind": bind_page,
        "account-linkage-unbind": unbind_page,
        "payment": payment_page,
        "qris-payment": payment_page,
    }.items():
        app.router.add_get(f"{pages}/{name}", as_page(handler))
        app.router.add_post(f"{pages}/{name}", as_page(handler))
    app.router.add_get(f"{control}/merchant", merchant_control)
    app.router.add_post(f"{control}/bind/{{reference}}", bind_control)
    app.router.add_post(f"{control}/pay/{{reference}}", as_json(wallet.complete_payment))
    app.router.add_post(f"{control}/cancel/{{reference}}", as_json(wallet.cancel_payment))
    app.router.add_get(f"{control}/payments/{{reference}}", as_json(wallet._payment_for_control))
    app.router.add_post(f"{control}/bindings/{{binding}}/balance", balance_control)


def wallet_hook(config: WalletConfig | None = None) -> SetupHook:
    """A ``setup_hooks`` entry mounting the wallet, ``app[WALLET_APP_KEY]`` (``sandbox.wallet``):
    ``Sandbox(setup_hooks=[wallet_hook(WalletConfig(...))])`` serves a wallet configured otherwise
    than the default one (docs/sandbox_wallet.md)."""

    def hook(app: web.Application, ctx: SandboxContext) -> None:
        wallet = app[WALLET_APP_KEY] = WalletSandbox(ctx, config)
        cfg = wallet.config
        prefix = cfg.api_prefix.rstrip("/")
        routes = [
            (cfg.b2b_token_path, "73", _token(wallet, "73")),
            (cfg.b2b2c_token_path, "74", _token(wallet, "74")),
            *((f"{prefix}/{ep.path}", ep.service, _transactional(wallet, ep)) for ep in ENDPOINTS),
        ]
        for path, service, route in routes:
            ctx.faults.snap_services[path] = service
            app.router.add_post(path, route)
        known = {f"{prefix}/{ep.path}" for ep in ENDPOINTS}

        async def unknown(request: web.Request) -> web.Response:
            if request.path in known:
                raise SnapError("4050000", "Requested Function Is Not Supported")
            raise SnapError("4040002", "Invalid Routing")

        app.router.add_route("*", prefix + "/{tail:.*}", unknown)
        add_page_routes(app, wallet)
        app.on_startup.append(wallet._start)

    return hook
