"""Customer-facing HTML pages: hosted payment page, 3DS, card-token authentication, e-wallet, QR.

Every button posts a form to a control route (``/_sandbox/...``) that does the same as its
JSON twin, then redirects to the next page. No page changes state on GET.
"""

from __future__ import annotations

import html

from aiohttp import web

from ._cards import SCENARIOS, TEST_CARDS
from ._context import CONTEXT_KEY
from ._html import form, page
from ._models import Session
from ._util import jwt_decode

__all__ = ["add_page_routes", "page_for", "status_url"]

def _summary(session: Session) -> str:
    rows = [
        ("Merchant", session.statement_descriptor),
        ("Reference", session.client_reference_id),
        ("Amount", f"IDR {session.amount:,}" if not session.multiple else "open amount"),
        ("Status", session.status),
    ]
    cells = "".join(f"<div><b>{html.escape(k)}:</b> {html.escape(v)}</div>" for k, v in rows)
    return f"<div class='box'>{cells}</div>"


def _return_key(session: Session) -> str:
    """Which ``redirectUrl`` entry a finished session returns the customer to."""
    return {"PAID": "successReturnUrl", "EXPIRED": "expirationReturnUrl"}.get(
        session.status, "failureReturnUrl"
    )


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
    return (
        "<div class='box'><b>Pay by card</b>"
        + form(f"/_sandbox/payments/{session.id}/pay", [], [("go", "card", "Pay")], extra=extra)
        + "</div>"
    )


def _method_forms(session: Session) -> str:
    action = f"/_sandbox/payments/{session.id}/pay"
    va = form(
        action,
        [("type", "VIRTUAL_ACCOUNT")],
        [("go", "va", "Virtual account (BCA)")],
        extra="<input type='hidden' name='channel' value='BCA'>",
    )
    qr = form(action, [("type", "QR")], [("go", "qr", "QRIS")])
    wallet = form(
        action, [("type", "EWALLET"), ("channel", "DANA")], [("go", "ewallet", "DANA e-wallet")]
    )
    return f"<div class='box'><b>Other methods</b>{va}{qr}{wallet}</div>"


def _waiting(session: Session) -> str:
    charge = session.charges[-1]
    simulate = form(
        f"/_sandbox/payments/{session.id}/simulate",
        [],
        [
            ("chargeStatus", "SUCCESS", "Simulate payment"),
            ("chargeStatus", "EXPIRED", "Simulate expiry"),
        ],
    )
    if charge.virtual_account:
        number = html.escape(str(charge.virtual_account["virtualAccountNumber"]))
        bank = html.escape(str(charge.virtual_account["channel"]))
        return (
            f"<div class='box'>Transfer to {bank} virtual account <b>{number}</b>{simulate}</div>"
        )
    if charge.qr:
        content = html.escape(str(charge.qr["qrContent"]))
        return f"<div class='box'>Scan this QRIS:<br><code>{content}</code>{simulate}</div>"
    if charge.ewallet:
        link = f"/ewallet/pay?session_id={session.id}"
        return f"<div class='box'><a href='{link}'>Open the e-wallet</a></div>"
    if session.awaiting_3ds and session.payment_url:
        link = html.escape(session.payment_url)
        return f"<div class='box'><a href='{link}'>Continue to 3-D Secure</a></div>"
    return _card_form(session)


async def hosted_page(request: web.Request) -> web.Response:
    """``GET /detail?token=<JWT>``: the hosted payment page."""
    ctx = request.app[CONTEXT_KEY]
    payload = jwt_decode(request.query.get("token", ""), ctx.signing_key)
    session = ctx.state.sessions.get(str((payload or {}).get("uuid")))
    if session is None:
        raise web.HTTPNotFound(text="Unknown or invalid payment link")
    parts = [_summary(session)]
    if session.status in ("REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION"):
        if session.method_type in (None, "CARD"):
            parts.append(_card_form(session))
        if session.method_type is None:
            parts.append(_method_forms(session))
        parts.append(
            form(
                f"/_sandbox/payments/{session.id}/customer-cancel",
                [],
                [("go", "cancel", "Cancel payment")],
            )
        )
    elif session.status == "REQUIRE_ACTION" and session.charges:
        parts.append(_waiting(session))
    else:
        parts.append(f"<p><a href='{status_url(session)}'>Payment status</a></p>")
    return page("Pivot checkout", *parts)


