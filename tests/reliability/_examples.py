"""One valid request body (wire names) per request model, the seeds of the mutation tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.client.conftest import hosted_request, va_request

_AMOUNT = {"value": "10000.00", "currency": "IDR"}

VALID_REQUESTS: dict[str, Mapping[str, Any]] = {
    "AccessTokenRequest": {"grantType": "client_credentials"},
    "B2BTokenRequest": {"grantType": "client_credentials", "additionalInfo": {}},
    "B2B2CTokenRequest": {"grantType": "authorization_code", "authCode": "bind123",
                          "additionalInfo": {}},
    "CreatePaymentRequest": va_request("order1001"),
    "ConfirmPaymentRequest": {
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
        "orderInformation": hosted_request()["orderInformation"],
    },
    "CancelPaymentRequest": {},
    "CapturePaymentRequest": {"releaseRemainingAmount": False,
                              "amount": {"value": 5000, "currency": "IDR"}},
    "SimulationRequest": {"paymentSessionId": "0190f1d2-0000-7000-8000-000000000000",
                          "chargeStatus": "SUCCESS"},
    "CreateRefundRequest": {"clientReferenceId": "rf1",
                            "paymentSessionId": "0190f1d2-0000-7000-8000-000000000000",
                            "amount": {"value": "20000", "currency": "IDR"},
                            "reason": "REQUESTED_BY_CUSTOMER"},
    "AccountCreationRequest": {"partnerReferenceNo": "USER1", "merchantId": "m-1",
                               "name": "Budi", "phoneNo": "081800008888",
                               "redirectUrl": "https://merchant.example/bound"},
    "AccountUnbindingRequest": {"merchantId": "m-1", "tokenId": "bind123",
                                "additionalInfo": {"redirectUrl": "https://m.example/a"}},
    "BalanceInquiryRequest": {"additionalInfo": {}},
    "DebitPaymentRequest": {
        "subMerchantId": "SUBMERCHANT1", "partnerReferenceNo": "DEBIT1", "amount": _AMOUNT,
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    },
    "DebitStatusRequest": {"originalPartnerReferenceNo": "DEBIT1", "serviceCode": "54",
                           "additionalInfo": {}},
    "TransactionHistoryListRequest": {
        "partnerReferenceNo": "", "fromDateTime": "2020-01-01T00:00:00+07:00",
        "toDateTime": "2099-01-01T00:00:00+07:00", "pageSize": "10", "pageNumber": "1",
        "additionalInfo": {},
    },
    "TransactionHistoryDetailRequest": {"originalPartnerReferenceNo": "DEBIT1",
                                        "additionalInfo": {}},
    "QrMpmDecodeRequest": {"qrContent": "00020101021126570011ID.DANA.WWW", "additionalInfo": {}},
    "QrMpmPaymentRequest": {"partnerReferenceNo": "QR1", "amount": _AMOUNT,
                            "additionalInfo": {"qrisId": "qris-1"}},
    "ApplyOttRequest": {"userResources": ["OTT"],
                        "additionalInfo": {"partnerReferenceNo": "OTT1"}},
}
