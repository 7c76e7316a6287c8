"""Card data: :class:`Card` validates raw card data once, on construction, and never shows
the full PAN or the CVC: its ``repr``/``str`` show at most the first six and last four digits,
every validation error names the field and the rule without echoing the value, and no frame of
a failed construction holds the number or the CVC in clear (captured-locals tracebacks).

Encryption of a :class:`Card` is in :mod:`pivot_async._cards`.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any, NoReturn, final

from ._errors import RequestValidationError

__all__ = ["Card"]

_PAN_SEPARATORS = re.compile(r"[ \-]")
_DIGITS = re.compile(r"[0-9]+")
_CVC = re.compile(r"[0-9]{3,4}")
_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{2}|[0-9]{4}")
_ASCII_WS = re.compile(r"[ \t\r\n]")

_MASK = "***"


def _luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _today() -> datetime.date:
    """Today's date in local time (module-level so tests can replace it)."""
    return datetime.date.today()


def _parse_number(number: object) -> str:
    if not isinstance(number, str):
        raise RequestValidationError("number", "must be a string of digits")
    digits = _PAN_SEPARATORS.sub("", number)
    if not _DIGITS.fullmatch(digits):
        raise RequestValidationError("number", "must contain only digits, spaces and dashes")
    if not 13 <= len(digits) <= 19:
        raise RequestValidationError("number", "must have 13 to 19 digits")
    if not _luhn_ok(digits):
        raise RequestValidationError("number", "failed the Luhn check")
    return digits


def _parse_month(month: object) -> int:
    if isinstance(month, bool):
        raise RequestValidationError("expiry_month", "must be an integer or a string of digits")
    if isinstance(month, int):
        value = month
    elif isinstance(month, str) and _MONTH.fullmatch(month):
        value = int(month)
    else:
        raise RequestValidationError("expiry_month", "must be an integer or a string of digits")
    if not 1 <= value <= 12:
        raise RequestValidationError("expiry_month", "must be between 1 and 12")
    return value


def _parse_year(year: object) -> int:
    if isinstance(year, bool):
        raise RequestValidationError("expiry_year", "must be an integer or a string of digits")
    if isinstance(year, int):
        if 0 <= year <= 99:
            return 2000 + year
        if 2000 <= year <= 2099:
            return year
        raise RequestValidationError("expiry_year", "must have 2 digits or 4 digits (2000-2099)")
    if isinstance(year, str) and _YEAR.fullmatch(year):
        value = int(year)
        if len(year) == 2:
            return 2000 + value
        if 2000 <= value <= 2099:
            return value
    raise RequestValidationError("expiry_year", "must have 2 digits or 4 digits (2000-2099)")


def _parse_cvc(cvc: object) -> str | None:
    if cvc is None:
        return None
    if not isinstance(cvc, str) or not _CVC.fullmatch(cvc):
        raise RequestValidationError("cvc", "must be a string of 3 or 4 digits")
    return cvc


