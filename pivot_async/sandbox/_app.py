"""The aiohttp application: three middlewares around every route (hooks' routes included),
outermost first: record (the one request log), faults, errors (docs/sandbox.md "Design")."""

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
    record = recording_middleware(ctx.requests, ctx.now, ctx.sweep)
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
