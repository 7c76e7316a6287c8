"""Pivot Pay wallet (SNAP): bind an account, customer tokens, a debit and its status."""

import asyncio
from typing import Any

import aiohttp

from pivot_async import PivotClient, WalletCredentials
from pivot_async.models import DebitPaymentParams
from pivot_async.sandbox import Sandbox


# --8<-- [start:credentials]
def make_client(
    client_id: str, client_secret: str, *, client_key: str, hmac_secret: str,
    private_key_pem: str, channel_id: str, partner_id: str | None = None,
    base_url: str | None = None,
) -> PivotClient:
    """One client for both APIs: the Payments credentials, plus the wallet's SNAP ones."""
    wallet = WalletCredentials(client_key, hmac_secret, private_key_pem,
                               channel_id=channel_id, partner_id=partner_id)
    return PivotClient(client_id, client_secret, base_url=base_url, wallet=wallet)
# --8<-- [end:credentials]


async def customer_clicks(sandbox: Sandbox, action: str, reference_no: str) -> dict[str, Any]:
    """What the customer does on Pivot's pages, done through the sandbox's control routes."""
    async with aiohttp.ClientSession() as http, http.post(
        f"{sandbox.url}/_sandbox/wallet/{action}/{reference_no}", json={}
    ) as resp:
        resp.raise_for_status()
        body: dict[str, Any] = await resp.json()
        return body


async def main() -> str:
    async with Sandbox() as sandbox:
        # Against Pivot: your client key, HMAC secret, RSA private key (PEM) and channel id.
        merchant = sandbox.wallet.default_merchant
        assert merchant.private_key_pem is not None  # the sandbox generated this key pair
        async with make_client(
            sandbox.client_id, sandbox.client_secret, client_key=merchant.client_key,
            hmac_secret=merchant.client_secret, private_key_pem=merchant.private_key_pem,
            channel_id=merchant.channel_id, partner_id=merchant.partner_id,
            base_url=sandbox.url,
        ) as client:
            # 1. Binding: Pivot returns an activation link for the customer.
            created = await client.wallet.create_account({
                "partnerReferenceNo": "USER14001",
                "merchantId": merchant.merchant_id,
                "name": "Budi",
                "phoneNo": "081800008888",
                "redirectUrl": "https://shop.example/wallet/bound",
            })
            link = created.additional_info.activation_link if created.additional_info else None
            assert link is not None  # both present on a successful creation
            assert created.reference_no is not None
            print("activation link:", link[:60], "...")
            bound = await customer_clicks(sandbox, "bind", created.reference_no)

            # 2. The bindingId is the customer's authCode: keep it with the user's account.
            #    The handle fetches, caches and refreshes the customer's B2B2C tokens.
            customer = client.wallet.customer(bound["bindingId"])
            balance = await client.wallet.balance(customer)
            for account in balance.account_infos or []:
                if account.available_balance is not None:
                    print("balance:", account.available_balance.value)

            # 3. A debit: the customer confirms it at webRedirectUrl. subMerchantId and
            #    urlParams (url <= 255, type <= 20, isDeeplink) are mandatory.
            order: DebitPaymentParams = {
                "subMerchantId": "SUBMERCHANT1",
                "partnerReferenceNo": "DEBIT14001",
                "amount": {"value": "35000.00", "currency": "IDR"},
                "urlParams": [{"url": "https://shop.example/back", "type": "PAY_RETURN",
                               "isDeeplink": False}],
                "additionalInfo": {},
            }
            debit = await client.wallet.debit(customer, order)
            assert debit.web_redirect_url is not None  # both present on a created debit
            assert debit.reference_no is not None
            print("confirm at:", debit.web_redirect_url[:60], "...")
            await customer_clicks(sandbox, "pay", debit.reference_no)

            # 4. The status by your own reference ("00" = success).
            status = await client.wallet.debit_status(customer, "DEBIT14001")
            print("status:", status.latest_transaction_status, status.transaction_status_desc)
            return status.latest_transaction_status or "?"


if __name__ == "__main__":
    asyncio.run(main())
