"""``X-REQUEST-ID`` idempotency (docs/reference/wire.md#idempotency).

Keys are scoped per merchant. The payload is the method, the path and the parsed JSON body.
Only 2xx outcomes are stored, for ``ttl`` on the sandbox clock; a duplicate arriving while the
first request is still running waits for it and then replays its stored response, or runs
itself if the first one failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ._errors import SandboxError, validation_error
from ._util import canonical_json

__all__ = ["IdempotencyStore", "check_request_id"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9]{16,36}$")


def check_request_id(value: str | None, *, required: bool) -> str | None:
    """Validate an ``X-REQUEST-ID`` header value (alphanumeric, 16-36)."""
    if value is None or value == "":
        if required:
            raise validation_error([("X-REQUEST-ID", "X-REQUEST-ID header is required")])
        return None
    if not _REQUEST_ID.match(value):
        raise validation_error(
            [("X-REQUEST-ID", "X-REQUEST-ID must be 16 to 36 alphanumeric characters")]
        )
    return value


@dataclasses.dataclass
class _Entry:
    fingerprint: bytes
    created: _dt.datetime
    pending: asyncio.Future[None] | None
    status: int = 0
    body: bytes = b""
    content_type: str = "application/json"


class IdempotencyStore:
    """Stored outcomes by ``(merchant id, key)``."""

    def __init__(self, ttl: float, now: Callable[[], _dt.datetime]) -> None:
        self._ttl = _dt.timedelta(seconds=ttl)
        self._now = now
        self._entries: dict[tuple[str, str], _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def fingerprint(method: str, path: str, body: Any) -> bytes:
        return canonical_json([method.upper(), path, body])

    async def run(
        self,
        merchant_id: str,
        key: str,
        fingerprint: bytes,
        call: Callable[[], Awaitable[web.Response]],
    ) -> tuple[web.Response, bool]:
        """Run ``call`` once per key; returns the response and whether it is a replay."""
        slot = (merchant_id, key)
        while True:
            entry = self._entries.get(slot)
            expired = entry is not None and self._now() - entry.created >= self._ttl
            if entry is not None and entry.pending is None and expired:
                del self._entries[slot]
                entry = None
            if entry is None:
                break
            if entry.fingerprint != fingerprint:
                raise SandboxError(
                    409,
                    "idempotency_error",
                    "The X-REQUEST-ID was already used with a different payload or endpoint",
                    [("X-REQUEST-ID", "Use a new X-REQUEST-ID for a different request")],
                )
            if entry.pending is not None:
                await asyncio.shield(entry.pending)
                continue
            replay = web.Response(body=entry.body, status=entry.status)
            replay.content_type = entry.content_type
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
        body = response.body
        if 200 <= response.status < 300 and isinstance(body, bytes):
            entry.status = response.status
            entry.body = body
            entry.content_type = response.content_type
            entry.pending = None
        else:
            del self._entries[slot]
        return response, False
