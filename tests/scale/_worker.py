"""One worker process of the multi-process token scenario: ``callers`` concurrent callers on
one PivotClient whose tokens are shared through Redis (``-`` as the Redis URL: no token store).
Prints ``ready``, waits for a start line on stdin (a wall-clock time), calls (each caller
pausing ``pause`` seconds between its calls; odd callers start later, spread over one pause)
until ``duration`` seconds after it, then prints a JSON summary: calls that succeeded, failed,
and this process's token fetches."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from pivot_async import PivotClient
from pivot_async.redis_store import RedisTokenStore


async def main(url: str, client_id: str, secret: str, redis_url: str, prefix: str,
               callers: int, duration: float, pause: float) -> None:
    store = RedisTokenStore.from_url(redis_url, prefix=prefix) if redis_url != "-" else None
    ok = failed = 0
    async with PivotClient(client_id, secret, base_url=url, token_store=store,
                           timeout=30) as client:
        print("ready", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        end = float(line) + duration
        await asyncio.sleep(max(0.0, float(line) - time.time()))

        async def caller(k: int) -> None:
            nonlocal ok, failed
            if k % 2:  # half the callers are spread over the pause, so that every refresh
                # window has calls; the other half call together (a stampede at each return)
                await asyncio.sleep(pause * k / callers)
            while time.time() < end:
                try:
                    await client.payment_method_configs.retrieve()
                    ok += 1
                    await asyncio.sleep(pause)
                except Exception as exc:  # counted, and named for the test's message
                    failed += 1
                    print(f"failure: {type(exc).__name__}", file=sys.stderr, flush=True)

        await asyncio.gather(*(caller(k) for k in range(callers)))
        fetches = client._tokens.fetch_count
    if store is not None:
        await store.aclose()
    print(json.dumps({"ok": ok, "failed": failed, "fetches": fetches}), flush=True)


if __name__ == "__main__":
    url, client_id, secret, redis_url, prefix, callers, duration, pause = sys.argv[1:9]
    asyncio.run(main(url, client_id, secret, redis_url, prefix, int(callers), float(duration),
                     float(pause)))
