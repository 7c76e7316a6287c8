"""Test-only compatibility shim: aioresponses 0.7.9 on aiohttp >= 3.14.

aiohttp 3.14 (a security release) added a required keyword ``stream_writer`` to
``ClientResponse.__init__``; aioresponses 0.7.9 builds responses without it and fails with
``TypeError`` (upstream aioresponses issue #289). Until upstream ships a fix, this module
patches aioresponses' response builder to use a ``ClientResponse`` subclass that supplies a
stand-in writer reporting ``output_size == 0``. It changes nothing when aiohttp is older or
aioresponses already passes the argument. Remove it once aioresponses supports 3.14.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiohttp import ClientResponse

__all__ = ["CompatClientResponse", "install"]


class _NoWriter:
    output_size = 0


class CompatClientResponse(ClientResponse):
    """A ClientResponse whose ``stream_writer`` argument is optional."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _NoWriter())
        super().__init__(method, url, **kwargs)


def _needs_shim() -> bool:
    return "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


def install() -> None:
    """Patch aioresponses (its RequestMatch response builder) once, if this aiohttp needs it."""
    from aioresponses import core

    if not _needs_shim() or getattr(core.RequestMatch, "_pivot_compat", False):
        return
    original = core.RequestMatch._build_response

    def _build_response(self: Any, url: Any, *args: Any, **kwargs: Any) -> ClientResponse:
        cls = kwargs.get("response_class") or ClientResponse
        if cls is ClientResponse:
            kwargs["response_class"] = CompatClientResponse
        return original(self, url, *args, **kwargs)

    core.RequestMatch._build_response = _build_response
    core.RequestMatch._pivot_compat = True
