"""Customer-facing HTML pages (hosted payment page, 3DS, saved card, e-wallet, QR): each button
posts a form to a control route (``/_sandbox/...``) that does what its JSON twin does, then
redirects to the next page; no page changes state on GET."""

from __future__ import annotations

import html

from aiohttp import web

from ._cards import SCENARIOS, TEST_CARDS
from ._context import CONTEXT_KEY
from ._html import form, page
from ._models import Session
from ._util import jwt_decode

__all__ = ["add_page_routes", "page_for", "status_url"]

_SIMULATE = ("chargeStatus", "SUCCESS", "Simulate payment")
_UNKNOWN = "Unknown payment session"


def _auth_buttons(*labels: str) -> list[tuple[str, str, str]]:
    """The 3DS step's complete / fail / cancel buttons."""
    return [("action", a, t) for a, t in zip(("complete", "fail", "cancel"), labels, strict=True)]


def _box(*parts: str) -> str:
    return f"<div class='box'>{''.join(parts)}</div>"


def _summary(session: Session) -> str:
    rows = [
        ("Merchant", session.statement_descriptor),
        ("Reference", session.client_reference_id),
        ("Amount", f"IDR {session.amount:,}" if not session.multiple else "open amount"),
        ("Status", session.status),
    ]
    return _box(*(f"<div><b>{html.escape(k)}:</b> {html.escape(v)}</div>" for k, v in rows))


def _return_key(session: Session) -> str:
    """Which ``redirectUrl`` entry a finished session returns the customer to."""
    keys = {"PAID": "successReturnUrl", "EXPIRED": "expirationReturnUrl"}
    return keys.get(session.status, "failureReturnUrl")


def status_url(session: Session) -> str:
    return f"/_sandbox/pages/status/{session.id}"


def page_for(session: Session) -> str:
    """Where the customer goes next after a form post."""
    if session.awaiting_3ds and session.payment_url:
        return session.payment_url
    if session.status == "REQUIRE_ACTION" and session.mode == "REDIRECT" and session.payment_url:
        return session.payment_url
    if session.final and session.bypass_status_page and session.redirect_url:
        return str(session.redirect_url.get(_return_key(session)) or status_url(session))
    return status_url(session)


def _card_form(session: Session) -> str:
    options = "".join(
        f"<option value='{pan}'>{pan} ({key.replace('_', ' ').lower()})</option>"
        for pan, key in TEST_CARDS.items()
    )
    extra = (
        "<input type='hidden' name='type' value='CARD'>"
        f"<label>Test card <select name='number'>{options}</select></label>"
        "<label>Expiry month <input name='expMonth' value='12' size='2'></label>"
        "<label>Expiry year <input name='expYear' value='2030' size='4'></label>"
        "<label>CVC <input name='cvc' value='123' size='3'></label>"
    )
    action = f"/_sandbox/payments/{session.id}/pay"
    return _box("<b>Pay by card</b>", form(action, [], [("go", "card", "Pay")], extra=extra))


def _method_forms(session: Session) -> str:
    action = f"/_sandbox/payments/{session.id}/pay"
    va_button = ("go", "va", "Virtual account (BCA)")
    va = form(action, [("type", "VIRTUAL_ACCOUNT"), ("channel", "BCA")], [va_button])
    qr = form(action, [("type", "QR")], [("go", "qr", "QRIS")])
    dana = [("type", "EWALLET"), ("channel", "DANA")]
    wallet = form(action, dana, [("go", "ewallet", "DANA e-wallet")])
    return _box("<b>Other methods</b>", va, qr, wallet)


def _waiting(session: Session) -> str:
    charge = session.charges[-1]
    expire = ("chargeStatus", "EXPIRED", "Simulate expiry")
    simulate = form(f"/_sandbox/payments/{session.id}/simulate", [], [_SIMULATE, expire])
    if charge.virtual_account:
        number = html.escape(str(charge.virtual_account["virtualAccountNumber"]))
        bank = html.escape(str(charge.virtual_account["channel"]))
        return _box(f"Transfer to {bank} virtual account <b>{number}</b>", simulate)
    if charge.qr:
        content = html.escape(str(charge.qr["qrContent"]))
        return _box(f"Scan this QRIS:<br><code>{content}</code>", simulate)
    if charge.ewallet:
        return _box(f"<a href='/ewallet/pay?session_id={session.id}'>Open the e-wallet</a>")
    if session.awaiting_3ds and session.payment_url:
        return _box(f"<a href='{html.escape(session.payment_url)}'>Continue to 3-D Secure</a>")
    return _card_form(session)


def _session_or_404(request: web.Request, session_id: str, missing: str = _UNKNOWN) -> Session:
    session = request.app[CONTEXT_KEY].state.sessions.get(session_id)
    if session is None:
        raise web.HTTPNotFound(text=missing)
    return session


