"""Transport helpers shared by the request paths: the call deadline, capped body reads,
token checks and the middlewares that put secrets on the wire at the last moment.

The deadline
------------
``Timeout.total`` bounds one *logical* call: every attempt, backoff sleep, Retry-After wait,
token fetch and (for a wallet debit) the status resolution. :class:`deadline` publishes it
in a context variable; it is enforced where the waiting happens, without a timer of its own:

- each request is sent with aiohttp's ``total`` cut to what is left of the deadline
  (``Requestor._send``). aiohttp's timer covers
  the whole middleware chain (retries and their backoff sleeps, the token fetch a caller
  waits for, the rate limit's wait, the 401 replay) and the reading of the body, so when the
  deadline passes the call is cancelled wherever it waits and ends as a
  :class:`~pivot_async.PivotTimeoutError`;
- the retry layer never starts a wait that would end past the deadline, and a request is not
  started once the deadline has passed;
- a scope nested in another one with an earlier deadline keeps the earlier one.

A cancellation from outside always stays a ``CancelledError`` (aiohttp's timer tells its
own expiry from a caller's cancel on Python 3.11+).

Secrets
-------
The client secret, the access tokens and the RSA token signature are kept in
:class:`~pivot_async._config.Secret` (masked ``repr``) until a middleware writes them into the
request's headers, so no frame on a failing call's traceback holds them in a plain local.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from aiohttp.payload import BytesPayload
from yarl import URL

from ._errors import ResponseTooLargeError, ResponseValidationError

if TYPE_CHECKING:
    from ._config import Secret

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MaskedBody",
    "SecretHeaderMiddleware",
    "SignedHeadersMiddleware",
    "check_token",
    "clear_deadline",
    "deadline",
    "read_body",
    "remaining",
]

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "pivot_async_deadline", default=None
)


def remaining() -> float | None:
    """Seconds left before the current call's deadline (None outside any call)."""
    when = _deadline.get()
    if when is None:
        return None
    return when - asyncio.get_running_loop().time()


def clear_deadline() -> None:
    """Forget the deadline in the current context (a shared fetch's own task calls this)."""
    _deadline.set(None)


class deadline:
    """Publish the deadline ``total`` seconds from now (loop time) for the enclosed block; an
    enclosing scope's earlier deadline is kept. ``with deadline(total) as when:``.

    No timer of its own: each request sent inside is bounded by what is left (aiohttp's
    ``total``; see the module docs), and no wait is started that would end past it.
    """

    __slots__ = ("_token", "when")

    def __init__(self, total: float) -> None:
        when = asyncio.get_running_loop().time() + total
        outer = _deadline.get()
        self.when = outer if outer is not None and outer < when else when

    def __enter__(self) -> float:
        self._token = _deadline.set(self.when)
        return self.when

    def __exit__(self, *exc: object) -> None:
        _deadline.reset(self._token)


async def read_body(
    resp: ClientResponse, limit: int, *, request_id: str | None = None
) -> bytes:
    """The response body, refused with :class:`ResponseTooLargeError` past ``limit`` bytes.

    A ``Content-Length`` over the cap is refused before reading, one within it (of a body
    not compressed) is read whole; any other body is read in chunks and the connection closed
    as soon as the cap is passed (decompressed size counted), so an oversize body is never
    held whole in memory. The body is cached on the response (a second call, e.g. after
    a middleware peeked at a 401, returns it).
    """
    if resp._body is not None:
        return resp._body
    length = resp.content_length
    if length is not None:
        if length > limit:
            resp.close()
            raise _too_large(resp, limit, request_id)
        if "Content-Encoding" not in resp.headers:
            # Framed by its Content-Length (within the cap) and not decompressed into more:
            # read whole (one read instead of a chunk loop: ~5 us less a response).
            return await resp.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            resp.close()
            raise _too_large(resp, limit, request_id)
        chunks.append(chunk)
    body = b"".join(chunks)
    resp._body = body
    return body


def _too_large(resp: ClientResponse, limit: int, request_id: str | None) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{resp.method} {resp.url.path}: response body exceeds max_response_bytes={limit}",
        limit=limit, status=resp.status, request_id=request_id,
    )


#: RFC 6750 ``b64token`` is narrower; any visible ASCII is accepted, nothing else.
_TOKEN_RE = re.compile(r"[\x21-\x7e]+")


def check_token(value: object, path: str, what: str) -> None:
    """Raise :class:`ResponseValidationError` unless ``value`` is a non-empty string of
    visible ASCII characters (a token that can go into an HTTP header as is)."""
    if not isinstance(value, str) or not value:
        raise ResponseValidationError(f"{what} response has no {path.rsplit('.', 1)[-1]}",
                                      path=path)
    if not _TOKEN_RE.fullmatch(value):
        raise ResponseValidationError(
            f"{what} response: {path} contains control, space or non-ASCII characters "
            "and cannot be sent in a header", path=path,
        )


class MaskedBody(BytesPayload):
    """A request body that carries a secret (a refresh token): its ``repr`` is masked."""

    def __repr__(self) -> str:
        return "<MaskedBody ***>"


def _same_origin(url: URL, origin: URL) -> bool:
    return (url.scheme, url.host, url.port) == (origin.scheme, origin.host, origin.port)


class SecretHeaderMiddleware:
    """Writes a :class:`Secret` into one header, for the configured origin only."""

    def __init__(self, name: str, secret: Secret, origin: URL) -> None:
        self._name = name
        self._secret = secret
        self._origin = origin

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if _same_origin(req.url, self._origin):
            req.headers[self._name] = self._secret.get()
        return await handler(req)


class SignedHeadersMiddleware:
    """Adds headers computed per attempt (the wallet token request's X-TIMESTAMP and RSA
    X-SIGNATURE), for the configured origin only; a retry gets a fresh timestamp."""

    def __init__(
        self, make: Callable[[], Awaitable[dict[str, str]]], origin: URL
    ) -> None:
        self._make = make
        self._origin = origin

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if _same_origin(req.url, self._origin):
            req.headers.update(await self._make())
        return await handler(req)
