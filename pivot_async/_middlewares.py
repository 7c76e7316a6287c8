"""aiohttp client middlewares: retry ─► auth ─► wire log.

The first listed is the outermost. Retry wraps everything, so each attempt is authenticated
again (a refreshed token is picked up) while the idempotency key, which the client puts in the
request's headers before the chain runs (``Requestor.request``), is reused unchanged by
every retry and by the 401 replay.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import re
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from yarl import URL

from ._auth import TokenCache
from ._errors import PivotConnectionError, RequestValidationError
from ._retry import (
    RetryPolicy,
    is_retry_safe,
    parse_retry_after,
    retry_delay,
    should_retry_status,
)
from ._transport import remaining

__all__ = [
    "BearerAuthMiddleware",
    "LoggingMiddleware",
    "RetryMiddleware",
    "always_safe",
    "payments_retry_safe",
    "new_request_id",
    "requires_request_id",
    "same_origin",
    "validate_request_id",
]

logger = logging.getLogger("pivot_async")

Sleep = Callable[[float], Awaitable[None]]
SafePredicate = Callable[[ClientRequest, "int | None"], bool]


def payments_retry_safe(req: ClientRequest, status: int | None) -> bool:
    """Payments API: re-send only idempotent methods or requests with an X-REQUEST-ID."""
    return is_retry_safe(req.method, req.headers)


def always_safe(req: ClientRequest, status: int | None) -> bool:
    """For token requests, which can be re-sent freely."""
    return True

REQUEST_ID_HEADER = "X-REQUEST-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9]{16,36}")
_IDEMPOTENT_PATH_RE = re.compile(
    r"(?:/v2/payments(?:/[^/]+/(?:confirm|cancel|capture))?|/v1/refunds)/?$"
)
#: Headers that carry credentials: never sent to another origin, never logged.
CREDENTIAL_HEADERS = (
    "Authorization",
    "Authorization-Customer",
    "X-SIGNATURE",
    "X-MERCHANT-SECRET",
)


def new_request_id() -> str:
    """A fresh X-REQUEST-ID: 32 random alphanumeric characters (docs/reference/wire.md#decision-c).

    Lowercase hex of 16 bytes from the OS's CSPRNG (128 random bits): ``os.urandom`` is what
    ``secrets.token_hex`` reads, called here without its two Python frames.
    """
    return os.urandom(16).hex()


def validate_request_id(value: str) -> str:
    """Check a caller-supplied idempotency key: alphanumeric, 16-36 characters."""
    if not isinstance(value, str) or not _REQUEST_ID_RE.fullmatch(value):
        raise RequestValidationError(
            "idempotency_key", "must be 16-36 alphanumeric characters (X-REQUEST-ID)"
        )
    return value


@functools.lru_cache(maxsize=256)
def requires_request_id(method: str, path: str) -> bool:
    """True for the state-changing POSTs that carry X-REQUEST-ID.

    See docs/reference/wire.md#decision-c. The answers for recent paths are kept (the regex
    search costs ~3,100 instructions a call, a kept answer ~1,250).
    """
    return method == "POST" and _IDEMPOTENT_PATH_RE.search(path) is not None


def same_origin(url: URL, origin: URL) -> bool:
    """True if ``url`` has the scheme, host and port of ``origin``."""
    return (url.scheme, url.host, url.port) == (origin.scheme, origin.host, origin.port)


class RetryMiddleware:
    """Bounded retries of retry-safe requests with backoff, jitter and Retry-After.

    ``is_safe(request, status)`` decides whether a failed attempt may be re-sent: ``status``
    is the HTTP status, or None when the attempt raised. The default is the Payments API rule
    (idempotent method or an X-REQUEST-ID); token calls pass ``always_safe``. A failure to
    connect is always retried (nothing was sent). A discarded response is released before
    sleeping. No wait is started that would end past the call's deadline
    (:func:`~pivot_async._transport.remaining`): the last outcome is handed back instead.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        is_safe: SafePredicate | None = None,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._rng = rng
        self._is_safe = is_safe or payments_retry_safe

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        retries = 0
        while True:
            try:
                resp = await handler(req)
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
                # Nothing was sent if the connection could not be opened: always safe.
                not_sent = isinstance(
                    exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
                )
                give_up = retries >= self.policy.max_retries or not (
                    not_sent or self._is_safe(req, None)
                )
                delay = 0.0
                if not give_up:
                    delay = retry_delay(retries, self.policy, rng=self._rng)
                    give_up = _past_deadline(delay)
                if give_up:
                    if isinstance(exc, (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError)):
                        # aiohttp re-runs the whole chain once more for GET/HEAD/... on these
                        # two errors, which would double the retry budget: hand the failure
                        # over as a PivotConnectionError, which aiohttp passes through.
                        raise PivotConnectionError(
                            f"{req.method} {req.url.path} failed: {type(exc).__name__}: {exc}",
                            request_id=req.headers.get(REQUEST_ID_HEADER),
                        ) from exc
                    raise
                logger.info(
                    "retrying %s %s after %s (retry %d of %d, in %.2fs)",
                    req.method, req.url.path, type(exc).__name__,
                    retries + 1, self.policy.max_retries, delay,
                )
            else:
                if (
                    retries >= self.policy.max_retries
                    or not should_retry_status(resp.status)
                    or not self._is_safe(req, resp.status)
                ):
                    return resp
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                delay = retry_delay(retries, self.policy, retry_after=retry_after, rng=self._rng)
                if _past_deadline(delay):
                    return resp
                logger.info(
                    "retrying %s %s after HTTP %d (retry %d of %d, in %.2fs)",
                    req.method, req.url.path, resp.status,
                    retries + 1, self.policy.max_retries, delay,
                )
                resp.release()
            retries += 1
            await self._sleep(delay)


