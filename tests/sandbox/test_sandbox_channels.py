"""VA, QRIS and e-wallet charges.

See docs/reference/wire.md#create-session, wire.md#session-object and
wire.md#test-data.
"""

from __future__ import annotations

import pytest

from pivot_async.sandbox import Sandbox
from pivot_async.sandbox._qris import crc16_ccitt
from tests.sandbox.helpers import Api, session_body

EXAMPLE_QR = (
    "00020101021226740025ID.CO.BANKNEOCOMMERCE.WWW011893600490800007980502120005301399030303UKE"
    "51550025ID.CO.BANKNEOCOMMERCE.WWW0215ID20254287539870303UKE5204653353033605405100005802ID"
    "5909Pivot Pay6013JAKARTA UTARA6105144506233012230019739310141401989130703A0163043FE0"
)


def _tags(content: str) -> dict[str, str]:
    tags, i = {}, 0
    while i < len(content):
        tag, length = content[i : i + 2], int(content[i + 2 : i + 4])
        tags[tag] = content[i + 4 : i + 4 + length]
        i += 4 + length
    return tags


def test_crc_matches_the_documented_example() -> None:
    assert crc16_ccitt(EXAMPLE_QR[:-4]) == EXAMPLE_QR[-4:]


async def test_dynamic_qr_is_emvco(api: Api) -> None:
    data = await api.create("qr", amount={"value": 12345, "currency": "IDR"})
    qr = data["chargeDetails"][0]["qr"]
    assert qr["qrType"] == "DYNAMIC"
    assert qr["acquirer"] == "BNC"
    assert qr["issuerName"] == ""
    assert len(qr["retrievalReferenceNumber"]) == 25
    content = qr["qrContent"]
    tags = _tags(content)
    assert tags["00"] == "01"
    assert tags["01"] == "12"
    assert tags["54"] == "12345"
    assert tags["53"] == "360"
    assert tags["58"] == "ID"
    assert content[-8:-4] == "6304"
    assert crc16_ccitt(content[:-4]) == content[-4:]
    assert qr["qrUrl"].startswith(api.sandbox.url)
    assert "paymentUrl" not in data


async def test_qr_option_expiry_shortens_the_session(api: Api) -> None:
    data = await api.create("qr", paymentMethodOptions={"qr": {"expiryAt": "2026-01-01T00:05:00Z"}})
    assert data["expiryAt"] == "2026-01-01T00:05:00Z"
    assert data["chargeDetails"][0]["qr"]["expiryAt"] == "2026-01-01T00:05:00Z"


async def test_va_numbers_are_unique(api: Api) -> None:
    numbers = {
        (await api.create("va"))["chargeDetails"][0]["virtualAccount"]["virtualAccountNumber"]
        for _ in range(3)
    }
    assert len(numbers) == 3
    assert all(len(n) == 16 for n in numbers)


async def test_va_redirect_has_a_hosted_page(api: Api) -> None:
    data = await api.create("va", mode="REDIRECT")
    assert data["paymentUrl"].startswith(api.sandbox.url + "/detail?token=")
    assert data["bypassStatusPage"] is False


async def test_ewallet_api_deep_link(api: Api) -> None:
    data = await api.create("ewallet", paymentMethodOptions={"ewallet": {"channel": "SHOPEEPAY"}})
    assert data["paymentUrl"].startswith("shopeepayid://main?navigate_url=")
    assert data["chargeDetails"][0]["ewallet"] == {"channel": "SHOPEEPAY"}


@pytest.mark.parametrize(
    ("phone", "session_status", "charge_status", "events"),
    [
        ("08111111001", "PAID", "SUCCESS", ["PAYMENT.PAID"]),
        ("08111111002", "PROCESSING", "PROCESSING", ["PAYMENT.PROCESSING"]),
        ("08111111003", "CANCELLED", "FAILED", ["PAYMENT.CANCELLED"]),
        ("08111111004", "EXPIRED", "EXPIRED", []),
    ],
)
async def test_ewallet_test_phones(
    api: Api,
    sandbox: Sandbox,
    phone: str,
    session_status: str,
    charge_status: str,
    events: list[str],
) -> None:
    body = session_body(
        "ewallet", paymentMethod={"type": "EWALLET", "ewallet": {"accountIdentifier": phone}}
    )
    _status, created = await api.post("/v2/payments", body)
    assert created["data"]["status"] == "REQUIRE_ACTION"  # the outcome follows the response
    assert created["data"]["paymentMethod"]["ewallet"] == {"accountIdentifier": phone}
    data = await api.session(created["data"]["id"])
    charge = data["chargeDetails"][0]
    assert (data["status"], charge["status"]) == (session_status, charge_status)
    assert charge["ewallet"]["accountInformations"]["mobileNumber"] == "62" + phone[1:]
    if charge_status == "FAILED":
        assert charge["failureCode"] == "DECLINED_BY_CHANNEL"
    assert [e.event for e in sandbox.events] == events


async def test_ewallet_processing_can_be_simulated_paid(api: Api) -> None:
    body = session_body(
        "ewallet",
        paymentMethod={"type": "EWALLET", "ewallet": {"accountIdentifier": "08111111002"}},
    )
    _status, created = await api.post("/v2/payments", body)
    sid = created["data"]["id"]
    assert (await api.session(sid))["status"] == "PROCESSING"
    await api.post("/v2/payments/simulations", {"paymentSessionId": sid, "chargeStatus": "SUCCESS"})
    assert (await api.session(sid))["status"] == "PAID"


async def test_ewallet_other_number_waits(api: Api) -> None:
    body = session_body(
        "ewallet",
        paymentMethod={"type": "EWALLET", "ewallet": {"accountIdentifier": "08123456789"}},
    )
    _status, created = await api.post("/v2/payments", body)
    assert (await api.session(created["data"]["id"]))["status"] == "REQUIRE_ACTION"


async def test_ewallet_page_route(api: Api) -> None:
    data = await api.create("ewallet")
    status, body = await api.control(
        f"/_sandbox/payments/{data['id']}/ewallet", {"phone": "08111111001", "otp": "123456"}
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "otp"
    status, body = await api.control(
        f"/_sandbox/payments/{data['id']}/ewallet", {"phone": "08111111001", "otp": "000000"}
    )
    assert status == 200
    assert body["data"]["status"] == "PAID"


async def test_ewallet_token_saved(api: Api) -> None:
    body = session_body(
        "ewallet",
        saveForFutureUse=True,
        paymentMethod={"type": "EWALLET", "ewallet": {"accountIdentifier": "08111111001"}},
    )
    _, created = await api.post("/v2/payments", body)
    data = await api.session(created["data"]["id"])
    _status, customer = await api.get(f"/v1/customers/{data['customerId']}")
    stored = customer["data"]["storedPaymentMethods"]
    assert stored[0]["paymentMethod"] == "ewallet"
    assert stored[0]["paymentChannel"] == "dana"
