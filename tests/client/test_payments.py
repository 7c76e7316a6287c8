"""Every Payments API resource end to end against the embedded sandbox."""

from __future__ import annotations

import pytest

from pivot_async import (
    ConfigurationError,
    NotFoundError,
    PivotClient,
    RequestValidationError,
    UnprocessableEntityError,
)
from pivot_async.models import ChargeStatus, SessionStatus
from pivot_async.sandbox import Sandbox

from .conftest import hosted_request, va_request


async def test_va_payment_settled_by_simulation(sandbox: Sandbox, client: PivotClient) -> None:
    session = await client.payments.create(va_request("va1"))
    assert session.status == SessionStatus.REQUIRE_ACTION
    assert session.amount is not None and session.amount.value == 50000
    assert session.charge_details is not None
    va = session.charge_details[0].virtual_account
    assert va is not None and va.channel == "BCA" and va.virtual_account_number
    result = await client.simulations.create(
        {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
    )
    assert result.updated is True
    paid = await client.payments.retrieve(session.id)
    assert paid.status == SessionStatus.PAID
    assert paid.charge_details is not None
    assert paid.charge_details[0].status == ChargeStatus.SUCCESS
    charges = await client.charges.list_by_reference("va1")
    assert [c.id for c in charges] == [paid.charge_details[0].id]


async def test_list_pages_through_everything(sandbox: Sandbox, client: PivotClient) -> None:
    created = {(await client.payments.create(va_request(f"list{i}"))).id for i in range(45)}
    seen = [s.id async for s in client.payments.list(per_page=20)]
    assert len(seen) == 45
    assert set(seen) == created
    assert sandbox.request_count("GET", "/v2/payments") == 3


async def test_list_by_reference_returns_all_matches(
    sandbox: Sandbox, client: PivotClient
) -> None:
    a = await client.payments.create(va_request("dup1"))
    b = await client.payments.create(va_request("dup1"))
    await client.payments.create(va_request("other1"))
    found = await client.payments.list_by_reference("dup1")
    assert {s.id for s in found} == {a.id, b.id}
    assert await client.payments.list_by_reference("nothing1") == []


async def test_cancel_then_cancel_again_is_refused(sandbox: Sandbox, client: PivotClient) -> None:
    session = await client.payments.create(hosted_request("cancel1"))
    assert session.status == SessionStatus.REQUIRE_CONFIRMATION
    assert session.payment_url
    cancelled = await client.payments.cancel(session.id)
    assert cancelled.status == SessionStatus.CANCELLED
    assert cancelled.cancellation_reason == "VOID_SESSION"
    with pytest.raises(UnprocessableEntityError) as info:
        await client.payments.cancel(session.id)
    assert info.value.status == 422
    assert info.value.code == "api_validation_error"


async def test_unknown_session_is_not_found_with_trace_id(client: PivotClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.payments.retrieve("0190f1d2-0000-7000-8000-00000000dead")
    assert info.value.code == "resource_missing"
    assert info.value.trace_id


@pytest.mark.parametrize("bad_id", ["", "a/b", "a b", "..", "x?y"])
async def test_bad_path_ids_are_refused_before_io(
    sandbox: Sandbox, client: PivotClient, bad_id: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        await client.payments.retrieve(bad_id)
    assert info.value.field == "paymentSessionId"
    assert sandbox.request_count() == 0


async def test_payment_method_configs(client: PivotClient) -> None:
    configs = await client.payment_method_configs.retrieve()
    assert configs.card is not None and configs.card.enabled
    assert configs.qr is not None and configs.qr.maximum_expiry == "60 MINUTES"


async def test_simulations_refused_against_production(sandbox: Sandbox) -> None:
    async with PivotClient(sandbox.client_id, sandbox.client_secret, environment="production",
                           base_url=sandbox.url) as c:
        with pytest.raises(ConfigurationError, match="sandbox-only"):
            await c.simulations.create({"paymentSessionId": "x", "chargeStatus": "SUCCESS"})
    assert sandbox.request_count() == 0


async def test_refund_of_a_paid_session(sandbox: Sandbox, client: PivotClient) -> None:
    session = await client.payments.create(va_request("refund1"))
    await client.simulations.create({"paymentSessionId": session.id, "chargeStatus": "SUCCESS"})
    refund = await client.refunds.create({
        "clientReferenceId": "rf1",
        "paymentSessionId": session.id,
        "amount": {"value": "20000", "currency": "IDR"},
        "reason": "REQUESTED_BY_CUSTOMER",
    })
    assert refund.status == "PENDING"
    again = await client.refunds.retrieve(refund.id)
    assert again.id == refund.id
    listed = [r.id async for r in client.refunds.list()]
    assert refund.id in listed
    refund_posts = sandbox.requests_to("POST", "/v1/refunds")
    assert refund_posts[0].request_id is not None
    with pytest.raises(UnprocessableEntityError):
        await client.refunds.create({
            "clientReferenceId": "rf2",
            "paymentSessionId": session.id,
            "amount": {"value": "40000", "currency": "IDR"},
            "reason": "REQUESTED_BY_CUSTOMER",
        })


async def test_customer_created_from_email(sandbox: Sandbox, client: PivotClient) -> None:
    req = va_request("cust1")
    req["customer"] = {"givenName": "Budi", "surname": "Santoso", "email": "budi@example.com",
                       "phoneNumber": {"countryCode": "+62", "number": "81234567890"}}
    session = await client.payments.create(req)
    assert session.customer_id
    customer = await client.customers.retrieve(session.customer_id)
    assert customer.email == "budi@example.com"
    with pytest.raises(NotFoundError):
        await client.customers.retrieve("nobody")


async def test_submerchant_header_is_sent(sandbox: Sandbox, client: PivotClient) -> None:
    await client.payments.create(va_request("sub1"), submerchant_id="sub-account-1")
    (record,) = sandbox.requests_to("POST", "/v2/payments")
    assert record.headers.get("x-submerchant-id") == "sub-account-1"
