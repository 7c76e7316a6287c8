"""Pivot Pay wallet (SNAP): credentials, the B2B token and per-customer B2B2C tokens.

The B2B token uses :class:`~pivot_async._auth.TokenCache` (single-flight, refreshed ahead of
expiry, invalidate-if-still-cached), shared through the client's ``token_store`` when there is
one (B2B2C tokens only through a store that seals them: docs/guides/scaling.md). Each bound
customer gets a :class:`WalletCustomer` handle with its own single-flight renewal (one shared
task): its access token is refreshed with the refresh token while that is alive, else
re-issued from the binding id (``authorization_code``); when both are refused the handle
raises :class:`~pivot_async.RebindRequiredError`.

Token requests go through the client's one requestor with the SNAP token protocol (no
resource in between); they are signed with SHA256withRSA over ``clientKey|X-TIMESTAMP`` per
attempt, and the RSA work (about 2 ms) runs in the default executor so the event loop never
blocks. Token answers are read through their models (:class:`B2BTokenResponse`,
:class:`B2B2CTokenResponse`), lifetimes included.

Secrets stay wrapped: the client secret and the tokens are :class:`Secret` values (a token
answer's model masks them in its repr until they are taken out), the private key an opaque
:class:`RSAPrivateKey`, a refresh token travels in a :class:`MaskedBody`; none of them is a
plain local of a frame that a failing call's traceback would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from . import _codec
from ._auth import FetchedToken, SingleFlight, TokenCache, refresh_margin
from ._config import Secret
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    RebindRequiredError,
    RequestValidationError,
    ResponseValidationError,
)
from ._middlewares import LoggingMiddleware, always_safe
from ._requestor import Protocol, Requestor, read_snap
from ._signing import (
    KeyText,
    RSAPrivateKey,
    load_private_key_secret,
    parse_snap_datetime,
    snap_timestamp,
    token_signature,
)
from ._snap_middlewares import SnapAuthMiddleware, SnapSignatureMiddleware, snap_retry_safe
from ._token_store import StoredToken, TokenStore, credential_key
from ._transport import MaskedBody, SignedHeadersMiddleware, check_token
from .models import B2B2CTokenResponse, B2BTokenResponse

__all__ = ["WalletCredentials", "WalletCustomer", "WalletTokens"]

DEFAULT_B2B_TOKEN_PATH = "/snap/v1.0/access-token/b2b"  # noqa: S105 - a path
DEFAULT_B2B2C_TOKEN_PATH = "/snap/v1.0/access-token/b2b2c"  # noqa: S105 - a path
WALLET_PREFIX = "/wallet-backend/snap/v1.0"
DEFAULT_REFRESH_LIFETIME = 86400.0  # seconds a refresh token without an expiry time is kept


class WalletCredentials:
    """Credentials of the Pivot Pay wallet (SNAP) API.

    ``client_key`` is the X-CLIENT-KEY (and, unless ``partner_id`` is given, the X-PARTNER-ID);
    ``client_secret`` is the HMAC-SHA512 key; ``private_key`` the merchant's RSA private key as
    PEM (PKCS#1 or PKCS#8; ``\\n``-escaped newlines and CRLF are tolerated) or an already loaded
    key; ``channel_id`` the CHANNEL-ID. The token paths default to those of
    docs/reference/wire.md#decision-d. The secret and
    the PEM may also be given as :class:`~pivot_async._config.Secret`; either way they are
    wrapped before anything else runs, so a failing construction's traceback never shows them.
    """

    __slots__ = (
        "b2b2c_token_path",
        "b2b_token_path",
        "channel_id",
        "client_key",
        "client_secret",
        "partner_id",
        "private_key",
    )

    def __init__(
        self,
        client_key: str,
        client_secret: str | Secret,
        private_key: str | bytes | Secret | RSAPrivateKey,
        *,
        channel_id: str,
        partner_id: str | None = None,
        b2b_token_path: str = DEFAULT_B2B_TOKEN_PATH,
        b2b2c_token_path: str = DEFAULT_B2B2C_TOKEN_PATH,
    ) -> None:
        secret = client_secret if isinstance(client_secret, Secret) else _wrap(client_secret)
        key: KeyText | Secret | RSAPrivateKey = (
            private_key if isinstance(private_key, (RSAPrivateKey, Secret))
            else KeyText(private_key)
        )
        del client_secret, private_key
        for name, value in (("client_key", client_key), ("channel_id", channel_id)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"wallet {name} is required")
        if not isinstance(secret.get(), str) or not secret:
            raise ConfigurationError("wallet client_secret is required")
        for name, path in (("b2b_token_path", b2b_token_path),
                           ("b2b2c_token_path", b2b2c_token_path)):
            if not isinstance(path, str) or not path.startswith("/") or "?" in path:
                raise ConfigurationError(f"wallet {name} must be an absolute path")
        self.client_key = client_key
        self.client_secret = secret
        self.private_key = key if isinstance(key, RSAPrivateKey) else load_private_key_secret(key)
        self.channel_id = channel_id
        self.partner_id = partner_id or client_key
        self.b2b_token_path = b2b_token_path
        self.b2b2c_token_path = b2b2c_token_path

    def __repr__(self) -> str:
        # getattr: safe on an instance whose construction failed (captured-locals tracebacks)
        return (
            f"WalletCredentials(client_key={getattr(self, 'client_key', None)!r}, "
            f"partner_id={getattr(self, 'partner_id', None)!r}, "
            f"channel_id={getattr(self, 'channel_id', None)!r}, client_secret=***, "
            "private_key=***)"
        )


def _wrap(value: Any) -> Secret:
    """``value`` as a :class:`Secret` (whatever its type: validated after wrapping)."""
    return Secret(value)


@dataclass(frozen=True)
class CustomerTokens:
    """The B2B2C tokens of one customer (kept private to its handle, wrapped as Secrets)."""

    access_token: Secret
    access_refresh_at: float  # monotonic
    refresh_token: Secret | None
    refresh_expires_at: float | None  # monotonic
    access_expires_at: float | None = None  # monotonic

    def __post_init__(self) -> None:
        for name in ("access_token", "refresh_token"):
            value: object = getattr(self, name)
            if isinstance(value, str):  # plain strings are accepted and wrapped
                object.__setattr__(self, name, Secret(value))


def _body(data: dict[str, Any]) -> MaskedBody:
    """A token request body whose repr is masked (it may carry a refresh token)."""
    return MaskedBody(_codec.encode(data), content_type="application/json")


def _checked(value: str | None, path: str, what: str) -> Secret:
    """``value`` wrapped, once checked for use in a header."""
    secret = Secret(value or "")
    check_token(secret.get(), path, what)
    return secret


class WalletTokens:
    """The wallet's token manager (B2B token, customers' B2B2C tokens) and its protocols.

    Token requests go through the client's requestor with the SNAP token protocol (retry ─►
    X-TIMESTAMP, X-CLIENT-KEY and the RSA X-SIGNATURE per attempt ─► log); wallet calls use
    :meth:`protocol` (B2B, or B2B + B2B2C for a customer).
    """

    def __init__(
        self,
        credentials: WalletCredentials,
        requestor: Requestor,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], _dt.datetime] | None = None,
        token_store: TokenStore | None = None,
    ) -> None:
        self.credentials = credentials
        self._requestor = requestor
        self._clock = clock
        self._given_wall_clock = wall_clock
        self._wall_clock = wall_clock or (lambda: _dt.datetime.now(_dt.timezone.utc))
        self.b2b = TokenCache(
            self._fetch_b2b, clock=clock, store=token_store,
            key=credential_key("snap-b2b", credentials.client_key, str(requestor.base_url)),
        )
        # Customers' tokens (refresh tokens are customer secrets) are shared only through a
        # store that seals what it stores (docs/guides/scaling.md#encryption-of-stored-tokens).
        self.customer_store: TokenStore | None = (
            token_store if getattr(token_store, "seals_values", False) else None
        )
        self._customers: dict[str, WalletCustomer] = {}
        json = {"Content-Type": "application/json", "Accept": "application/json"}
        origin = requestor.base_url
        self._token_protocol = requestor.protocol(
            "snap-token", headers=json, read=read_snap, retry_safe=always_safe,
            layers=(SignedHeadersMiddleware(self.signed_headers, origin), LoggingMiddleware()),
        )
        self._headers = {**json, "X-PARTNER-ID": credentials.partner_id,
                         "CHANNEL-ID": credentials.channel_id}
        self._b2b_protocol = self._snap_protocol(None)

    def _snap_protocol(self, customer: WalletCustomer | None) -> Protocol:
        origin = self._requestor.base_url
        return self._requestor.protocol(
            "snap", headers=self._headers, read=read_snap, retry_safe=snap_retry_safe,
            layers=(
                SnapAuthMiddleware(self.b2b, origin, customer,
                                   max_response_bytes=self._requestor.max_response_bytes),
                SnapSignatureMiddleware(self.credentials.client_secret, origin,
                                        wall_clock=self._given_wall_clock),
                LoggingMiddleware(),
            ),
        )

    def protocol(self, customer: WalletCustomer | None) -> Protocol:
        """The SNAP protocol of B2B calls (``None``) or of ``customer``'s calls."""
        if customer is None:
            return self._b2b_protocol
        if customer._protocol is None:
            customer._protocol = self._snap_protocol(customer)
        return customer._protocol

    async def signed_headers(self) -> dict[str, str]:
        """X-TIMESTAMP, X-CLIENT-KEY and the RSA X-SIGNATURE of a token request."""
        ts = snap_timestamp(self._wall_clock())
        loop = asyncio.get_running_loop()
        signature = await loop.run_in_executor(
            None, token_signature, self.credentials.private_key, self.credentials.client_key, ts
        )
        return {
            "X-TIMESTAMP": ts,
            "X-CLIENT-KEY": self.credentials.client_key,
            "X-SIGNATURE": signature,
        }

    async def _fetch_b2b(self) -> FetchedToken:
        resp: B2BTokenResponse = await self._requestor.request(
            self._token_protocol, "POST", self.credentials.b2b_token_path, B2BTokenResponse,
            body=_body({"grantType": "client_credentials", "additionalInfo": {}}),
        )
        token = _checked(resp.access_token, "$.accessToken", "B2B token")
        lifetime = resp.lifetime
        del resp
        return FetchedToken(token, lifetime)

    def customer(self, binding_id: str) -> WalletCustomer:
        """The handle of the customer whose binding id is ``binding_id`` (one per id)."""
        if not isinstance(binding_id, str) or not binding_id:
            raise RequestValidationError("bindingId", "must be a non-empty string")
        handle = self._customers.get(binding_id)
        if handle is None:
            handle = WalletCustomer(self, binding_id)
            self._customers[binding_id] = handle
        return handle

    def _deadline(self, value: Any, started_mono: float, started_wall: _dt.datetime) -> float:
        if not isinstance(value, str):
            raise ResponseValidationError("B2B2C token response has no expiry time",
                                          path="$.accessTokenExpiryTime")
        try:
            when = parse_snap_datetime(value)
        except ValueError as exc:
            raise ResponseValidationError(f"bad expiry time: {exc}",
                                          path="$.accessTokenExpiryTime") from None
        return started_mono + (when - started_wall).total_seconds()

    async def fetch_customer(
        self, binding_id: str, refresh_token: Secret | None
    ) -> CustomerTokens:
        """Request B2B2C tokens with the refresh token, or else the binding id."""
        started_mono, started_wall = self._clock(), self._wall_clock()
        if refresh_token is not None:
            body = _body({"grantType": "refresh_token", "refreshToken": refresh_token.get(),
                          "additionalInfo": {}})
        else:
            body = _body({"grantType": "authorization_code", "authCode": binding_id,
                          "additionalInfo": {}})
        resp: B2B2CTokenResponse = await self._requestor.request(
            self._token_protocol, "POST", self.credentials.b2b2c_token_path, B2B2CTokenResponse,
            body=body,
        )
        access = _checked(resp.access_token, "$.accessToken", "B2B2C token")
        expires = self._deadline(resp.access_token_expiry_time, started_mono, started_wall)
        lifetime = max(0.0, expires - started_mono)
        new_refresh: Secret | None = None
        refresh_expires: float | None = None
        if resp.refresh_token:
            new_refresh = _checked(resp.refresh_token, "$.refreshToken", "B2B2C token")
            if isinstance(resp.refresh_token_expiry_time, str):
                refresh_expires = self._deadline(resp.refresh_token_expiry_time, started_mono,
                                                 started_wall)
        del resp
        return CustomerTokens(
            access_token=access,
            access_refresh_at=expires - min(refresh_margin(lifetime), lifetime / 2),
            refresh_token=new_refresh,
            refresh_expires_at=refresh_expires,
            access_expires_at=expires,
        )


