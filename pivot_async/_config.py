"""Configuration: environments, base URLs, timeouts, secrets and ``from_env``."""

from __future__ import annotations

import base64
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from yarl import URL

from ._errors import ConfigurationError

__all__ = [
    "ENV_VARS",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "Environment",
    "Secret",
    "Timeout",
    "kwargs_from_env",
    "read_env",
    "resolve_base_url",
    "resolve_proxy",
]

Environment = Literal["sandbox", "production"]

SANDBOX_BASE_URL = "https://api-stg.pivot-payment.com"
"""Base URL of Pivot's sandbox (``environment="sandbox"``, the default)."""
PRODUCTION_BASE_URL = "https://api.pivot-payment.com"
"""Base URL of Pivot's production gateway (``environment="production"``)."""

#: Environment variables read by :meth:`PivotClient.from_env`.
ENV_VARS: Mapping[str, str] = {
    "PIVOT_CLIENT_ID": "Payments API Client ID (required)",
    "PIVOT_CLIENT_SECRET": "Payments API Client Secret (required)",
    "PIVOT_ENVIRONMENT": "'sandbox' (default) or 'production'",
    "PIVOT_BASE_URL": "override the base URL (e.g. the embedded sandbox's URL)",
    "PIVOT_TIMEOUT": "total timeout of one call in seconds (default 120)",
    "PIVOT_MAX_RETRIES": "retries per call (default 2)",
    "PIVOT_WALLET_CLIENT_KEY": "wallet (SNAP) client key / X-CLIENT-KEY",
    "PIVOT_WALLET_CLIENT_SECRET": "wallet (SNAP) client secret, the HMAC key",
    "PIVOT_WALLET_PRIVATE_KEY": "wallet RSA private key, PEM (PKCS#1 or PKCS#8; \\n escapes ok)",
    "PIVOT_WALLET_PARTNER_ID": "wallet X-PARTNER-ID (defaults to the client key)",
    "PIVOT_WALLET_CHANNEL_ID": "wallet CHANNEL-ID",
}
"""Environment variables read by :meth:`PivotClient.from_env`, with their meaning."""


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The secret value."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Timeout:
    """Timeouts in seconds.

    ``total`` is the deadline of the whole logical call: every attempt, backoff sleeps and
    ``Retry-After`` waits, the token fetch the call waits for, and the reading of the answer
    (a stalled read included). ``connect`` bounds establishing a connection, per attempt
    (a failed connect is retried). ``read``, None by default, is an optional extra limit on
    each wait for data within one attempt (a slow attempt then times out and a call that is
    safe to re-send is retried); without it a stalled read ends at the deadline. The
    gateway itself answers 408 after 60 s.
    """

    total: float = 120.0
    connect: float = 10.0
    read: float | None = None

    def __post_init__(self) -> None:
        for name in ("total", "connect", "read"):
            value = getattr(self, name)
            if value is None and name == "read":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigurationError(
                    f"timeout.{name} must be a positive number of seconds"
                    + (" or None" if name == "read" else "")
                )

    @classmethod
    def coerce(cls, value: Timeout | float | None) -> Timeout:
        """A :class:`Timeout` from a number (the total; ``connect`` at most that)."""
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConfigurationError("timeout must be a positive number of seconds or a Timeout")
        total = float(value)
        return cls(total=total, connect=min(10.0, total))

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent :class:`aiohttp.ClientTimeout`."""
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(environment: str, base_url: str | None) -> URL:
    """The base URL for ``environment``, or the validated override.

    Plain ``http`` is accepted only for loopback hosts (the embedded sandbox); everything
    else must be ``https``.
    """
    if environment not in ("sandbox", "production"):
        raise ConfigurationError("environment must be 'sandbox' or 'production'")
    if base_url is None:
        return URL(SANDBOX_BASE_URL if environment == "sandbox" else PRODUCTION_BASE_URL)
    url = URL(base_url)
    if not url.is_absolute() or url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError("base_url must be an absolute http(s) URL")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigurationError("base_url must use https (plain http only for loopback hosts)")
    if url.query_string or url.fragment:
        raise ConfigurationError("base_url must not carry a query string or fragment")
    return url.with_path(url.path.rstrip("/"))


def resolve_proxy(proxy: str | URL | None) -> tuple[URL | None, Secret | None]:
    """The validated ``proxy`` URL (``http://`` or ``https://``, a host, an optional port, no
    path) without its ``user:password@``, and those credentials as the ``Proxy-Authorization``
    value (a :class:`Secret`, sent to the proxy only), or None.

    The error never repeats the value (it may hold the proxy's password).
    """
    if proxy is None:
        return None, None
    if not isinstance(proxy, (str, URL)):
        raise ConfigurationError("proxy must be a URL string such as 'http://proxy:3128'")
    try:
        url = URL(proxy)
    except ValueError:
        raise ConfigurationError("proxy is not a valid URL") from None
    if not url.is_absolute() or url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError("proxy must be an absolute http:// or https:// URL")
    if url.path not in ("", "/") or url.query_string or url.fragment:
        raise ConfigurationError("proxy must not carry a path, query string or fragment")
    if url.user is None and url.password is None:
        return url, None
    credentials = f"{url.user or ''}:{url.password or ''}".encode()
    return url.with_user(None), Secret("Basic " + base64.b64encode(credentials).decode("ascii"))


def env_value(env: Mapping[str, str] | None, name: str) -> str | None:
    """Read one variable from ``env`` (default ``os.environ``); empty means unset."""
    source = os.environ if env is None else env
    value = source.get(name)
    return value if value else None


_SECRET_VARS = ("PIVOT_CLIENT_SECRET", "PIVOT_WALLET_CLIENT_SECRET", "PIVOT_WALLET_PRIVATE_KEY")


def _wrapped(value: str | None) -> Secret | None:
    """An environment secret, wrapped as soon as it is read (None stays None)."""
    return None if value is None else Secret(value)


@dataclass(frozen=True)
class EnvValues:
    """The ``PIVOT_*`` variables as read, the secret ones already wrapped."""

    plain: Mapping[str, str | None]
    secrets: Mapping[str, Secret | None]


def read_env(env: Mapping[str, str] | None) -> EnvValues:
    """Read every variable of :data:`ENV_VARS` (cannot fail; secrets wrapped at once), so
    that the caller can drop the mapping before anything that may fail runs."""
    plain = {name: env_value(env, name) for name in ENV_VARS}
    return EnvValues(plain, {name: _wrapped(plain.pop(name)) for name in _SECRET_VARS})


def kwargs_from_env(
    values: EnvValues, overrides: Mapping[str, Any], wallet: Callable[..., Any]
) -> dict[str, Any]:
    """The :class:`~pivot_async.PivotClient` keyword arguments ``from_env`` derives from
    the variables (see :func:`read_env`), before ``overrides`` are applied. ``wallet`` builds
    the wallet credentials (``WalletCredentials``, passed in: this module does not import
    the wallet's)."""
    _env = values.plain.get
    _env_secret = values.secrets.get
    kwargs: dict[str, Any] = {}
    client_id = _env("PIVOT_CLIENT_ID")
    client_secret = _env_secret("PIVOT_CLIENT_SECRET")
    if "client_id" not in overrides and client_id is None:
        raise ConfigurationError("PIVOT_CLIENT_ID is not set")
    if "client_secret" not in overrides and client_secret is None:
        raise ConfigurationError("PIVOT_CLIENT_SECRET is not set")
    kwargs["client_id"] = client_id
    kwargs["client_secret"] = client_secret
    environment = _env("PIVOT_ENVIRONMENT")
    if environment is not None:
        kwargs["environment"] = environment.strip().lower()
    base_url = _env("PIVOT_BASE_URL")
    if base_url is not None:
        kwargs["base_url"] = base_url
    timeout = _env("PIVOT_TIMEOUT")
    if timeout is not None:
        try:
            kwargs["timeout"] = float(timeout)
        except ValueError:
            raise ConfigurationError("PIVOT_TIMEOUT must be a number of seconds") from None
    retries = _env("PIVOT_MAX_RETRIES")
    if retries is not None:
        try:
            kwargs["max_retries"] = int(retries)
        except ValueError:
            raise ConfigurationError("PIVOT_MAX_RETRIES must be an integer") from None
    wallet_key = _env("PIVOT_WALLET_CLIENT_KEY")
    if wallet_key is not None and "wallet" not in overrides:
        secret = _env_secret("PIVOT_WALLET_CLIENT_SECRET")
        private_key = _env_secret("PIVOT_WALLET_PRIVATE_KEY")
        channel = _env("PIVOT_WALLET_CHANNEL_ID")
        missing = [name for name, value in (
            ("PIVOT_WALLET_CLIENT_SECRET", secret),
            ("PIVOT_WALLET_PRIVATE_KEY", private_key),
            ("PIVOT_WALLET_CHANNEL_ID", channel),
        ) if value is None]
        if missing:
            raise ConfigurationError(
                "PIVOT_WALLET_CLIENT_KEY is set but not " + ", ".join(missing)
            )
        assert secret is not None
        assert private_key is not None
        assert channel is not None
        kwargs["wallet"] = wallet(
            wallet_key, secret, private_key, channel_id=channel,
            partner_id=_env("PIVOT_WALLET_PARTNER_ID"),
        )
    return kwargs
