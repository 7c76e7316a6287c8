"""The Pivot Pay wallet side of the sandbox: a strict SNAP server on ``aiohttp.web``.

Self-contained: :func:`setup_wallet` adds the wallet's routes to any ``web.Application`` and
returns the :class:`WalletSandbox` holding its state::

    app = web.Application()
    wallet = setup_wallet(app, clock=SystemClock(), base_url=lambda: "http://127.0.0.1:8080")

Routes (defaults; see :class:`WalletConfig`):

- ``POST /snap/v1.0/access-token/b2b`` and ``/snap/v1.0/access-token/b2b2c``;
- ``POST /wallet-backend/snap/v1.0/<endpoint>`` for the ten endpoints of
  docs/reference/wire-snap.md#wallet-endpoints;
- ``GET|POST /wallet-stg/whitelabel/{account-linkage-bind,account-linkage-unbind,payment,
  qris-payment}?token=...``: the customer's pages;
- ``/_sandbox/wallet/...``: JSON control routes (bind, pay, cancel, balance, merchant).

What is verified, in which order and with which codes is in ``docs/sandbox_wallet.md``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from . import _wallet_account_api as acct
from . import _wallet_pay_api as pay
from ._clock import Clock
from ._context import SandboxContext
from ._errors import SnapError, error_middleware, json_response
from ._faults import FaultRegistry, fault_middleware
from ._merchants import Merchant, Merchants
from ._recording import RequestLog, recording_middleware
from ._wallet_core import WalletSandbox
from ._wallet_model import WalletConfig
from ._wallet_pages import add_page_routes
from ._wallet_tokens import b2b2c_token, b2b_token
from ._wallet_verify import Field, SnapContext, validate_body, verify_transaction

__all__ = ["WALLET_APP_KEY", "WalletConfig", "WalletSandbox", "setup_wallet", "wallet_hook"]

WALLET_APP_KEY = web.AppKey("pivot_async_wallet", WalletSandbox)
"""``app[WALLET_APP_KEY]`` is the :class:`WalletSandbox` that :func:`setup_wallet` mounted."""

Handler = Callable[[WalletSandbox, SnapContext], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    path: str
    service: str
    customer: bool
    fields: tuple[Field, ...]
    handler: Handler


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "registration-account-creation",
        "06",
        False,
        acct.ACCOUNT_CREATION_FIELDS,
        acct.account_creation,
    ),
    Endpoint("registration-account-unbinding", "09", False, acct.UNBINDING_FIELDS, acct.unbinding),
    Endpoint("balance-inquiry", "11", True, acct.BALANCE_FIELDS, acct.balance_inquiry),
    Endpoint("transaction-history-list", "12", True, acct.HISTORY_LIST_FIELDS, acct.history_list),
    Endpoint(
        "transaction-history-detail", "13", True, acct.HISTORY_DETAIL_FIELDS, acct.history_detail
    ),
    Endpoint("qr/qr-mpm-decode", "48", True, pay.QR_DECODE_FIELDS, pay.qr_decode),
    Endpoint("qr/apply-ott", "49", True, pay.APPLY_OTT_FIELDS, pay.apply_ott),
    Endpoint("qr/qr-mpm-payment", "50", True, pay.QR_PAYMENT_FIELDS, pay.qr_payment),
    Endpoint("debit/payment-host-to-host", "54", True, pay.DEBIT_FIELDS, pay.debit),
    Endpoint("debit/status", "55", True, pay.DEBIT_STATUS_FIELDS, pay.debit_status),
)

def _route(
    process: Callable[[web.Request, bytes], dict[str, Any]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A route answering ``process(request, body)`` as JSON. A :class:`SnapError` it raises is
    rendered by the error middleware and faults are applied around it by the fault middleware,
    as on every route of the sandbox."""

    async def handle(request: web.Request) -> web.Response:
        return json_response(process(request, await request.read()))

    return handle