def _past_deadline(delay: float) -> bool:
    """True if a wait of ``delay`` seconds (plus an attempt) cannot fit before the deadline."""
    left = remaining()
    return left is not None and delay >= left


class BearerAuthMiddleware:
    """Adds ``Authorization: Bearer <token>`` for the configured origin only.

    On any 401 it invalidates the token that was used (only if it is still the cached one)
    and replays the request once with a fresh token (docs/reference/wire.md#decision-b).
    Any 401: Pivot's documented
    ``credentials_invalid`` body comes with the code at the top level, nested in ``error``, or
    not at all (``{"error": {...}}`` only), and a 401 is a rejection before processing, so the
    one replay cannot duplicate an effect. The token stays a :class:`Secret` in this frame.
    """

    fetches_tokens = True  # a rate limit goes after it: the slot is not spent on a token wait

    def __init__(self, tokens: TokenCache, origin: URL) -> None:
        self._tokens = tokens
        self._origin = origin

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if not same_origin(req.url, self._origin):
            for name in CREDENTIAL_HEADERS:
                req.headers.pop(name, None)
            return await handler(req)
        token = await self._tokens.get()
        req.headers["Authorization"] = "Bearer " + token.get()
        resp = await handler(req)
        if resp.status == 401:
            self._tokens.invalidate(token)
            resp.release()
            token = await self._tokens.get()
            req.headers["Authorization"] = "Bearer " + token.get()
            logger.info("replaying %s %s with a fresh access token", req.method, req.url.path)
            resp = await handler(req)
        return resp


class LoggingMiddleware:
    """Logs one DEBUG line per attempt: method, path, status, time, X-REQUEST-ID.

    Never headers with credentials, never bodies.
    """

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if not logger.isEnabledFor(logging.DEBUG):
            return await handler(req)
        started = time.perf_counter()
        request_id = req.headers.get(REQUEST_ID_HEADER, "-")
        try:
            resp = await handler(req)
        except BaseException as exc:
            logger.debug(
                "%s %s failed: %s (%.1f ms, request id %s)",
                req.method, req.url.path, type(exc).__name__,
                (time.perf_counter() - started) * 1000, request_id,
            )
            raise
        logger.debug(
            "%s %s -> %d (%.1f ms, request id %s)",
            req.method, req.url.path, resp.status,
            (time.perf_counter() - started) * 1000, request_id,
        )
        return resp
