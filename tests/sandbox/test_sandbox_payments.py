"""Payment sessions: each route and each documented transition, allowed and refused.

See docs/reference/wire.md#transitions.
"""

from __future__ import annotations

import re

import pytest

from pivot_async.sandbox import ManualClock, Sandbox
from tests.sandbox.helpers import ORDER, Api, request_id, session_body

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_create_va_single_api(api: Api) -> None:
    data = await api.create("va")
    assert UUID7.match(data["id"])
    assert data["status"] == "REQUIRE_ACTION"  # T3
    assert "paymentUrl" not in data
    assert data["amount"] == {"value": 50000, "currency": "IDR"}
    charge = data["chargeDetails"][0]
    assert charge["status"] == "WAITING_FOR_USER_ACTION"
    assert charge["authorizedAmount"] is None
    assert charge["capturedAmount"] is None
    va = charge["virtualAccount"]
    assert va["channel"] == "BCA"
    assert va["virtualAccountNumber"].isdigit()
    assert va["virtualAccountName"] == "Pivot - Pivot Sandbox"
    assert va["expiryAt"] == data["expiryAt"] == "2026-01-01T00:15:00Z"
    assert data["customerId"]
    assert data["customer"]["email"] == "reforza@pivot-payment.com"


async def test_hosted_sessions_t1_t2(api: Api) -> None:
    body = session_body("hosted")
    del body["orderInformation"]
    status, created = await api.post("/v2/payments", body)
    assert status == 200
    assert created["data"]["status"] == "REQUIRE_PAYMENT_METHOD"  # T1
    assert created["data"]["paymentUrl"].startswith(api.sandbox.url + "/detail?token=")
    assert created["data"]["chargeDetails"] is None
    assert created["data"]["paymentMethod"] is None
    hosted = await api.create("hosted", autoConfirm=False)
    assert hosted["status"] == "REQUIRE_CONFIRMATION"  # T2
    card = await api.create("card_api")
    assert card["status"] == "REQUIRE_CONFIRMATION"
    assert card["encryptionKey"].startswith("MIIBIjAN")
    assert "paymentUrl" not in card
    assert card["chargeDetails"] is None


async def test_api_mode_needs_a_method(api: Api) -> None:
    status, body = await api.post("/v2/payments", session_body("hosted", mode="API"))
    assert status == 400
    assert body["error"]["details"][0]["field"] == "paymentMethod"


async def test_static_va_multiple_t4(api: Api) -> None:
    data = await api.create(
        "va_static",
        paymentMethodOptions={
            "virtualAccount": {"channel": "PERMATA", "virtualAccountNumber": "00000001"}
        },
    )
    assert data["status"] == "ACTIVE"
    assert data["amount"]["value"] == 0
    assert data["expiryAt"] is None
    assert data["chargeDetails"] is None
    va = data["paymentMethod"]["virtualAccount"]
    assert va["virtualAccountNumber"] == "7664000000000001"
    assert va["expiryAt"] == "0001-01-01T00:00:00Z"
    status, body = await api.post(
        "/v2/payments",
        session_body(
            "va_static",
            paymentMethodOptions={
                "virtualAccount": {"channel": "PERMATA", "virtualAccountNumber": "00000001"}
            },
        ),
    )
    assert status == 400
    assert "already been assigned" in body["error"]["details"][0]["message"]
    status, body = await api.post(
        "/v2/payments",
        session_body(
            "va_static",
            paymentMethodOptions={
                "virtualAccount": {"channel": "PERMATA", "virtualAccountNumber": "123456789012"}
            },
        ),
    )
    assert status == 400
    assert "static VA range" in body["error"]["details"][0]["message"]


