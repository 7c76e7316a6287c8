"""Transport helpers shared by the request paths: the call deadline, capped body reads,
token checks and the middlewares that put secrets on the wire at the last moment.

The deadline
------------
``Timeout.total`` bounds one *logical* call: every attempt, backoff sleep, Retry-After wait,
token fetch and (for a wallet debit) the status resolution. :func:`deadline` opens the scope:
it enforces the deadline with :func:`asyncio.timeout_at` and publishes it in a context
variable, so that the retry middleware never starts a wait that would end past it and each
attempt's aiohttp timeout is cut to what is left. A scope nested in another one with an
earlier deadline keeps the earlier one. A deadline that passes raises
:class:`~pivot_async.PivotTimeoutError`; a cancellation from outside always stays a
``CancelledError`` (``asyncio.timeout`` tells its own expiry from a caller's cancel).

Secrets
-------
The client secret, the access tokens and the RSA token signature are kept in
:class:`~pivot_async._config.Secret` (masked ``repr``) until a middleware writes them into the
request's headers, so no frame on a failing call's traceback holds them in a plain local.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from aiohttp.payload import BytesPayload
from yarl import URL

from ._errors import PivotTimeoutError, ResponseTooLargeError, ResponseValidationError

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


class _Scope:
    """``asyncio.timeout_at`` for Python 3.10 (which has none); 3.11+ use the real one.

    On 3.10 a task cannot tell a cancel from outside from the scope's own, so a caller's
    cancel that lands in the same loop iteration as the deadline may surface as the timeout.
    """

    def __init__(self, when: float) -> None:
        self._when = when
        self._fired = False
        self._handle: asyncio.TimerHandle | None = None

    def expired(self) -> bool:
        return self._fired

    def _fire(self, task: asyncio.Task[object]) -> None:
        self._fired = True
        task.cancel()

    async def __aenter__(self) -> _Scope:
        task = asyncio.current_task()
        assert task is not None
        self._handle = asyncio.get_running_loop().call_at(self._when, self._fire, task)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._fired and exc_type is asyncio.CancelledError:
            raise TimeoutError


@contextlib.asynccontextmanager
async def deadline(
    total: float, what: str, *, request_id: str | None = None
) -> AsyncIterator[None]:
    """Bound the enclosed block by ``total`` seconds from now (see the module docs)."""
    loop = asyncio.get_running_loop()
    when = loop.time() + total
    outer = _deadline.get()
    if outer is not None and outer <= when:
        yield  # the enclosing call's deadline is earlier and already enforced
        return
    token = _deadline.set(when)
    scope: Any
    if sys.version_info >= (3, 11):
        scope = asyncio.timeout_at(when)
    else:
        scope = _Scope(when)
    try:
        async with scope:
            yield
    except TimeoutError as exc:
        if not scope.expired():
            raise
        raise PivotTimeoutError(
            f"{what} did not finish within its deadline (timeout.total={total:g}s)",
            request_id=request_id,
        ) from exc
    finally:
        _deadline.reset(token)


async def read_body(
    resp: ClientResponse, limit: int, *, request_id: str | None = None
) -> bytes:
    """The response body, refused with :class:`ResponseTooLargeError` past ``limit`` bytes.

    A ``Content-Length`` over the cap is refused before reading; otherwise the body is read
    in chunks and the connection closed as soon as the cap is passed, so an oversize body is
    never held whole in memory. The body is cached on the response (a second call, e.g. after
    a middleware peeked at a 401, returns it).
    """
    if resp._body is not None:
        return resp._body
    length = resp.content_length
    if length is not None and length > limit:
        resp.close()
        raise _too_large(resp, limit, request_id)
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
