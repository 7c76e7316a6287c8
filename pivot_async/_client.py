"""PivotClient: configuration, lifecycle, the middleware chains and the one request path."""

from __future__ import annotations

import asyncio
import datetime
import random
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import msgspec
from yarl import URL

from . import _codec
from ._auth import FetchedToken, TokenCache
from ._config import (
    Environment,
    Secret,
    Timeout,
    kwargs_from_env,
    read_env,
    resolve_base_url,
)
from ._error_factory import make_api_error
from ._errors import (
    ClientClosedError,
    ConfigurationError,
    PivotConnectionError,
    PivotError,
    PivotTimeoutError,
    ResponseValidationError,
)
from ._middlewares import (
    REQUEST_ID_HEADER,
    BearerAuthMiddleware,
    LoggingMiddleware,
    RetryMiddleware,
    always_safe,
    new_request_id,
    requires_request_id,
    validate_request_id,
)
from ._options import RequestOptions
from ._retry import RetryPolicy, parse_retry_after
from ._transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    SecretHeaderMiddleware,
    check_token,
    deadline,
    read_body,
    remaining,
)
from ._wallet import WalletCredentials
from .models import AccessToken, Envelope
from .resources.cards import Cards
from .resources.charges import Charges
from .resources.configs import PaymentMethodConfigs
from .resources.customers import Customers
from .resources.payments import Payments
from .resources.refunds import Refunds
from .resources.simulations import Simulations
from .resources.wallet import Wallet

__all__ = ["PivotClient", "RequestOptions"]

T = TypeVar("T")

_USER_AGENT = "pivot-async/0.1.0"
ACCESS_TOKEN_PATH = "/v1/access-token"  # noqa: S105 - a path, not a secret
_DEFAULT_TOKEN_LIFETIME = 900.0


