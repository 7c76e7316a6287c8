"""Issue 15.7: one money rule everywhere: IDR only, amount strings of ASCII digits only."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from pivot_async import RequestValidationError
from pivot_async import models as m
from pivot_async.resources._base import coerce_params

from .conftest import create_body, debit_body, documented


def _refund(amount: dict[str, Any]) -> dict[str, Any]:
    body = documented("refunds__create__request")
    body["amount"] = amount
    return body


def _qr(amount: dict[str, Any]) -> dict[str, Any]:
    body = documented("wallet__qr_mpm_payment__request")
    body["amount"] = amount
    return body


# (builder of a mapping with the given amount object, model, wire path of the amount)
DECIMAL_SITES = [
    pytest.param(_refund, m.CreateRefundRequest, "amount", id="refund"),
    pytest.param(lambda a: debit_body(amount=a), m.DebitPaymentRequest, "amount", id="debit"),
    pytest.param(_qr, m.QrMpmPaymentRequest, "amount", id="qr payment"),
]
ALL_SITES = [
    *DECIMAL_SITES,
    pytest.param(lambda a: create_body(amount=a), m.CreatePaymentRequest, "amount",
                 id="payment"),
]


@pytest.mark.parametrize("currency", ["USD", "I", "idr", "IDR ", "", "RP", "XXX"])
@pytest.mark.parametrize(("build", "tp", "path"), ALL_SITES)
def test_every_currency_but_idr_is_refused_the_same_way(
    build: Any, tp: type[Any], path: str, currency: str
) -> None:
    value: Any = 10000 if tp is m.CreatePaymentRequest else "10000.00"
    with pytest.raises(RequestValidationError) as info:
        coerce_params(build({"value": value, "currency": currency}), tp)
    assert info.value.field == f"{path}.currency"
    assert info.value.rule == "must be 'IDR' (the only currency Pivot accepts)"


@pytest.mark.parametrize(
    "text",
    ["١٠٠", "１００", "1_000", "1e3", "1E3", " 100", "100 ", "\t100", "+100", "-100", "0x10",
     "100.", ".5", "1,000", "Infinity", "NaN", "10 000", "１００.00", "100.0０"],
)
@pytest.mark.parametrize(("build", "tp", "path"), DECIMAL_SITES)
def test_amount_strings_are_ascii_digits_only(build: Any, tp: type[Any], path: str,
                                              text: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        coerce_params(build({"value": text, "currency": "IDR"}), tp)
    assert info.value.field == f"{path}.value"
    assert "ASCII digits" in info.value.rule


@pytest.mark.parametrize("text", ["١٠٠", "１００", "1_000", "1e3", " 100", "100 "])
def test_struct_form_refuses_the_same_strings(text: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        m.CreateRefundRequest(client_reference_id="r1", payment_session_id="s1",
                              amount=m.DecimalAmount(value=text),  # type: ignore[arg-type]
                              reason="OTHERS")
    assert info.value.field == "amount.value"


@pytest.mark.parametrize(("text", "sent"), [("10000.00", "10000.00"), ("10000", "10000.00"),
                                             ("10000.5", "10000.50"), ("1", "1.00")])
@pytest.mark.parametrize(("build", "tp", "path"), DECIMAL_SITES)
def test_ascii_decimal_strings_pass(build: Any, tp: type[Any], path: str, text: str,
                                    sent: str) -> None:
    req = coerce_params(build({"value": text, "currency": "IDR"}), tp)
    assert req.amount.value == decimal.Decimal(sent)
    assert str(req.amount.value) == sent


@pytest.mark.parametrize("value", ["10000", "１００", 10000.0, True])
def test_payment_amounts_are_integers_only(value: Any) -> None:
    with pytest.raises(RequestValidationError) as info:
        coerce_params(create_body(amount={"value": value, "currency": "IDR"}),
                      m.CreatePaymentRequest)
    assert info.value.field == "amount.value"
