"""Refunds and the refund simulation table.

See docs/reference/wire.md#refunds and wire.md#test-data.
"""

from __future__ import annotations

from typing import Any

import pytest

from pivot_async.sandbox import ManualClock, Sandbox
from tests.sandbox.helpers import Api


async def paid_session(api: Api, sandbox: Sandbox, kind: str = "va") -> dict[str, Any]:
    data = await api.create(kind)
    sandbox.simulate(data["id"])
    return await api.session(data["id"])


def refund_body(session_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientReferenceId": "1755665477",
        "paymentSessionId": session_id,
        "isFullAmount": True,
        "reason": "REQUESTED_BY_CUSTOMER",
        "description": "Customer didn't receive the Product",
        "method": "AUTO",
        "metadata": {"notes": "called support"},
    }
    body.update(overrides)
    return body


async def test_full_refund_channel_success(api: Api, sandbox: Sandbox, clock: ManualClock) -> None:
    session = await paid_session(api, sandbox)
    status, body = await api.post("/v1/refunds", refund_body(session["id"]))
    assert status == 200
    refund = body["data"]
    assert refund["status"] == "PENDING"
    assert refund["amount"] == {"currency": "IDR", "value": "50000.00"}
    assert refund["capturedAmount"] == {"currency": "IDR", "value": "50000.00"}
    assert refund["chargeId"] == session["chargeDetails"][0]["id"]
    clock.advance(2)
    status, body = await api.get(f"/v1/refunds/{refund['id']}")
    assert body["data"]["status"] == "SUCCESS"
    assert body["data"]["destinationType"] == "CHANNEL"
    assert [e.event for e in sandbox.events][-2:] == ["REFUND.PENDING", "REFUND.SUCCESS"]
    assert sandbox.events[-1].data["id"] == refund["id"]


ACCOUNT = {"channelCode": "BCA", "description": "Refund Pivot"}


def _dest(number: str) -> dict[str, Any]:
    return {**ACCOUNT, "channelInformation": {"accountNumber": number, "accountName": "R J"}}


@pytest.mark.parametrize(
    ("reference", "method", "account", "path", "destination"),
    [
        ("anyref", "TRANSFER_ONLY", "999966660001", ["SUCCESS"], "ACCOUNT"),
        ("1001-abc", "AUTO", "999966660001", ["WAITING_BANK_TRANSFER", "SUCCESS"], "ACCOUNT"),
        ("2001-abc", "AUTO", "999966660008", ["WAITING_BANK_TRANSFER", "FAILED"], "ACCOUNT"),
        ("2002-abc", "TRANSFER_ONLY", "999966660002", ["FAILED"], "ACCOUNT"),
    ],
)
async def test_refund_simulation_table(
    api: Api,
    sandbox: Sandbox,
    clock: ManualClock,
    reference: str,
    method: str,
    account: str,
    path: list[str],
    destination: str,
) -> None:
    session = await paid_session(api, sandbox)
    status, body = await api.post(
        "/v1/refunds",
        refund_body(
            session["id"],
            clientReferenceId=reference,
            method=method,
            transferDestination=_dest(account),
        ),
    )
    assert status == 200, body
    refund_id = body["data"]["id"]
    seen = []
    for _ in path:
        clock.advance(2)
        status, body = await api.get(f"/v1/refunds/{refund_id}")
        seen.append(body["data"]["status"])
    assert seen == path
    assert body["data"]["destinationType"] == destination
    expected = ["REFUND.PENDING"] + [
        "REFUND.WAITING_BANK_TRANFER" if s == "WAITING_BANK_TRANSFER" else f"REFUND.{s}"
        for s in path
    ]
    assert [e.event for e in sandbox.events if e.event.startswith("REFUND")] == expected
    clock.advance(100)
    assert (await api.get(f"/v1/refunds/{refund_id}"))[1]["data"]["status"] == path[-1]


async def test_fallback_uses_customer_preference(api: Api, sandbox: Sandbox) -> None:
    session = await paid_session(api, sandbox)
    _status, body = await api.post(
        "/v1/refunds", refund_body(session["id"], clientReferenceId="1001-x")
    )
    refund_id = body["data"]["id"]
    sandbox.advance_refund(refund_id)
    sandbox.advance_refund(refund_id)
    assert sandbox.state.refunds[refund_id].status == "SUCCESS"  # customer's account 17677665415