def _transactional(
    wallet: WalletSandbox, ep: Endpoint
) -> Callable[[web.Request, bytes], dict[str, Any]]:
    def process(request: web.Request, raw: bytes) -> dict[str, Any]:
        ctx = verify_transaction(wallet, request, raw, ep.service, customer=ep.customer)
        ctx.body = validate_body(raw, ep.fields, ep.service)
        return {
            "responseCode": f"200{ep.service}00",
            "responseMessage": "Successful",
            **ep.handler(wallet, ctx),
        }

    return process


def setup_wallet(
    app: web.Application,
    *,
    clock: Clock,
    base_url: Callable[[], str],
    config: WalletConfig | None = None,
    requests: RequestLog | None = None,
    faults: FaultRegistry | None = None,
    merchants: Merchants | None = None,
    owner: Merchant | None = None,
) -> WalletSandbox:
    """Add the wallet sandbox's routes to ``app`` and return its state.

    ``clock`` drives token expiry, timestamp skew, link expiry and the X-EXTERNAL-ID day;
    ``base_url()`` (called lazily, so the port may be known only after start-up) is the
    origin used in the links the wallet returns. Call before the application starts.
    ``requests``, ``faults`` and ``merchants`` are the host sandbox's request log, fault
    registry (whose middlewares already wrap ``app``) and merchant registry, ``owner`` its
    default merchant (who gets the default SNAP credentials); without them the wallet brings
    its own and installs the sandbox's three middlewares on ``app``.
    """
    wallet = WalletSandbox(
        clock=clock,
        base_url=base_url,
        config=config,
        requests=requests,
        faults=faults,
        merchants=merchants,
        owner=owner,
    )
    if requests is None or faults is None:  # alone: the wallet's own log and fault registry
        log, registry = wallet.requests, wallet.faults
        app.middlewares.extend(
            [recording_middleware(log, clock.now), fault_middleware(registry), error_middleware]
        )
    cfg = wallet.config
    app[WALLET_APP_KEY] = wallet
    routes: list[tuple[str, str, Callable[[web.Request, bytes], dict[str, Any]]]] = [
        (cfg.b2b_token_path, "73", lambda r, raw: b2b_token(wallet, r, raw)),
        (cfg.b2b2c_token_path, "74", lambda r, raw: b2b2c_token(wallet, r, raw)),
    ]
    prefix = cfg.api_prefix.rstrip("/")
    routes += [(f"{prefix}/{ep.path}", ep.service, _transactional(wallet, ep)) for ep in ENDPOINTS]
    for path, service, process in routes:
        wallet.faults.snap_services[path] = service
        app.router.add_post(path, _route(process))

    known = {f"{prefix}/{ep.path}" for ep in ENDPOINTS}

    async def unknown(request: web.Request) -> web.Response:
        if request.path in known:
            raise SnapError("4050000", "Requested Function Is Not Supported")
        raise SnapError("4040002", "Invalid Routing")

    app.router.add_route("*", prefix + "/{tail:.*}", unknown)
    add_page_routes(app, wallet)
    return wallet


class HookContext(Protocol):
    """What :func:`wallet_hook` needs from the host: a :class:`SandboxContext` or any object
    with these two (then the wallet keeps its own log, faults and merchants)."""

    @property
    def clock(self) -> Clock: ...

    def get_base_url(self) -> str: ...


def wallet_hook(
    config: WalletConfig | None = None,
) -> Callable[[web.Application, HookContext], None]:
    """A ``setup_hooks`` entry mounting the wallet into a host sandbox application.

    ``Sandbox(setup_hooks=[wallet_hook()])``; the wallet shares the host's clock, base URL,
    request log, fault registry and merchant registry (the default SNAP credentials belong to
    the first registered merchant, ``sandbox.merchant``), and is reachable afterwards as
    ``app[WALLET_APP_KEY]``.
    """

    def hook(app: web.Application, ctx: HookContext) -> None:
        host = ctx if isinstance(ctx, SandboxContext) else None
        merchants = host.state.merchants if host is not None else None
        setup_wallet(
            app,
            clock=ctx.clock,
            base_url=ctx.get_base_url,
            config=config,
            requests=host.requests if host is not None else None,
            faults=host.faults if host is not None else None,
            merchants=merchants,
            owner=next(iter(merchants.values()), None) if merchants is not None else None,
        )

    return hook
