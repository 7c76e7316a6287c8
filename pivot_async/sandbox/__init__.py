"""The embedded Pivot gateway: a stateful, strict sandbox with fault injection.

Start it in-process::

    async with Sandbox() as sandbox:          # 127.0.0.1, a free port
        client = PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url)

or standalone with ``python -m pivot_async sandbox --port 8080``, or as the pytest fixture
``pivot_sandbox`` from :mod:`pivot_async.testing`. Time is injected (``clock=ManualClock()``,
``sandbox.advance(seconds)``); ``Sandbox(setup_hooks=[hook, ...])`` extends it. ``docs/sandbox.md``
has the test data, the control routes, the fault settings and the design.
"""

from __future__ import annotations

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
from ._context import CONTEXT_KEY, SandboxContext, SetupHook
from ._faults import Fault, FaultRegistry, RateLimit
from ._merchants import Merchant, Merchants, SnapCredentials
from ._models import Capture, Charge, Customer, Refund, Session
from ._recording import RequestRecord
from ._server import Sandbox, create_app
from ._state import SandboxState
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
    "Merchants",
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
    "SnapCredentials",
    "SystemClock",
    "WalletSandbox",
    "create_app",
]
