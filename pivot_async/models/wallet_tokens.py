"""Pivot Pay wallet (SNAP) token models and the base of wallet responses.

B2B token: ``POST /snap/v1.0/access-token/b2b``; B2B2C (customer) token:
``POST /snap/v1.0/access-token/b2b2c`` (docs/reference/wire-snap.md#snap-b2b-token,
wire-snap.md#snap-b2b2c-token). Tokens are masked in ``repr``.
"""

import datetime as _dt
from typing import Any

from ._base import Model
from ._util import check_info, check_text, empty_info, redacted_repr, redacted_rich_repr
from .auth import DEFAULT_TOKEN_LIFETIME
from .common import parse_timestamp

__all__ = [
    "B2B2CTokenRequest",
    "B2B2CTokenResponse",
    "B2BTokenRequest",
    "B2BTokenResponse",
    "WalletResponse",
]


class WalletResponse(Model, kw_only=True):
    """Base of wallet responses: the 7-character ``responseCode`` and ``responseMessage``."""

    response_code: str | None = None
    """7-character SNAP result code (HTTP status, service code, case)."""
    response_message: str | None = None
    """Human-readable result, e.g. ``Successful``."""

    @property
    def http_status(self) -> int | None:
        """The HTTP status encoded in the first 3 digits of ``responseCode``."""
        code = self.response_code
        if code is None or len(code) != 7 or not (code.isascii() and code.isdigit()):
            return None
        return int(code[:3])

    @property
    def case_code(self) -> str | None:
        """The 2-digit case code (last 2 digits of ``responseCode``)."""
        code = self.response_code
        if code is None or len(code) != 7:
            return None
        return code[5:]


# -- tokens -----------------------------------------------------------------------------------

_TOKEN_REQUEST_SECRETS = frozenset({"auth_code", "refresh_token"})
_TOKEN_RESPONSE_SECRETS = frozenset({"access_token", "refresh_token"})


class B2BTokenRequest(Model, kw_only=True):
    """B2B token request: ``{"grantType":"client_credentials","additionalInfo":{}}``."""

    grant_type: str | None = None
    """Always ``client_credentials``."""
    additional_info: dict[str, Any] | None = None
    """Free-form object, sent as ``{}``."""

    def __post_init__(self) -> None:
        if self.grant_type is None:
            self.grant_type = "client_credentials"
        self.additional_info = empty_info(self.additional_info)
        check_info(self.additional_info)


class B2BTokenResponse(WalletResponse, kw_only=True):
    """B2B token response: ``accessToken``, ``tokenType``, ``expiresIn`` (string or number)."""

    access_token: str | None = None
    """The merchant (B2B) access token; masked in repr."""
    token_type: str | None = None
    """The token type, ``Bearer``."""
    expires_in: int | None = None
    """Lifetime in seconds (string or number)."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    @property
    def lifetime(self) -> int:
        """Seconds the token is valid for (``expiresIn``, 900 when missing or not positive)."""
        if self.expires_in is None or self.expires_in <= 0:
            return DEFAULT_TOKEN_LIFETIME
        return self.expires_in

    def __repr__(self) -> str:
        return redacted_repr(self, _TOKEN_RESPONSE_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _TOKEN_RESPONSE_SECRETS)


class B2B2CTokenRequest(Model, kw_only=True):
    """B2B2C (customer) token request; the secrets are masked in ``repr``.

    Grant ``authorization_code`` (the default) with the ``bindingId`` as ``authCode``, or
    ``refresh_token`` with ``refreshToken``.
    """

    grant_type: str | None = None
    """``authorization_code`` or ``refresh_token``.
    Rule: Required, 1-64 characters."""
    auth_code: str | None = None
    """Code from the account-binding redirect (authorization_code); masked.
    Rule: 1-2048 characters; required with authorization_code."""
    refresh_token: str | None = None
    """Refresh token (refresh_token grant); masked.
    Rule: 1-2048 characters; required with refresh_token."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    def __post_init__(self) -> None:
        if self.grant_type is None:
            self.grant_type = "authorization_code"
        self.additional_info = empty_info(self.additional_info)
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.grant_type, "grantType", min_len=1, max_len=64, required=True)
        grant = (self.grant_type or "").lower()
        if grant == "authorization_code":
            check_text(self.auth_code, "authCode", min_len=1, max_len=2048, required=True)
        elif grant == "refresh_token":
            check_text(self.refresh_token, "refreshToken", min_len=1, max_len=2048,
                       required=True)
        check_info(self.additional_info)

    def __repr__(self) -> str:
        return redacted_repr(self, _TOKEN_REQUEST_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _TOKEN_REQUEST_SECRETS)


class B2B2CTokenResponse(WalletResponse, kw_only=True):
    """B2B2C token response: tokens with absolute ``+07:00`` expiry times (no ordering assumed)."""

    access_token: str | None = None
    """The customer (B2B2C) access token; masked in repr."""
    token_type: str | None = None
    """The token type, ``Bearer``."""
    access_token_expiry_time: str | None = None
    """When the access token expires (``+07:00`` time)."""
    refresh_token: str | None = None
    """Token to get a new access token; masked in repr."""
    refresh_token_expiry_time: str | None = None
    """When the refresh token expires (``+07:00`` time)."""
    additional_info: dict[str, Any] | None = None
    """Free-form object."""

    @property
    def access_token_expires(self) -> _dt.datetime | None:
        """``accessTokenExpiryTime`` as an aware datetime (``None`` when absent)."""
        return parse_timestamp(self.access_token_expiry_time)

    @property
    def refresh_token_expires(self) -> _dt.datetime | None:
        """``refreshTokenExpiryTime`` as an aware datetime (``None`` when absent)."""
        return parse_timestamp(self.refresh_token_expiry_time)

    def __repr__(self) -> str:
        return redacted_repr(self, _TOKEN_RESPONSE_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _TOKEN_RESPONSE_SECRETS)
