""":class:`Sandbox`: the embedded gateway served on loopback, and its aiohttp application."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence

from aiohttp import web
from aiohttp.log import access_logger

from ._callbacks import CallbackSender, SandboxEvent
from ._cards import key_for_index
from ._clock import Clock, SystemClock
from ._config import DEFAULT_CALLBACK_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig
from ._context import CONTEXT_KEY, SandboxContext, SetupHook
from ._control import add_control_routes
from ._errors import error_middleware
from ._faults import FaultRegistry, fault_middleware
from ._handlers import PAYMENTS_KEY, REFUNDS_KEY, add_api_routes
from ._merchants import Merchant
from ._models import Refund, Session
from ._pages import add_page_routes
from ._payments import Payments
from ._recording import RequestRecord, recording_middleware
from ._refunds import Refunds
from ._state import SandboxState
from ._wallet import WALLET_APP_KEY, wallet_hook
from ._wallet_core import WalletSandbox

__all__ = ["Sandbox", "create_app", "default_setup_hooks"]


def default_setup_hooks() -> tuple[SetupHook, ...]:
    """Extensions shipped with the package: the Pivot Pay wallet (SNAP), ``wallet_hook()``."""
    return (wallet_hook(),)


def create_app(ctx: SandboxContext, setup_hooks: Sequence[SetupHook] = ()) -> web.Application:
    """The sandbox application for ``ctx``; each hook may add routes to it. Three middlewares
    wrap every route, hooks' included, outermost first: record (the one request log), faults,
    errors (docs/sandbox.md "Design")."""
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


class Sandbox:
    """The embedded Pivot gateway on ``127.0.0.1``.

    ``async with Sandbox() as sandbox:`` serves it on a free port; use ``sandbox.url``,
    ``sandbox.client_id`` and ``sandbox.client_secret`` as a client's configuration.

    ``clock``: the time source (a :class:`ManualClock` drives expiry from tests). ``client_id``,
    ``client_secret``, ``merchant_name``: the default merchant. ``callback_*``: delivery (the
    retry schedule times ``callback_delay_scale``). ``seed``: the fault RNG. ``config``: a full
    :class:`SandboxConfig`, used as is (``token_ttl``, ``session_ttl``, ``callback_delay_scale``
    and ``merchant_name`` are then not applied). ``setup_hooks``: extensions (``None`` = the
    package's own). ``tick_interval``: seconds between background sweeps of due transitions
    (default 0.25 with the system clock, off otherwise).
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: int = 900,
        session_ttl: int = 900,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        merchant_name: str = "Pivot Sandbox",
        callback_url: str | None = None,
        callback_key: str = DEFAULT_CALLBACK_KEY,
        callback_delay_scale: float = 1.0,
        seed: int | None = None,
        config: SandboxConfig | None = None,
        setup_hooks: Sequence[SetupHook] | None = None,
        tick_interval: float | None = None,
        access_log: bool = False,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        if config is None:
            config = SandboxConfig(
                token_ttl=token_ttl,
                session_ttl=session_ttl,
                callback_delay_scale=callback_delay_scale,
                merchant_name=merchant_name,
            )
        self.config = config
        self.host = host
        self.port = port
        self._url: str | None = None
        self.context = SandboxContext(
            clock=self.clock,
            config=config,
            base_url=lambda: self.url,
            seed=seed,
            callback_url=callback_url,
            callback_key=callback_key,
        )
        self.merchant: Merchant = self.context.state.merchants.register(
            client_id, client_secret, name=merchant_name
        )
        hooks = default_setup_hooks() if setup_hooks is None else tuple(setup_hooks)
        self.app = create_app(self.context, hooks)
        if tick_interval is None and isinstance(self.clock, SystemClock):
            tick_interval = 0.25
        self._tick_interval = tick_interval
        self._ticker: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._access_log = access_log

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> Sandbox:
        """Bind and serve; returns ``self``."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already started")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, key_for_index, self.merchant.key_index)
        runner = web.AppRunner(self.app, access_log=access_logger if self._access_log else None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = port
        shown = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown}:{port}"
        await self.context.callbacks.start()
        if self._tick_interval:
            self._ticker = asyncio.create_task(
                self._tick(self._tick_interval), name="pivot-sandbox-tick"
            )
        return self

    async def close(self) -> None:
        """Stop serving, cancel background tasks (ticker, callback deliveries) and wait for them."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self.context.callbacks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _tick(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.context.sweep()

    # -- configuration ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (after :meth:`start`)."""
        if self._url is None:
            raise RuntimeError("the sandbox is not started")
        return self._url

    @property
    def client_id(self) -> str:
        """The default merchant's client id (``X-MERCHANT-ID``)."""
        return self.merchant.client_id

    @property
    def client_secret(self) -> str:
        """The default merchant's client secret (``X-MERCHANT-SECRET``)."""
        return self.merchant.client_secret

    @property
    def wallet(self) -> WalletSandbox:
        """The Pivot Pay wallet side (SNAP), mounted by the default setup hooks
        (``RuntimeError`` when ``setup_hooks`` left it out)."""
        if WALLET_APP_KEY not in self.app:
            raise RuntimeError("the wallet sandbox is not mounted (setup_hooks left it out)")
        return self.app[WALLET_APP_KEY]

    @property
    def faults(self) -> FaultRegistry:
        """The fault registry: ``sandbox.faults.add(Fault(...))``."""
        return self.context.faults

    @property
    def callbacks(self) -> CallbackSender:
        """The callback sender: deliveries, ``wait_idle()``, retries."""
        return self.context.callbacks

    @property
    def state(self) -> SandboxState:
        """All resources; ``state.sessions``, ``state.charges``, ``state.refunds`` by id."""
        self.context.sweep()
        return self.context.state

    # -- time ---------------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Advance a :class:`ManualClock` and apply what became due."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("advance() needs a ManualClock")
        advance(seconds)
        self.context.sweep()

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far (the next call gets 401)."""
        self.context.revoke_tokens()

    # -- inspection ---------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """The non-control requests received, oldest first (credentials redacted): the last
        ``config.request_log_size`` of them (a copy)."""
        return list(self.context.requests)

    def requests_to(
        self, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        """The logged requests with this method and/or path."""
        return [
            r
            for r in self.context.requests
            if (method is None or r.method == method.upper()) and (path is None or r.path == path)
        ]

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched (e.g. ``"POST", "/v1/access-token"``) since the last
        :meth:`reset_requests`, including those the bounded log forgot."""
        return self.context.requests.count(method, path)

    def request_ids(self, method: str | None = None, path: str | None = None) -> Counter[str]:
        """How many times each ``X-REQUEST-ID`` was seen."""
        return Counter(r.request_id for r in self.requests_to(method, path) if r.request_id)

    @property
    def events(self) -> list[SandboxEvent]:
        """Every callback event emitted (delivered or not)."""
        self.context.sweep()
        return self.callbacks.events

    # -- customer-side shortcuts (same as the control routes) ---------------------------------
    def complete_3ds(self, session_id: str, action: str = "complete") -> Session:
        """Complete (or ``fail`` / ``cancel``) the 3DS step of a card session."""
        session = self.state.sessions[session_id]
        self.app[PAYMENTS_KEY].cards.authenticate(session, action)
        self.context.sweep()
        return session

    def simulate(
        self, session_id: str, charge_status: str = "SUCCESS", amount: int | None = None
    ) -> Session:
        """Like ``POST /v2/payments/simulations`` without a token."""
        session = self.state.sessions[session_id]
        self.app[PAYMENTS_KEY].simulate_session(session, charge_status, amount)
        self.context.sweep()
        return session

    def advance_refund(self, refund_id: str) -> Refund:
        """Move a refund to its next status now."""
        refund = self.state.refunds[refund_id]
        self.app[REFUNDS_KEY].advance(refund)
        return refund

    def reset_requests(self) -> None:
        """Forget the request log."""
        self.context.requests.clear()

    def __repr__(self) -> str:
        return f"Sandbox(url={self._url!r}, client_id={self.client_id!r})"