class PivotClient:
    """The asyncio client for the Pivot Payment gateway.

    Use it as an async context manager::

        async with PivotClient(client_id, client_secret) as client:
            session = await client.payments.create({...})

    ``environment`` selects the gateway (``"sandbox"`` by default); ``base_url`` overrides it
    (for example the embedded sandbox's URL). A caller-supplied ``session`` is used as is and
    never closed by the client. ``timeout`` is a :class:`Timeout` or a total in seconds; its
    ``total`` is the deadline of one logical call (attempts, backoff, token fetch);
    ``max_retries`` bounds retries of retry-safe requests (default 2). ``wallet`` holds the
    Pivot Pay (SNAP) credentials used by ``client.wallet``. ``max_response_bytes`` caps a
    response body (default 10 MB): a larger one raises :class:`ResponseTooLargeError`
    without being read whole.

    For tests: ``sleep`` replaces ``asyncio.sleep`` in retry backoff, ``rng`` the jitter source,
    and ``wall_clock`` (returning an aware datetime) the time used for SNAP timestamps, so a
    client can follow a sandbox on a manual clock.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        environment: Environment = "sandbox",
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int = 2,
        wallet: WalletCredentials | None = None,
        connection_limit: int = 100,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rng: random.Random | None = None,
        wall_clock: Callable[[], datetime.datetime] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        # Wrapped before anything can fail: no frame of a failing construction holds it.
        secret = client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        del client_secret
        if not isinstance(client_id, str) or not client_id:
            raise ConfigurationError("client_id is required (PIVOT_CLIENT_ID)")
        if not isinstance(secret.get(), str) or not secret:
            raise ConfigurationError("client_secret is required (PIVOT_CLIENT_SECRET)")
        if isinstance(connection_limit, bool) or not isinstance(connection_limit, int) or (
            connection_limit < 1
        ):
            raise ConfigurationError("connection_limit must be a positive int")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or (
            max_response_bytes < 1
        ):
            raise ConfigurationError("max_response_bytes must be a positive int")
        self.max_response_bytes = max_response_bytes
        self.client_id = client_id
        self._client_secret = secret
        self.environment: Environment = environment
        self.base_url: URL = resolve_base_url(environment, base_url)
        self.timeout = Timeout.coerce(timeout)
        try:
            self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if wallet is not None and not isinstance(wallet, WalletCredentials):
            raise ConfigurationError("wallet must be a WalletCredentials")
        self.wallet_credentials = wallet
        self._connection_limit = connection_limit
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._sleep = sleep or asyncio.sleep
        self._rng = rng
        self._wall_clock = wall_clock
        self._tokens = TokenCache(self._fetch_access_token)
        self._chain = self._build_chain(self.retry_policy)
        self._token_chain = (
            RetryMiddleware(self.retry_policy, sleep=self._sleep, rng=rng, is_safe=always_safe),
            LoggingMiddleware(),
        )
        # The client secret reaches the request's headers only inside this middleware.
        self._access_token_chain = (
            self._token_chain[0],
            SecretHeaderMiddleware("X-MERCHANT-SECRET", self._client_secret, self.base_url),
            self._token_chain[1],
        )
        self._init_resources()

    def _init_resources(self) -> None:
        self.payments = Payments(self)
        self.charges = Charges(self)
        self.refunds = Refunds(self)
        self.customers = Customers(self)
        self.payment_method_configs = PaymentMethodConfigs(self)
        self.simulations = Simulations(self)
        self.cards = Cards(self)
        self.wallet = Wallet(self)

    def _build_chain(self, policy: RetryPolicy) -> tuple[Any, ...]:
        return (
            RetryMiddleware(policy, sleep=self._sleep, rng=self._rng),
            BearerAuthMiddleware(self._tokens, self.base_url),
            LoggingMiddleware(),
        )

    # -- construction from the environment -------------------------------------------------

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> PivotClient:
        """A client configured from environment variables (see ``pivot_async.ENV_VARS``).

        ``PIVOT_CLIENT_ID`` and ``PIVOT_CLIENT_SECRET`` are required; ``PIVOT_ENVIRONMENT``,
        ``PIVOT_BASE_URL``, ``PIVOT_TIMEOUT`` and ``PIVOT_MAX_RETRIES`` are optional. Keyword
        arguments override what the environment says.
        """
        # Read (and wrap the secrets) first, then drop the caller's mapping: no frame of a
        # failing construction below holds the caller's secrets in clear.
        values = read_env(env)
        del env
        kwargs = kwargs_from_env(values, overrides, WalletCredentials)
        kwargs.update(overrides)
        return cls(**kwargs)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` was called."""
        return self._closed

    async def __aenter__(self) -> PivotClient:
        self._ensure_open()
        self._get_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client (and the HTTP session, if the client created it). Idempotent."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    def _ensure_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this PivotClient is closed; create a new one")

    def _get_session(self) -> aiohttp.ClientSession:
        self._ensure_open()
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connection_limit)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout.to_aiohttp(),
                headers={"User-Agent": _USER_AGENT},
                raise_for_status=False,
            )
        return self._session

    def __repr__(self) -> str:
        # getattr: safe on a client whose construction failed (captured-locals tracebacks)
        if not hasattr(self, "_closed"):
            return "<PivotClient (not constructed)>"
        state = "closed" if self._closed else "open"
        return (
            f"<PivotClient {state} environment={self.environment!r} base_url="
            f"'{self.base_url}' client_id={self.client_id!r}>"
        )

    # -- access token ------------------------------------------------------------------------

    async def _fetch_access_token(self) -> FetchedToken:
        """One token request, bounded by the client's ``timeout.total``.

        The client secret is added by a middleware and the token is wrapped in a
        :class:`Secret` as soon as it is decoded: neither sits in a plain local here.
        """
        session = self._get_session()
        headers = {
            "X-MERCHANT-ID": self.client_id,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        async with deadline(self.timeout.total, "POST " + ACCESS_TOKEN_PATH):
            status, raw, resp_headers, _ = await self._send(
                session, "POST", self._url(ACCESS_TOKEN_PATH),
                data=b'{"grantType":"client_credentials"}', headers=headers,
                middlewares=self._access_token_chain, timeout=self.timeout,
            )
        if not 200 <= status < 300:
            raise make_api_error(
                status, raw, retry_after=parse_retry_after(resp_headers.get("Retry-After"))
            )
        return _access_token(raw, status)

    # -- the one request path ----------------------------------------------------------------

    def _url(self, path: str) -> URL:
        return self.base_url.with_path(self.base_url.path.rstrip("/") + path, encoded=False)

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        *,
        data: bytes | aiohttp.payload.Payload | None,
        headers: dict[str, str],
        middlewares: tuple[Any, ...],
        timeout: Timeout,
        params: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> tuple[int, bytes, Mapping[str, str], str | None]:
        """Run the chain once (its retries included) and read the body (capped).

        Errors are built complete: a timeout or connection failure carries ``request_id``
        (the X-REQUEST-ID of a state-changing call), so the caller can resolve the outcome.
        Each attempt's aiohttp ``total`` is cut to what is left of the call's deadline.
        """
        left = remaining()
        attempt_timeout = timeout.to_aiohttp()
        if left is not None:
            if left <= 0:
                raise PivotTimeoutError(
                    f"{method} {url.path}: the call's deadline passed before it was sent "
                    f"(timeout.total={timeout.total:g}s)", request_id=request_id,
                )
            attempt_timeout = aiohttp.ClientTimeout(
                total=min(timeout.total, left), sock_connect=timeout.connect,
                sock_read=timeout.read,
            )
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                params=params,
                timeout=attempt_timeout,
                allow_redirects=False,
                middlewares=middlewares,
            ) as resp:
                raw = await read_body(resp, self.max_response_bytes, request_id=request_id)
                return resp.status, raw, resp.headers, request_id
        except PivotError:
            raise
        except asyncio.TimeoutError as exc:
            raise PivotTimeoutError(
                f"{method} {url.path} timed out (timeout={timeout})", request_id=request_id,
            ) from exc
        except aiohttp.ClientError as exc:
            raise PivotConnectionError(
                f"{method} {url.path} failed: {type(exc).__name__}: {exc}",
                request_id=request_id,
            ) from exc

    async def _request(
        self,
        method: str,
        path: str,
        cast_to: type[T],
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        options: RequestOptions | None = None,
    ) -> Envelope[T]:
        """Send one logical call and decode its envelope into ``Envelope[cast_to]``.

        ``body`` (a Struct or plain data) is encoded exactly once; those bytes are sent on
        every attempt. Errors become exceptions from :func:`make_api_error`.
        """
        session = self._get_session()
        opts = options or RequestOptions()
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if body is not None:
            data = _codec.encode(body)
            headers["Content-Type"] = "application/json"
        if opts.headers:
            headers.update(opts.headers)
        if opts.idempotency_key is not None:
            headers[REQUEST_ID_HEADER] = validate_request_id(opts.idempotency_key)
        elif requires_request_id(method, path):
            # Minted once per logical call, before the chain: every retry and the 401 replay
            # reuse the request's headers, and an ambiguous failure can name the key.
            headers[REQUEST_ID_HEADER] = new_request_id()
        chain = self._chain
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
            chain = self._build_chain(policy)
        timeout = Timeout.coerce(opts.timeout) if opts.timeout is not None else self.timeout
        request_id = headers.get(REQUEST_ID_HEADER)
        # Timeout.total is the deadline of the whole logical call (attempts, backoff sleeps,
        # Retry-After waits, the token fetch): see _transport.deadline.
        try:
            async with deadline(timeout.total, f"{method} {path}", request_id=request_id):
                status, raw, resp_headers, _ = await self._send(
                    session, method, self._url(path), data=data, headers=headers,
                    middlewares=chain, timeout=timeout, params=params, request_id=request_id,
                )
        except (PivotConnectionError, ResponseValidationError) as exc:
            if request_id is None or exc.request_id == request_id:
                raise
            # A failure shared with other calls (the token fetch): this call's own error,
            # naming its key, built new rather than written onto the shared one.
            raise exc.for_request(request_id) from exc
        if not 200 <= status < 300:
            raise make_api_error(
                status, raw, request_id=request_id,
                retry_after=parse_retry_after(resp_headers.get("Retry-After")),
            )
        envelope: Envelope[T] = _decode_envelope(raw, cast_to, status, request_id)
        if envelope.data is None and request_id is not None:
            # A state-changing call answered 2xx without its object: whether it took effect
            # is unknown, so the error names the key that resolves it.
            raise ResponseValidationError(
                "response envelope has no data", path="$.data", status=status,
                request_id=request_id,
            )
        return envelope


