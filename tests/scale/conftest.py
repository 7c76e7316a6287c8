"""Fixtures of the scale tests: a real Redis-protocol server started by the suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pivot_async.redis_store import RedisTokenStore

from ._server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One server for the session (127.0.0.1, a free port, no persistence): errors, never
    skips, when it cannot start."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def disposable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of the test's own, which the test may stop."""
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def store(redis_server: RedisServer, request: pytest.FixtureRequest) -> AsyncIterator[
    RedisTokenStore
]:
    """A store on the session server, namespaced per test (no test sees another's keys)."""
    s = RedisTokenStore.from_url(redis_server.url, prefix=f"t:{request.node.name}:")
    try:
        yield s
    finally:
        await s.aclose()
