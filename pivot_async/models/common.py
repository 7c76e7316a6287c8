"""Shared models: amounts, phone numbers, the response envelope, pagination and errors.

Also the time helpers: timestamps stay ``str`` on the models (RFC 3339, sometimes with 9
fractional digits, sometimes the Go zero time ``0001-01-01T00:00:00Z``);
:func:`parse_timestamp` turns one into an aware ``datetime`` when needed.
"""

import datetime as _dt
import decimal
import re
from typing import Any, ClassVar, Generic, TypeVar, Union

import msgspec

from ._base import Model
from ._wire import DECIMAL_VALUE, IDR, IDR_VALUE, text

__all__ = [
    "Amount",
    "DecimalAmount",
    "Envelope",
    "ErrorObject",
    "ErrorObjectDetail",
    "Pagination",
    "PhoneNumber",
    "format_expiry_at",
    "parse_timestamp",
]

T = TypeVar("T")

CENT = decimal.Decimal("0.01")
#: A decimal amount string: ASCII digits, optionally a point and more ASCII digits. No sign,
#: no exponent, no ``_``, no spaces, no other script's digits.
DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _idr() -> str:
    # A factory, not a plain default: ``omit_defaults`` never omits it, so the currency is
    # always sent (a plain "IDR" default would be dropped from the wire).
    return "IDR"


class Amount(Model, kw_only=True):
    """A payments amount: ``value`` is a whole number of IDR (a JSON integer on the wire).

    Decoding accepts ``10000``, ``10000.0``, ``"10000"`` and ``"10000.00"``; a fractional
    value is rejected. Request validation rejects floats, booleans, zero and negatives.
    """

    value: int
    """Whole number of IDR, a JSON integer (``10000``)."""
    currency: str = msgspec.field(default_factory=_idr)
    """ISO 4217 currency code; only ``IDR``."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"value": IDR_VALUE, "currency": IDR}


class DecimalAmount(Model, kw_only=True):
    """A refund or wallet amount: ``value`` is a ``Decimal`` sent as a string (``"10000.00"``).

    Decoding accepts a decimal string or a JSON number and never produces a float. On
    construction an ``int`` or a string of ASCII digits (``"10000"``, ``"10000.5"``) is
    converted to ``Decimal``, and any value with at most 2 decimal places is normalised to
    exactly 2 (``10000`` -> ``"10000.00"``). Requests refuse any other string (``"1e3"``,
    ``"1_000"``, ``" 100"``, non-ASCII digits) and any currency but ``IDR``.
    """

    value: decimal.Decimal
    """The amount as a decimal, sent as a string with 2 decimals (``"10000.00"``)."""
    currency: str = msgspec.field(default_factory=_idr)
    """ISO 4217 currency code; only ``IDR``."""

    #: Requests read ``value`` as text or an integer first (see ``models._strict``), so that
    #: the ASCII-digits rule applies to the string as given.
    __wire_types__: ClassVar[dict[str, Any]] = {"value": Union[str, int]}
    __wire_rules__: ClassVar[dict[str, Any]] = {"value": DECIMAL_VALUE, "currency": IDR}

    def __post_init__(self) -> None:
        raw: object = self.value
        if isinstance(raw, bool):
            return  # left for request validation to reject with the field's path
        if isinstance(raw, int):
            raw = decimal.Decimal(raw)
        elif isinstance(raw, str):
            if not DECIMAL_TEXT.fullmatch(raw):
                return  # left for request validation to reject with the field's path
            raw = decimal.Decimal(raw)
        if isinstance(raw, decimal.Decimal):
            exponent = raw.as_tuple().exponent
            if isinstance(exponent, int) and exponent >= -2:
                try:  # noqa: SIM105 - contextlib.suppress: 3 Python calls per amount
                    raw = raw.quantize(CENT)
                except decimal.InvalidOperation:
                    pass  # too many digits to add two decimals: keep the value as it came
            self.value = raw


class PhoneNumber(Model, kw_only=True):
    """A phone number: ``countryCode`` (e.g. ``+62``) and ``number``."""

    country_code: str | None = None
    """Dialling prefix with its plus sign, e.g. ``+62``."""
    number: str | None = None
    """The national number without the prefix, e.g. ``89699990001``."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "country_code": text(4, 1), "number": text(15, 1),
    }


