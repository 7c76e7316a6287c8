"""Receiving Pivot's callbacks (webhooks) safely.

Pivot authenticates callbacks with a static ``X-API-Key`` header (no signature). This module

- verifies and parses a delivery in one call, in any framework (:func:`construct_event`, after
  stripe's ``Webhook.construct_event``): it raises :class:`CallbackAuthenticationError` (answer
  401) or :class:`CallbackPayloadError` (answer 400), both :class:`CallbackVerificationError`;
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
Any ASGI or other framework can use :func:`construct_event`, :func:`dedupe_key` and a store the
same way.
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
    "CallbackAuthenticationError",
    "CallbackEvent",
    "CallbackPayloadError",
    "CallbackVerificationError",
    "DedupeStore",
    "InMemoryDedupeStore",
    "callback_handler",
    "construct_event",
    "dedupe_key",
    "parse_event",
    "verify_api_key",
]

logger = logging.getLogger("pivot_async.callbacks")

API_KEY_HEADER = "X-API-Key"
"""The header carrying your callback key on every callback Pivot sends."""
MAX_BODY_BYTES = 1024 * 1024


class CallbackAuthenticationError(CallbackVerificationError):
    """The ``X-API-Key`` header is missing, repeated, not UTF-8 text, or not your callback key.

    Answer ``http_status`` (401): Pivot does not retry it. The message says which rule failed
    and never quotes the header's value.
    """

    http_status = 401


class CallbackPayloadError(CallbackVerificationError):
    """The body of an authenticated callback is not a Pivot callback: not a bytes body, not
    JSON, nested too deeply, no ``event``, or a known event whose ``data`` does not match its
    model. Answer ``http_status`` (400)."""

    http_status = 400


def _api_key_values(headers: Mapping[str, str]) -> list[object]:
    """Every value sent as ``X-API-Key``, whatever the mapping: a plain ``dict`` (any case),
    a multidict (case-sensitive or not; each repeated header is one item), Starlette's or
    Django's ``Headers`` (their ``items()`` hold every header)."""
    wanted = API_KEY_HEADER.lower()
    return [value for name, value in headers.items()
            if isinstance(name, str) and name.lower() == wanted]


def _check_api_key(headers: Mapping[str, str], api_key: str) -> str | None:
    """None when ``headers`` authenticate with ``api_key``, else the rule that failed."""
    values = _api_key_values(headers)
    if not values:
        return "missing"
    if len(values) > 1:
        return "sent more than once"
    value = values[0]
    if not isinstance(value, str):  # bytes, a number... from a hand-built mapping
        return "not text"
    try:
        given = value.encode("utf-8")  # aiohttp keeps undecodable bytes as lone surrogates
    except UnicodeEncodeError:
        return "not valid UTF-8"
    if not hmac.compare_digest(given, api_key.encode("utf-8")):
        return "does not match the callback key"
    return None


def _require_api_key(api_key: object) -> str:
    if not isinstance(api_key, str) or not api_key:
        # a configuration error, not a forgery: let it surface as a 500 so Pivot retries
        raise ValueError("api_key (your callback key) must be a non-empty string")
    return api_key


def verify_api_key(headers: Mapping[str, str], callback_key: str) -> bool:
    """True if ``headers`` carry one ``X-API-Key`` equal to ``callback_key`` (constant time).

    Header names are matched case-insensitively in any mapping (see :func:`construct_event`).
    An empty configured key never matches; a header sent twice, or whose value is not UTF-8
    text, never does either.
    """
    if not isinstance(callback_key, str) or not callback_key:
        return False
    return _check_api_key(headers, callback_key) is None


def construct_event(
    body: bytes | bytearray | memoryview, headers: Mapping[str, str], api_key: str
) -> CallbackEvent:
    """Verify a delivery and return its typed event: the one call a web framework needs.

    ``body`` is the raw request body (``await request.body()`` in Starlette and FastAPI,
    ``await request.read()`` in aiohttp, ``request.body`` in Django); ``headers`` is the
    framework's header mapping as it is (names are matched case-insensitively); ``api_key``
    is your callback key from Pivot's dashboard.

    The key is checked first, in constant time, and the body is parsed only once it matched.
    Raises :class:`CallbackAuthenticationError` (answer 401) for a missing, repeated,
    non-UTF-8 or wrong ``X-API-Key``, and :class:`CallbackPayloadError` (answer 400) for a body
    that is not a callback; both carry the status as ``http_status`` and are
    :class:`~pivot_async.CallbackVerificationError`. An empty or non-string ``api_key`` is
    your configuration's fault: ``ValueError``, which your framework turns into a 500, so
    Pivot retries once you fixed it. Unknown events are returned as
    :class:`~pivot_async.models.UnknownCallbackEvent`. Then drop duplicates with
    ``store.claim(dedupe_key(event, body=body))``.
    """
    key = _require_api_key(api_key)
    failed = _check_api_key(headers, key)
    if failed is not None:
        raise CallbackAuthenticationError(f"{API_KEY_HEADER} header: {failed}")
    return parse_event(body)


def _raw_body(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    # a str was decoded already (and may not be what Pivot sent); a dict was parsed already
    raise CallbackPayloadError(
        f"callback body rejected: pass the raw body as bytes, not {type(body).__name__}"
    )


def parse_event(body: bytes | bytearray | memoryview) -> CallbackEvent:
    """The typed event of a callback body (the key is not checked: see :func:`construct_event`).

    Raises :class:`CallbackPayloadError` (a :class:`~pivot_async.CallbackVerificationError`)
    for a body that is not a callback (not bytes, not JSON, nested too deeply, no ``event``,
    or a known event whose ``data`` does not match its model).
    """
    try:
        return parse_callback_event(_raw_body(body))
    except ResponseValidationError as exc:
        raise CallbackPayloadError(f"callback body rejected: {exc}") from None


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
        # The key first, so a forgery's body is never read, let alone logged.
        failed = _check_api_key(request.headers, callback_key)
        if failed is not None:
            logger.warning("callback rejected: %s header %s", API_KEY_HEADER, failed)
            return web.json_response({"error": "unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "body too large"}, status=413)
        body = await request.read()
        try:
            event = construct_event(body, request.headers, callback_key)
        except CallbackAuthenticationError:  # checked above already; kept for completeness
            return web.json_response({"error": "unauthorized"}, status=401)
        except CallbackPayloadError:
            logger.warning("callback rejected: body is not a Pivot callback")
            return web.json_response({"error": "bad callback body"}, status=400)
        key = dedupe_key(event, body=body)
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
