"""Card flows end to end: encryption, 3DS, manual capture, saved cards, failure cards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pivot_async import Card, PivotClient, encrypt_card
from pivot_async.models import ChargeStatus, CreatePaymentParams, FailureCode, SessionStatus
from pivot_async.sandbox import Sandbox

from .conftest import hosted_request

NEXT_YEAR = dt.date.today().year + 1


def card_api_request(ref: str, *, capture: str = "automatic", save: bool = False,
                     email: str | None = None, value: int = 150000) -> CreatePaymentParams:
    req = hosted_request(ref)
    req.update({
        "amount": {"value": value, "currency": "IDR"},
        "mode": "API",
        "autoConfirm": False,
        "paymentMethod": {"type": "CARD"},
        "paymentMethodOptions": {"card": {"captureMethod": capture, "threeDsMethod": "CHALLENGE"}},
    })
    req["orderInformation"]["productDetails"][0]["price"]["value"] = value  # type: ignore[index]
    if save:
        req["saveForFutureUse"] = True
    if email:
        req["customer"] = {"givenName": "Siti", "email": email}
    return req


async def pay_with_card(client: PivotClient, sandbox: Sandbox, ref: str, pan: str,
                        **kwargs: Any) -> str:
    session = await client.payments.create(card_api_request(ref, **kwargs))
    assert session.status == SessionStatus.REQUIRE_CONFIRMATION
    assert session.encryption_key and session.payment_url is None
    card = Card(pan, 12, NEXT_YEAR, cvc="123", name_on_card="Siti Aminah")
    encrypted = await client.cards.encrypt(session.encryption_key, card)
    confirmed = await client.payments.confirm(session.id, {
        "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
        "paymentMethodOptions": {"card": {"captureMethod": kwargs.get("capture", "automatic"),
                                          "threeDsMethod": "CHALLENGE"}},
    })
    assert confirmed.status == SessionStatus.REQUIRE_ACTION
    assert confirmed.payment_url and confirmed.payment_url.startswith(sandbox.url)
    assert confirmed.charge_details is not None
    charge = confirmed.charge_details[0]
    assert charge.status == ChargeStatus.WAITING_FOR_USER_ACTION
    assert charge.card is not None and charge.card.first6 == pan[:6]
    assert charge.card.last4 == pan[-4:]
    sandbox.complete_3ds(session.id)
    return session.id


async def test_api_mode_with_encryption_to_paid(sandbox: Sandbox, client: PivotClient) -> None:
    sid = await pay_with_card(client, sandbox, "card1", "4440000112290002")
    paid = await client.payments.retrieve(sid)
    assert paid.status == SessionStatus.PAID
    assert paid.charge_details is not None
    charge = paid.charge_details[0]
    assert charge.status == ChargeStatus.SUCCESS and charge.paid_at
    assert charge.card is not None and charge.card.bin_informations is not None
    assert charge.card.bin_informations.brand
    # the request carried lower camelCase envelope keys; the number never reached a log
    assert all("4440000112290002" not in str(r.headers) for r in sandbox.requests)


async def test_encrypt_card_is_also_pure_and_sync(sandbox: Sandbox, client: PivotClient) -> None:
    session = await client.payments.create(card_api_request("card2"))
    assert session.encryption_key
    token = encrypt_card(session.encryption_key, Card("4440000112200001", 1, NEXT_YEAR, "123"))
    confirmed = await client.payments.confirm(session.id, {
        "paymentMethod": {"type": "CARD", "card": {"encryptedCard": token}},
    })
    assert confirmed.status == SessionStatus.REQUIRE_ACTION


async def test_manual_capture_partial_then_full(sandbox: Sandbox, client: PivotClient) -> None:
    sid = await pay_with_card(client, sandbox, "cap1", "5550000112220002", capture="manual")
    held = await client.payments.retrieve(sid)
    assert held.status == SessionStatus.PROCESSING
    assert held.charge_details is not None
    assert held.charge_details[0].status == ChargeStatus.WAITING_FOR_CAPTURE
    first = await client.payments.capture(sid, {
        "releaseRemainingAmount": False, "amount": {"value": 50000, "currency": "IDR"},
    })
    assert first.status in ("PENDING", "SUCCESS")
    after = await client.payments.retrieve(sid)
    assert after.status == SessionStatus.PAID
    second = await client.payments.capture(sid, {"releaseRemainingAmount": True})
    assert second.id != first.id
    final = await client.payments.retrieve(sid)
    assert final.charge_details is not None
    histories = final.charge_details[0].capture_histories or []
    assert len(histories) == 2
    from pivot_async import UnprocessableEntityError

    with pytest.raises(UnprocessableEntityError):
        await client.payments.capture(sid, {"releaseRemainingAmount": True})


async def test_save_card_and_pay_again_with_token(sandbox: Sandbox, client: PivotClient) -> None:
    sid = await pay_with_card(client, sandbox, "save1", "4440000112200001", save=True,
                              email="siti@example.com")
    paid = await client.payments.retrieve(sid)
    assert paid.customer_id
    customer = await client.customers.retrieve(paid.customer_id)
    methods = customer.payment_methods
    assert methods and methods[0].token
    token = methods[0].token
    req = card_api_request("save2", email="siti@example.com")
    req["autoConfirm"] = True
    req["customerId"] = paid.customer_id
    req.pop("customer")
    req["paymentMethod"] = {"type": "CARD", "card": {"token": token, "cvc": "123"}}
    second = await client.payments.create(req)
    assert second.status == SessionStatus.REQUIRE_ACTION
    assert second.payment_url
    sandbox.complete_3ds(second.id)
    assert (await client.payments.retrieve(second.id)).status == SessionStatus.PAID


# docs/reference/wire.md#test-data, copied from the documentation's table (not from the
# sandbox's own data), so that
# the sandbox and the client are both checked against the documented cards.
FAILURE_CARDS: dict[FailureCode, list[str]] = {
    FailureCode.DECLINED_BY_CHANNEL: [
        "4440000334480001", "5550000334410001", "3550000334460001",  # generic
        "4440000334470002", "5550000334400002", "3550000334450002",  # expired card
        "4440000334460003", "5550000334490003", "3550000334440003",  # invalid CVV
    ],
    FailureCode.INVALID_ACCOUNT: ["4440000334450004", "5550000334480004", "3550000334430004"],
    FailureCode.AUTHENTICATION_FAILED: [
        "4440000334440005", "5550000334470005", "3550000334420005",
    ],
    FailureCode.SUSPECTED_FRAUD: [
        "4440000334430006", "5550000334460006", "3550000334410006",  # issuer: stolen
        "4440000334420007", "5550000334450007", "3550000334400007",  # channel blocked
    ],
    FailureCode.BLOCKED_BY_FDS: ["4440000334410008", "5550000334440008", "3550000334490008"],
    FailureCode.INSUFFICIENT_FUND: ["4440000334470010", "5550000334400010", "3550000334450010"],
    FailureCode.CHANNEL_UNAVAILABLE: [
        "4440000334460011", "5550000334490011", "3550000334440011",
    ],
    FailureCode.CANCELLED_BY_USER: ["4440000334450012", "5550000334480012", "3550000334430012"],
}
REVIEW_CARDS = ["4440000334400009", "5550000334430009", "3550000334480009"]
FRICTIONLESS_CARDS = ["4440000112200001", "5550000112230001", "3550000112280001"]
CHALLENGE_CARDS = ["4440000112290002", "5550000112220002", "3550000112270002"]
AVS_CARDS = ["4448100334430014", "5558100334460014", "3558100334410014"]


@pytest.mark.parametrize(
    ("pan", "code"), [(pan, code) for code, pans in FAILURE_CARDS.items() for pan in pans]
)
async def test_failure_cards_end_with_their_failure_code(
    sandbox: Sandbox, client: PivotClient, pan: str, code: FailureCode
) -> None:
    sid = await pay_with_card(client, sandbox, f"fail{pan}", pan)
    session = await client.payments.retrieve(sid)
    assert session.status == SessionStatus.CANCELLED
    assert session.cancellation_reason == "CHARGE_FAILED"
    assert session.charge_details is not None
    charge = session.charge_details[0]
    assert charge.status == ChargeStatus.FAILED
    assert charge.failure_code == code
    if code == FailureCode.BLOCKED_BY_FDS:
        assert charge.fds_risk_assessment is not None
        assert charge.fds_risk_assessment.status == "REJECTED"


@pytest.mark.parametrize(
    ("pan", "method"),
    [(pan, "FRICTIONLESS") for pan in FRICTIONLESS_CARDS]
    + [(pan, "CHALLENGE") for pan in CHALLENGE_CARDS],
)
async def test_frictionless_and_challenge_cards_both_pay(
    sandbox: Sandbox, client: PivotClient, pan: str, method: str
) -> None:
    sid = await pay_with_card(client, sandbox, f"ok{pan}", pan)
    session = await client.payments.retrieve(sid)
    assert session.status == SessionStatus.PAID
    assert session.charge_details is not None
    card = session.charge_details[0].card
    assert card is not None and card.authentication_result is not None
    assert card.authentication_result.three_ds_method == method
    assert card.authentication_result.three_ds_result == "SUCCESSFUL"


@pytest.mark.parametrize("pan", AVS_CARDS)
async def test_foreign_card_needs_a_billing_address(
    sandbox: Sandbox, client: PivotClient, pan: str
) -> None:
    from pivot_async import BadRequestError

    session = await client.payments.create(card_api_request(f"avs{pan}"))
    assert session.encryption_key
    encrypted = await client.cards.encrypt(session.encryption_key, Card(pan, 12, NEXT_YEAR, "123"))
    with pytest.raises(BadRequestError) as info:
        await client.payments.confirm(session.id, {
            "paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}},
        })
    assert "orderInformation.billingInfo" in str(info.value)


@pytest.mark.parametrize("pan", REVIEW_CARDS)
async def test_require_review_card_stays_processing(
    sandbox: Sandbox, client: PivotClient, pan: str
) -> None:
    sid = await pay_with_card(client, sandbox, f"review{pan}", pan)
    session = await client.payments.retrieve(sid)
    assert session.status == SessionStatus.PROCESSING


async def test_hosted_redirect_card_session(sandbox: Sandbox, client: PivotClient) -> None:
    req = hosted_request("redir1")
    req.update({"autoConfirm": True, "paymentMethod": {"type": "CARD"},
                "paymentMethodOptions": {"card": {"captureMethod": "automatic",
                                                  "threeDsMethod": "CHALLENGE"}}})
    session = await client.payments.create(req)
    assert session.status == SessionStatus.REQUIRE_ACTION
    assert session.payment_url and session.payment_url.startswith(sandbox.url)
    assert session.charge_details is not None
    assert session.charge_details[0].status == ChargeStatus.WAITING_FOR_USER_ACTION