class _Hidden:
    """Card input kept out of sight until it is checked (masked ``repr``)."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[object, object, object]) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden card input>"


def _fill(
    card: Card, hidden: _Hidden, expiry_month: object, expiry_year: object,
    today: datetime.date | None,
) -> RequestValidationError | None:
    """Check the input and set the card's slots; the first problem is returned, not raised
    (with no traceback attached, so none of this frame's locals travel with it)."""
    try:
        number, cvc, name_on_card = hidden.value
        digits = _parse_number(number)
        month = _parse_month(expiry_month)
        year = _parse_year(expiry_year)
        now = today if today is not None else _today()
        if year < now.year:
            raise RequestValidationError("expiry_year", "the card has expired")
        if year == now.year and month < now.month:
            raise RequestValidationError("expiry_month", "the card has expired")
        parsed_cvc = _parse_cvc(cvc)
        if name_on_card is not None and not isinstance(name_on_card, str):
            raise RequestValidationError("name_on_card", "must be a string")
    except RequestValidationError as exc:
        return exc.with_traceback(None)
    setter = object.__setattr__
    setter(card, "_number", digits)
    setter(card, "_month", month)
    setter(card, "_year", year)
    setter(card, "_cvc", parsed_cvc)
    setter(card, "_name", name_on_card)
    return None


@final
class Card:
    """Validated card data. Immutable; ``repr``/``str`` never show the full number or the CVC.

    ``Card(number, expiry_month, expiry_year, cvc=None, name_on_card=None, *, today=None)``

    - ``number``: 13 to 19 digits once spaces and dashes are removed, passing the Luhn check;
    - ``expiry_month``: 1 to 12, an ``int`` or a string such as ``"01"`` or ``"1"``;
    - ``expiry_year``: 2 or 4 digits (``29``, ``"29"``, ``2029``, ``"2029"``), years 2000-2099;
    - the card is valid through the last day of its expiry month; an expired card is rejected,
      compared with ``today`` (default: the local date);
    - ``cvc``: ``None`` (absent) or a string of 3 or 4 digits;
    - ``name_on_card``: ``None`` or a string.

    Each failure raises :class:`~pivot_async.RequestValidationError` whose ``field`` is one of
    ``number``, ``expiry_month``, ``expiry_year``, ``cvc``, ``name_on_card`` and whose text
    never contains the number or the CVC.

    The instance has no ``__dict__`` and is not a dataclass, so ``vars()`` and
    ``dataclasses.asdict()`` do not expose its data; it refuses to be pickled (card data must
    not end up in caches, queues or journals by accident) and copies are the object itself.
    """

    __slots__ = ("_cvc", "_month", "_name", "_number", "_year")

    _number: str
    _month: int
    _year: int
    _cvc: str | None
    _name: str | None

    def __init__(
        self,
        number: str,
        expiry_month: int | str,
        expiry_year: int | str,
        cvc: str | None = None,
        name_on_card: str | None = None,
        *,
        today: datetime.date | None = None,
    ) -> None:
        # The number, the CVC and the name are hidden first and checked in a helper that
        # returns its error instead of raising it: the error is raised from here, with a
        # fresh traceback, so no frame a captured-locals traceback shows holds them in clear.
        hidden = _Hidden((number, cvc, name_on_card))
        del number, cvc, name_on_card
        problem = _fill(self, hidden, expiry_month, expiry_year, today)
        if problem is not None:
            raise problem

    # --- immutability and leak guards ------------------------------------------------------

    if not TYPE_CHECKING:  # hidden from type checkers so that they still flag unknown names

        def __setattr__(self, name: str, value: object) -> NoReturn:
            raise AttributeError("Card is immutable")

        def __delattr__(self, name: str) -> NoReturn:
            raise AttributeError("Card is immutable")

    def __init_subclass__(cls, **kwargs: object) -> NoReturn:
        raise TypeError("Card cannot be subclassed (a subclass could add a __dict__)")

    def __reduce__(self) -> NoReturn:
        raise TypeError("Card objects cannot be pickled (card data is never serialised)")

    def __copy__(self) -> Card:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Card:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Card):
            return NotImplemented
        return (self._number, self._month, self._year, self._cvc, self._name) == (
            other._number,
            other._month,
            other._year,
            other._cvc,
            other._name,
        )

    def __hash__(self) -> int:
        return hash((self._number, self._month, self._year, self._cvc, self._name))

    def __repr__(self) -> str:
        # Safe on a Card whose construction failed (a traceback with captured locals shows
        # ``self`` of the failing ``__init__``): an unset slot is reported, never raised.
        if not all(hasattr(self, slot) for slot in Card.__slots__):
            return "Card(<not constructed>)"
        cvc = _MASK if self._cvc is not None else "None"
        name = _MASK if self._name is not None else "None"
        return (
            f"Card(number={self.masked_number!r}, expiry={self.expiry!r}, "
            f"cvc={cvc}, name_on_card={name})"
        )

    __str__ = __repr__

    # --- public, non-secret views ----------------------------------------------------------

    @property
    def first6(self) -> str:
        """The first six digits of the number (the BIN)."""
        return self._number[:6]

    @property
    def last4(self) -> str:
        """The last four digits of the number."""
        return self._number[-4:]

    @property
    def masked_number(self) -> str:
        """The number with everything but the first six and last four digits masked."""
        return self.first6 + "*" * (len(self._number) - 10) + self.last4

    @property
    def expiry_month(self) -> int:
        """The expiry month, 1 to 12."""
        return self._month

    @property
    def expiry_year(self) -> int:
        """The expiry year, four digits."""
        return self._year

    @property
    def expiry(self) -> str:
        """The expiry as ``MM/YY``."""
        return f"{self._month:02d}/{self._year % 100:02d}"

    @property
    def has_cvc(self) -> bool:
        """Whether a CVC was given (the CVC itself is never exposed)."""
        return self._cvc is not None

    @property
    def name_on_card(self) -> str | None:
        """The cardholder name, if given."""
        return self._name
