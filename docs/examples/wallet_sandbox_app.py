"""The wallet sandbox (SNAP): mounted by every Sandbox, or on your own aiohttp application."""

import asyncio
import datetime as dt

from aiohttp import web

from pivot_async import PivotClient
from pivot_async.sandbox import (
    WALLET_APP_KEY,
    ManualClock,
    Sandbox,
    SandboxConfig,
    SandboxContext,
    create_app,
)
from pivot_async.sandbox._wallet import WalletConfig, wallet_hook


async def main() -> str:
    # Your own application: the sandbox's create_app with the wallet's setup hook.
    clock = ManualClock(dt.datetime.now(dt.timezone.utc))  # moves only with clock.advance()
    where = {"url": ""}
    ctx = SandboxContext(clock=clock, config=SandboxConfig(), base_url=lambda: where["url"])
    app = create_app(ctx, [wallet_hook(WalletConfig(starting_balance="50000.00"))])
    wallet = app[WALLET_APP_KEY]  # the WalletSandbox

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # 0: a free port
    await site.start()
    host, port = runner.addresses[0][:2]
    where["url"] = f"http://{host}:{port}"
    try:
        # A client signing SNAP requests with the wallet's default merchant.
        async with PivotClient("unused", "unused-here", base_url=where["url"],
                               wallet=wallet.default_merchant.client_credentials()) as client:
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

    # Every Sandbox mounts it (setup_hooks=() leaves it out; pass wallet_hook(config) to
    # configure it otherwise): sandbox.wallet.
    async with Sandbox() as sandbox:
        print("mounted in the gateway sandbox:", sandbox.app[WALLET_APP_KEY] is sandbox.wallet)
    return created.response_code or ""


if __name__ == "__main__":
    asyncio.run(main())
