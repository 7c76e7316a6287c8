"""pytest fixtures for code that uses ``pivot_async``: a started sandbox per test.

Enable them in a ``conftest.py``::

    pytest_plugins = ["pivot_async.testing"]

then ask for them by name::

    async def test_checkout(pivot_sandbox):
        client = PivotClient(pivot_sandbox.client_id, pivot_sandbox.client_secret,
                             base_url=pivot_sandbox.url)
        ...

    async def test_expiry(pivot_sandbox_manual, pivot_clock):
        ...  # pivot_clock.advance(900) / pivot_sandbox_manual.advance(900): no sleeping

Fixtures: ``pivot_sandbox`` (system clock), ``pivot_clock`` (a :class:`ManualClock`) and
``pivot_sandbox_manual`` (a sandbox on ``pivot_clock``). They are async and need an asyncio
pytest plugin (``pytest-asyncio``, installed with the ``test`` extra).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, cast

try:
    import pytest
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "pivot_async.testing needs pytest: install the test extra (pip install 'pivot-async[test]')"
    ) from exc

from .sandbox import ManualClock, Sandbox

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
    "install_aioresponses_compat",
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


@_async_fixture
async def pivot_sandbox() -> AsyncIterator[Sandbox]:
    """A started :class:`~pivot_async.sandbox.Sandbox` on the system clock."""
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def pivot_clock() -> ManualClock:
    """A :class:`~pivot_async.sandbox.ManualClock` (2026-01-01T00:00:00Z)."""
    return ManualClock()


@_async_fixture
async def pivot_sandbox_manual(pivot_clock: ManualClock) -> AsyncIterator[Sandbox]:
    """A started sandbox whose time moves only with ``pivot_clock.advance()``."""
    async with Sandbox(clock=pivot_clock, callback_delay_scale=0.001) as sandbox:
        yield sandbox
