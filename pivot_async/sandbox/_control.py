"""Control routes under ``/_sandbox/`` (no token, never faulted, the usual envelope): the
customer's side, time, faults and inspection. Routes the HTML pages post to also take a form,
answered with a 303 redirect to the next page."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .._errors import ConfigurationError
from ._cards import key_for_index
from ._context import CONTEXT_KEY
from ._errors import SandboxError, not_found, ok, validation_error
from ._faults import Fault
from ._fields import Field, Rule, check, text
from ._handlers import PAYMENTS_KEY, REFUNDS_KEY
from ._merchants import SnapCredentials, Taken
from ._models import Session
from ._pages import page_for
from ._payments import Payments
from ._validation import INTEGER, OBJECT, SIMULATION_FIELDS, parse_body

__all__ = ["add_control_routes"]

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_SNAP_KEYS = ("clientKey", "clientSecret", "publicKeyPem")
_MERCHANT_FIELDS = (
    Field("clientId", True, text(100)),
    Field("clientSecret", True, text(200)),
    Field("name", False, text(100)),
    Field("callbackUrl", False, text(2000)),
    Field("snap", False, OBJECT),
    Field("snap.clientKey", True, text(100)),
    Field("snap.clientSecret", True, text(200)),
    Field("snap.publicKeyPem", True, text(10_000)),
    Field("snap.partnerId", False, text(100)),
)
_RATE_LIMIT_FIELDS = (Field("route", True, text()), Field("limit", True, INTEGER))
_SIMULATE_FIELDS = SIMULATION_FIELDS[1:]  # JSON: no paymentSessionId (the route names it)
_SIMULATE_FORM = (_SIMULATE_FIELDS[0], Field("amount", False, INTEGER))
_FAULT_FIELDS = {f.name for f in dataclasses.fields(Fault) if f.init}
_TAKEN = {"client_id": "clientId", "client_key": "snap.clientKey", "partner_id": "snap.partnerId"}
_3DS_ACTION = (Field("action", True, Rule(choices=("complete", "fail", "cancel"))),)
_REVIEW = (Field("decision", True, Rule(choices=("approve", "reject"))),)


# -- the customer's side: one handler runs every session action ---------------------------------
def _choice(data: dict[str, Any], table: tuple[Field]) -> str:
    chk = check(data, table)
    chk.raise_if_failed()
    return str(chk.values[table[0].path])


def _form_method(data: dict[str, Any], session: Session) -> dict[str, Any]:
    kind = data.get("type") or session.method_type or "CARD"
    method: dict[str, Any] = {"type": kind}
    options: dict[str, Any] = dict(session.method_options)
    if kind == "CARD":
        method["card"] = {k: data.get(k, "") for k in ("number", "expMonth", "expYear", "cvc")}
    elif kind == "VIRTUAL_ACCOUNT":
        options["virtualAccount"] = {"channel": data.get("channel", "BCA")}
    elif kind == "EWALLET":
        options["ewallet"] = {"channel": data.get("channel", "DANA")}
        if data.get("phone"):
            method["ewallet"] = {"accountIdentifier": data["phone"]}
    return {"paymentMethod": method, "paymentMethodOptions": options}


async def _three_ds(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    pay.cards.authenticate(session, _choice(data, _3DS_ACTION))


async def _pay(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    body = _form_method(data, session) if form else data
    await pay.customer_pay(pay.ctx.state.merchants[session.merchant_id], session, body)


async def _simulate(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    chk = check(data, _SIMULATE_FORM if form else _SIMULATE_FIELDS)
    chk.raise_if_failed()
    amount = chk.get("amount") if form else chk.get("amount.value")
    pay.simulate_session(session, chk.values["chargeStatus"], amount)


async def _ewallet(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    pay.ewallet.page(session, str(data.get("phone", "")), str(data.get("otp", "")))


async def _review(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    pay.cards.review(session, _choice(data, _REVIEW))


async def _cancel(pay: Payments, session: Session, data: dict[str, Any], form: bool) -> None:
    pay.cancel(session, "REQUESTED_BY_CUSTOMER")


SessionAction = Callable[[Payments, Session, dict[str, Any], bool], Awaitable[None]]
_SESSION_ACTIONS: dict[str, SessionAction] = {
    "/_sandbox/3ds/{id}": _three_ds,
    "/_sandbox/payments/{id}/pay": _pay,
    "/_sandbox/payments/{id}/simulate": _simulate,
    "/_sandbox/payments/{id}/ewallet": _ewallet,
    "/_sandbox/payments/{id}/review": _review,
    "/_sandbox/payments/{id}/customer-cancel": _cancel,
}
"""Route -> what the customer does to the session; docs/sandbox.md "Control routes"."""


def _session_route(action: SessionAction) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler: the session by id, the JSON or form input, the action, due changes, then
    the session (JSON) or a 303 redirect to its next page (form)."""

    async def handler(request: web.Request) -> web.Response:
        ctx = request.app[CONTEXT_KEY]
        session = ctx.state.sessions.get(request.match_info["id"])
        if session is None:
            raise not_found("payment session", "id")
        form = request.content_type in _FORM_TYPES
        if form:
            data = {k: str(v) for k, v in (await request.post()).items()}
        else:
            data = parse_body(await request.read(), allow_empty=True)
        await action(request.app[PAYMENTS_KEY], session, data, form)
        ctx.sweep()
        if form:
            raise web.HTTPSeeOther(page_for(session))
        return ok(session.to_json())

    return handler


