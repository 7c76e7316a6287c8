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

__all__ = ["pivot_clock", "pivot_sandbox", "pivot_sandbox_manual"]


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