def _session_or_404(request: web.Request, session_id: str) -> Session:
    session = request.app[CONTEXT_KEY].state.sessions.get(session_id)
    if session is None:
        raise web.HTTPNotFound(text="Unknown payment session")
    return session


async def three_ds_page(request: web.Request) -> web.Response:
    """``GET /payment/creditcard/threeds?...&session_id=``: the mock 3DS page."""
    session = _session_or_404(request, request.query.get("session_id", ""))
    action = f"/_sandbox/3ds/{session.id}"
    if not session.awaiting_3ds:
        return page(
            "3-D Secure", _summary(session), f"<p><a href='{status_url(session)}'>Status</a></p>"
        )
    charge = session.charges[-1]
    scenario = SCENARIOS[charge.card_key or "UNKNOWN"]
    frictionless = not scenario.challenge or session.three_ds_method == "NEVER"
    if frictionless:
        body = "<p>Authenticating without a challenge...</p>" + form(
            action, [("action", "complete")], [("go", "continue", "Continue")], auto=True
        )
    else:
        body = "<p>Mock challenge: the one-time password is 123456.</p>" + form(
            action,
            [],
            [
                ("action", "complete", "Complete authentication"),
                ("action", "fail", "Fail authentication"),
                ("action", "cancel", "Cancel"),
            ],
        )
    return page("3-D Secure", _summary(session), body)


async def token_page(request: web.Request) -> web.Response:
    """``GET /payment/creditcard/authenticate-token?cred=&merchant_id=``."""
    ctx = request.app[CONTEXT_KEY]
    payload = jwt_decode(request.query.get("cred", ""), ctx.signing_key)
    session = _session_or_404(request, str((payload or {}).get("uuid")))
    body = "<p>Confirm the saved card with its CVC.</p>" + form(
        f"/_sandbox/3ds/{session.id}",
        [],
        [
            ("action", "complete", "Authenticate"),
            ("action", "fail", "Fail"),
            ("action", "cancel", "Cancel"),
        ],
    )
    return page("Saved card", _summary(session), body)


async def ewallet_page(request: web.Request) -> web.Response:
    """``GET /ewallet/pay?session_id=``: phone number and OTP (always 000000)."""
    session = _session_or_404(request, request.query.get("session_id", ""))
    extra = (
        "<label>Phone <input name='phone' value='08111111001'></label>"
        "<label>OTP <input name='otp' value='000000'></label>"
        "<p class='muted'>08111111001 paid, 002 processing, 003 failed, 004 expired.</p>"
    )
    body = form(
        f"/_sandbox/payments/{session.id}/ewallet", [], [("go", "pay", "Pay")], extra=extra
    )
    return page("E-wallet", _summary(session), body)


async def qr_page(request: web.Request) -> web.Response:
    """``GET /qris/{id}``: the QR content of a session, with simulation buttons."""
    session = _session_or_404(request, request.match_info["id"])
    qr = (session.payment_method or {}).get("qr") or (
        session.charges[-1].qr if session.charges else None
    )
    content = html.escape(str((qr or {}).get("qrContent", "")))
    simulate = form(
        f"/_sandbox/payments/{session.id}/simulate",
        [("amount", str(session.amount or 10000))],
        [("chargeStatus", "SUCCESS", "Simulate payment")],
    )
    return page(
        "QRIS", _summary(session), f"<div class='box'><code>{content}</code>{simulate}</div>"
    )


async def status_page(request: web.Request) -> web.Response:
    """``GET /_sandbox/pages/status/{id}``: the result, with the way back to the merchant."""
    session = _session_or_404(request, request.match_info["id"])
    link = ""
    if session.redirect_url:
        url = html.escape(str(session.redirect_url.get(_return_key(session), "")))
        link = f"<p><a href='{url}'>Return to the merchant</a></p>"
    failure = ""
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