async def advance_refund(request: web.Request) -> web.Response:
    """``POST /_sandbox/refunds/{id}/advance``: the refund's next status now."""
    ctx = request.app[CONTEXT_KEY]
    refund = ctx.state.refunds.get(request.match_info["id"])
    if refund is None:
        raise not_found("refund", "id")
    request.app[REFUNDS_KEY].advance(refund)
    return ok(refund.to_json())


# -- time, tokens, merchants ------------------------------------------------------------------
async def advance_clock(request: web.Request) -> web.Response:
    """``POST /_sandbox/clock/advance`` ``{"seconds": n}`` (manual clock only)."""
    ctx = request.app[CONTEXT_KEY]
    data = parse_body(await request.read())
    seconds = data.get("seconds")
    advance = getattr(ctx.clock, "advance", None)
    if advance is None:
        raise SandboxError(409, "forbidden_access", "The sandbox runs on the system clock")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise validation_error([("seconds", "seconds must be a non-negative number")])
    advance(seconds)
    ctx.sweep()
    return ok({"now": ctx.now().isoformat()})


async def revoke_tokens(request: web.Request) -> web.Response:
    """``POST /_sandbox/tokens/revoke``: every issued access token becomes invalid."""
    request.app[CONTEXT_KEY].revoke_tokens()
    return ok({"revoked": True})


async def add_merchant(request: web.Request) -> web.Response:
    """``POST /_sandbox/merchants`` (``_MERCHANT_FIELDS``): the one registry, with the
    merchant's SNAP credentials when ``snap`` is given."""
    ctx = request.app[CONTEXT_KEY]
    data = parse_body(await request.read())
    chk = check(data, _MERCHANT_FIELDS)
    chk.raise_if_failed()
    v, creds = chk.values, None
    if "snap" in v:
        keys = (v[f"snap.{k}"] for k in _SNAP_KEYS)
        try:
            creds = SnapCredentials.of(*keys, partner_id=v.get("snap.partnerId"))
        except ConfigurationError:
            raise validation_error([("snap.publicKeyPem", "not an RSA public key PEM")]) from None
    try:
        merchant = ctx.state.merchants.register(
            v["clientId"],
            v["clientSecret"],
            name=v.get("name") or "Pivot Sandbox",
            callback_url=v.get("callbackUrl"),
            snap=creds,
        )
    except Taken as exc:
        details = [(_TAKEN[exc.what], str(exc))]
        raise SandboxError(409, "duplicate_error", str(exc), details) from None
    await asyncio.get_running_loop().run_in_executor(None, key_for_index, merchant.key_index)
    answer = {"clientId": merchant.client_id, "name": merchant.name}
    if creds is not None:
        answer["snapClientKey"] = creds.client_key
    return ok(answer)


