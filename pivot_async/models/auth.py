"""Payments API access token: ``POST /v1/access-token``.

See docs/reference/wire.md#payments-access-token.
"""

from typing import Any

from ._base import Model
from ._util import redacted_repr, redacted_rich_repr

__all__ = ["DEFAULT_TOKEN_LIFETIME", "AccessToken", "AccessTokenRequest"]

DEFAULT_TOKEN_LIFETIME = 900
_SECRETS = frozenset({"access_token"})


class AccessTokenRequest(Model, kw_only=True):
    """The token request body: ``{"grantType":"client_credentials"}``."""

    grant_type: str | None = None
    """The OAuth grant; always ``client_credentials``."""

    def __post_init__(self) -> None:
        # Filled here rather than as the field default so that ``omit_defaults`` still sends it.
        if self.grant_type is None:
            self.grant_type = "client_credentials"


class AccessToken(Model, kw_only=True):
    """The token response ``data``: ``accessToken``, ``expiresIn``, ``tokenType``.

    ``expiresIn`` is read as a string or a number. The token is masked in ``repr``.
    :attr:`lifetime` falls back to 900 s when ``expiresIn`` is missing.
    """

    access_token: str | None = None
    """The bearer token sent as ``Authorization: Bearer ...`` (masked in repr)."""
    expires_in: int | None = None
    """Lifetime in seconds, a string such as ``"900"`` (a number is read too)."""
    token_type: str | None = None
    """The token type, ``Bearer``."""

    @property
    def lifetime(self) -> int:
        """Seconds the token is valid for (``expiresIn``, 900 when missing or not positive)."""
        if self.expires_in is None or self.expires_in <= 0:
            return DEFAULT_TOKEN_LIFETIME
        return self.expires_in

    def __repr__(self) -> str:
        return redacted_repr(self, _SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _SECRETS)
