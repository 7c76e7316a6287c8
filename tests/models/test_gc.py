"""Models are not tracked by the cyclic garbage collector (``Model`` has ``gc=False``).

A decoded response is a tree that reference counting frees; tracking its Structs only made
every allocation and young-generation collection dearer. These tests pin that every model
(request variants included) is untracked, that what the client returns is untracked, and that
decoded responses hold no cycle: freed by reference counting alone, they leave nothing
behind for the collector.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from pivot_async import PivotClient
from pivot_async import models as m
from pivot_async._codec import decode
from pivot_async.models._base import Model
from pivot_async.models._strict import fast_variant, strict_variant
from pivot_async.resources._base import coerce_params
from tests.data import EXAMPLES_DIR

from ..client.conftest import va_request

#: Documented response bodies and the type the client decodes each into.
RESPONSES: dict[str, Any] = {
    "payments__create__response__va_single_api": m.Envelope[m.PaymentSession],
    "payments__create__response__card_api_encryption": m.Envelope[m.PaymentSession],
    "payments__create__response__qr_dynamic_api": m.Envelope[m.PaymentSession],
    "refunds__create__response": m.Envelope[m.Refund],
    "wallet__debit_payment_host_to_host__response": m.DebitPaymentResponse,
    "wallet__balance_inquiry__response": m.BalanceInquiryResponse,
}


def _model_types() -> Iterator[type[Any]]:
    for _, obj in inspect.getmembers(m, inspect.isclass):
        if issubclass(obj, msgspec.Struct):
            yield obj


def _structs_in(obj: Any) -> Iterator[msgspec.Struct]:
    """Every Struct in a decoded tree (the tree itself included)."""
    if isinstance(obj, msgspec.Struct):
        yield obj
        for name in obj.__struct_fields__:
            yield from _structs_in(getattr(obj, name))
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _structs_in(value)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _structs_in(item)


def test_every_model_and_its_request_variants_is_untracked() -> None:
    types = list(_model_types())
    assert len(types) > 50
    for tp in types:
        assert issubclass(tp, Model), tp
        assert tp.__struct_config__.gc is False, tp
    for tp in (m.CreatePaymentRequest, m.DebitPaymentRequest, m.CreateRefundRequest):
        for variant in (strict_variant(tp), fast_variant(tp)):
            assert variant is not None and variant.__struct_config__.gc is False, variant


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_decoded_responses_are_untracked_and_hold_no_cycle(name: str) -> None:
    raw = (EXAMPLES_DIR / f"{name}.json").read_bytes()
    tp = RESPONSES[name]
    sample = decode(raw, tp)
    structs = list(_structs_in(sample))
    assert len(structs) >= 2  # a tree of models, not one flat object
    assert not any(gc.is_tracked(s) for s in structs)
    del sample, structs
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        held = [decode(raw, tp) for _ in range(500)]
        # Only the containers inside (lists, dicts) are tracked, never the models.
        assert len(gc.get_objects()) - before < 500 * 40
        tracked = {id(o) for o in gc.get_objects()}
        assert not any(id(s) in tracked for r in held for s in _structs_in(r))
        del held, tracked
        # Freed by reference counting alone: no cycle left anything for the collector.
        assert len(gc.get_objects()) == before
    finally:
        gc.enable()


def test_validated_requests_are_untracked() -> None:
    body = coerce_params(va_request(), m.CreatePaymentRequest)
    structs = list(_structs_in(body))
    assert len(structs) >= 3
    assert not any(gc.is_tracked(s) for s in structs)


async def test_what_the_client_returns_is_untracked(client: PivotClient) -> None:
    session = await client.payments.create(va_request("ordergc1"))
    structs = list(_structs_in(session))
    assert len(structs) >= 2
    assert not any(gc.is_tracked(s) for s in structs)