@dataclass(eq=False)
class WalletCustomer:
    """A bound wallet customer: holds its B2B2C tokens, refreshed on demand, single-flight.

    Obtain it with ``client.wallet.customer(binding_id)``. Its ``repr`` never shows tokens.
    """

    _tokens: WalletTokens = field(repr=False)
    binding_id: str
    _state: CustomerTokens | None = field(default=None, repr=False)
    _flight: SingleFlight[Secret] = field(default_factory=SingleFlight, repr=False)
    _protocol: Protocol | None = field(default=None, repr=False)
    _shared: TokenCache | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"WalletCustomer(binding_id={self.binding_id!r})"

    def _shared_cache(self) -> TokenCache | None:
        """The access token's cache in the client's token store, if customers are shared."""
        store = getattr(self._tokens, "customer_store", None)
        if store is None:
            return None
        if self._shared is None:
            creds = self._tokens.credentials
            key = credential_key("snap-b2b2c", creds.client_key,
                                 str(self._tokens._requestor.base_url), self.binding_id)
            self._shared = TokenCache(partial(self._fetch_shared, store, key + ":refresh"),
                                      clock=self._tokens._clock, store=store, key=key)
        return self._shared

    async def _fetch_shared(self, store: TokenStore, refresh_key: str) -> FetchedToken:
        """One renewal under the store's lease: with the newest refresh token any process
        stored (else this handle's own, else the binding id); the new refresh token is stored
        for the others."""
        clock, wall = self._tokens._clock, time.time
        state = self._state
        try:
            stored = await store.get(refresh_key)
        except Exception:  # the store is down: this handle's own refresh token, if any
            stored = None
        if stored is not None:
            state = CustomerTokens(
                access_token=Secret(""), access_refresh_at=float("-inf"),
                refresh_token=stored.value,
                refresh_expires_at=clock() + stored.expires_at - wall(),
            )
        started = clock()
        new = await self._renew(state)
        self._state = new
        if new.refresh_token is not None:
            left = (new.refresh_expires_at - clock() if new.refresh_expires_at is not None
                    else DEFAULT_REFRESH_LIFETIME)
            at = wall() + left
            with contextlib.suppress(Exception):  # kept locally; the next renewal retries
                await store.set(refresh_key, StoredToken(new.refresh_token, at, at))
        expires = new.access_expires_at
        lifetime = (expires - started) if expires is not None else new.access_refresh_at - started
        return FetchedToken(new.access_token, lifetime)

    def _fresh(self, state: CustomerTokens | None) -> bool:
        return state is not None and self._tokens._clock() < state.access_refresh_at

    async def access_token(self) -> str:
        """A valid customer access token (one token request for any number of callers)."""
        return (await self.access_secret()).get()

    async def access_secret(self) -> Secret:
        """:meth:`access_token` wrapped in a :class:`Secret` (what the middleware uses)."""
        shared = self._shared_cache()
        if shared is not None:
            return await shared.get()
        state = self._state
        if state is not None and self._fresh(state):
            return state.access_token
        return await self._flight.run(self._refresh)

    async def _refresh(self) -> Secret:
        """The one in-flight renewal that every caller of :meth:`access_token` awaits."""
        state = await self._renew(self._state)
        self._state = state
        return state.access_token

    async def _renew(self, state: CustomerTokens | None) -> CustomerTokens:
        now = self._tokens._clock()
        refresh = None
        if state is not None and state.refresh_token is not None and (
            state.refresh_expires_at is None or now < state.refresh_expires_at
        ):
            refresh = state.refresh_token
        if refresh is not None:
            try:
                return await self._tokens.fetch_customer(self.binding_id, refresh)
            except AuthenticationError:
                pass  # the refresh token was refused: fall back to the binding id
        try:
            return await self._tokens.fetch_customer(self.binding_id, None)
        except AuthenticationError as exc:
            raise RebindRequiredError(
                "the customer's wallet tokens were refused; the account must be bound again",
                status=exc.status, code=exc.code,
            ) from exc

    def invalidate(self, token: Secret | str) -> bool:
        """Forget the access token if it is still the current one (after a 401xx02/04)."""
        state = self._state
        if isinstance(token, str):
            token = Secret(token)
        shared = self._shared_cache()
        if shared is not None:
            return shared.invalidate(token)  # the refresh token stays (stored and local)
        if state is not None and state.access_token == token:
            # Keep the refresh token: the next call refreshes instead of re-binding.
            self._state = CustomerTokens(
                access_token=Secret(""), access_refresh_at=float("-inf"),
                refresh_token=state.refresh_token, refresh_expires_at=state.refresh_expires_at,
            )
            return True
        return False


def wallet_path(endpoint: str) -> str:
    """The full path of a wallet endpoint (docs/reference/wire.md#decision-e)."""
    return f"{WALLET_PREFIX}/{endpoint}"
