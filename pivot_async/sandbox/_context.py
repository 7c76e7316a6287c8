""":class:`SandboxContext`: what every part of the sandbox (and its extensions) shares."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ._callbacks import CallbackDelivery, CallbackSender
from ._clock import Clock
from ._config import SandboxConfig
from ._faults import FaultRegistry
from ._idempotency import IdempotencyStore
from ._recording import RequestLog
from ._state import SandboxState

__all__ = ["CONTEXT_KEY", "SandboxContext", "SetupHook"]


class SandboxContext:
    """Shared services of one sandbox, handed to each setup hook with the application: ``clock``,
    ``config``, ``state``, ``requests`` (the one bounded log), ``faults``, ``callbacks``,
    ``idempotency``; :meth:`now`, ``base_url``, :meth:`send_callback` and
    :meth:`sweep`."""

    def __init__(
        self,
        *,
        clock: Clock,
        config: SandboxConfig,
        base_url: Callable[[], str],
        seed: int | None = None,
        callback_url: str | None = None,
        callback_key: str = "",
    ) -> None:
        self.clock = clock
        self.config = config
        self.state = SandboxState()
        self.requests = RequestLog(config.request_log_size)
        self.faults = FaultRegistry(clock, seed)
        self.callbacks = CallbackSender(
            now=clock.now,
            url=callback_url,
            key=callback_key,
            delay_scale=config.callback_delay_scale,
            timeout=config.callback_timeout,
        )
        self.idempotency = IdempotencyStore(config.idempotency_ttl, clock.now)
        self.signing_key = os.urandom(32)
        """HS256 key of the page tokens (``paymentUrl``) this sandbox mints."""
        self.token_key = os.urandom(32)
        """HS256 key of the access tokens; replaced by :meth:`revoke_tokens`."""
        self._base_url = base_url

    def now(self) -> _dt.datetime:
        """The sandbox clock's current time."""
        return self.clock.now()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once the sandbox is serving."""
        return self._base_url()

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far."""
        self.token_key = os.urandom(32)

    def sweep(self) -> None:
        """Apply every time-driven transition that is due on the sandbox clock."""
        self.state.sweep(self.now())

    def send_callback(
        self, event: str, data: dict[str, Any], *, merchant_id: str = ""
    ) -> CallbackDelivery | None:
        """Emit ``event`` to the merchant's callback URL (or the sandbox's)."""
        merchant = self.state.merchants.get(merchant_id)
        url, key = (merchant.callback_url, merchant.callback_key) if merchant else (None, None)
        return self.callbacks.send(event, data, merchant_id=merchant_id, url=url, key=key)


CONTEXT_KEY: web.AppKey[SandboxContext] = web.AppKey("pivot_sandbox_context", SandboxContext)
"""Where the application keeps its :class:`SandboxContext` (``app[CONTEXT_KEY]``)."""

SetupHook = Callable[[web.Application, SandboxContext], None]
"""An extension: adds routes (and startup/cleanup callbacks) to the sandbox application."""
