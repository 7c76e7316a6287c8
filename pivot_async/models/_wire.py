"""Per-field request rules as msgspec constraints, checked in C while a request is read.

A request model lists, in ``__wire_rules__``, the type each field is read as (a constrained
``Annotated[..., msgspec.Meta(...)]``, a ``Literal``, :class:`Required`, or ``None`` for a
member that must be absent); a nested model lists its own. Its cross-field rules are its
``_wire_check`` method. :func:`~pivot_async.models._strict.fast_variant` builds from these
the variant that :func:`~pivot_async.resources._base.coerce_params` reads a request into
with one ``msgspec.convert``.

The Python rules (``validate()`` / ``__post_init__`` of the public models) stay the reference:
they check a model built directly and they word every error. So a constraint here may be
stricter than the rule it mirrors, never looser: whatever the fast read refuses is read again
by the reference rules, which accept it or name the field's wire path and the rule it broke.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn, Optional, Union

from msgspec import Meta

__all__ = [
    "ALNUM_100",
    "DECIMAL_VALUE",
    "EXPIRY_AT",
    "IDR",
    "IDR_VALUE",
    "JSON",
    "MAX_IDR",
    "URL",
    "Required",
    "positive_int",
    "reread",
    "text",
]

MAX_IDR = 10**18 - 1  # "Decimal 1-18 digits"


class Required:
    """A field the fast read requires (the public model has a default for responses)."""

    __slots__ = ("type",)

    def __init__(self, tp: Any) -> None:
        self.type = tp


def reread() -> NoReturn:
    """Leave this request to the reference rules (a case the constraints do not cover)."""
    raise ValueError("read by the reference rules")


def text(max_len: int, min_len: int = 0, *, required: bool = False) -> Any:
    """A string of ``min_len``..``max_len`` characters (``None`` allowed unless required)."""
    tp = Annotated[str, Meta(min_length=min_len, max_length=max_len)]
    return Required(tp) if required else Optional[tp]


def positive_int(le: int | None = None) -> Any:
    """A JSON integer >= 1 (never a bool or a float: the read is strict)."""
    return Annotated[int, Meta(ge=1, le=le)]


#: ``clientReferenceId``: 1-100 ASCII letters and digits.
ALNUM_100 = Annotated[str, Meta(pattern=r"\A[A-Za-z0-9]{1,100}\Z")]

#: An absolute URL (``check_url``), in the form whose ``urlsplit`` has a scheme and a netloc
#: and cannot fail: ASCII netloc without brackets, no whitespace. Others (an IPv6 host, a
#: non-ASCII host) are read by the reference rule.
URL = Annotated[str, Meta(
    max_length=255,
    pattern=r"\A[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~%!$&'()*+,;=:@-]+(?:[/?#]\S*)?\Z",
)]

#: ``expiryAt`` (``check_expiry_at``): the month's real days; 29 February goes to the
#: reference rule (leap years).
EXPIRY_AT = Annotated[str, Meta(pattern=(
    r"\A(?!0000)[0-9]{4}-"
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?Z\Z"
))]

#: The one currency.
IDR = Literal["IDR"]

#: A payments amount (``check_idr_amount``): a JSON integer 1..10^18-1. Zero (allowed for a
#: price or a fee) goes to the reference rule.
IDR_VALUE = positive_int(MAX_IDR)

#: A refund or wallet amount (``check_decimal_amount``): a positive integer or a string of
#: ASCII digits, at most 18 before the point and 2 after it.
DECIMAL_VALUE = Union[
    Annotated[int, Meta(ge=1, le=MAX_IDR)],
    Annotated[str, Meta(pattern=r"\A(?!0*(?:\.0*)?\Z)[0-9]{1,18}(?:\.[0-9]{1,2})?\Z")],
]


def _json(depth: int) -> Any:
    tp: Any = Union[str, int, bool, None]
    for _ in range(depth):
        tp = Union[str, int, bool, None, list[tp], dict[str, tp]]
    return tp


#: What a free-form member (``metadata``, ``additionalInfo``; typed ``Any``) is read as: JSON
#: without floats (money is never a float), 6 levels deep; deeper ones go to the reference.
JSON = _json(6)
