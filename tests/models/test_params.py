"""Issue 15.1: typed mappings mirror the request models, and mypy flags a misspelled key."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest

from pivot_async import models as m
from pivot_async.models import params as p
from pivot_async.resources.payments import Payments
from pivot_async.resources.refunds import Refunds
from pivot_async.resources.simulations import Simulations
from pivot_async.resources.wallet import Wallet

#: Fields a request refuses because only responses carry them: not in the typed mappings.
RESPONSE_ONLY = {(m.PaymentMethod, "qr"), (m.Customer, "id"),
                 (m.Customer, "storedPaymentMethods"), (m.Customer, "storePaymentMethods")}

PAIRS = sorted(p.PARAMS_MODELS.items(), key=lambda kv: kv[0].__name__)


def _structs_in(tp: Any) -> set[type[Any]]:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return {tp}
    return {s for a in typing.get_args(tp) for s in _structs_in(a)}


def _typeddicts_in(tp: Any) -> set[Any]:
    if typing.is_typeddict(tp):
        return {tp}
    return {s for a in typing.get_args(tp) for s in _typeddicts_in(a)}


@pytest.mark.parametrize(("td", "model"), PAIRS, ids=lambda x: getattr(x, "__name__", ""))
def test_typed_mapping_agrees_with_its_model(td: Any, model: type[Any]) -> None:
    fields = [f for f in msgspec.structs.fields(model) if (model, f.encode_name) not in
              RESPONSE_ONLY]
    hints = typing.get_type_hints(td)
    assert set(hints) == {f.encode_name for f in fields}, td.__name__
    assert td.__required_keys__ == {f.encode_name for f in fields if f.required}
    assert td.__optional_keys__ == {f.encode_name for f in fields if not f.required}
    by_model = {v: k for k, v in p.PARAMS_MODELS.items()}
    for f in fields:
        hint = hints[f.encode_name]
        # nested objects are typed by the nested model's typed mapping
        assert _typeddicts_in(hint) == {by_model[s] for s in _structs_in(f.type)}, f.name
        # optional members accept None exactly when the model's field does
        assert (type(None) in typing.get_args(hint)) == (
            type(None) in typing.get_args(f.type)), f.name


def test_every_reachable_request_object_has_a_typed_mapping() -> None:
    reached: set[type[Any]] = set()
    todo = [model for model in p.PARAMS_MODELS.values() if model.__name__.endswith("Request")]
    while todo:
        tp = todo.pop()
        reached.add(tp)
        for f in msgspec.structs.fields(tp):
            if (tp, f.encode_name) in RESPONSE_ONLY:
                continue
            todo += [s for s in _structs_in(f.type) if s not in reached]
    assert reached <= set(p.PARAMS_MODELS.values())


METHODS = [
    (Payments.create, "params", p.CreatePaymentParams),
    (Payments.confirm, "params", p.ConfirmPaymentParams),
    (Payments.cancel, "params", p.CancelPaymentParams),
    (Payments.capture, "params", p.CapturePaymentParams),
    (Refunds.create, "params", p.CreateRefundParams),
    (Simulations.create, "params", p.SimulationParams),
    (Wallet.create_account, "params", p.AccountCreationParams),
    (Wallet.unbind, "params", p.AccountUnbindingParams),
    (Wallet.balance, "params", p.BalanceInquiryParams),
    (Wallet.debit, "params", p.DebitPaymentParams),
    (Wallet.apply_ott, "params", p.ApplyOttParams),
    (Wallet.qr_decode, "params", p.QrMpmDecodeParams),
    (Wallet.qr_payment, "params", p.QrMpmPaymentParams),
    (Wallet.history, "params", p.TransactionHistoryListParams),
]


@pytest.mark.parametrize(("method", "arg", "td"), METHODS,
                         ids=lambda x: getattr(x, "__qualname__", ""))
def test_methods_take_the_typed_mapping_and_no_untyped_mapping(method: Any, arg: str,
                                                               td: Any) -> None:
    annotation = inspect.signature(method).parameters[arg].annotation
    assert td.__name__ in annotation
    assert "Mapping" not in annotation  # a bare Mapping[str, Any] would hide misspellings


_SNIPPET = '''
from pivot_async import PivotClient, WalletCustomer
from pivot_async.models import CapturePaymentParams, CreatePaymentParams

REDIRECT = {"successReturnUrl": "https://a.example/s", "failureReturnUrl": "https://a.example/f",
            "expirationReturnUrl": "https://a.example/e"}


async def main(client: PivotClient, customer: WalletCustomer) -> None:
    await client.payments.create({
        "clientReferenceId": "order1",
        "amount": {"value": 10000, "currency": "IDR"},
        "redirectUrl": {"successReturnUrl": "https://a.example/s"},
        "paymentMethodOptions": {"card": {"captureMetod": "manual"}},
    })
    bad: CreatePaymentParams = {"clientReferenceId": "order2", "amount": {"value": "10000"}}
    typo: CreatePaymentParams = {"clientReferenceId": "o", "paymentMethodOptions": {
        "card": {"captureMetod": "manual"}}}
    capture: CapturePaymentParams = {"releaseRemainingAmount": True, "amout": {"value": 1}}
    good: CreatePaymentParams = {
        "clientReferenceId": "order3",
        "amount": {"value": 10000, "currency": "IDR"},
        "paymentMethod": {"type": "CARD"},
        "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
    }
    await client.payments.create(good)
    await client.wallet.debit(customer, {
        "subMerchantId": "s", "partnerReferenceNo": "r",
        "amount": {"value": "1.00", "currency": "IDR"},
        "urlParams": [{"url": "https://a.example", "type": "PAY_RETURN"}],
    })
'''


def test_mypy_flags_a_misspelled_key_in_a_dict_literal(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(_SNIPPET), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context",
         "--cache-dir", str(tmp_path / ".mypy_cache"), str(snippet)],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[2],
    )
    out = proc.stdout
    source = snippet.read_text(encoding="utf-8").splitlines()

    def line_of(marker: str) -> int:
        return next(i for i, text in enumerate(source, 1) if marker in text)

    flagged = {int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line}
    assert line_of("await client.payments.create({") in flagged, out  # captureMetod in a call
    assert line_of("bad: CreatePaymentParams") in flagged, out  # "10000" is not an int
    assert line_of("typo: CreatePaymentParams") in flagged, out  # nested, annotated literal
    assert line_of("capture: CapturePaymentParams") in flagged, out
    assert '"amout"' in out and "typeddict-unknown-key" in out, out
    assert line_of("await client.wallet.debit(") in flagged, out  # isDeeplink missing
    # the correct literal ("good") and its call are clean: only the planted mistakes
    assert flagged == {line_of("await client.payments.create({"),
                       line_of("bad: CreatePaymentParams"), line_of("typo: CreatePaymentParams"),
                       line_of("capture: CapturePaymentParams"),
                       line_of("await client.wallet.debit(")}, out