class Pagination(Model, kw_only=True):
    """List pagination: ``page``, ``perPage``, ``totalItems``, ``totalPages``.

    The Transfers list spells the totals ``totalPage`` / ``totalData``; both are read and
    :attr:`pages` / :attr:`items` return whichever is present.
    """

    page: int | None = None
    """Current page, from 1."""
    per_page: int | None = None
    """Items per page (default 20, at most 100)."""
    total_items: int | None = None
    """Number of items over all pages."""
    total_pages: int | None = None
    """Number of pages."""
    total_page: int | None = None
    """``totalPages`` under an alternative spelling seen in examples."""
    total_data: int | None = None
    """``totalItems`` under an alternative spelling seen in examples."""

    @property
    def pages(self) -> int | None:
        """Total number of pages, whichever spelling the gateway used."""
        return self.total_pages if self.total_pages is not None else self.total_page

    @property
    def items(self) -> int | None:
        """Total number of items, whichever spelling the gateway used."""
        return self.total_items if self.total_items is not None else self.total_data


class ErrorObjectDetail(Model, kw_only=True):
    """One ``error.details[]`` entry: the ``field`` (may be empty) and the ``message``."""

    field: str | None = None
    """The wire name of the invalid field; empty when not about one field."""
    message: str | None = None
    """What is wrong with it."""


class ErrorObject(Model, kw_only=True):
    """The ``error`` object of an error response.

    The trace id is spelled ``traceId`` or ``trace_id`` depending on the page; read
    :attr:`effective_trace_id`.
    """

    type: str | None = None
    """Error category, e.g. ``API_ERROR``."""
    source: str | None = None
    """The component that raised the error."""
    details: list[ErrorObjectDetail] | None = None
    """One entry per invalid field (field may be empty) with its message."""
    trace_id: str | None = None
    """Gateway trace id of the failed call (quote it to Pivot support)."""
    snake_trace_id: str | None = msgspec.field(default=None, name="trace_id")
    """The same trace id under its snake_case spelling (``trace_id``)."""

    @property
    def effective_trace_id(self) -> str | None:
        """The trace id, whichever spelling carried it."""
        return self.trace_id if self.trace_id else self.snake_trace_id


class Envelope(Model, Generic[T], kw_only=True):
    """The response envelope ``{code, message, data, pagination, error}``.

    ``code`` is ``"00"`` on success; some error examples use numeric-looking or free-text
    codes, and some carry only ``error``, so every member is optional.
    """

    code: str | int | None = None
    """Result code, ``"00"`` on success."""
    message: str | None = None
    """Human-readable result, e.g. ``Success``."""
    data: T | None = None
    """The resource (or list of resources) of the call."""
    pagination: Pagination | None = None
    """Paging of a list response."""
    error: ErrorObject | None = None
    """Error details on a failed call."""

    @property
    def ok(self) -> bool:
        """True when ``code`` is ``"00"`` (success)."""
        return self.code is not None and str(self.code) == "00"


_TS = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|z|[+-]\d{2}:?\d{2})?"
)


def parse_timestamp(value: str | None) -> _dt.datetime | None:
    """An aware ``datetime`` for a gateway timestamp, or ``None``.

    Returns ``None`` for ``None``, ``""`` and the Go zero time (year 1, "no expiry").
    Accepts up to 9 fractional digits (truncated to microseconds), ``Z`` or a numeric offset
    (``+07:00`` on wallet times); a timestamp without an offset is taken as UTC.
    Raises ``ValueError`` for anything else.
    """
    if value is None or value == "":
        return None
    m = _TS.fullmatch(value.strip())
    if m is None:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    if year <= 1:
        return None
    frac = (m.group(7) or "0")[:6].ljust(6, "0")
    tz_text = m.group(8)
    tz: _dt.tzinfo = _dt.timezone.utc
    if tz_text and tz_text not in ("Z", "z"):
        sign = 1 if tz_text[0] == "+" else -1
        digits = tz_text[1:].replace(":", "")
        offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = _dt.timezone(sign * offset)
    return _dt.datetime(year, month, day, hour, minute, second, int(frac), tzinfo=tz)


def format_expiry_at(moment: _dt.datetime) -> str:
    """``moment`` as a request ``expiryAt``: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    ``moment`` must be timezone-aware; fractional seconds are dropped.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expiryAt needs a timezone-aware datetime")
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

