"""``X-REQUEST-ID`` idempotency (docs/reference/wire.md#idempotency), and its SNAP twin, the
``X-EXTERNAL-ID`` uniqueness window of the wallet (:class:`ExternalIdWindow`)."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as _dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from ._errors import SandboxError, validation_error

__all__ = ["ExternalIdWindow", "IdempotencyStore", "check_request_id"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9]{16,36}$")


def jakarta_date(ts: _dt.datetime) -> _dt.date:
    return (ts.astimezone(_dt.timezone.utc) + _dt.timedelta(hours=7)).date()


def check_request_id(value: str | None, *, required: bool) -> str | None:
    """Validate an ``X-REQUEST-ID`` header value (alphanumeric, 16-36)."""
    if value is None or value == "":
        if required:
            raise validation_error([("X-REQUEST-ID", "X-REQUEST-ID header is required")])
        return None
    if not _REQUEST_ID.match(value):
        message = "X-REQUEST-ID must be 16 to 36 alphanumeric characters"
        raise validation_error([("X-REQUEST-ID", message)])
    return value


@dataclasses.dataclass
class _Entry:
    fingerprint: bytes
    created: _dt.datetime
    pending: asyncio.Future[None]
    response: web.Response | None = None  # None while the first request runs


class IdempotencyStore:
    """Stored outcomes by ``(merchant id, key)``; the payload is the method, the path and the
    parsed JSON body. Only 2xx outcomes are kept, for ``ttl`` on the sandbox clock; a duplicate
    arriving while the first request runs waits for it, then replays its response (or runs
    itself if the first one failed)."""

    def __init__(self, ttl: float, now: Callable[[], _dt.datetime]) -> None:
        self._ttl = _dt.timedelta(seconds=ttl)
        self._now = now
        self._entries: dict[tuple[str, str], _Entry] = {}

    @staticmethod
    def fingerprint(method: str, path: str, body: Any) -> bytes:
        return msgspec.json.encode([method.upper(), path, body], order="sorted")

    async def run(
        self,
        merchant_id: str,
        key: str,
        fingerprint: bytes,
        call: Callable[[], Awaitable[web.Response]],
    ) -> tuple[web.Response, bool]:
        """Run ``call`` once per key; returns the response and whether it is a replay."""
        slot = (merchant_id, key)
        while (entry := self._entries.get(slot)) is not None:
            if entry.response is not None and self._now() - entry.created >= self._ttl:
                del self._entries[slot]
                break
            if entry.fingerprint != fingerprint:
                raise SandboxError(
                    409,
                    "idempotency_error",
                    "The X-REQUEST-ID was already used with a different payload or endpoint",
                    [("X-REQUEST-ID", "Use a new X-REQUEST-ID for a different request")],
                )
            if entry.response is None:
                await asyncio.shield(entry.pending)
                continue
            replay = web.Response(body=entry.response.body, status=entry.response.status)
            replay.content_type = entry.response.content_type
            return replay, True

        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = _Entry(fingerprint, self._now(), future)
        self._entries[slot] = entry
        try:
            response = await call()
        except BaseException:
            del self._entries[slot]
            raise
        finally:
            future.set_result(None)
        if 200 <= response.status < 300 and isinstance(response.body, bytes):
            entry.response = response
        else:
            del self._entries[slot]
        return response, False


class ExternalIdWindow:
    """SNAP ``X-EXTERNAL-ID`` uniqueness per partner: one use per Jakarta calendar day
    (``window="jakarta_day"``, the default) or per rolling 24 h (``"rolling_24h"``)."""

    def __init__(self, now: Callable[[], _dt.datetime], window: str = "jakarta_day") -> None:
        self._now = now
        self.window = window
        self.seen: dict[str, collections.OrderedDict[str, _dt.datetime]] = {}
        """Per partner: X-EXTERNAL-ID -> when it was (last) recorded, oldest first."""

    def claim(self, client_key: str, external_id: str) -> bool:
        """Record X-EXTERNAL-ID for this partner; False if already used in the window. ``seen``
        is oldest first (an ``OrderedDict``: a plain dict finds its first key by skipping deleted
        slots), so pruning pops from the front, amortised O(1) per request."""
        now = self._now()
        seen = self.seen.setdefault(client_key, collections.OrderedDict())
        first = seen.get(external_id)
        if first is not None:
            if self.window == "rolling_24h":
                if now - first < _dt.timedelta(hours=24):
                    return False
            elif jakarta_date(first) == jakarta_date(now):
                return False
            del seen[external_id]  # re-recorded below, at the end (the newest)
        if len(seen) > 1024:
            self._prune(seen, now)
        seen[external_id] = now
        return True

    @staticmethod
    def _prune(seen: collections.OrderedDict[str, _dt.datetime], now: _dt.datetime) -> None:
        """Forget the ids that can no longer clash (recorded 24 h ago or more, on another Jakarta
        day), up to the first one still inside; an id recorded after the clock went back stops
        it early (keeping more, never fewer)."""
        today = jakarta_date(now)
        day = _dt.timedelta(hours=24)
        while seen:
            t = seen[next(iter(seen))]
            if now - t < day or jakarta_date(t) == today:
                return
            seen.popitem(last=False)
