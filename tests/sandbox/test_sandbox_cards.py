"""Cards: encryption, every test card, 3DS actions, capture, review, tokens.

See docs/reference/wire.md#card-encryption and wire.md#test-data.
"""

from __future__ import annotations

from typing import Any

import pytest

from pivot_async.sandbox import TEST_CARDS, Sandbox
from pivot_async.sandbox._cards import SCENARIOS
from tests.sandbox.helpers import ORDER, Api, encrypt_card, session_body

OUTCOMES = {
    "SUCCESS_FRICTIONLESS": ("PAID", "SUCCESS", None),
    "SUCCESS_CHALLENGE": ("PAID", "SUCCESS", None),
    "FOREIGN_AVS": ("PAID", "SUCCESS", None),
    "REQUIRE_REVIEW": ("PROCESSING", "PROCESSING", None),
    "DECLINED": ("CANCELLED", "FAILED", "DECLINED_BY_CHANNEL"),
    "DECLINED_EXPIRED": ("CANCELLED", "FAILED", "DECLINED_BY_CHANNEL"),
    "DECLINED_CVV": ("CANCELLED", "FAILED", "DECLINED_BY_CHANNEL"),
    "INVALID_ACCOUNT": ("CANCELLED", "FAILED", "INVALID_ACCOUNT"),
    "AUTHENTICATION_FAILED": ("CANCELLED", "FAILED", "AUTHENTICATION_FAILED"),
    "FRAUD_STOLEN": ("CANCELLED", "FAILED", "SUSPECTED_FRAUD"),
    "FRAUD_BLOCKED": ("CANCELLED", "FAILED", "SUSPECTED_FRAUD"),
    "BLOCKED_BY_FDS": ("CANCELLED", "FAILED", "BLOCKED_BY_FDS"),
    "INSUFFICIENT_FUND": ("CANCELLED", "FAILED", "INSUFFICIENT_FUND"),
    "CHANNEL_UNAVAILABLE": ("CANCELLED", "FAILED", "CHANNEL_UNAVAILABLE"),
    "CANCELLED_BY_USER": ("CANCELLED", "FAILED", "CANCELLED_BY_USER"),
}
EVENTS = {
    "PAID": ["PAYMENT.PAID"],
    "PROCESSING": ["PAYMENT.PROCESSING"],
    "CANCELLED": ["PAYMENT.CANCELLED"],
}
CHALLENGE = {"card": {"captureMethod": "automatic", "threeDsMethod": "CHALLENGE"}}


async def confirm_card(
    api: Api,
    pan: str,
    *,
    options: dict[str, Any] | None = None,
    capitalised: bool = False,
    **create: Any,
) -> tuple[str, dict[str, Any]]:
    session = await api.create("card_api", **create)
    encrypted = encrypt_card(session["encryptionKey"], pan, capitalised=capitalised)
    status, body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {
            "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
            "paymentMethodOptions": options or CHALLENGE,
        },
    )
    assert status == 200, body
    return session["id"], body["data"]


async def three_ds(api: Api, session_id: str, action: str = "complete") -> dict[str, Any]:
    status, body = await api.control(f"/_sandbox/3ds/{session_id}", {"action": action})
    assert status == 200, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.parametrize(("pan", "scenario"), sorted(TEST_CARDS.items()))
