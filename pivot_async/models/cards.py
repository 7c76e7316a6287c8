"""Card encryption structures: the plaintext and the encrypted envelope.

See docs/reference/wire.md#card-encryption.

The plaintext is encrypted client-side (RSA-OAEP-SHA256 + AES-256-GCM) and never sent as-is;
``base64(JSON(envelope))`` is the ``encryptedCard`` string. Keys are lower camelCase
(docs/reference/wire.md#decision-k). Card number and CVC are masked in ``repr``.
"""

from typing import Any

from ._base import Model
from ._util import redacted_repr, redacted_rich_repr

__all__ = [
    "CardEncryptionPayload",
    "DeviceInformation",
    "EncryptedCardEnvelope",
    "PlainCard",
]

_SECRETS = frozenset({"number", "cvc"})


class PlainCard(Model, kw_only=True):
    """The card inside the plaintext: ``number``, ``expiryMonth``, ``expiryYear``, ``cvc``..."""

    number: str | None = None
    """Card number (encrypted, never sent in clear)."""
    expiry_month: str | None = None
    """Expiry month, as a string."""
    expiry_year: str | None = None
    """Expiry year, as a string."""
    cvc: str | None = None
    """Card verification code."""
    name_on_card: str | None = None
    """Name printed on the card."""

    def __repr__(self) -> str:
        return redacted_repr(self, _SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _SECRETS)


class DeviceInformation(Model, kw_only=True):
    """Browser/device details sent with the card (``deviceInformations``)."""

    type: str | None = None
    """Device type."""
    user_agent: str | None = None
    """Browser user agent."""
    ip_address: str | None = None
    """Customer's IP address."""
    accept_language: str | None = None
    """Browser ``Accept-Language``."""
    cookie_token: str | None = None
    """Session cookie token of the browser."""
    device_id: str | None = None
    """Device id."""
    browser_width: str | None = None
    """Browser window width in pixels."""
    browser_height: str | None = None
    """Browser window height in pixels."""
    country: str | None = None
    """Customer's country."""


class CardEncryptionPayload(Model, kw_only=True):
    """The plaintext that is encrypted: ``card``, ``deviceInformations``, ``metadata``."""

    card: PlainCard | None = None
    """The card."""
    device_informations: DeviceInformation | None = None
    """The customer's browser or device."""
    metadata: dict[str, Any] | None = None
    """Free key/value data."""


class EncryptedCardEnvelope(Model, kw_only=True):
    """The encrypted envelope: base64 ``encryptedKey``, ``nonce`` and ``ciphertext``."""

    encrypted_key: str | None = None
    """AES key encrypted with the session's RSA key, base64."""
    nonce: str | None = None
    """AES-GCM nonce, base64."""
    ciphertext: str | None = None
    """The encrypted payload, base64."""
