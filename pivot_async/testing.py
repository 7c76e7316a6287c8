"""pytest fixtures and aioresponses helpers for code that uses ``pivot_async``.

Install what a test suite needs with the ``testing`` extra (``pytest``, ``pytest-asyncio``,
``aioresponses``), enable the fixtures in a ``conftest.py``::

    pytest_plugins = ["pivot_async.testing"]

then ask for them by name::

    async def test_checkout(pivot_client, pivot_sandbox):
        session = await pivot_client.payments.create({...})   # a client bound to the sandbox
        pivot_sandbox.simulate(session.id)                     # the customer pays

    async def test_expiry(pivot_sandbox_manual, pivot_clock):
        ...  # pivot_clock.advance(900) / pivot_sandbox_manual.advance(900): no sleeping

Fixtures: ``pivot_sandbox`` (system clock), ``pivot_client`` (a :class:`~pivot_async.PivotClient`
bound to ``pivot_sandbox``, wallet included), ``pivot_clock`` (a :class:`ManualClock`) and
``pivot_sandbox_manual`` (a sandbox on ``pivot_clock``); a suite that imports them one by one
instead of ``pytest_plugins`` imports ``pivot_callback_url`` with them. Where callbacks go:
``@pytest.mark.pivot_sandbox(callback_url=..., callback_key=...)`` on a test, or a
``pivot_callback_url`` fixture of your own (it may depend on the fixture that starts your
receiver); any other :class:`~pivot_async.sandbox.Sandbox` argument can be given in the
marker too. The fixtures are async and need ``pytest-asyncio``.

Without a server: :func:`mock_create_payment`, :func:`mock_create_refund` and
:func:`mock_documented` register Pivot's documented responses with an ``aioresponses`` mock
(the client's middlewares, so authentication, retries and signing, do not run under it).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

try:
    import pytest
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "pivot_async.testing needs pytest: install the testing extra "
        "(pip install 'pivot-async[testing]')"
    ) from exc

from ._config import SANDBOX_BASE_URL
from ._testing_payloads import DOCUMENTED_RESPONSES
from .sandbox import ManualClock, Sandbox

if TYPE_CHECKING:
    from ._client import PivotClient

try:
    import pytest_asyncio

    _decorator: Any = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - another asyncio plugin (anyio) may drive the fixtures
    _decorator = pytest.fixture

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(func: F) -> F:
    """``pytest_asyncio.fixture`` (works in strict and auto mode), typed for mypy."""
    return cast(F, _decorator(func))

__all__ = [
    "DOCUMENTED_RESPONSES",
    "documented_response",
    "install_aioresponses_compat",
    "mock_create_payment",
    "mock_create_refund",
    "mock_documented",
    "mock_error",
    "pivot_callback_url",
    "pivot_client",
    "pivot_clock",
    "pivot_sandbox",
    "pivot_sandbox_manual",
]


class _NoWriter:
    output_size = 0


def install_aioresponses_compat() -> bool:
    """Make aioresponses 0.7.9 work on aiohttp >= 3.14 (a test-only shim). Idempotent.

    aiohttp 3.14 (a security release) added a required ``stream_writer`` argument to
    ``ClientResponse``; aioresponses 0.7.9 builds its mocked responses without it, so every
    mocked call fails with ``TypeError`` (upstream aioresponses issue #289). This patches
    aioresponses' response builder to use a ``ClientResponse`` subclass that supplies a
    stand-in writer. Call it once, e.g. at the top of ``conftest.py``. Returns whether the
    patch is in place; on an aiohttp that does not need it, it changes nothing and returns
    ``False``. Remove the call once aioresponses supports aiohttp 3.14.
    """
    import inspect

    from aiohttp import ClientResponse
    from aioresponses import core

    if "stream_writer" not in inspect.signature(ClientResponse.__init__).parameters:
        return False
    match = cast(Any, core.RequestMatch)
    if getattr(match, "_pivot_compat", False):
        return True

    class _Response(ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _NoWriter())
            super().__init__(method, url, **kwargs)

    original = match._build_response

    def _build_response(self: Any, url: Any, *args: Any, **kwargs: Any) -> ClientResponse:
        if kwargs.get("response_class") in (None, ClientResponse):
            kwargs["response_class"] = _Response
        return cast(ClientResponse, original(self, url, *args, **kwargs))

    match._build_response = _build_response
    match._pivot_compat = True
    return True


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``pivot_sandbox`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers", "pivot_sandbox(**options): Sandbox(...) options for this test's "
        "pivot_sandbox fixture, e.g. callback_url=..., callback_key=...")


@pytest.fixture
def pivot_callback_url() -> str | None:
    """Where ``pivot_sandbox`` delivers callbacks: ``None`` (nowhere) unless you override it.

    Override it in your ``conftest.py``, depending on the fixture that starts your receiver::

        @pytest.fixture
        def pivot_callback_url(my_receiver):
            return my_receiver.url + "/pivot/callbacks"
    """
    return None


def _sandbox_options(request: pytest.FixtureRequest, callback_url: str | None) -> dict[str, Any]:
    """The ``Sandbox`` options of this test: ``pivot_callback_url``, then the markers."""
    options: dict[str, Any] = {}
    if callback_url is not None:
        options["callback_url"] = callback_url
    for marker in reversed(list(request.node.iter_markers("pivot_sandbox"))):
        if marker.args:
            raise TypeError("@pytest.mark.pivot_sandbox takes keyword arguments only, e.g. "
                            "callback_url='http://127.0.0.1:8000/pivot/callbacks'")
        options.update(marker.kwargs)
    return options


@_async_fixture
async def pivot_sandbox(request: pytest.FixtureRequest,
                        pivot_callback_url: str | None) -> AsyncIterator[Sandbox]:
    """A started :class:`~pivot_async.sandbox.Sandbox` on the system clock.

    Callbacks go to ``@pytest.mark.pivot_sandbox(callback_url=...)`` or the
    ``pivot_callback_url`` fixture, with the ``X-API-Key`` ``pivot_sandbox.callbacks.key``.
    """
    async with Sandbox(**_sandbox_options(request, pivot_callback_url)) as sandbox:
        yield sandbox


@_async_fixture
async def pivot_client(pivot_sandbox: Sandbox) -> AsyncIterator[PivotClient]:
    """A :class:`~pivot_async.PivotClient` bound to ``pivot_sandbox`` (payments and wallet)."""
    from ._client import PivotClient

    wallet = pivot_sandbox.wallet.default_merchant.client_credentials()
    async with PivotClient(pivot_sandbox.client_id, pivot_sandbox.client_secret,
                           base_url=pivot_sandbox.url, wallet=wallet) as client:
        yield client


@pytest.fixture
def pivot_clock() -> ManualClock:
    """A :class:`~pivot_async.sandbox.ManualClock` (2026-01-01T00:00:00Z)."""
    return ManualClock()


@_async_fixture
async def pivot_sandbox_manual(request: pytest.FixtureRequest, pivot_clock: ManualClock,
                               pivot_callback_url: str | None) -> AsyncIterator[Sandbox]:
    """A started sandbox whose time moves only with ``pivot_clock.advance()``."""
    options = {"callback_delay_scale": 0.001,
               **_sandbox_options(request, pivot_callback_url), "clock": pivot_clock}
    async with Sandbox(**options) as sandbox:
        yield sandbox


# -- aioresponses: documented payloads, no server ---------------------------------------------


def documented_response(name: str, **data: Any) -> dict[str, Any]:
    """A fresh copy of Pivot's documented response ``name``, ``data`` keys replaced.

    Names: ``payment_va_single_api``, ``payment_qr_dynamic_api``, ``payment_ewallet_api``,
    ``payment_card_redirect``... (every key of :data:`DOCUMENTED_RESPONSES`), ``refund`` and
    ``error``. Keyword arguments replace top-level keys of ``data`` (wire names:
    ``clientReferenceId="order1"``, ``status="PAID"``).
    """
    try:
        body: dict[str, Any] = json.loads(DOCUMENTED_RESPONSES[name])
    except KeyError:
        raise KeyError(f"no documented response {name!r}; one of "
                       f"{', '.join(sorted(DOCUMENTED_RESPONSES))}") from None
    if data:
        body["data"] = {**body["data"], **data}
    return body


def mock_documented(mock: Any, method: str, path: str, name: str, *, status: int = 200,
                    base_url: str = SANDBOX_BASE_URL, repeat: bool = False,
                    **data: Any) -> dict[str, Any]:
    """Register documented response ``name`` for ``METHOD base_url+path`` on ``mock``.

    ``mock`` is an ``aioresponses()`` instance; ``base_url`` defaults to Pivot's staging
    origin (what ``PivotClient(...)`` uses without ``base_url``). Returns the body served.
    """
    body = documented_response(name, **data)
    install_aioresponses_compat()
    mock.add(base_url.rstrip("/") + path, method.upper(), status=status, payload=body,
             repeat=repeat)
    return body


def mock_create_payment(mock: Any, kind: str = "va_single_api", *,
                        base_url: str = SANDBOX_BASE_URL, repeat: bool = False,
                        **data: Any) -> dict[str, Any]:
    """Serve the documented ``POST /v2/payments`` response of ``kind`` (once by default).

    ``kind``: ``va_single_api`` (default), ``qr_dynamic_api``, ``ewallet_api``,
    ``card_redirect``, ``hosted_ui``... (the ``payment_*`` names of
    :data:`DOCUMENTED_RESPONSES`, without the prefix). Returns the body served, e.g. to
    compare ``body["data"]["id"]`` with what your code stored.
    """
    return mock_documented(mock, "POST", "/v2/payments", f"payment_{kind}",
                           base_url=base_url, repeat=repeat, **data)


def mock_create_refund(mock: Any, *, base_url: str = SANDBOX_BASE_URL, repeat: bool = False,
                       **data: Any) -> dict[str, Any]:
    """Serve the documented ``POST /v1/refunds`` response (once by default)."""
    return mock_documented(mock, "POST", "/v1/refunds", "refund", base_url=base_url,
                           repeat=repeat, **data)


def mock_error(mock: Any, method: str, path: str, *, status: int = 400,
               code: str = "api_validation_error", message: str = "validation failed",
               details: Mapping[str, str] | None = None, base_url: str = SANDBOX_BASE_URL,
               repeat: bool = False) -> dict[str, Any]:
    """Serve Pivot's documented error envelope with ``status``, ``code`` and field ``details``.

    ``details`` maps a wire field to its message (``{"amount.value": "must be ..."}``).
    """
    body = documented_response("error")
    body["code"] = code
    body["message"] = message
    body["error"]["details"] = [{"field": f, "message": m} for f, m in (details or {}).items()]
    install_aioresponses_compat()
    mock.add(base_url.rstrip("/") + path, method.upper(), status=status, payload=body,
             repeat=repeat)
    return body
