"""Pivot Pay wallet (SNAP): bind an account, customer tokens, a debit and its status."""

import asyncio

import aiohttp

from pivot_async import PivotClient, WalletCredentials
from pivot_async.sandbox import Sandbox


async def customer_clicks(sandbox: Sandbox, action: str, reference_no: str) -> dict:
    """What the customer does on Pivot's pages, done through the sandbox's control routes."""
    async with aiohttp.ClientSession() as http, http.post(
        f"{sandbox.url}/_sandbox/wallet/{action}/{reference_no}", json={}
    ) as resp:
        resp.raise_for_status()
        return await resp.json()


async def main() -> str:
    async with Sandbox() as sandbox:
        # Against Pivot: your client key, HMAC secret, RSA private key (PEM) and channel id.
        merchant = sandbox.wallet.default_merchant
        wallet = WalletCredentials(
            merchant.client_key, merchant.client_secret, merchant.private_key_pem,
            channel_id=merchant.channel_id, partner_id=merchant.partner_id,
        )
        async with PivotClient(sandbox.client_id, sandbox.client_secret,
                               base_url=sandbox.url, wallet=wallet) as client:
            # 1. Binding: Pivot returns an activation link for the customer.
            created = await client.wallet.create_account({
                "partnerReferenceNo": "USER14001",
                "merchantId": merchant.merchant_id,
                "name": "Budi",
                "phoneNo": "081800008888",
                "redirectUrl": "https://shop.example/wallet/bound",
            })
            print("activation link:", created.additional_info.activation_link[:60], "...")
            bound = await customer_clicks(sandbox, "bind", created.reference_no)

            # 2. The bindingId is the customer's authCode: keep it with the user's account.
            #    The handle fetches, caches and refreshes the customer's B2B2C tokens.
            customer = client.wallet.customer(bound["bindingId"])
            balance = await client.wallet.balance(customer)
            print("balance:", balance.account_infos[0].available_balance.value)

            # 3. A debit: the customer confirms it at webRedirectUrl.
            debit = await client.wallet.debit(customer, {
                "partnerReferenceNo": "DEBIT14001",
                "amount": {"value": "35000.00", "currency": "IDR"},
                "urlParams": [{"url": "https://shop.example/back", "type": "PAY_RETURN",
                               "isDeeplink": False}],
                "additionalInfo": {},
            })
            print("confirm at:", debit.web_redirect_url[:60], "...")
            await customer_clicks(sandbox, "pay", debit.reference_no)

            # 4. The status by your own reference ("00" = success).
            status = await client.wallet.debit_status(customer, "DEBIT14001")
            print("status:", status.latest_transaction_status, status.transaction_status_desc)
            return status.latest_transaction_status


if __name__ == "__main__":
    asyncio.run(main())
