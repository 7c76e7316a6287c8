"""Card validation (test cards: docs/reference/wire.md#test-data) and the leak guards of
``Card`` (repr, str, errors). Encryption is in tests/test_cards_encryption.py.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pivot_async import _card
from pivot_async._cards import Card
from pivot_async._errors import RequestValidationError
from tests._cards_shared import CVC, PAN, TODAY, complete_pan, cvcs, luhn_valid, pans

# docs/reference/wire.md#test-data: Visa, Mastercard, JCB for each of the 15 scenarios.
TEST_PANS = [
    "4440000112200001", "5550000112230001", "3550000112280001",
    "4440000112290002", "5550000112220002", "3550000112270002",
    "4440000334480001", "5550000334410001", "3550000334460001",
    "4440000334470002", "5550000334400002", "3550000334450002",
    "4440000334460003", "5550000334490003", "3550000334440003",
    "4440000334450004", "5550000334480004", "3550000334430004",
    "4440000334440005", "5550000334470005", "3550000334420005",
    "4440000334430006", "5550000334460006", "3550000334410006",
    "4440000334420007", "5550000334450007", "3550000334400007",
    "4440000334410008", "5550000334440008", "3550000334490008",
    "4440000334400009", "5550000334430009", "3550000334480009",
    "4440000334470010", "5550000334400010", "3550000334450010",
    "4440000334460011", "5550000334490011", "3550000334440011",
    "4440000334450012", "5550000334480012", "3550000334430012",
    "4448100334430014", "5558100334460014", "3558100334410014",
]  # fmt: skip


# --- Card validation --------------------------------------------------------------------------

VALID = {"number": PAN, "expiry_month": 1, "expiry_year": 29, "cvc": CVC}

INVALID_CASES: list[tuple[dict[str, Any], str]] = [
    ({"number": 4440000112200001}, "number"),
    ({"number": None}, "number"),
    ({"number": ""}, "number"),
    ({"number": "4440-0001-1220-000a"}, "number"),
    ({"number": "4440.0001.1220.0001"}, "number"),
    ({"number": "4440\t0001\t1220\t0001"}, "number"),
    ({"number": "٤٤٤٠٠٠٠١١٢٢٠٠٠٠١"}, "number"),  # Arabic-Indic digits are not ASCII digits
    ({"number": complete_pan("44400001122")}, "number"),  # 12 digits
    ({"number": complete_pan("4440000112200001234")}, "number"),  # 20 digits
    ({"number": "4440000112200002"}, "number"),  # Luhn
    ({"number": "4440000112200010"}, "number"),  # Luhn
    ({"expiry_month": 0}, "expiry_month"),
    ({"expiry_month": 13}, "expiry_month"),
    ({"expiry_month": -1}, "expiry_month"),
    ({"expiry_month": "13"}, "expiry_month"),
    ({"expiry_month": "00"}, "expiry_month"),
    ({"expiry_month": "001"}, "expiry_month"),
    ({"expiry_month": "1a"}, "expiry_month"),
    ({"expiry_month": ""}, "expiry_month"),
    ({"expiry_month": " 1"}, "expiry_month"),
    ({"expiry_month": 1.0}, "expiry_month"),
    ({"expiry_month": True}, "expiry_month"),
    ({"expiry_month": None}, "expiry_month"),
    ({"expiry_year": "2"}, "expiry_year"),
    ({"expiry_year": "029"}, "expiry_year"),
    ({"expiry_year": "20290"}, "expiry_year"),
    ({"expiry_year": 100}, "expiry_year"),
    ({"expiry_year": 1999}, "expiry_year"),
    ({"expiry_year": 2100}, "expiry_year"),
    ({"expiry_year": "2100"}, "expiry_year"),
    ({"expiry_year": -1}, "expiry_year"),
    ({"expiry_year": "2a"}, "expiry_year"),
    ({"expiry_year": True}, "expiry_year"),
    ({"expiry_year": 29.0}, "expiry_year"),
    ({"expiry_year": None}, "expiry_year"),
    ({"expiry_year": 25}, "expiry_year"),  # expired: 2025 < 2026
    ({"expiry_year": "2025"}, "expiry_year"),
    ({"expiry_year": 26, "expiry_month": 5}, "expiry_month"),  # expired: May 2026 < June 2026
    ({"expiry_year": 2026, "expiry_month": "01"}, "expiry_month"),
    ({"cvc": "12"}, "cvc"),
    ({"cvc": "12345"}, "cvc"),
    ({"cvc": ""}, "cvc"),
    ({"cvc": "12a"}, "cvc"),
    ({"cvc": " 123"}, "cvc"),
    ({"cvc": 123}, "cvc"),
    ({"cvc": "١٢٣"}, "cvc"),
    ({"name_on_card": 42}, "name_on_card"),
]


@pytest.mark.parametrize(("override", "field"), INVALID_CASES)
def test_invalid_card_names_the_field(override: dict[str, Any], field: str) -> None:
    kwargs = {**VALID, **override}
    with pytest.raises(RequestValidationError) as info:
        Card(**kwargs, today=TODAY)
    exc = info.value
    assert exc.field == field
    assert exc.rule
    assert str(exc) == f"{field}: {exc.rule}"
    assert isinstance(exc, ValueError)
    # No card data in any rendering of the error, and nothing chained that could carry it.
    rendered = " ".join([str(exc), repr(exc), repr(exc.args), exc.rule])
    assert PAN not in rendered
    assert CVC not in rendered
    number = kwargs["number"]
    if isinstance(number, str) and len(number) >= 6:
        assert number not in rendered
    assert exc.__cause__ is None
    assert exc.__context__ is None


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("4440000112200001", "4440000112200001"),
        ("4440 0001 1220 0001", "4440000112200001"),
        ("4440-0001-1220-0001", "4440000112200001"),
        (" 4440-0001 1220-0001 ", "4440000112200001"),
        (complete_pan("444000011220"), complete_pan("444000011220")),  # 13 digits
        (complete_pan("444000011220000123"), complete_pan("444000011220000123")),  # 19 digits
    ],
)
def test_number_normalisation(number: str, digits: str) -> None:
    c = Card(number, 1, 29, today=TODAY)
    assert c.first6 == digits[:6]
    assert c.last4 == digits[-4:]
    assert c.masked_number == digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


@pytest.mark.parametrize("month", [1, "1", "01"])
@pytest.mark.parametrize("year", [29, "29", 2029, "2029"])
def test_month_and_year_forms(month: int | str, year: int | str) -> None:
    c = Card(PAN, month, year, today=TODAY)
    assert c.expiry_month == 1
    assert c.expiry_year == 2029
    assert c.expiry == "01/29"


def test_year_00_is_2000_and_expired() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 12, "00", today=TODAY)
    assert info.value.field == "expiry_year"


@pytest.mark.parametrize("month", [12, "12"])
def test_month_12(month: int | str) -> None:
    assert Card(PAN, month, 30, today=TODAY).expiry == "12/30"


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 6, 1),
        datetime.date(2026, 6, 15),
        datetime.date(2026, 6, 30),  # valid through the last day of the expiry month
        datetime.date(2025, 12, 31),
    ],
)
def test_card_valid_through_end_of_expiry_month(today: datetime.date) -> None:
    assert Card(PAN, 6, 2026, today=today).expiry == "06/26"


def test_card_expired_the_day_after_its_month() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 6, 2026, today=datetime.date(2026, 7, 1))
    assert info.value.field == "expiry_month"
    assert "expired" in info.value.rule


def test_today_defaults_to_module_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_card, "_today", lambda: datetime.date(2030, 1, 1))
    with pytest.raises(RequestValidationError) as info:
        Card(PAN, 12, 29)
    assert info.value.field == "expiry_year"
    assert Card(PAN, 1, 30).expiry_year == 2030


def test_real_clock_accepts_a_future_card() -> None:
    year = datetime.date.today().year + 3
    assert Card(PAN, 1, year).expiry_year == year


def test_validation_order_reports_number_first() -> None:
    with pytest.raises(RequestValidationError) as info:
        Card("123", 13, 1, "1", today=TODAY)
    assert info.value.field == "number"


def test_optional_fields() -> None:
    c = Card(PAN, 1, 29, today=TODAY)
    assert not c.has_cvc
    assert c.name_on_card is None
    c = Card(PAN, 1, 29, "1234", "Zoë Ñandú", today=TODAY)
    assert c.has_cvc
    assert c.name_on_card == "Zoë Ñandú"


@pytest.mark.parametrize("pan", TEST_PANS)
def test_documented_test_pans_pass_luhn_and_construct(pan: str) -> None:
    assert luhn_valid(pan)
    assert _card._luhn_ok(pan)
    c = Card(pan, 12, 2099, CVC, today=TODAY)
    assert (c.first6, c.last4) == (pan[:6], pan[-4:])
    broken = pan[:-1] + str((int(pan[-1]) + 1) % 10)
    with pytest.raises(RequestValidationError) as info:
        Card(broken, 12, 2099, today=TODAY)
    assert info.value.field == "number"


def test_there_are_45_distinct_test_pans() -> None:
    assert len(set(TEST_PANS)) == 45


# --- repr, str and leak guards ----------------------------------------------------------------


def test_repr_and_str_are_masked(card: Card) -> None:
    expected = "Card(number='444000******0001', expiry='01/29', cvc=***, name_on_card=***)"
    assert repr(card) == expected
    assert str(card) == expected
    assert f"{card}" == expected
    assert "%s" % card == expected  # noqa: UP031
    assert repr([card]) == f"[{expected}]"
    bare = Card(PAN, 1, 29, today=TODAY)
    assert (
        repr(bare) == "Card(number='444000******0001', expiry='01/29', cvc=None, name_on_card=None)"
    )


def test_no_easy_leaks(card: Card) -> None:
    with pytest.raises(TypeError):
        vars(card)
    assert not hasattr(card, "__dict__")
    with pytest.raises(TypeError):
        dataclasses.asdict(card)  # type: ignore[call-overload]
    with pytest.raises(TypeError) as info:
        pickle.dumps(card)
    assert PAN not in str(info.value)
    assert copy.copy(card) is card
    assert copy.deepcopy(card) is card


def test_cannot_be_subclassed() -> None:
    with pytest.raises(TypeError):

        class Leaky(Card):  # type: ignore[misc]
            pass


def test_immutable(card: Card) -> None:
    with pytest.raises(AttributeError):
        card.first6 = "123456"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        card._number = "4111111111111111"
    with pytest.raises(AttributeError):
        card.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del card._cvc
    assert card.last4 == "0001"


def test_equality(card: Card) -> None:
    same = Card(PAN.replace("0001", "-0001"), 1, 2029, CVC, "John Doe", today=TODAY)
    assert card == same
    assert hash(card) == hash(same)
    assert card != Card(PAN, 1, 29, CVC, today=TODAY)
    assert card != "Card"


@settings(max_examples=300, deadline=None)
@given(pan=pans, cvc=cvcs, month=st.integers(1, 12), year=st.integers(2027, 2099))
def test_repr_never_shows_full_number_or_cvc(pan: str, cvc: str, month: int, year: int) -> None:
    c = Card(pan, month, year, cvc, today=TODAY)
    masked = pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
    expected = (
        f"Card(number='{masked}', expiry='{month:02d}/{year % 100:02d}', "
        "cvc=***, name_on_card=None)"
    )
    # The exact rendering proves the CVC is absent (a bare substring test could match the
    # visible digits by chance).
    assert repr(c) == expected
    assert str(c) == expected
    assert pan not in repr(c)
    assert pan not in str(c)


@settings(max_examples=300, deadline=None)
@given(
    pan=pans,
    cvc=cvcs,
    bad=st.sampled_from(
        [
            {"expiry_month": 13},
            {"expiry_month": "x"},
            {"expiry_year": 2001},
            {"expiry_year": "123"},
            {"cvc": "12"},
            {"name_on_card": 1},
            {"luhn": True},
        ]
    ),
)
def test_errors_never_show_number_or_cvc(pan: str, cvc: str, bad: dict[str, Any]) -> None:
    def error(number: str, code: str) -> RequestValidationError:
        kwargs: dict[str, Any] = {
            "number": number,
            "expiry_month": 1,
            "expiry_year": 2029,
            "cvc": code,
        }
        kwargs.update({k: v for k, v in bad.items() if k != "luhn"})
        if "luhn" in bad:
            kwargs["number"] = number[:-1] + str((int(number[-1]) + 5) % 10)
        with pytest.raises(RequestValidationError) as info:
            Card(**kwargs, today=TODAY)
        return info.value

    exc = error(pan, cvc)
    text = " ".join([str(exc), repr(exc), exc.field, exc.rule])
    assert pan not in text
    assert pan[:-1] not in text
    # The text does not depend on the number or the CVC at all, so it cannot contain them
    # (a substring test on a 3-digit CVC alone could match "2000-2099" by chance).
    ref = error(PAN, "987")
    assert (exc.field, exc.rule, str(exc)) == (ref.field, ref.rule, str(ref))



_FAILING_PAN = "4440000112290002"
_FAILING_CVC = "739"


def test_repr_of_a_card_whose_construction_failed_is_safe() -> None:
    # A traceback with captured locals shows ``self`` of the failing ``__init__``.
    import traceback

    try:
        Card(_FAILING_PAN, 13, 2031, cvc=_FAILING_CVC)  # month 13
    except RequestValidationError as exc:
        text = "".join(traceback.TracebackException(
            type(exc), exc, exc.__traceback__, capture_locals=True).format())
    assert "Card(<not constructed>)" in text
    assert _FAILING_PAN not in text and repr(_FAILING_CVC) not in text
    half = Card.__new__(Card)
    assert repr(half) == "Card(<not constructed>)"