async def test_every_test_card(api: Api, sandbox: Sandbox, pan: str, scenario: str) -> None:
    sid, confirmed = await confirm_card(api, pan)
    assert confirmed["status"] == "REQUIRE_ACTION"
    assert confirmed["paymentUrl"].startswith(sandbox.url + "/payment/creditcard/threeds?")
    assert confirmed["encryptionKey"]
    assert confirmed["paymentMethod"]["card"]["cvc"] == ""
    charge = confirmed["chargeDetails"][0]
    assert charge["status"] == "WAITING_FOR_USER_ACTION"
    assert charge["card"]["first6"] == pan[:6]
    assert charge["card"]["last4"] == pan[-4:]
    assert charge["card"]["first8"] == pan[:8]
    assert charge["card"]["authenticationResult"]["threeDsVersion"] == "3DS2"
    assert charge["card"]["authorizationResult"] is None
    result = await three_ds(api, sid)
    session_status, charge_status, code = OUTCOMES[scenario]
    charge = result["chargeDetails"][0]
    assert (result["status"], charge["status"], charge["failureCode"]) == (
        session_status,
        charge_status,
        code,
    )
    assert [e.event for e in sandbox.events] == EVENTS[session_status]
    brand = {"4": "VISA", "5": "MASTERCARD", "3": "JCB"}[pan[0]]
    assert charge["card"]["binInformations"]["brand"] == brand
    assert charge["card"]["binInformations"]["country"] == (
        "US" if scenario == "FOREIGN_AVS" else "ID"
    )
    if session_status == "CANCELLED":
        assert result["cancellationReason"] == "CHARGE_FAILED"
        assert charge["failureMessage"].startswith("CARD payment failed.")
        assert charge["recommendation"]
    if session_status == "PAID":
        assert charge["paidAt"]
        assert charge["isCaptured"] is True
        assert charge["capturedAmount"] == {"value": 50000, "currency": "IDR"}
        assert charge["card"]["authorizationResult"]["issuerAuthorizationCode"] == "00"
        assert charge["fdsRiskAssessment"]["status"] == "PASSED"
    if scenario == "BLOCKED_BY_FDS":
        assert charge["fdsRiskAssessment"]["status"] == "REJECTED"
    if scenario == "FOREIGN_AVS":
        assert charge["card"]["authorizationResult"]["avsResult"] == "ADDRESS_ZIP_MATCH"
    method = charge["card"]["authenticationResult"]["threeDsMethod"]
    expected = "FRICTIONLESS" if not SCENARIOS[scenario].challenge else "CHALLENGE"
    assert method == expected


async def test_unknown_pan_declines(api: Api) -> None:
    sid, confirmed = await confirm_card(api, "4111111111111111")
    assert confirmed["chargeDetails"][0]["card"]["binInformations"]["issuingBank"] == "UNKNOWN"
    result = await three_ds(api, sid)
    assert result["chargeDetails"][0]["failureCode"] == "DECLINED_BY_CHANNEL"


@pytest.mark.parametrize(
    ("action", "code"), [("fail", "AUTHENTICATION_FAILED"), ("cancel", "CANCELLED_BY_USER")]
)
async def test_3ds_fail_and_cancel(api: Api, action: str, code: str) -> None:
    sid, _ = await confirm_card(api, "4440000112290002")
    result = await three_ds(api, sid, action)
    assert result["status"] == "CANCELLED"
    assert result["chargeDetails"][0]["failureCode"] == code
    status, _body = await api.control(f"/_sandbox/3ds/{sid}", {"action": "complete"})
    assert status == 422


async def test_3ds_never_is_bypassed(api: Api) -> None:
    options = {"card": {"captureMethod": "automatic", "threeDsMethod": "NEVER"}}
    sid, _ = await confirm_card(api, "5550000112220002", options=options)
    result = await three_ds(api, sid)
    auth = result["chargeDetails"][0]["card"]["authenticationResult"]
    assert auth["threeDsMethod"] == "BYPASSED"
    assert result["status"] == "PAID"


async def test_capitalised_envelope_and_nested_options(api: Api) -> None:
    session = await api.create("card_api")
    encrypted = encrypt_card(session["encryptionKey"], "4440000112200001", capitalised=True)
    status, _body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {
            "paymentMethod": {
                "type": "CARD",
                "card": {"encryptedCard": encrypted},
                "paymentMethodOptions": {"card": {"captureMethod": "MANUAL"}},
            }
        },
    )
    assert status == 200
    result = await three_ds(api, session["id"])
    assert result["chargeDetails"][0]["status"] == "WAITING_FOR_CAPTURE"


@pytest.mark.parametrize("bad", ["not base64!!", "aGVsbG8=", "eyJub25jZSI6ICJ4In0="])
async def test_undecryptable_card(api: Api, bad: str) -> None:
    session = await api.create("card_api")
    status, body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {"paymentMethod": {"type": "CARD", "card": {"encryptedCard": bad}}},
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "paymentMethod.card.encryptedCard"
    assert (await api.session(session["id"]))["status"] == "REQUIRE_CONFIRMATION"


async def test_card_encrypted_for_another_key(api: Api, sandbox: Sandbox) -> None:
    sandbox.state.merchants.register("m-other", "s-other")
    other = Api(sandbox, api.http)
    other.client_id, other.client_secret = "m-other", "s-other"
    foreign_key = (await other.create("card_api"))["encryptionKey"]
    session = await api.create("card_api")
    status, body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {
            "paymentMethod": {
                "type": "CARD",
                "card": {"encryptedCard": encrypt_card(foreign_key, "4440000112200001")},
            }
        },
    )
    assert status == 400
    assert "could not be decrypted" in body["message"]


