"""Helpers shared by the SNAP verification tests of the wallet sandbox
(test_wallet_verification.py, test_wallet_verification_auth.py)."""

from __future__ import annotations

from typing import Any

DEBIT = "debit/payment-host-to-host"
BALANCE = "balance-inquiry"


def debit_body(ref: str = "ref-1", value: str = "10000.00") -> dict[str, Any]:
    return {
        "additionalInfo": {},
        "subMerchantId": "88042168-bfa6-4e5c-bcca-5abf1d40a181",
        "partnerReferenceNo": ref,
        "amount": {"value": value, "currency": "IDR"},
        "urlParams": [{"url": "https://test.com", "type": "PAY_RETURN", "isDeeplink": False}],
    }