async def test_multiple_accumulates_charges_t12(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("va_static")
    for amount in (10000, 25000):
        status, body = await api.post(
            "/v2/payments/simulations",
            {
                "paymentSessionId": data["id"],
                "chargeStatus": "SUCCESS",
                "amount": {"value": amount, "currency": "IDR"},
            },
        )
        assert status == 200
        assert body["data"] == {"updated": "true"}
    session = await api.session(data["id"])
    assert session["status"] == "ACTIVE"
    assert [c["amount"]["value"] for c in session["chargeDetails"]] == [10000, 25000]
    assert all(c["status"] == "SUCCESS" for c in session["chargeDetails"])
    assert [e.event for e in sandbox.events] == ["CHARGE.SUCCESS", "CHARGE.SUCCESS"]
    status, _ = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": data["id"], "chargeStatus": "EXPIRED"}
    )
    assert status == 422
    status, body = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": data["id"], "chargeStatus": "SUCCESS"}
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "amount"
    page = await api.get(f"/v2/payments/{data['id']}?page=2&perPage=1")
    assert page[1]["pagination"] == {"page": 2, "perPage": 1, "totalItems": 2, "totalPages": 2}
    assert [c["amount"]["value"] for c in page[1]["data"]["chargeDetails"]] == [25000]


async def test_multiple_with_expiry_becomes_inactive_t15(api: Api, clock: ManualClock) -> None:
    data = await api.create("va_static", expiryAt="2026-01-02T00:00:00Z")
    assert data["expiryAt"] == "2026-01-02T00:00:00Z"
    clock.advance(86400)
    assert (await api.session(data["id"]))["status"] == "INACTIVE"
    again = await api.create(
        "va_static",
        paymentMethodOptions={
            "virtualAccount": {
                "channel": "PERMATA",
                "virtualAccountNumber": data["paymentMethod"]["virtualAccount"][
                    "virtualAccountNumber"
                ][-8:],
            }
        },
    )
    assert again["status"] == "ACTIVE"  # the number was released


async def test_static_qr(api: Api) -> None:
    data = await api.create("qr_static")
    assert data["status"] == "ACTIVE"
    assert data["amount"]["value"] == 0
    qr = data["paymentMethod"]["qr"]
    assert qr["qrType"] == "STATIC"
    assert qr["storeId"]
    assert "5404" not in qr["qrContent"][:60]
    status, body = await api.post(
        "/v2/payments", session_body("qr_static", amount={"value": 10000, "currency": "IDR"})
    )
    assert status == 400
    assert "must not include an amount" in body["message"]


async def test_static_qris_limit() -> None:
    from pivot_async.sandbox import SandboxConfig

    config = SandboxConfig(static_qris_limit=1)
    async with Sandbox(clock=ManualClock(), config=config) as sandbox:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            api = Api(sandbox, http)
            await api.create("qr_static")
            status, body = await api.post("/v2/payments", session_body("qr_static"))
            assert status == 400
            assert "reached the allowed limit" in body["message"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": "REDIRECT"}, "only allowed when mode is set to 'API'"),
        ({"paymentMethod": {"type": "CARD"}}, "not allowed for this payment method type"),
    ],
)
async def test_multiple_rules(api: Api, overrides: dict[str, object], message: str) -> None:
    status, body = await api.post("/v2/payments", session_body("va_static", **overrides))
    assert status == 400
    assert body["code"] == "api_validation_error"
    assert body["error"]["details"][0] == {"field": "", "message": body["message"]}
    assert message in body["message"]


async def test_retrieve_list_and_filter(api: Api) -> None:
    first = await api.create("va", clientReferenceId="orderA")
    await api.create("qr", clientReferenceId="orderB")
    await api.create("va", clientReferenceId="orderA")
    status, body = await api.get("/v2/payments?clientReferenceId=orderA")
    assert status == 200
    assert len(body["data"]) == 2
    assert body["pagination"] == {"page": 1, "perPage": 20, "totalItems": 2, "totalPages": 1}
    status, body = await api.get("/v2/payments?page=1&perPage=2")
    assert len(body["data"]) == 2
    assert body["pagination"]["totalPages"] == 2
    assert (await api.get("/v2/payments?perPage=500"))[1]["pagination"]["perPage"] == 100
    assert (await api.get("/v2/payments?page=0"))[0] == 400
    assert (await api.get("/v2/payments?perPage=x"))[0] == 400
    assert (await api.session(first["id"]))["id"] == first["id"]
    status, body = await api.get("/v2/payments/01990000-0000-7000-8000-000000000000")
    assert status == 404
    assert body["code"] == "resource_missing"


