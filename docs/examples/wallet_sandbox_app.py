"""The wallet sandbox (SNAP) on your own aiohttp application, or inside the gateway sandbox."""

import asyncio
import datetime as dt

from aiohttp import web

from pivot_async import PivotClient
from pivot_async.sandbox import WALLET_APP_KEY, ManualClock, Sandbox
from pivot_async.sandbox._wallet import setup_wallet, wallet_hook


async def main() -> str:
    app = web.Application()
    clock = ManualClock(dt.datetime.now(dt.timezone.utc))  # moves only with clock.advance()
    wallet = setup_wallet(app, clock=clock, base_url=lambda: "http://127.0.0.1:8080")
    # or, inside the gateway sandbox:  Sandbox(setup_hooks=[wallet_hook()])
    # either way:                      app[WALLET_APP_KEY] is the WalletSandbox
    assert app[WALLET_APP_KEY] is wallet

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # 0: a free port
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        # A client signing SNAP requests with the wallet's default merchant.
        async with PivotClient("unused", "unused-here", base_url=f"http://{host}:{port}",
                               wallet=wallet.credentials()) as client:
            created = await client.wallet.create_account({
                "partnerReferenceNo": "USER20001",
                "merchantId": wallet.default_merchant.merchant_id,
                "name": "Budi",
                "phoneNo": "081800008888",
                "redirectUrl": "https://shop.example/wallet/bound",
            })
            print("account creation:", created.response_code)
    finally:
        await runner.cleanup()

    async with Sandbox(setup_hooks=[wallet_hook()]) as sandbox:
        print("mounted in the gateway sandbox:", sandbox.app[WALLET_APP_KEY] is sandbox.wallet)
    return created.response_code or ""


if __name__ == "__main__":
    asyncio.run(main())
