"""Callback events: the body ``{"event": "<EVENT>", "data": <resource>}`` .

See docs/reference/wire.md#callbacks.

:func:`parse_callback_event` returns a typed event: payment events carry a
:class:`PaymentSession`, refund events a :class:`Refund`. Both spellings of the refund
bank-transfer event (the documented ``REFUND.WAITING_BANK_TRANFER`` and the correct
``...TRANSFER``) give :class:`RefundWaitingBankTransferEvent`; ``event`` keeps the spelling
received. An unknown event becomes :class:`UnknownCallbackEvent` with the raw ``data``.
"""

from typing import Any, Union

from .._codec import decode
from ._base import Model
from .enums import CallbackEventName
from .refunds import Refund
from .sessions import PaymentSession

__all__ = [
    "CallbackEvent",
    "ChargeSuccessEvent",
    "PaymentCallbackEvent",
    "PaymentCancelledEvent",
    "PaymentPaidEvent",
    "PaymentProcessingEvent",
    "RefundCallbackEvent",
    "RefundFailedEvent",
    "RefundPendingEvent",
    "RefundSuccessEvent",
    "RefundWaitingBankTransferEvent",
    "UnknownCallbackEvent",
    "callback_event_type",
    "parse_callback_event",
]


class PaymentCallbackEvent(Model, kw_only=True):
    """A payment callback: ``event`` and the full payment session (with ``chargeDetails``)."""

    event: str
    """Event name as received, e.g. ``PAYMENT.PAID`` (see ``CallbackEventName``)."""
    data: PaymentSession
    """The payment session, with its ``chargeDetails``."""


class PaymentProcessingEvent(PaymentCallbackEvent, kw_only=True):
    """``PAYMENT.PROCESSING``: the session entered processing."""


class PaymentPaidEvent(PaymentCallbackEvent, kw_only=True):
    """``PAYMENT.PAID``: a SINGLE session is paid."""


class ChargeSuccessEvent(PaymentCallbackEvent, kw_only=True):
    """``CHARGE.SUCCESS``: a payment arrived on a MULTIPLE session."""


class PaymentCancelledEvent(PaymentCallbackEvent, kw_only=True):
    """``PAYMENT.CANCELLED``: the session was cancelled (or its charge failed)."""


class RefundCallbackEvent(Model, kw_only=True):
    """A refund callback: ``event`` and the refund object."""

    event: str
    """Event name, e.g. ``REFUND.SUCCESS``, as received."""
    data: Refund
    """The refund."""


class RefundPendingEvent(RefundCallbackEvent, kw_only=True):
    """``REFUND.PENDING``: the refund was created."""


class RefundWaitingBankTransferEvent(RefundCallbackEvent, kw_only=True):
    """``REFUND.WAITING_BANK_TRANFER`` (sic) or ``...TRANSFER``: waiting for a bank transfer."""


class RefundSuccessEvent(RefundCallbackEvent, kw_only=True):
    """``REFUND.SUCCESS``: the refund succeeded."""


class RefundFailedEvent(RefundCallbackEvent, kw_only=True):
    """``REFUND.FAILED``: the refund failed."""


class UnknownCallbackEvent(Model, kw_only=True):
    """An event this version does not know: ``event`` and the undecoded JSON ``data``."""

    event: str
    """The event name this version does not know."""
    data: Any = None
    """The ``data`` member as decoded JSON, not validated."""


# Every parsed event is one of these (the specific classes above subclass the first two).
CallbackEvent = Union[PaymentCallbackEvent, RefundCallbackEvent, UnknownCallbackEvent]
"""Any parsed callback: a payment event, a refund event or an event unknown to this version."""

_EVENT_TYPES: dict[str, type[PaymentCallbackEvent] | type[RefundCallbackEvent]] = {
    CallbackEventName.PAYMENT_PROCESSING.value: PaymentProcessingEvent,
    CallbackEventName.PAYMENT_PAID.value: PaymentPaidEvent,
    CallbackEventName.CHARGE_SUCCESS.value: ChargeSuccessEvent,
    CallbackEventName.PAYMENT_CANCELLED.value: PaymentCancelledEvent,
    CallbackEventName.REFUND_PENDING.value: RefundPendingEvent,
    CallbackEventName.REFUND_WAITING_BANK_TRANFER.value: RefundWaitingBankTransferEvent,
    CallbackEventName.REFUND_WAITING_BANK_TRANSFER.value: RefundWaitingBankTransferEvent,
    CallbackEventName.REFUND_SUCCESS.value: RefundSuccessEvent,
    CallbackEventName.REFUND_FAILED.value: RefundFailedEvent,
}


class _EventName(Model, kw_only=True):
    event: str


def callback_event_type(
    event: str,
) -> type[PaymentCallbackEvent] | type[RefundCallbackEvent] | type[UnknownCallbackEvent]:
    """The model class for an ``event`` name (:class:`UnknownCallbackEvent` if unknown)."""
    return _EVENT_TYPES.get(event, UnknownCallbackEvent)


def parse_callback_event(body: bytes) -> CallbackEvent:
    """Decode a callback body into its typed event.

    Raises :class:`~pivot_async.ResponseValidationError` when the body is not JSON, has no
    string ``event``, or a known event's ``data`` does not match its model. An unknown event
    never raises: it is returned as :class:`UnknownCallbackEvent`.
    """
    head: _EventName = decode(body, _EventName)
    tp = _EVENT_TYPES.get(head.event)
    if tp is None:
        unknown: UnknownCallbackEvent = decode(body, UnknownCallbackEvent)
        return unknown
    event: PaymentCallbackEvent | RefundCallbackEvent = decode(body, tp)
    return event
