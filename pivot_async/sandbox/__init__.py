"""The embedded Pivot gateway: a stateful, strict sandbox with fault injection.

Start it in-process::

    async with Sandbox() as sandbox:          # 127.0.0.1, a free port
        client = PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url)

or standalone with ``python -m pivot_async sandbox --port 8080``, or as the pytest fixture
``pivot_sandbox`` from :mod:`pivot_async.testing`. ``docs/sandbox.md`` lists the test data,
the control routes under ``/_sandbox/`` and the fault settings.

Time is injected: pass ``clock=ManualClock()`` and call ``sandbox.advance(seconds)`` (or
``clock.advance`` followed by any request) to expire tokens, sessions and idempotency keys or to
move refunds on, without sleeping.

Extension point (used by the wallet side)
-----------------------------------------
``Sandbox(setup_hooks=[hook, ...])`` calls each ``hook(app, ctx)`` while building the
application, where ``app`` is the :class:`aiohttp.web.Application` and ``ctx`` the
:class:`SandboxContext`. A hook adds routes (and ``app.on_startup`` / ``app.on_cleanup``
callbacks if it needs them). The middlewares are installed on the whole application, so a hook's
routes get fault injection, rate limits and the request log too. ``ctx`` offers:

- ``ctx.clock`` / ``ctx.now()``: the sandbox clock (timezone-aware UTC);
- ``ctx.faults``: the :class:`FaultRegistry`;
- ``ctx.get_base_url()`` (or ``ctx.base_url``): ``http://127.0.0.1:PORT`` once serving;
- ``ctx.send_callback(event, data, merchant_id=...)`` and ``ctx.callbacks``: the
  :class:`CallbackSender` (retries on the documented schedule);
- ``ctx.state.merchants``: the registered merchants (``client_id``, ``client_secret``);
- ``ctx.config``: the :class:`SandboxConfig`; ``ctx.sweep()`` applies due transitions and
  ``ctx.state.schedule(due, action)`` schedules one.

With ``setup_hooks=None`` (the default) the sandbox loads the package's own extensions:
``pivot_async.sandbox._wallet`` when it exists and exposes ``setup_sandbox(app, ctx)`` or a
``wallet_hook()`` factory. Pass ``setup_hooks=()`` for the payments API alone.
"""

from __future__ import annotations

from ._app import SetupHook, create_app
from ._callbacks import CallbackAttempt, CallbackDelivery, CallbackSender, SandboxEvent
from ._cards import TEST_CARDS
from ._channels import EWALLET_TEST_PHONES
from ._clock import Clock, ManualClock, SystemClock
from ._config import (
    DEFAULT_CALLBACK_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    MethodConfig,
    SandboxConfig,
)
from ._context import CONTEXT_KEY, SandboxContext
from ._faults import Fault, FaultRegistry, RateLimit
from ._models import Capture, Charge, Customer, Refund, Session
from ._server import Sandbox
from ._state import Merchant, RequestRecord, SandboxState
from ._wallet import WALLET_APP_KEY
from ._wallet_core import WalletSandbox

__all__ = [
    "CONTEXT_KEY",
    "DEFAULT_CALLBACK_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "EWALLET_TEST_PHONES",
    "TEST_CARDS",
    "WALLET_APP_KEY",
    "CallbackAttempt",
    "CallbackDelivery",
    "CallbackSender",
    "Capture",
    "Charge",
    "Clock",
    "Customer",
    "Fault",
    "FaultRegistry",
    "ManualClock",
    "Merchant",
    "MethodConfig",
    "RateLimit",
    "Refund",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "SandboxContext",
    "SandboxEvent",
    "SandboxState",
    "Session",
    "SetupHook",
    "SystemClock",
    "WalletSandbox",
    "create_app",
]