async def test_partial_refunds_and_limits(api: Api, sandbox: Sandbox) -> None:
    session = await paid_session(api, sandbox)
    partial = refund_body(
        session["id"], isFullAmount=False, amount={"value": "20000", "currency": "IDR"}
    )
    assert (await api.post("/v1/refunds", partial))[0] == 200
    assert (await api.post("/v1/refunds", partial))[0] == 200
    status, body = await api.post("/v1/refunds", partial)
    assert status == 422
    assert "exceeds the refundable amount" in body["message"]
    status, body = await api.post("/v1/refunds", refund_body(session["id"]))
    assert status == 200
    assert body["data"]["amount"]["value"] == "10000.00"
    assert (await api.post("/v1/refunds", refund_body(session["id"])))[0] == 422


async def test_failed_refunds_do_not_count(api: Api, sandbox: Sandbox) -> None:
    session = await paid_session(api, sandbox)
    _status, body = await api.post(
        "/v1/refunds",
        refund_body(
            session["id"],
            clientReferenceId="2002-x",
            method="TRANSFER_ONLY",
            transferDestination=_dest("999966660002"),
        ),
    )
    sandbox.advance_refund(body["data"]["id"])
    assert (await api.post("/v1/refunds", refund_body(session["id"])))[0] == 200


async def test_refund_refused_on_unpaid_charge(api: Api) -> None:
    data = await api.create("va")
    status, body = await api.post("/v1/refunds", refund_body(data["id"]))
    assert status == 422
    assert body["code"] == "api_validation_error"
    assert (await api.post("/v1/refunds", refund_body("nope")))[0] == 404
    assert (
        await api.post(
            "/v1/refunds", {**refund_body(data["id"]), "paymentSessionId": None, "chargeId": "nope"}
        )
    )[0] == 404


async def test_multiple_session_needs_charge_id(api: Api, sandbox: Sandbox) -> None:
    data = await api.create("va_static")
    sandbox.simulate(data["id"], amount=10000)
    sandbox.simulate(data["id"], amount=20000)
    status, body = await api.post("/v1/refunds", refund_body(data["id"]))
    assert status == 400
    assert body["error"]["details"][0]["field"] == "chargeId"
    charge_id = sandbox.state.sessions[data["id"]].charges[1].id
    status, body = await api.post("/v1/refunds", refund_body(data["id"], chargeId=charge_id))
    assert status == 200
    assert body["data"]["amount"]["value"] == "20000.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "BORED"}, "reason"),
        ({"reason": None}, "reason"),
        ({"isFullAmount": False}, "amount"),
        ({"isFullAmount": False, "amount": {"value": "1.234", "currency": "IDR"}}, "amount.value"),
        ({"description": "d" * 51}, "description"),
        ({"method": "TRANSFER_ONLY"}, "transferDestination"),
        (
            {"transferDestination": {**_dest("1"), "description": "x" * 21}},
            "transferDestination.description",
        ),
        ({"clientReferenceId": None}, "clientReferenceId"),
        ({"paymentSessionId": None}, "paymentSessionId"),
    ],
)
async def test_refund_validation(
    api: Api, sandbox: Sandbox, overrides: dict[str, Any], field: str
) -> None:
    session = await paid_session(api, sandbox)
    status, body = await api.post("/v1/refunds", refund_body(session["id"], **overrides))
    assert status == 400
    assert field in [d["field"] for d in body["error"]["details"]]


async def test_list_and_advance_route(api: Api, sandbox: Sandbox) -> None:
    session = await paid_session(api, sandbox)
    ids = []
    for ref in ("a1", "a2"):
        body = refund_body(
            session["id"],
            clientReferenceId=ref,
            isFullAmount=False,
            amount={"value": 1000, "currency": "IDR"},
        )
        ids.append((await api.post("/v1/refunds", body))[1]["data"]["id"])
    status, body = await api.get("/v1/refunds?perPage=1")
    assert status == 200
    assert len(body["data"]) == 1
    assert body["pagination"]["totalItems"] == 2
    status, body = await api.control(f"/_sandbox/refunds/{ids[0]}/advance")
    assert status == 200
    assert body["data"]["status"] == "SUCCESS"
    assert (await api.control(f"/_sandbox/refunds/{ids[0]}/advance"))[0] == 422
    assert (await api.get("/v1/refunds/nope"))[0] == 404
