"""The aiohttp application: middlewares, routes and extension hooks.

Middlewares, outermost first, apply to every route, including routes added by hooks:

1. ``record``: sweeps due transitions, then logs the request (secrets redacted) in the one
   bounded :class:`~._recording.RequestLog`;
2. ``faults``: fault injection and rate limits (:mod:`._faults`);
3. ``errors``: turns :class:`~._errors.SandboxError` and aiohttp's 404/405 into the documented
   error envelope, and any other exception into 500 ``internal_error``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiohttp import web

from ._context import CONTEXT_KEY, SandboxContext
from ._control import add_control_routes
from ._errors import error_middleware
from ._faults import fault_middleware
from ._handlers import PAYMENTS_KEY, REFUNDS_KEY, add_api_routes
from ._pages import add_page_routes
from ._payments import Payments
from ._recording import recording_middleware
from ._refunds import Refunds

__all__ = ["SetupHook", "create_app"]

SetupHook = Callable[[web.Application, SandboxContext], None]
"""An extension: adds routes (and startup/cleanup callbacks) to the sandbox application."""


def create_app(ctx: SandboxContext, setup_hooks: Sequence[SetupHook] = ()) -> web.Application:
    """The sandbox application for ``ctx``; each hook may add routes to it."""
    record = recording_middleware(ctx.requests, ctx.now, before=ctx.sweep)
    app = web.Application(middlewares=[record, fault_middleware(ctx.faults), error_middleware])
    app[CONTEXT_KEY] = ctx
    app[PAYMENTS_KEY] = Payments(ctx)
    app[REFUNDS_KEY] = Refunds(ctx)
    add_api_routes(app)
    add_page_routes(app)
    add_control_routes(app)
    for hook in setup_hooks:
        hook(app, ctx)
    return app