async def test_expired_card_is_refused(api: Api) -> None:
    session = await api.create("card_api")
    encrypted = encrypt_card(session["encryptionKey"], "4440000112200001", month="01", year="25")
    status, body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {"paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}}},
    )
    assert status == 400
    assert body["message"] == "The card has expired"


async def test_avs_card_needs_billing_info(api: Api) -> None:
    order = {"productDetails": ORDER["productDetails"]}
    session = await api.create("card_api", orderInformation=order)
    encrypted = encrypt_card(session["encryptionKey"], "4448100334430014")
    status, body = await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {"paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}}},
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "orderInformation.billingInfo"


@pytest.mark.parametrize(
    ("line", "avs"),
    [
        ("Alpha Street", "SERVICE_NOT_AVAILABLE_RET"),
        ("Delta Street", "NO_MATCH"),
        ("Mike Street", "NOT_VERIFIED"),
    ],
)
async def test_avs_table(api: Api, line: str, avs: str) -> None:
    order = {**ORDER, "billingInfo": {**ORDER["billingInfo"], "addressLine1": line}}
    sid, _ = await confirm_card(api, "5558100334460014", orderInformation=order)
    result = await three_ds(api, sid)
    assert result["chargeDetails"][0]["card"]["authorizationResult"]["avsResult"] == avs


async def test_manual_capture_partial_then_rest(api: Api, sandbox: Sandbox) -> None:
    options = {"card": {"captureMethod": "manual", "threeDsMethod": "CHALLENGE"}}
    sid, _ = await confirm_card(api, "4440000112290002", options=options)
    held = await three_ds(api, sid)
    assert held["status"] == "PROCESSING"
    assert held["chargeDetails"][0]["status"] == "WAITING_FOR_CAPTURE"
    assert held["chargeDetails"][0]["authorizedAmount"]["value"] == 50000
    status, body = await api.post(
        f"/v2/payments/{sid}/capture",
        {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 20000}},
    )
    assert status == 200
    capture = body["data"]
    assert capture["status"] == "PENDING"
    assert capture["amount"]["value"] == 20000
    assert capture["paymentSessionId"] == sid
    assert capture["releaseRemainingAmount"] is False
    paid = await api.session(sid)
    assert paid["status"] == "PAID"
    charge = paid["chargeDetails"][0]
    assert charge["status"] == "SUCCESS"
    assert charge["capturedAmount"]["value"] == 20000
    assert charge["captureHistories"][0]["status"] == "SUCCESS"
    assert charge["captureHistories"][0]["captureId"] == capture["id"]
    status, body = await api.post(
        f"/v2/payments/{sid}/capture",
        {"releaseRemainingAmount": False, "amount": {"currency": "IDR", "value": 40000}},
    )
    assert status == 422
    status, body = await api.post(f"/v2/payments/{sid}/capture", {"releaseRemainingAmount": True})
    assert status == 200
    assert body["data"]["amount"]["value"] == 30000
    charge = (await api.session(sid))["chargeDetails"][0]
    assert charge["capturedAmount"]["value"] == 50000
    assert len(charge["captureHistories"]) == 2
    assert [e.event for e in sandbox.events] == ["PAYMENT.PROCESSING", "PAYMENT.PAID"]
    status, _ = await api.post(f"/v2/payments/{sid}/capture", {"releaseRemainingAmount": True})
    assert status == 422


async def test_capture_release_stops_further_captures(api: Api) -> None:
    options = {"card": {"captureMethod": "manual"}}
    sid, _ = await confirm_card(api, "4440000112200001", options=options)
    await three_ds(api, sid)
    status, _ = await api.post(
        f"/v2/payments/{sid}/capture",
        {"releaseRemainingAmount": True, "amount": {"currency": "IDR", "value": 10000}},
    )
    assert status == 200
    status, _ = await api.post(f"/v2/payments/{sid}/capture", {"releaseRemainingAmount": False})
    assert status == 422


async def test_capture_refused_states_and_body(api: Api) -> None:
    sid, _ = await confirm_card(api, "4440000112200001")
    status, body = await api.post(f"/v2/payments/{sid}/capture", {"releaseRemainingAmount": True})
    assert status == 422
    await three_ds(api, sid)  # automatic capture: nothing left to capture
    status, _ = await api.post(f"/v2/payments/{sid}/capture", {"releaseRemainingAmount": True})
    assert status == 422
    status, body = await api.post(f"/v2/payments/{sid}/capture", {})
    assert status == 400
    assert body["error"]["details"][0]["field"] == "releaseRemainingAmount"