async def test_charges_by_reference(api: Api) -> None:
    await api.create("va", clientReferenceId="orderC")
    await api.create("qr", clientReferenceId="orderC")
    status, body = await api.get("/v2/charges?clientReferenceId=orderC")
    assert status == 200
    assert len(body["data"]) == 2
    assert {c["paymentSessionClientReferenceId"] for c in body["data"]} == {"orderC"}
    assert body["pagination"]["totalItems"] == 2
    assert (await api.get("/v2/charges"))[0] == 400


async def test_payment_method_configs(api: Api) -> None:
    status, body = await api.get("/v2/payment-method-configs")
    assert status == 200
    data = body["data"]
    assert data["card"]["acceptedChannels"] == ["VISA", "MASTERCARD", "JCB"]
    assert data["qr"]["maximumExpiry"] == "60 MINUTES"
    assert data["ewallet"]["maximumAmount"] == {"value": 9999999, "currency": "IDR"}
    assert data["installment"] == {"enabled": False, "acceptedChannels": {}}


async def test_customers(api: Api) -> None:
    one = await api.create("va")
    two = await api.create("qr")
    assert one["customerId"] == two["customerId"]
    status, body = await api.get(f"/v1/customers/{one['customerId']}")
    assert status == 200
    assert body["data"]["email"] == "reforza@pivot-payment.com"
    assert body["data"]["storedPaymentMethods"] == []
    assert (await api.get("/v1/customers/unknown"))[0] == 404
    by_id = await api.create("va", customer=None, customerId=one["customerId"])
    assert by_id["customer"]["email"] == "reforza@pivot-payment.com"
    status, body = await api.post(
        "/v2/payments", session_body("va", customer=None, customerId="nope")
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "customerId"


async def test_sure_name_is_stored_as_surname(api: Api) -> None:
    # The older spelling is accepted and normalised: one spelling (the reference's) is echoed.
    customer = {"givenName": "A", "sureName": "B", "email": "old@example.com"}
    data = await api.create("va", customer=customer)
    assert data["customer"]["surname"] == "B"
    assert "sureName" not in data["customer"]


async def test_cancel_t6(api: Api, sandbox: Sandbox, clock: ManualClock) -> None:
    data = await api.create("card_api")
    clock.advance(10)
    status, body = await api.post(f"/v2/payments/{data['id']}/cancel", {"cancellationReason": "X"})
    assert status == 200
    cancelled = body["data"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancellationReason"] == "VOID_SESSION"
    assert cancelled["cancelledAt"] == cancelled["expiryAt"] == "2026-01-01T00:00:10Z"
    assert [e.event for e in sandbox.events] == ["PAYMENT.CANCELLED"]
    status, body = await api.post(f"/v2/payments/{data['id']}/cancel")
    assert status == 422
    assert body["code"] == "api_validation_error"
    assert "CANCELLED" in body["message"]


@pytest.mark.parametrize("kind", ["va", "qr", "ewallet"])
async def test_cancel_refused_after_a_charge_started(api: Api, kind: str) -> None:
    data = await api.create(kind)
    status, body = await api.post(f"/v2/payments/{data['id']}/cancel")
    assert status == 422
    assert "REQUIRE_ACTION" in body["message"]


async def test_confirm_non_card_t5(api: Api) -> None:
    data = await api.create("va", autoConfirm=False)
    assert data["status"] == "REQUIRE_CONFIRMATION"
    status, body = await api.post(
        f"/v2/payments/{data['id']}/confirm",
        {
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {"channel": "BNI"}},
        },
    )
    assert status == 200
    assert body["data"]["status"] == "REQUIRE_ACTION"
    assert body["data"]["chargeDetails"][0]["virtualAccount"]["channel"] == "BNI"
    status, body = await api.post(
        f"/v2/payments/{data['id']}/confirm",
        {
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
            "paymentMethodOptions": {"virtualAccount": {"channel": "BNI"}},
        },
    )
    assert status == 422
    assert "cannot be confirmed" in body["message"]


async def test_confirm_checks(api: Api) -> None:
    body = session_body("hosted", autoConfirm=False)
    del body["orderInformation"]
    status, created = await api.post("/v2/payments", body)
    sid = created["data"]["id"]
    va = {
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BNI"}},
    }
    status, err = await api.post(f"/v2/payments/{sid}/confirm", {"orderInformation": ORDER})
    assert status == 400
    assert err["error"]["details"][0]["field"] == "paymentMethod"
    status, ok = await api.post(f"/v2/payments/{sid}/confirm", {**va, "orderInformation": ORDER})
    assert status == 200
    assert ok["data"]["orderInformation"] == ORDER
    card = await api.create("card_api")
    status, err = await api.post(f"/v2/payments/{card['id']}/confirm", va)
    assert status == 400
    assert err["error"]["details"][0]["field"] == "paymentMethod.type"


async def test_expiry_t14(api: Api, clock: ManualClock, sandbox: Sandbox) -> None:
    data = await api.create("va")
    hosted = await api.create("card_api")
    clock.advance(899)
    assert (await api.session(data["id"]))["status"] == "REQUIRE_ACTION"
    clock.advance(1)
    expired = await api.session(data["id"])
    assert expired["status"] == "EXPIRED"
    assert expired["chargeDetails"][0]["status"] == "EXPIRED"
    assert expired["chargeDetails"][0]["failureCode"] == "CHARGE_EXPIRED"
    assert (await api.session(hosted["id"]))["status"] == "EXPIRED"
    assert sandbox.events == []  # no event on expiry
    status, _ = await api.post(f"/v2/payments/{hosted['id']}/cancel")
    assert status == 422
    status, _body = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": data["id"], "chargeStatus": "SUCCESS"}
    )
    assert status == 422


