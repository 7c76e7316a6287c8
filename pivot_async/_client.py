"""PivotClient: configuration, lifecycle, and the protocols its one requestor speaks."""

from __future__ import annotations

import asyncio
import datetime
import random
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

import aiohttp
from yarl import URL

from ._auth import FetchedToken, TokenCache
from ._config import (
    Environment,
    Secret,
    Timeout,
    kwargs_from_env,
    read_env,
    resolve_base_url,
    resolve_proxy,
)
from ._errors import ClientClosedError, ConfigurationError
from ._middlewares import (
    BearerAuthMiddleware,
    LoggingMiddleware,
    always_safe,
    payments_retry_safe,
)
from ._options import RequestOptions
from ._rate_limit import RateLimiter
from ._raw_resources import WithRawResponse
from ._requestor import Requestor, read_envelope
from ._retry import RetryPolicy
from ._token_store import TokenStore, credential_key
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, SecretHeaderMiddleware, check_token
from ._wallet import WalletCredentials, WalletTokens
from .models import AccessToken, AccessTokenRequest
from .models.auth import DEFAULT_TOKEN_LIFETIME
from .resources.cards import Cards
from .resources.charges import Charges
from .resources.configs import PaymentMethodConfigs
from .resources.customers import Customers
from .resources.payments import Payments
from .resources.refunds import Refunds
from .resources.simulations import Simulations
from .resources.wallet import Wallet

__all__ = ["PivotClient", "RequestOptions"]

_USER_AGENT = "pivot-async/0.1.0"
ACCESS_TOKEN_PATH = "/v1/access-token"  # noqa: S105 - a path, not a secret


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

    Bring your own HTTP setup: ``session``'s own middlewares run too, innermost (after the
    client's retry, auth and signing layers: they see every attempt with its final
    headers). ``proxy`` (``"http://[user:password@]host:port"``) sends the client's requests
    through that proxy; ``trust_env=True`` lets the client's own session read
    ``HTTP(S)_PROXY``/``NO_PROXY`` and ``~/.netrc`` (aiohttp's ``trust_env``). Credentials go
    to the configured origin only, whichever way the request travels.
    ``token_store`` (a :class:`~pivot_async.TokenStore`, for example
    :class:`pivot_async.redis_store.RedisTokenStore`) shares the access and SNAP B2B tokens
    (and wallet customers' tokens, if the store seals them) with every client using the same
    store: one token request per expiry per credential across processes
    (docs/guides/scaling.md); without it each client keeps its own tokens.
    ``rate_limiter`` (a :class:`~pivot_async.RateLimiter`: :class:`~pivot_async.TokenBucket`,
    or :class:`pivot_async.redis_limiter.RedisRateLimiter` shared by every process) is waited
    on before each attempt, retries and token fetches included; a 429's Retry-After still
    applies. Default: no limit.
    :attr:`with_raw_response` returns a call's status, headers and ids with its result.

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
        proxy: str | URL | None = None,
        trust_env: bool = False,
        token_store: TokenStore | None = None,
        rate_limiter: RateLimiter | None = None,
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
        if not isinstance(trust_env, bool):
            raise ConfigurationError("trust_env must be a bool")
        if trust_env and session is not None:
            raise ConfigurationError(
                "trust_env applies to the client's own session: create your session with "
                "aiohttp.ClientSession(trust_env=True) instead"
            )
        self._proxy, proxy_auth = resolve_proxy(proxy)
        del proxy
        self._trust_env = trust_env
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
        if token_store is not None and not isinstance(token_store, TokenStore):
            raise ConfigurationError("token_store must be a TokenStore")
        self._tokens = TokenCache(
            self._fetch_access_token, store=token_store,
            key=credential_key("payments", client_id, str(self.base_url)),
        )
        if rate_limiter is not None and not isinstance(rate_limiter, RateLimiter):
            raise ConfigurationError("rate_limiter must be a RateLimiter")
        self._requestor = Requestor(
            self._get_session, self.base_url, timeout=self.timeout,
            retry_policy=self.retry_policy, max_response_bytes=max_response_bytes,
            sleep=sleep or asyncio.sleep, rng=rng, proxy=self._proxy, proxy_auth=proxy_auth,
            rate_limiter=rate_limiter,
        )
        self._payments = self._requestor.protocol(
            "payments", headers={"Accept": "application/json"}, read=read_envelope,
            retry_safe=payments_retry_safe,
            layers=(BearerAuthMiddleware(self._tokens, self.base_url), LoggingMiddleware()),
            request_ids=True,
        )
        # The client secret reaches the request's headers only inside its middleware.
        self._token_protocol = self._requestor.protocol(
            "payments-token",
            headers={"X-MERCHANT-ID": client_id, "Accept": "application/json"},
            read=read_envelope, retry_safe=always_safe,
            layers=(SecretHeaderMiddleware("X-MERCHANT-SECRET", self._client_secret,
                                           self.base_url), LoggingMiddleware()),
        )
        self._wallet_tokens = (
            WalletTokens(wallet, self._requestor, wall_clock=wall_clock, token_store=token_store)
            if wallet is not None else None
        )
        self._init_resources()
        self._with_raw_response: WithRawResponse | None = None

    def _init_resources(self) -> None:
        self.payments = Payments(self)
        self.charges = Charges(self)
        self.refunds = Refunds(self)
        self.customers = Customers(self)
        self.payment_method_configs = PaymentMethodConfigs(self)
        self.simulations = Simulations(self)
        self.cards = Cards(self)
        self.wallet = Wallet(self, self._wallet_tokens)

    @property
    def with_raw_response(self) -> WithRawResponse:
        """The client's resources, each call returning a :class:`~pivot_async.RawResponse`
        (``.parsed``, ``.status``, ``.headers``, ``.request_id``, ``.trace_id``)::

            raw = await client.with_raw_response.payments.create({...})
            print(raw.request_id, raw.parsed.status)
        """
        if self._with_raw_response is None:
            self._with_raw_response = WithRawResponse(self)
        return self._with_raw_response

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
                trust_env=self._trust_env,
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
        """One token request through the requestor (its own chain, bounded by the client's
        ``timeout.total``). The client secret is added by a middleware; the token leaves as
        a :class:`Secret`, and its lifetime is the model's (:attr:`AccessToken.lifetime`)."""
        envelope = await self._requestor.request(
            self._token_protocol, "POST", ACCESS_TOKEN_PATH, AccessToken,
            body=AccessTokenRequest(),
        )
        data: AccessToken | None = envelope.data
        del envelope
        secret = Secret((data.access_token if data is not None else None) or "")
        lifetime = data.lifetime if data is not None else DEFAULT_TOKEN_LIFETIME
        del data
        check_token(secret.get(), "$.data.accessToken", "access-token")
        return FetchedToken(secret, lifetime)
