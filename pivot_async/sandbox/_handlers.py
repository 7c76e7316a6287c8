"""HTTP handlers of the documented routes (docs/reference/wire.md#endpoints): thin, typed, all
state in the services."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from ._auth import access_token, authenticate
from ._context import CONTEXT_KEY, SandboxContext
from ._errors import not_found, ok, validation_error
from ._idempotency import IdempotencyStore, check_request_id
from ._merchants import Merchant
from ._models import Refund, Session
from ._payments import Payments
from ._recording import note
from ._refunds import Refunds
from ._validation import parse_body

__all__ = ["PAYMENTS_KEY", "REFUNDS_KEY", "add_api_routes", "paginate"]

PAYMENTS_KEY: web.AppKey[Payments] = web.AppKey("pivot_sandbox_payments", Payments)
REFUNDS_KEY: web.AppKey[Refunds] = web.AppKey("pivot_sandbox_refunds", Refunds)
T = TypeVar("T")
_Owned = Iterable[Session | Refund]


def paginate(request: web.Request, items: Sequence[T]) -> tuple[list[T], dict[str, int]]:
    """Slice ``items`` by ``page`` / ``perPage`` (default 20, capped at 100; wire.md#envelope)."""
    values = {}
    for name, default in (("page", "1"), ("perPage", "20")):
        text = request.query.get(name) or default
        if not text.isdigit() or int(text) < 1:
            raise validation_error([(name, f"{name} must be a positive integer")])
        values[name] = int(text)
    page, per_page = values["page"], min(values["perPage"], 100)
    start = (page - 1) * per_page
    pages = math.ceil(len(items) / per_page)
    pagination = {"page": page, "perPage": per_page, "totalItems": len(items), "totalPages": pages}
    return list(items[start : start + per_page]), pagination


async def _write(
    request: web.Request,
    merchant: Merchant,
    action: Callable[[dict[str, Any]], Any],
    *,
    required: bool = False,
    allow_empty: bool = False,
) -> web.Response:
    """A documented POST: ``X-REQUEST-ID``, the body, then ``action(body)`` (an object with
    ``to_json``, or an awaitable of one), replayed for a repeated key (docs/sandbox.md)."""
    ctx = request.app[CONTEXT_KEY]
    key = check_request_id(request.headers.get("X-REQUEST-ID"), required=required)
    body = parse_body(await request.read(), allow_empty=allow_empty)

    async def call() -> web.Response:
        result = action(body)
        return ok((await result if inspect.isawaitable(result) else result).to_json())

    if key is None:
        response = await call()
    else:
        fingerprint = IdempotencyStore.fingerprint(request.method, request.path, body)
        response, replayed = await ctx.idempotency.run(merchant.id, key, fingerprint, call)
        if replayed:
            note(replayed=True)
    ctx.sweep()  # transitions due "at once" (delays of 0) happen after the response is built
    return response


def _services(request: web.Request) -> tuple[SandboxContext, Payments, Merchant]:
    return request.app[CONTEXT_KEY], request.app[PAYMENTS_KEY], authenticate(request)


def _session(request: web.Request) -> tuple[Payments, Merchant, Session]:
    _, payments, merchant = _services(request)
    return payments, merchant, payments.session(merchant, request.match_info["id"])


async def create_payment(request: web.Request) -> web.Response:
    _, payments, merchant = _services(request)
    return await _write(
        request, merchant, lambda body: payments.create(merchant, body), required=True
    )


async def confirm_payment(request: web.Request) -> web.Response:
    payments, merchant, session = _session(request)
    return await _write(request, merchant, lambda body: payments.confirm(merchant, session, body))


async def cancel_payment(request: web.Request) -> web.Response:
    payments, merchant, session = _session(request)
    return await _write(request, merchant, lambda _: payments.cancel(session), allow_empty=True)


async def capture_payment(request: web.Request) -> web.Response:
    payments, merchant, session = _session(request)
    return await _write(request, merchant, lambda body: payments.cards.capture(session, body))


async def get_payment(request: web.Request) -> web.Response:
    _, _, session = _session(request)
    if "page" in request.query or "perPage" in request.query:
        charges, pagination = paginate(request, session.charges)
        return ok(session.to_json(charges), pagination)
    return ok(session.to_json())


def _list_owned(request: web.Request, merchant: Merchant, items: _Owned) -> web.Response:
    """One page of the merchant's items, newest first, filtered by ``clientReferenceId``."""
    reference = request.query.get("clientReferenceId")
    owned: list[Session | Refund] = [
        item
        for item in reversed(list(items))
        if item.merchant_id == merchant.id
        and (reference is None or item.client_reference_id == reference)
    ]
    page, pagination = paginate(request, owned)
    return ok([item.to_json() for item in page], pagination)


async def list_payments(request: web.Request) -> web.Response:
    ctx, _, merchant = _services(request)
    return _list_owned(request, merchant, ctx.state.sessions.values())


async def list_charges(request: web.Request) -> web.Response:
    ctx, _, merchant = _services(request)
    reference = request.query.get("clientReferenceId")
    if not reference:
        missing = "Make sure clientReferenceId value is fulfilled"
        raise validation_error([("clientReferenceId", missing)])
    sessions = ctx.state.sessions_by_reference(reference, merchant.id)
    charges = [c for s in sessions for c in s.charges]
    page, pagination = paginate(request, charges)
    return ok([c.to_json() for c in page], pagination)


async def payment_method_configs(request: web.Request) -> web.Response:
    ctx, _, _ = _services(request)
    methods = ctx.config.methods
    data = {
        "card": {**methods["CARD"].to_json(), "installmentConfig": None},
        "virtualAccount": methods["VIRTUAL_ACCOUNT"].to_json(),
        "qr": methods["QR"].to_json(channels=False),
        "ewallet": methods["EWALLET"].to_json(),
        "installment": {"enabled": False, "acceptedChannels": {}},
    }
    return ok(data)


async def simulate_payment(request: web.Request) -> web.Response:
    ctx, payments, merchant = _services(request)
    body = parse_body(await request.read())
    payments.simulate(merchant, body)
    ctx.sweep()
    return ok({"updated": "true"})


async def create_refund(request: web.Request) -> web.Response:
    _, _, merchant = _services(request)
    refunds = request.app[REFUNDS_KEY]
    return await _write(request, merchant, lambda body: refunds.create(merchant, body))


async def get_refund(request: web.Request) -> web.Response:
    _, _, merchant = _services(request)
    refund = request.app[REFUNDS_KEY].get(merchant, request.match_info["id"])
    return ok(refund.to_json())


async def list_refunds(request: web.Request) -> web.Response:
    ctx, _, merchant = _services(request)
    return _list_owned(request, merchant, ctx.state.refunds.values())


async def get_customer(request: web.Request) -> web.Response:
    ctx, _, merchant = _services(request)
    customer = ctx.state.customers.get(request.match_info["id"])
    if customer is None or customer.merchant_id != merchant.id:
        raise not_found("customer", "customerId")
    return ok(customer.to_json())


def add_api_routes(app: web.Application) -> None:
    """Register the documented routes (docs/reference/wire.md#endpoints)."""
    app.router.add_post("/v1/access-token", access_token)
    app.router.add_post("/v2/payments", create_payment)
    app.router.add_get("/v2/payments", list_payments)
    app.router.add_post("/v2/payments/simulations", simulate_payment)
    app.router.add_get("/v2/payments/{id}", get_payment)
    app.router.add_post("/v2/payments/{id}/confirm", confirm_payment)
    app.router.add_post("/v2/payments/{id}/cancel", cancel_payment)
    app.router.add_post("/v2/payments/{id}/capture", capture_payment)
    app.router.add_get("/v2/charges", list_charges)
    app.router.add_get("/v2/payment-method-configs", payment_method_configs)
    app.router.add_post("/v1/refunds", create_refund)
    app.router.add_get("/v1/refunds", list_refunds)
    app.router.add_get("/v1/refunds/{id}", get_refund)
    app.router.add_get("/v1/customers/{id}", get_customer)
