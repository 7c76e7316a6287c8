"""Fixtures of the sandbox tests.

- ``clock``, ``sandbox``, ``api``: a whole :class:`Sandbox` on a :class:`ManualClock` and a raw
  JSON client;
- ``wallet_clock``, ``env``, ``cust``: the wallet sandbox alone (``wallet_server``) on a manual
  clock starting at ``START`` (10:00 in Jakarta), and a customer bound through it. A test file
  needing another start defines its own ``env``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from pivot_async.sandbox import ManualClock, Sandbox
from tests.sandbox._wallet_flow_helpers import START
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server
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


@pytest.fixture
def wallet_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def env(wallet_clock: ManualClock) -> AsyncIterator[WalletEnv]:
    async with wallet_server(clock=wallet_clock) as e:
        yield e


@pytest.fixture
async def cust(env: WalletEnv) -> BoundCustomer:
    return await env.snap.bind_customer()