def _linked_session(request: web.Request, parameter: str) -> Session:
    """The session of a page link's JWT (``token`` / ``cred``)."""
    payload = jwt_decode(request.query.get(parameter, ""), request.app[CONTEXT_KEY].signing_key)
    uuid = str((payload or {}).get("uuid"))
    return _session_or_404(request, uuid, "Unknown or invalid payment link")


async def hosted_page(request: web.Request) -> web.Response:
    """``GET /detail?token=<JWT>``: the hosted payment page."""
    session = _linked_session(request, "token")
    parts = [_summary(session)]
    if session.status in ("REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION"):
        if session.method_type in (None, "CARD"):
            parts.append(_card_form(session))
        if session.method_type is None:
            parts.append(_method_forms(session))
        cancel = [("go", "cancel", "Cancel payment")]
        parts.append(form(f"/_sandbox/payments/{session.id}/customer-cancel", [], cancel))
    elif session.status == "REQUIRE_ACTION" and session.charges:
        parts.append(_waiting(session))
    else:
        parts.append(f"<p><a href='{status_url(session)}'>Payment status</a></p>")
    return page("Pivot checkout", *parts)


async def three_ds_page(request: web.Request) -> web.Response:
    """``GET /payment/creditcard/threeds?...&session_id=``: the mock 3DS page."""
    session = _session_or_404(request, request.query.get("session_id", ""))
    action = f"/_sandbox/3ds/{session.id}"
    if not session.awaiting_3ds:
        status = f"<p><a href='{status_url(session)}'>Status</a></p>"
        return page("3-D Secure", _summary(session), status)
    scenario = SCENARIOS[session.charges[-1].card_key or "UNKNOWN"]
    if not scenario.challenge or session.three_ds_method == "NEVER":
        go = [("go", "continue", "Continue")]
        body = "<p>Authenticating without a challenge...</p>"
        body += form(action, [("action", "complete")], go, auto=True)
    else:
        buttons = _auth_buttons("Complete authentication", "Fail authentication", "Cancel")
        body = "<p>Mock challenge: the one-time password is 123456.</p>"
        body += form(action, [], buttons)
    return page("3-D Secure", _summary(session), body)


async def token_page(request: web.Request) -> web.Response:
    """``GET /payment/creditcard/authenticate-token?cred=&merchant_id=``."""
    session = _linked_session(request, "cred")
    buttons = _auth_buttons("Authenticate", "Fail", "Cancel")
    body = "<p>Confirm the saved card with its CVC.</p>"
    body += form(f"/_sandbox/3ds/{session.id}", [], buttons)
    return page("Saved card", _summary(session), body)


async def ewallet_page(request: web.Request) -> web.Response:
    """``GET /ewallet/pay?session_id=``: phone number and OTP (always 000000)."""
    session = _session_or_404(request, request.query.get("session_id", ""))
    extra = (
        "<label>Phone <input name='phone' value='08111111001'></label>"
        "<label>OTP <input name='otp' value='000000'></label>"
        "<p class='muted'>08111111001 paid, 002 processing, 003 failed, 004 expired.</p>"
    )
    action = f"/_sandbox/payments/{session.id}/ewallet"
    return page(
        "E-wallet", _summary(session), form(action, [], [("go", "pay", "Pay")], extra=extra)
    )


async def qr_page(request: web.Request) -> web.Response:
    """``GET /qris/{id}``: the QR content of a session, with simulation buttons."""
    session = _session_or_404(request, request.match_info["id"])
    charge_qr = session.charges[-1].qr if session.charges else None
    qr = (session.payment_method or {}).get("qr") or charge_qr or {}
    content = html.escape(str(qr.get("qrContent", "")))
    amount = [("amount", str(session.amount or 10000))]
    simulate = form(f"/_sandbox/payments/{session.id}/simulate", amount, [_SIMULATE])
    return page("QRIS", _summary(session), _box(f"<code>{content}</code>", simulate))


async def status_page(request: web.Request) -> web.Response:
    """``GET /_sandbox/pages/status/{id}``: the result, with the way back to the merchant."""
    session = _session_or_404(request, request.match_info["id"])
    link = failure = ""
    if session.redirect_url:
        url = html.escape(str(session.redirect_url.get(_return_key(session), "")))
        link = f"<p><a href='{url}'>Return to the merchant</a></p>"
    if session.charges and session.charges[-1].failure_code:
        failure = f"<p>Reason: {html.escape(str(session.charges[-1].failure_code))}</p>"
    return page("Payment status", _summary(session), failure, link)


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/detail", hosted_page)
    app.router.add_get("/payment/creditcard/threeds", three_ds_page)
    app.router.add_get("/payment/creditcard/authenticate-token", token_page)
    app.router.add_get("/ewallet/pay", ewallet_page)
    app.router.add_get("/qris/{id}", qr_page)
    app.router.add_get("/_sandbox/pages/status/{id}", status_page)