@pytest.mark.parametrize(
    ("decision", "status", "events"),
    [
        ("approve", "PAID", ["PAYMENT.PROCESSING", "PAYMENT.PAID"]),
        ("reject", "CANCELLED", ["PAYMENT.PROCESSING", "PAYMENT.CANCELLED"]),
    ],
)
async def test_review(
    api: Api, sandbox: Sandbox, decision: str, status: str, events: list[str]
) -> None:
    sid, _ = await confirm_card(api, "4440000334400009")
    assert (await three_ds(api, sid))["status"] == "PROCESSING"
    code, body = await api.control(f"/_sandbox/payments/{sid}/review", {"decision": decision})
    assert code == 200
    assert body["data"]["status"] == status
    assert [e.event for e in sandbox.events] == events
    assert (await api.control(f"/_sandbox/payments/{sid}/review", {"decision": "approve"}))[
        0
    ] == 422


async def test_tokenisation_and_stored_token_payment(api: Api, sandbox: Sandbox) -> None:
    sid, _ = await confirm_card(api, "4440000112290002", saveForFutureUse=True)
    paid = await three_ds(api, sid)
    customer_id = paid["customerId"]
    status, body = await api.get(f"/v1/customers/{customer_id}")
    stored = body["data"]["storedPaymentMethods"]
    assert len(stored) == 1
    assert stored[0]["paymentMethod"] == "CARD"
    assert stored[0]["paymentChannel"] == "VISA"
    assert stored[0]["card"]["last4"] == "0002"
    assert stored[0]["status"] == "ACTIVE"
    token = stored[0]["token"]
    body = session_body(
        "card_api",
        autoConfirm=True,
        customer=None,
        customerId=customer_id,
        paymentMethod={"type": "CARD", "card": {"token": token, "cvc": "123"}},
        paymentMethodOptions=CHALLENGE,
    )
    status, created = await api.post("/v2/payments", body)
    assert status == 200
    data = created["data"]
    assert data["status"] == "REQUIRE_ACTION"
    assert "/payment/creditcard/authenticate-token?cred=" in data["paymentUrl"]
    assert data["chargeDetails"][0]["card"]["first6"] == ""
    result = await three_ds(api, data["id"])
    assert result["status"] == "PAID"
    assert result["chargeDetails"][0]["card"]["last4"] == "0002"
    status, err = await api.post(
        "/v2/payments",
        session_body(
            "card_api", autoConfirm=True, paymentMethod={"type": "CARD", "card": {"token": "nope"}}
        ),
    )
    assert status == 400
    assert err["error"]["details"][0]["field"] == "paymentMethod.card.token"


async def test_save_for_future_spelling(api: Api) -> None:
    sid, _ = await confirm_card(api, "5550000112230001", saveForFuture=True)
    paid = await three_ds(api, sid)
    assert paid["saveForFutureUse"] is True
    _status, body = await api.get(f"/v1/customers/{paid['customerId']}")
    assert body["data"]["storedPaymentMethods"][0]["paymentChannel"] == "MASTERCARD"


async def test_plain_pan_in_api_mode(api: Api) -> None:
    card = {"number": "3550000112280001", "expMonth": 12, "expYear": 2030, "cvc": "123"}
    data = await api.create(
        "card_api", autoConfirm=True, paymentMethod={"type": "CARD", "card": card}
    )
    assert data["status"] == "REQUIRE_ACTION"
    assert "threeds" in data["paymentUrl"]
    assert "number" not in data["paymentMethod"]["card"]
    assert (await three_ds(api, data["id"]))["status"] == "PAID"


async def test_encrypted_card_only_on_confirm(api: Api) -> None:
    status, body = await api.post(
        "/v2/payments",
        session_body("card_api", paymentMethod={"type": "CARD", "card": {"encryptedCard": "abc"}}),
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "paymentMethod.card.encryptedCard"


async def test_redirect_card_via_hosted_page(api: Api) -> None:
    data = await api.create(
        "card_redirect", paymentMethodOptions={"card": {"captureMethod": "manual"}}
    )
    assert data["status"] == "REQUIRE_ACTION"
    assert "/detail?token=" in data["paymentUrl"]
    assert data["chargeDetails"][0]["card"] is None
    card = {"number": "4440000112200001", "expMonth": 12, "expYear": 30, "cvc": "123"}
    status, body = await api.control(
        f"/_sandbox/payments/{data['id']}/pay", {"paymentMethod": {"type": "CARD", "card": card}}
    )
    assert status == 200
    assert "threeds" in body["data"]["paymentUrl"]
    result = await three_ds(api, data["id"])
    assert result["chargeDetails"][0]["status"] == "WAITING_FOR_CAPTURE"  # options kept