# -- faults -----------------------------------------------------------------------------------
async def add_fault(request: web.Request) -> web.Response:
    """``POST /_sandbox/faults`` with the :class:`Fault` fields (``retryAfter`` camelCase ok)."""
    ctx = request.app[CONTEXT_KEY]
    data = parse_body(await request.read())
    fields = {"retry_after" if k == "retryAfter" else k: v for k, v in data.items()}
    unknown = sorted(set(fields) - _FAULT_FIELDS)
    if unknown:
        raise validation_error([(name, f"unknown fault field {name}") for name in unknown])
    try:
        fault = ctx.faults.add(Fault(**fields))
    except (TypeError, ValueError) as exc:
        raise validation_error([("", str(exc))]) from None
    return ok(fault.to_json())


async def list_faults(request: web.Request) -> web.Response:
    faults = request.app[CONTEXT_KEY].faults
    listed = [f.to_json() for f in faults.faults]
    return ok({"faults": listed, "rateLimits": [r.to_json() for r in faults.rate_limits]})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[CONTEXT_KEY].faults.clear()
    return ok({"cleared": True})


async def delete_fault(request: web.Request) -> web.Response:
    text = request.match_info["id"]
    if not text.isdigit() or not request.app[CONTEXT_KEY].faults.remove(int(text)):
        raise not_found("fault", "id")
    return ok({"removed": int(text)})


async def add_rate_limit(request: web.Request) -> web.Response:
    """``POST /_sandbox/rate-limits`` ``{"route", "limit", "per"}``."""
    ctx = request.app[CONTEXT_KEY]
    data = parse_body(await request.read())
    chk = check(data, _RATE_LIMIT_FIELDS)
    per = data.get("per", 1.0)
    if isinstance(per, bool) or not isinstance(per, (int, float)) or per <= 0:
        chk.error("per", "per must be a positive number of seconds")
    chk.raise_if_failed()
    try:
        rate = ctx.faults.add_rate_limit(chk.values["route"], chk.values["limit"], float(per))
    except ValueError as exc:
        raise validation_error([("", str(exc))]) from None
    return ok(rate.to_json())


# -- inspection -------------------------------------------------------------------------------
async def list_callbacks(request: web.Request) -> web.Response:
    callbacks = request.app[CONTEXT_KEY].callbacks
    events = [{"event": e.event, "at": e.at.isoformat()} for e in callbacks.events]
    deliveries = [d.to_json() for d in callbacks.deliveries]
    return ok({"url": callbacks.url, "events": events, "deliveries": deliveries})


async def set_callback_url(request: web.Request) -> web.Response:
    """``POST /_sandbox/callbacks/url`` ``{"url": ..., "key"?: ...}``."""
    callbacks = request.app[CONTEXT_KEY].callbacks
    data = parse_body(await request.read())
    url = data.get("url")
    if url is not None and not isinstance(url, str):
        raise validation_error([("url", "url must be a string or null")])
    callbacks.url = url or None
    if isinstance(data.get("key"), str):
        callbacks.key = data["key"]
    return ok({"url": callbacks.url})


async def retry_callback(request: web.Request) -> web.Response:
    callbacks = request.app[CONTEXT_KEY].callbacks
    text = request.match_info["id"]
    if not text.isdigit() or not any(d.id == int(text) for d in callbacks.deliveries):
        raise not_found("callback", "id")
    return ok(callbacks.retry(int(text)).to_json())


async def list_requests(request: web.Request) -> web.Response:
    return ok([r.to_json() for r in request.app[CONTEXT_KEY].requests])


def add_control_routes(app: web.Application) -> None:
    r = app.router
    for path, action in _SESSION_ACTIONS.items():
        r.add_post(path, _session_route(action))
    r.add_post("/_sandbox/refunds/{id}/advance", advance_refund)
    r.add_post("/_sandbox/clock/advance", advance_clock)
    r.add_post("/_sandbox/tokens/revoke", revoke_tokens)
    r.add_post("/_sandbox/merchants", add_merchant)
    r.add_post("/_sandbox/faults", add_fault)
    r.add_get("/_sandbox/faults", list_faults)
    r.add_delete("/_sandbox/faults", clear_faults)
    r.add_delete("/_sandbox/faults/{id}", delete_fault)
    r.add_post("/_sandbox/rate-limits", add_rate_limit)
    r.add_get("/_sandbox/callbacks", list_callbacks)
    r.add_post("/_sandbox/callbacks/url", set_callback_url)
    r.add_post("/_sandbox/callbacks/{id}/retry", retry_callback)
    r.add_get("/_sandbox/requests", list_requests)
