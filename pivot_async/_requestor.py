"""The one request path: ``Requestor.request(protocol, method, path, cast_to, ...)``.

Every call goes through it: Payments resources, the wallet, and the token managers of both.
What differs between the two APIs is data, a :class:`Protocol`:

==================  ==========================================  ==============================
                    Payments                                    SNAP (wallet)
==================  ==========================================  ==============================
static headers      Accept                                      Accept, X-PARTNER-ID,
                                                                CHANNEL-ID
per-call headers    X-REQUEST-ID (minted or the caller's key)   none
chain, per attempt  retry ─► Bearer token ─► log                retry ─► B2B (+ B2B2C) tokens
                    (log: with DEBUG logging on only)           ─► X-EXTERNAL-ID, X-TIMESTAMP,
                                                                HMAC-SHA512 ─► log
reading the answer  :func:`read_envelope` (status, then         :func:`read_snap` (status and
                    ``Envelope[T]``; payments error factory)    ``responseCode``; SNAP error
                                                                factory), one decode
==================  ==========================================  ==============================

Token requests use protocols of their own (their chain: retry ─► secret or RSA signature ─►
log), so a token fetch never runs through an auth layer that would need a token.

A call: per-call options are merged once (headers, idempotency key, timeout, retries), the
body is encoded once, the deadline is published (:class:`~pivot_async._transport.deadline`;
aiohttp's timer, set to what is left of it, enforces it), the chain runs (its retries
included), the body is read (capped), and the protocol's reader turns status and bytes into
the result or the complete error.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import msgspec
from aiohttp.payload import Payload
from yarl import URL

from . import _codec
from ._config import Secret, Timeout
from ._error_factory import make_api_error, make_snap_error, snap_code_parts, snap_response_code
from ._errors import (
    APIError,
    ConfigurationError,
    PivotConnectionError,
    PivotError,
    PivotTimeoutError,
    ResponseValidationError,
)
from ._middlewares import (
    REQUEST_ID_HEADER,
    LoggingMiddleware,
    RetryMiddleware,
    SafePredicate,
    logger,
    new_request_id,
    requires_request_id,
    validate_request_id,
)
from ._options import RequestOptions
from ._rate_limit import RateLimiter, RateLimitMiddleware
from ._raw import EXTERNAL_ID_HEADER, Capture, capture_var
from ._retry import RetryPolicy, parse_retry_after
from ._transport import deadline, read_body
from .models import Envelope

__all__ = ["Protocol", "Reader", "Requestor", "read_envelope", "read_snap", "snap_error"]

T = TypeVar("T")

#: ``reader(status, body, response headers, cast_to, request id)`` -> the result, or raises.
Reader = Callable[[int, bytes, Mapping[str, str], Any, "str | None"], Any]

_NO_OPTIONS = RequestOptions()
#: Seconds of deadline below which nothing more is sent (a request could not even start).
_NOTHING_LEFT = 0.001
#: aiohttp rounds a ``total`` of 5 s or more up to a whole second: the deadline is exact.
_EXACT = float("inf")
#: Paths whose URL :meth:`Requestor.url` keeps (then it starts over: ids in paths vary).
_URL_CACHE = 256


@dataclass(frozen=True, eq=False)
class Protocol:
    """How one API is spoken: headers, the per-attempt chain, how an answer is read.

    Built by :meth:`Requestor.protocol`, which puts the retry layer (``retry_safe`` decides
    what may be re-sent) in front of ``layers``. ``request_ids``: calls carry X-REQUEST-ID.
    ``quiet_layers``: ``layers`` without the wire log, the chain sent while DEBUG logging is
    off (aiohttp builds the chain anew for every request: a layer with nothing to do costs).
    """

    name: str
    headers: Mapping[str, str]
    read: Reader
    retry_safe: SafePredicate
    layers: tuple[Any, ...]
    chain: tuple[Any, ...]
    request_ids: bool = False
    quiet_layers: tuple[Any, ...] = ()
    quiet_chain: tuple[Any, ...] = ()


class Requestor:
    """Sends calls for every resource and token manager of one client (see the module docs).

    ``session`` returns the client's HTTP session (raising once the client is closed).
    """

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        base_url: URL,
        *,
        timeout: Timeout,
        retry_policy: RetryPolicy,
        max_response_bytes: int,
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random | None,
        proxy: URL | None = None,
        proxy_auth: Secret | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self._session = session
        #: Consulted before each attempt of every protocol (inside the retry layer).
        self._limit = () if rate_limiter is None else (RateLimitMiddleware(rate_limiter),)
        #: The proxy (no userinfo); its ``Proxy-Authorization`` value stays in a Secret.
        self.proxy = proxy
        self._proxy_auth = proxy_auth
        self.base_url = base_url
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._rng = rng
        self._prefix = base_url.path.rstrip("/")
        self._urls: dict[str, URL] = {}
        #: Set by :func:`pivot_async.otel.instrument`: ``call(requestor, protocol, method,
        #: path, cast_to, body=, params=, options=)`` wraps each call (its span) and sends it
        #: with ``attempt_layer`` (the innermost middleware). None: no tracing, no cost.
        self.instrumentation: Any = None

    def protocol(
        self,
        name: str,
        *,
        headers: Mapping[str, str],
        read: Reader,
        retry_safe: SafePredicate,
        layers: tuple[Any, ...],
        request_ids: bool = False,
    ) -> Protocol:
        """A :class:`Protocol` whose chain is the retry layer followed by ``layers``, with the
        rate limit (if any) after the layers that fetch tokens (an attempt takes its slot
        once it has its token, then is sent at once) and before signing and logging."""
        at = max((i + 1 for i, layer in enumerate(layers)
                  if getattr(layer, "fetches_tokens", False)), default=0)
        layers = (*layers[:at], *self._limit, *layers[at:])
        retry = self._retry(self.retry_policy, retry_safe)
        quiet = tuple(layer for layer in layers if not isinstance(layer, LoggingMiddleware))
        return Protocol(name, dict(headers), read, retry_safe, layers, (retry, *layers),
                        request_ids, quiet, (retry, *quiet))

    def _retry(self, policy: RetryPolicy, retry_safe: SafePredicate) -> RetryMiddleware:
        return RetryMiddleware(policy, sleep=self._sleep, rng=self._rng, is_safe=retry_safe)

    def url(self, path: str) -> URL:
        """The absolute URL of ``path`` on the client's gateway (URLs of recent paths are
        kept: yarl quotes and normalises a path on every build, ~3 us for a wallet path)."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE:
                self._urls.clear()
            url = self._urls[path] = self.base_url.with_path(self._prefix + path, encoded=False)
        return url

    async def request(
        self,
        protocol: Protocol,
        method: str,
        path: str,
        cast_to: Any,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        options: RequestOptions | None = None,
        attempt_layer: Any = None,
    ) -> Any:
        """Send one logical call and return what ``protocol.read`` makes of the answer.

        ``body`` (a Struct or plain data) is encoded exactly once and those bytes are sent on
        every attempt; an aiohttp ``Payload`` (a token body with a masked repr) is sent as is.
        ``Timeout.total`` is the deadline of the whole call (attempts, backoff sleeps,
        Retry-After waits, a token fetch): see :class:`~pivot_async._transport.deadline`.
        ``attempt_layer``: a middleware run innermost, on each request sent (tracing).
        """
        if self.instrumentation is not None and attempt_layer is None:
            return await self.instrumentation.call(
                self, protocol, method, path, cast_to, body=body, params=params, options=options
            )
        session = self._session()
        opts = options or _NO_OPTIONS
        headers = dict(protocol.headers)
        data: bytes | Payload | None = None
        if body is not None:
            data = body if isinstance(body, Payload) else _codec.encode(body)
            headers["Content-Type"] = "application/json"
        if opts.headers:
            headers.update(opts.headers)
        if protocol.request_ids:
            if opts.idempotency_key is not None:
                headers[REQUEST_ID_HEADER] = validate_request_id(opts.idempotency_key)
            elif requires_request_id(method, path):
                # Minted once per logical call, before the chain: every retry and the 401
                # replay reuse the request's headers, and an ambiguous failure names the key.
                headers[REQUEST_ID_HEADER] = new_request_id()
        verbose = logger.isEnabledFor(logging.DEBUG)  # else the wire log has nothing to do
        chain = protocol.chain if verbose else protocol.quiet_chain
        if opts.max_retries is not None and opts.max_retries != self.retry_policy.max_retries:
            try:
                policy = RetryPolicy(
                    max_retries=opts.max_retries,
                    base_delay=self.retry_policy.base_delay,
                    max_delay=self.retry_policy.max_delay,
                    max_retry_after=self.retry_policy.max_retry_after,
                )
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
            chain = (self._retry(policy, protocol.retry_safe),
                     *(protocol.layers if verbose else protocol.quiet_layers))
        if attempt_layer is not None:
            chain = (*chain, attempt_layer)
        user_layers = session._middlewares
        if user_layers:
            # The session's own middlewares (aiohttp replaces them by a per-request chain):
            # innermost, so they see every attempt as sent. See docs/guides/configuration.md.
            chain = (*chain, *user_layers)
        timeout = Timeout.coerce(opts.timeout) if opts.timeout is not None else self.timeout
        request_id = headers.get(REQUEST_ID_HEADER)
        capture = capture_var.get()
        try:
            with deadline(timeout.total) as when:
                status, raw, resp_headers = await self._send(
                    session, method, self.url(path), data=data, headers=headers,
                    middlewares=chain, timeout=timeout, when=when, params=params,
                    request_id=request_id, capture=capture,
                )
        except (PivotConnectionError, ResponseValidationError) as exc:
            if request_id is None or exc.request_id == request_id:
                raise
            # A failure shared with other calls (the token fetch): this call's own error,
            # naming its key, built new rather than written onto the shared one.
            raise exc.for_request(request_id) from exc
        result = protocol.read(status, raw, resp_headers, cast_to, request_id)
        if capture is not None:  # a with_raw_response call: the answer it was read from
            capture.record(status, resp_headers, request_id or capture.answered_id, result)
        return result

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        *,
        data: bytes | Payload | None,
        headers: dict[str, str],
        middlewares: tuple[Any, ...],
        timeout: Timeout,
        when: float,
        params: Mapping[str, str] | None = None,
        request_id: str | None = None,
        capture: Capture | None = None,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Run the chain once (its retries included) and read the body (capped).

        ``when`` is the call's deadline (loop time): aiohttp's ``total`` is what is left of
        it, and aiohttp's timer covers the chain (attempts, backoff, token and rate-limit
        waits) and the body read, so it is the deadline's enforcement (no second timer).
        Errors are built complete: a timeout or connection failure carries ``request_id``
        (the X-REQUEST-ID of a state-changing call), so the caller can resolve the outcome.
        """
        loop = asyncio.get_running_loop()
        left = when - loop.time()
        if left <= _NOTHING_LEFT:
            raise PivotTimeoutError(
                f"{method} {url.path}: the call's deadline passed before it was sent "
                f"(timeout.total={timeout.total:g}s)", request_id=request_id,
            )
        # The deadline's timer bounds a stalled read. A read limit (none by default) is
        # armed only if it can end first: aiohttp re-arms it on every read.
        read = timeout.read
        attempt_timeout = aiohttp.ClientTimeout(
            total=left, sock_connect=timeout.connect,
            sock_read=read if read is not None and read < left else None,
            ceil_threshold=_EXACT,
        )
        proxy_headers: dict[str, str] | None = None
        if self._proxy_auth is not None:
            # https: on the proxy's CONNECT; http (loopback only): on the request the proxy
            # relays (aiohttp reads ``proxy_headers`` for a CONNECT only).
            if url.scheme == "https":
                proxy_headers = {"Proxy-Authorization": self._proxy_auth.get()}
            else:
                headers = {**headers, "Proxy-Authorization": self._proxy_auth.get()}
        refused: str | None = None
        try:
            async with session.request(
                method, url, data=data, headers=headers, params=params,
                timeout=attempt_timeout, allow_redirects=False, middlewares=middlewares,
                proxy=self.proxy, proxy_headers=proxy_headers,
            ) as resp:
                raw = await read_body(resp, self.max_response_bytes, request_id=request_id)
                if capture is not None:
                    capture.answered_id = resp.request_info.headers.get(EXTERNAL_ID_HEADER)
                return resp.status, raw, resp.headers
        except PivotError:
            raise
        except aiohttp.ClientHttpProxyError as exc:
            # Its request_info holds the Proxy-Authorization sent: neither chained nor kept.
            refused = f"{exc.status} {exc.message}"
        except asyncio.TimeoutError as exc:
            if when - loop.time() <= _NOTHING_LEFT:
                raise PivotTimeoutError(
                    f"{method} {url.path} did not finish within its deadline "
                    f"(timeout.total={timeout.total:g}s)", request_id=request_id,
                ) from exc
            raise PivotTimeoutError(
                f"{method} {url.path} timed out (timeout={timeout})", request_id=request_id,
            ) from exc
        except aiohttp.ClientError as exc:
            raise PivotConnectionError(
                f"{method} {url.path} failed: {type(exc).__name__}: {exc}",
                request_id=request_id,
            ) from exc
        raise PivotConnectionError(
            f"{method} {url.path} failed: the proxy refused the tunnel ({refused})",
            request_id=request_id,
        )


# -- readers ---------------------------------------------------------------------------------


def read_envelope(
    status: int, raw: bytes, headers: Mapping[str, str], cast_to: Any, request_id: str | None
) -> Envelope[Any]:
    """Payments: a non-2xx status is the error of :func:`make_api_error`; a 2xx body is an
    ``Envelope[cast_to]``. A state-changing call (it has a request id) answered without its
    object is a :class:`ResponseValidationError` naming the key: its effect is unknown."""
    if not 200 <= status < 300:
        raise make_api_error(
            status, raw, request_id=request_id,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    envelope: Envelope[Any] = _codec.decode(
        raw, Envelope[cast_to], status=status, request_id=request_id
    )
    if envelope.data is None and request_id is not None:
        raise ResponseValidationError(
            "response envelope has no data", path="$.data", status=status,
            request_id=request_id,
        )
    return envelope


def snap_error(status: int, raw: bytes, headers: Mapping[str, str]) -> APIError | None:
    """The SNAP error of an answer, or None when both the HTTP status and the body's
    ``responseCode`` (when it has one) say success."""
    parts = snap_code_parts(snap_response_code(raw))
    http_ok = 200 <= status < 300
    if http_ok and (parts is None or 200 <= parts[0] < 300):
        return None
    return make_snap_error(
        parts[0] if parts and http_ok else status, raw,
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )


def read_snap(
    status: int, raw: bytes, headers: Mapping[str, str], cast_to: Any, request_id: str | None
) -> Any:
    """SNAP: the body decoded once into ``cast_to`` (a wallet response model), unless the
    HTTP status or its ``responseCode`` says failure (then the error of
    :func:`make_snap_error`). A 2xx body that does not decode is read for a ``responseCode``
    (an error of another shape), else it is the :class:`ResponseValidationError`."""
    if 200 <= status < 300:
        try:
            result = _codec.decoder_for(cast_to).decode(raw)
        except (msgspec.DecodeError, RecursionError):  # DecodeError: also ValidationError
            pass
        else:
            code = getattr(result, "response_code", None)
            parts = snap_code_parts(code) if isinstance(code, str) else None
            if parts is None or 200 <= parts[0] < 300:
                return result
            raise make_snap_error(
                parts[0], raw, retry_after=parse_retry_after(headers.get("Retry-After"))
            )
    error = snap_error(status, raw, headers)
    if error is not None:
        raise error
    return _codec.decode(raw, cast_to, status=status, request_id=request_id)
