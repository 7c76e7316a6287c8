"""Starting the embedded sandbox in-process: as a context manager, or started and closed."""

import asyncio

from pivot_async.sandbox import ManualClock, Sandbox


async def main() -> list[str]:
    async with Sandbox() as sandbox:  # binds 127.0.0.1 on a free port
        print(sandbox.url, sandbox.client_id)  # a client's base_url and credentials
        first = sandbox.url

    clock = ManualClock()  # time moves only when you call clock.advance(seconds)
    sandbox = Sandbox(clock=clock, callback_url="http://127.0.0.1:9000/cb")
    await sandbox.start()
    try:
        clock.advance(60)  # e.g. towards a session's expiry, without sleeping
        print(sandbox.url, clock.now().isoformat())
        second = sandbox.url
    finally:
        await sandbox.close()  # stops the server and every task
    return [first, second]


if __name__ == "__main__":
    asyncio.run(main())
