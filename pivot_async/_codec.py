"""Encoding and decoding: one msgspec encoder, decoders built once per type.

Request bodies are encoded exactly once to compact UTF-8 JSON (no whitespace, raw non-ASCII,
``/`` not escaped: docs/reference/wire.md#decision-g) and those bytes are what is sent and,
for the wallet, signed.
"""

from __future__ import annotations

import decimal
from typing import Any, TypeVar, cast, overload

import msgspec

from ._errors import ResponseValidationError

__all__ = ["decode", "decoder_for", "encode"]

T = TypeVar("T")

_encoder = msgspec.json.Encoder(decimal_format="string")
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def encode(obj: Any) -> bytes:
    """Encode ``obj`` (a Struct, dict, list...) to compact UTF-8 JSON bytes."""
    return _encoder.encode(obj)


def decoder_for(tp: type[T] | Any) -> msgspec.json.Decoder[T]:
    """A cached lenient decoder for ``tp``.

    ``strict=False`` lets numeric strings decode into ints and ``"true"`` into bools, which the
    gateway's documented payloads need (``expiresIn: "900"``, ``updated: "true"``).
    """
    dec = _decoders.get(tp)
    if dec is None:
        dec = msgspec.json.Decoder(tp, strict=False, dec_hook=_dec_hook)
        _decoders[tp] = dec
    return cast("msgspec.json.Decoder[T]", dec)


def _dec_hook(tp: type, obj: Any) -> Any:
    if tp is decimal.Decimal and isinstance(obj, (int, str)):
        return decimal.Decimal(obj)
    raise NotImplementedError


@overload
def decode(
    data: bytes, tp: type[T], *, status: int | None = None, request_id: str | None = None
) -> T: ...


@overload
def decode(
    data: bytes, tp: Any, *, status: int | None = None, request_id: str | None = None
) -> Any: ...


def decode(
    data: bytes, tp: Any, *, status: int | None = None, request_id: str | None = None
) -> Any:
    """Decode a response body into ``tp``; a body that does not decode (not JSON, the wrong
    shape, or nested too deep) raises :class:`ResponseValidationError`, never
    ``RecursionError``."""
    try:
        return decoder_for(tp).decode(data)
    except msgspec.ValidationError as exc:
        text = str(exc)
        path = text.rsplit(" - at `", 1)[1].rstrip("`") if " - at `" in text else None
        raise ResponseValidationError(
            f"response did not match the expected model: {text}", path=path, status=status,
            request_id=request_id,
        ) from exc
    except msgspec.DecodeError as exc:
        raise ResponseValidationError(
            f"response body is not valid JSON: {exc}", status=status, request_id=request_id,
        ) from exc
    except RecursionError:
        # msgspec recurses once per nesting level: a hostile body nested thousands deep
        # must not take the caller down with a RecursionError.
        raise ResponseValidationError(
            "response body is nested too deeply to decode", path="$", status=status,
            request_id=request_id,
        ) from None
