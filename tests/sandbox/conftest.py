"""Fixtures of the sandbox tests: a ManualClock sandbox and a raw JSON client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from pivot_async.sandbox import ManualClock, Sandbox
from tests.sandbox.helpers import Api


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[Sandbox]:
    async with Sandbox(clock=clock, callback_delay_scale=0.0001) as sb:
        yield sb


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as http:
        yield Api(sandbox, http)