async def test_simulation_single_t11_and_expired(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("qr")
    status, _ = await api.post(
        "/v2/payments/simulations",
        {
            "paymentSessionId": data["id"],
            "chargeStatus": "SUCCESS",
            "amount": {"value": 50000, "currency": "IDR"},
        },
    )
    assert status == 200
    paid = await api.session(data["id"])
    assert paid["status"] == "PAID"
    charge = paid["chargeDetails"][0]
    assert charge["status"] == "SUCCESS"
    assert charge["paidAt"]
    assert charge["isCaptured"] is True
    assert [e.event for e in sandbox.events] == ["PAYMENT.PAID"]
    assert sandbox.events[0].data["status"] == "PAID"
    other = await api.create("va")
    await api.post(
        "/v2/payments/simulations", {"paymentSessionId": other["id"], "chargeStatus": "EXPIRED"}
    )
    assert (await api.session(other["id"]))["status"] == "EXPIRED"
    status, _ = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": other["id"], "chargeStatus": "SUCCESS"}
    )
    assert status == 422
    card = await api.create("card_api")
    status, _ = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": card["id"], "chargeStatus": "SUCCESS"}
    )
    assert status == 400
    status, body = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": "nope", "chargeStatus": "SUCCESS"}
    )
    assert status == 404
    assert body["code"] == "resource_missing"
    status, body = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": card["id"], "chargeStatus": "PAID"}
    )
    assert status == 400
    assert body["error"]["details"][0]["field"] == "chargeStatus"
    hosted = await api.create("hosted")
    status, _ = await api.post(
        "/v2/payments/simulations", {"paymentSessionId": hosted["id"], "chargeStatus": "SUCCESS"}
    )
    assert status == 422


async def test_inspection_helpers(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("va", clientReferenceId="inspect1")
    assert sandbox.state.sessions[data["id"]].status == "REQUIRE_ACTION"
    assert [s.id for s in sandbox.state.sessions_by_reference("inspect1")] == [data["id"]]
    assert len(sandbox.state.sessions[data["id"]].charges) == 1
    assert data["id"] in sandbox.state.sessions
    sandbox.simulate(data["id"])
    assert sandbox.state.sessions[data["id"]].status == "PAID"
    rid = request_id()
    await api.post("/v2/payments", session_body("va"), request_id=rid)
    assert sandbox.request_ids("POST", "/v2/payments")[rid] == 1
