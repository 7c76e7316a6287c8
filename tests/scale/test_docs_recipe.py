"""The Redis recipe of docs/guides/scaling.md, run as written against the suite's server."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio

from pivot_async.sandbox import Sandbox

from ._server import RedisServer

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "scaling.md"


def python_blocks(section: str) -> list[str]:
    text = PAGE.read_text()
    body = text.split(section + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", body, flags=re.S | re.M)


async def test_the_redis_recipe_shares_a_sealed_token(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (block,) = python_blocks("## The shared token store")
    namespace: dict[str, object] = {}
    exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - the page's own recipe
    main = namespace["main"]
    assert callable(main)
    key = os.urandom(32)
    r = redis.asyncio.Redis.from_url(redis_server.url)
    async with Sandbox() as sandbox:
        for name, value in {"PIVOT_CLIENT_ID": sandbox.client_id,
                            "PIVOT_CLIENT_SECRET": sandbox.client_secret,
                            "PIVOT_BASE_URL": sandbox.url, "REDIS_URL": redis_server.url,
                            "PIVOT_TOKEN_KEY": key.hex()}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
        run: Callable[[], Awaitable[None]] = main
        await run()
        await run()  # a second process: adopts the stored token
        assert sandbox.request_count("POST", "/v1/access-token") == 1
    assert "cards configured:" in capsys.readouterr().out
    keys = [k async for k in r.scan_iter("pivot-async:payments:*")]
    try:
        assert len(keys) == 1
        raw = await r.get(keys[0])
        assert raw is not None and b"eyJ" not in raw  # no JWT in clear
    finally:
        await r.delete(*keys)
        await r.aclose()
