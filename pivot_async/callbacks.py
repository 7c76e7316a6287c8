"""Receiving Pivot's callbacks (webhooks) safely.

Pivot authenticates callbacks with a static ``X-API-Key`` header (no signature). This module

- verifies the header against your callback key in constant time (:func:`verify_api_key`);
- parses the body into typed events (:func:`parse_event`; unknown events become
  :class:`~pivot_async.models.UnknownCallbackEvent`, never a crash);
- detects duplicate deliveries with a pluggable :class:`DedupeStore` (in memory by default),
  keyed by event name, resource id and status, or by a hash of the body when the event has no
  id and status (:func:`dedupe_key`);
- builds an ``aiohttp.web`` handler (:func:`callback_handler`) that does all of the above and
  calls your async handler.

Replies: 401 for a missing or wrong key (Pivot does not retry it; the body is never read, let
alone logged), 400 for a body that does not parse, 200 for a processed or duplicate event, and
500 when your handler raised, so that Pivot retries on its schedule (5 min, 15 min, 1 h, ...).
Any ASGI or other framework can use :func:`verify_api_key`, :func:`parse_event` and a store
the same way.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import msgspec
from aiohttp import web

from ._errors import CallbackVerificationError, ResponseValidationError
from .models import (
    CallbackEvent,
    PaymentCallbackEvent,
    RefundCallbackEvent,
    UnknownCallbackEvent,
    parse_callback_event,
)

__all__ = [
    "API_KEY_HEADER",
    "CallbackEvent",
    "DedupeStore",
    "InMemoryDedupeStore",
    "callback_handler",
    "dedupe_key",
    "parse_event",
    "verify_api_key",
]

logger = logging.getLogger("pivot_async.callbacks")

API_KEY_HEADER = "X-API-Key"
"""The header carrying your callback key on every callback Pivot sends."""
MAX_BODY_BYTES = 1024 * 1024


def verify_api_key(headers: Mapping[str, str], callback_key: str) -> bool:
    """True if ``headers`` carry ``X-API-Key`` equal to ``callback_key`` (constant time).

    Header names are matched case-insensitively. An empty configured key never matches.
    """
    if not callback_key:
        return False
    value: str | None = None
    getter = getattr(headers, "getone", None)
    if getter is not None:  # a CIMultiDict: already case-insensitive
        value = headers.get(API_KEY_HEADER)
    else:
        for name, item in headers.items():
            if name.lower() == API_KEY_HEADER.lower():
                value = item
                break
    if not isinstance(value, str):  # absent, or not text (bytes from a hand-built mapping)
        return False
    try:
        given = value.encode("utf-8")  # aiohttp keeps undecodable bytes as lone surrogates
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given, callback_key.encode("utf-8"))


def parse_event(body: bytes) -> CallbackEvent:
    """The typed event of a callback body.

    Raises :class:`~pivot_async.CallbackVerificationError` for a body that is not a callback
    (not JSON, no ``event``, or a known event whose ``data`` does not match its model).
    """
    try:
        return parse_callback_event(body)
    except ResponseValidationError as exc:
        raise CallbackVerificationError(f"callback body rejected: {exc}") from None


def dedupe_key(event: CallbackEvent, body: bytes | None = None) -> str:
    """``event:resource-id:status``: the same event about the same state is the same event.

    A ``CHARGE.SUCCESS`` on a MULTIPLE session is keyed by its newest charge, so each payment
    into the session is seen once.

    An event without a string ``data.id`` and ``data.status`` (an event this version does not
    know, or a malformed one) has no identity to key on: its key is ``event:sha256:<digest>``
    of the raw ``body`` when given (what :func:`callback_handler` does), else of the event's
    canonical JSON. So an exact replay is still a duplicate, and two different events never
    share a key.
    """
    resource: object = None
    status: object = None
    if isinstance(event, PaymentCallbackEvent):
        data = event.data
        resource, status = data.id, data.status
        if event.event == "CHARGE.SUCCESS" and data.charge_details and data.id:
            charge = data.charge_details[-1].id
            resource = f"{data.id}/{charge}" if charge else None
    elif isinstance(event, RefundCallbackEvent):
        resource, status = event.data.id, event.data.status
    elif isinstance(event, UnknownCallbackEvent) and isinstance(event.data, dict):
        resource, status = event.data.get("id"), event.data.get("status")
    if isinstance(resource, str) and resource and isinstance(status, str) and status:
        return f"{event.event}:{resource}:{status}"
    content = body if body is not None else msgspec.json.encode(event, order="sorted")
    return f"{event.event}:sha256:{hashlib.sha256(content).hexdigest()}"


class DedupeStore(Protocol):
    """Remembers which events were processed. Implement it on Redis or a database to share
    it between processes; the in-memory default works within one process."""

    async def claim(self, key: str) -> bool:
        """Mark ``key`` as taken; False if it was already taken (a duplicate)."""
        ...

    async def release(self, key: str) -> None:
        """Forget ``key`` (the handler failed, so a redelivery must be processed)."""
        ...


class InMemoryDedupeStore:
    """A bounded in-memory :class:`DedupeStore` (the oldest keys are forgotten first)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be >= 1")
        self._keys: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._max = max_keys

    async def claim(self, key: str) -> bool:
        """Mark ``key`` as taken; False if it was already taken (a duplicate)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)
        return True

    async def release(self, key: str) -> None:
        """Forget ``key`` so that a redelivery of the event is processed."""
        self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)


Handler = Callable[[CallbackEvent], Awaitable[None]]


def callback_handler(
    callback_key: str,
    handler: Handler,
    *,
    store: DedupeStore | None = None,
    timeout: float = 20.0,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An ``aiohttp.web`` request handler for Pivot callbacks.

    ``handler(event)`` is awaited (at most ``timeout`` seconds) once per distinct event; keep it
    short (enqueue the work) so the reply stays fast. Mount it with
    ``app.router.add_post("/pivot/callbacks", callback_handler(key, on_event))``.
    """
    if not isinstance(callback_key, str) or not callback_key:
        raise ValueError("callback_key must be a non-empty string")
    seen: DedupeStore = store if store is not None else InMemoryDedupeStore()

    async def handle(request: web.Request) -> web.Response:
        if not verify_api_key(request.headers, callback_key):
            logger.warning("callback rejected: missing or wrong %s", API_KEY_HEADER)
            return web.json_response({"error": "unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "body too large"}, status=413)
        body = await request.read()
        try:
            event = parse_event(body)
        except CallbackVerificationError:
            logger.warning("callback rejected: body is not a Pivot callback")
            return web.json_response({"error": "bad callback body"}, status=400)
        key = dedupe_key(event, body)
        if not await seen.claim(key):
            logger.info("duplicate callback %s ignored", event.event)
            return web.json_response({"status": "duplicate"})
        try:
            await asyncio.wait_for(handler(event), timeout)
        except Exception:
            await seen.release(key)
            logger.exception("callback handler failed for %s; Pivot will retry", event.event)
            return web.json_response({"error": "handler failed"}, status=500)
        return web.json_response({"status": "ok"})

    return handle
