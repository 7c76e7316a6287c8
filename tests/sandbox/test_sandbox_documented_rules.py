"""Issue 15, point 2 (sandbox side): the seeds' own bodies work as Pivot documents them.

- confirm needs no ``orderInformation`` (docs/reference/wire.md#create-session);
- ``sureName`` is accepted and stored as ``surname``;
- "applicable only" settings are refused where they would not take effect;
- one ``expiryAt`` rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.helpers import ORDER, Api, encrypt_card, session_body

VA = {
    "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
    "paymentMethodOptions": {"virtualAccount": {"channel": "BNI"}},
}


def _without_order(kind: str, **overrides: Any) -> dict[str, Any]:
    body = session_body(kind, **overrides)
    del body["orderInformation"]
    return body


def _field(body: Any) -> str:
    return str(body["error"]["details"][0]["field"])


# -- confirm without orderInformation ------------------------------------------------------------


async def test_redirect_page_seed_va_confirm_with_method_only(api: Api) -> None:
    # "Build Redirect Payment Page": autoConfirm false + VA create, then confirm with only
    # paymentMethod and paymentMethodOptions (no orderInformation anywhere).
    body = _without_order("va", mode="REDIRECT", autoConfirm=False)
    status, created = await api.post("/v2/payments", body)
    assert status == 200, created
    assert created["data"]["status"] == "REQUIRE_CONFIRMATION"
    status, confirmed = await api.post(f"/v2/payments/{created['data']['id']}/confirm", VA)
    assert status == 200, confirmed
    data = confirmed["data"]
    assert data["status"] == "REQUIRE_ACTION"
    assert data["chargeDetails"][0]["virtualAccount"]["channel"] == "BNI"
    assert "orderInformation" not in data


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ({"type": "QR"}, {}),
        ({"type": "EWALLET"}, {"ewallet": {"channel": "DANA"}}),
        ({"type": "VIRTUAL_ACCOUNT"}, {"virtualAccount": {"channel": "BCA"}}),
    ],
)
async def test_hosted_confirm_needs_no_order_information(
    api: Api, method: dict[str, Any], options: dict[str, Any]
) -> None:
    status, created = await api.post("/v2/payments", _without_order("hosted", autoConfirm=False))
    assert status == 200, created
    confirm = {"paymentMethod": method, "paymentMethodOptions": options}
    status, body = await api.post(f"/v2/payments/{created['data']['id']}/confirm", confirm)
    assert status == 200, body
    assert body["data"]["status"] == "REQUIRE_ACTION"


async def test_card_confirm_without_order_information_for_a_non_avs_card(api: Api) -> None:
    status, created = await api.post("/v2/payments", _without_order("card_api"))
    assert status == 200, created
    data = created["data"]
    confirm = {
        "paymentMethod": {
            "type": "CARD",
            "card": {"encryptedCard": encrypt_card(data["encryptionKey"], "4440000112200001")},
        },
        "paymentMethodOptions": {"card": {"captureMethod": "automatic"}},
    }
    status, body = await api.post(f"/v2/payments/{data['id']}/confirm", confirm)
    assert status == 200, body
    assert body["data"]["status"] == "REQUIRE_ACTION"


async def test_avs_card_still_needs_billing_info(api: Api) -> None:
    status, created = await api.post("/v2/payments", _without_order("card_api"))
    data = created["data"]
    confirm = {
        "paymentMethod": {
            "type": "CARD",
            "card": {"encryptedCard": encrypt_card(data["encryptionKey"], "4448100334430014")},
        },
        "paymentMethodOptions": {"card": {"captureMethod": "automatic"}},
    }
    status, body = await api.post(f"/v2/payments/{data['id']}/confirm", confirm)
    assert status == 400
    assert _field(body) == "orderInformation.billingInfo"
    status, body = await api.post(
        f"/v2/payments/{data['id']}/confirm", {**confirm, "orderInformation": ORDER}
    )
    assert status == 200, body


# -- sureName / surname ------------------------------------------------------------------------


async def test_sure_name_in_billing_info_is_stored_as_surname(api: Api) -> None:
    billing = {k: v for k, v in ORDER["billingInfo"].items() if k != "surname"}
    order = {**ORDER, "billingInfo": {**billing, "sureName": "Geo"}}
    data = await api.create("va", orderInformation=order)
    billing = data["orderInformation"]["billingInfo"]
    assert billing["surname"] == "Geo"
    assert "sureName" not in billing


async def test_surname_and_sure_name_that_differ_are_refused(api: Api) -> None:
    customer = {"givenName": "A", "surname": "B", "sureName": "C", "email": "a@example.com"}
    status, body = await api.post("/v2/payments", session_body("va", customer=customer))
    assert status == 400
    assert _field(body) == "customer.sureName"
    same = {"givenName": "A", "surname": "B", "sureName": "B", "email": "a@example.com"}
    data = await api.create("va", customer=same)
    assert data["customer"]["surname"] == "B"
    assert "sureName" not in data["customer"]


# -- "applicable only" settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "overrides", "field"),
    [
        ("va", {"showSavedPayment": True}, "showSavedPayment"),
        ("va", {"bypassStatusPage": True}, "bypassStatusPage"),
        ("card_api", {"showSavedPayment": True}, "showSavedPayment"),
        ("va", {"expirationMode": "STRICT", "mode": "REDIRECT"}, "expirationMode"),
        ("qr", {"expirationMode": "STRICT"}, "expirationMode"),
        ("va", {"saveForFutureUse": True}, "saveForFutureUse"),
        ("qr", {"saveForFuture": True, "mode": "REDIRECT"}, "saveForFuture"),
        ("va_static", {"expirationMode": "STRICT"}, "expirationMode"),
    ],
)
async def test_setting_that_would_not_take_effect_is_refused(
    api: Api, kind: str, overrides: dict[str, Any], field: str
) -> None:
    status, body = await api.post("/v2/payments", session_body(kind, **overrides))
    assert status == 400, body
    assert body["code"] == "api_validation_error"
    assert _field(body) == field
    assert "applies only" in body["error"]["details"][0]["message"]


@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        # explicit defaults never take effect, so they pass everywhere
        ("va", {"showSavedPayment": False, "bypassStatusPage": False}),
        ("va", {"expirationMode": "LOOSE", "saveForFutureUse": False}),
        ("qr", {"saveForFuture": False, "paymentType": "SINGLE"}),
        # where the setting applies
        ("card_redirect", {"showSavedPayment": True, "bypassStatusPage": True}),
        ("card_api", {"expirationMode": "STRICT", "saveForFutureUse": True}),
        ("ewallet", {"expirationMode": "STRICT", "saveForFutureUse": True}),
        ("hosted", {"expirationMode": "STRICT", "saveForFutureUse": True}),
    ],
)
async def test_setting_that_takes_effect_or_is_default_passes(
    api: Api, kind: str, overrides: dict[str, Any]
) -> None:
    data = await api.create(kind, **overrides)
    for key, value in overrides.items():
        if key == "saveForFuture":
            key = "saveForFutureUse"
        assert data[key] == value


async def test_card_only_setting_refused_when_confirm_picks_another_method(api: Api) -> None:
    created = await api.create("hosted", autoConfirm=False, expirationMode="STRICT")
    status, body = await api.post(f"/v2/payments/{created['id']}/confirm", VA)
    assert status == 400
    assert _field(body) == "expirationMode"
    session = await api.session(created["id"])
    assert session["status"] == "REQUIRE_CONFIRMATION"  # nothing started


async def test_multiple_only_for_qr_and_va_in_api_mode(api: Api) -> None:
    status, body = await api.post(
        "/v2/payments", session_body("ewallet", paymentType="MULTIPLE")
    )
    assert status == 400
    assert "paymentType 'MULTIPLE'" in body["error"]["details"][0]["message"]
    status, body = await api.post("/v2/payments", session_body("va_static", mode="REDIRECT"))
    assert status == 400
    assert "paymentType 'MULTIPLE'" in body["error"]["details"][0]["message"]


# -- expiryAt ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:10:00Z",
        "2026-01-01T00:10:00.5Z",
        "2026-01-01T00:10:00.123Z",
        "2026-01-01T00:10:00.123456789Z",
    ],
)
async def test_expiry_at_documented_format_with_optional_fraction(api: Api, value: str) -> None:
    data = await api.create("va", expiryAt=value)
    assert data["expiryAt"].startswith("2026-01-01T00:10:00")


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:10:00Z\n",  # a trailing newline ($ would match before it)
        "٢٠٢٦-01-01T00:10:00Z",  # Arabic-Indic digits (\d would match them)
        "2026-01-01T00:10:00.1234567890Z",  # 10 fractional digits
        "2026-01-01T00:10:00.Z",
        "2026-01-01T00:10:00+00:00",
        "2026-01-01 00:10:00Z",
        "2026-01-01T00:10:00z",
        "2026-01-01T00:10Z",
        "2026-02-30T00:10:00Z",
    ],
)
async def test_expiry_at_anything_else_is_refused(api: Api, value: str) -> None:
    status, body = await api.post("/v2/payments", session_body("va", expiryAt=value))
    assert status == 400, body
    assert _field(body) == "expiryAt"
    status, body = await api.post(
        "/v2/payments",
        session_body(
            "va", paymentMethodOptions={"virtualAccount": {"channel": "BCA", "expiryAt": value}}
        ),
    )
    assert status == 400, body
    assert _field(body) == "paymentMethodOptions.virtualAccount.expiryAt"