#: ``cast_to`` -> (``Envelope[cast_to]``, its decoder): subscripting the generic and hashing the
#: alias for the decoder cache cost about 2 us per response; a lookup by ``cast_to`` is ~0.1 us.
_envelope_decoders: dict[Any, tuple[Any, msgspec.json.Decoder[Any]]] = {}


def _decode_envelope(
    raw: bytes, cast_to: Any, status: int, request_id: str | None = None
) -> Any:
    """``_codec.decode(raw, Envelope[cast_to], status=status)`` with the decoder cached per type.

    A body that does not decode goes through :func:`_codec.decode` again, which raises the
    same :class:`ResponseValidationError` it always has (the failure path only).
    """
    entry = _envelope_decoders.get(cast_to)
    if entry is None:
        envelope_type: Any = Envelope[cast_to]
        entry = (envelope_type, _codec.decoder_for(envelope_type))
        _envelope_decoders[cast_to] = entry
    try:
        return entry[1].decode(raw)
    except (msgspec.DecodeError, RecursionError):  # DecodeError: also ValidationError
        return _codec.decode(raw, entry[0], status=status, request_id=request_id)


def _access_token(raw: bytes, status: int) -> FetchedToken:
    """The token and lifetime of an access-token answer; the token leaves as a Secret."""
    env = _decode_envelope(raw, AccessToken, status)
    data: AccessToken | None = env.data
    del env
    expires_in = data.expires_in if data is not None else None
    secret = Secret((data.access_token if data is not None else None) or "")
    del data
    check_token(secret.get(), "$.data.accessToken", "access-token")
    lifetime = float(expires_in) if expires_in else _DEFAULT_TOKEN_LIFETIME
    return FetchedToken(secret, lifetime)
